"""Re-imaging 50 tenants x 2 host pools x 10 session hosts, with users, on the emulator.

The world: a provider tenant whose production gallery holds the image (replicated to every
region the customers use), and N customer tenants, each with its own subscription, region, time
zone, network and two pooled host pools of ten hosts; the pools run the provider's image across
tenants (auxiliary tokens). Each tenant's maintenance window is Wednesday 21:00 local for five
hours; 40 users per pool work 08:00-21:30 local (the late ones are signed in when the window
opens; 90 % sign out when messaged). Policy: side by side, maxSurge 2, batch 2 doubling, a
one-host canary baked 30 minutes, grace 15 minutes, logoff Wait, old hosts kept.

Set-up (not measured): apply, release 1.0.0, provision every pool at once. Measured: release
1.0.1, then every pool's rollout started at once; the emulator's clock runs at ``--speed`` and,
while no tenant's window is open, jumps to a minute before the next one opens (no pool can do
anything then: the fast-forward of a discrete-event simulation). Reported per pool: done in its
first window, simulated time from the window's opening to the end against the lower bound, ARM
calls per replaced host, forced logoffs (the emulator's disruptions), and the lowest number of
serving hosts the emulator saw.

Lower bound (per pool; pools are in separate subscriptions, so ARM's rate limits do not bind -
the calls per subscription are reported): the batches the policy allows (1, 2, 2, 2, 2, 1 with
maxSurge 2), each taking the emulator's modelled durations one after the other - NIC, VM, the
join and agent extensions, then emptying the old hosts (the grace period, or as long as their
messaged users stayed: under Wait no orchestrator may end a session), deallocation and tagging -
plus the canary's bake. Azure's durations, windows and rate limits only: polling is goldfleet's
cost (its SDK waits each ``Retry-After`` on the simulated clock, as it would on Azure).

    .venv/bin/python bench/rollouts.py [--tenants 50] [--speed 120]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from distribution import SECRET, control, start_emulator

APP = "0e6a3f4b-9c2d-4e1a-8b7f-3d5c6a9e1b10"
ZONES = [
    ("Europe/London", "uksouth"),
    ("Europe/Berlin", "germanywestcentral"),
    ("America/New_York", "eastus"),
    ("America/Los_Angeles", "westus2"),
    ("Australia/Sydney", "australiaeast"),
    ("Asia/Tokyo", "japaneast"),
    ("Asia/Singapore", "southeastasia"),
    ("America/Sao_Paulo", "brazilsouth"),
]
HOSTS = 10
POOLS = 2
USERS = 40
SIZE = "Standard_D2as_v5"
POLICY = {
    "strategy": "sideBySide",
    "maxSurge": 2,
    "minAvailablePercent": 80,
    "batchSize": 2,
    "canary": {"hosts": 1, "bakeTime": "30m"},
    "failureBudget": 1,
    "drainMessage": {"title": "Desktop update", "body": "Please save your work and sign out."},
    "gracePeriod": "15m",
    "logoff": "Wait",
    "keepOldHostsDays": 7,
}
WINDOW = {
    "name": "wed-night",
    "type": "weekly",
    "days": ["Wed"],
    "start": "21:00",
    "duration": "5h",
}
START = "2027-01-18T00:00:00Z"  # a Monday
NIC_SECONDS = 0.0  # the emulator's network operations finish at once (see below)


def ids(i: int) -> tuple[str, str]:
    return str(uuid.UUID(int=0xD000 + i)), str(uuid.UUID(int=0xE0000 + i))


def zone_of(i: int) -> tuple[str, str]:
    return ZONES[(i - 1) % len(ZONES)]


def scenario(tenants: int) -> str:
    provider_tid, provider_sub = ids(0)
    regions = sorted({r for _, r in ZONES})
    lines = [
        "apiVersion: goldfleet.emulator/v1",
        f'clock: {{start: "{START}", speed: 0}}',
        "seed: 6",
        "tenants:",
        f"  - id: {provider_tid}\n    name: Provider\n    domain: provider.example\n"
        f"    subscriptions:\n      - {{id: {provider_sub}, name: provider-images, regions: "
        f"[{', '.join(regions)}], resourceGroups: [{{name: rg-images, location: eastus}}, "
        "{name: rg-build, location: eastus}]}",
    ]
    for i in range(1, tenants + 1):
        tid, sub = ids(i)
        _, region = zone_of(i)
        lines.append(
            f"  - id: {tid}\n    name: Customer {i}\n    domain: customer{i}.example\n"
            f"    subscriptions:\n      - {{id: {sub}, name: customer-{i}, regions: [{region}], "
            f"resourceGroups: [{{name: rg-avd, location: {region}}}]}}"
        )
    consents = ", ".join(f"Customer {i}" for i in range(1, tenants + 1))
    lines += [
        "applications:",
        f"  - {{appId: {APP}, name: goldfleet, homeTenant: Provider, multiTenant: true, "
        f"secrets: [{{value: {SECRET}}}], consentedIn: [{consents}]}}",
        "resources:",
        f"  - id: /subscriptions/{provider_sub}/resourceGroups/rg-build/providers/"
        "Microsoft.Compute/images/img-base",
        "    location: eastus",
        "    properties: {hyperVGeneration: V2, storageProfile: {osDisk: {osType: Windows, "
        "osState: Generalized, diskSizeGB: 128}}}",
        "virtualNetworks:",
    ]
    for i in range(1, tenants + 1):
        _, region = zone_of(i)
        lines.append(
            f"  - {{subscription: customer-{i}, resourceGroup: rg-avd, name: vnet-avd, location: "
            f"{region}, addressSpace: [10.{i % 250}.0.0/16], subnets: [{{name: snet-hosts, "
            f"addressPrefix: 10.{i % 250}.1.0/24}}]}}"
        )
    lines += [
        "roleAssignments:",
        f"  - {{principal: goldfleet, role: Contributor, scope: /subscriptions/{provider_sub}}}",
    ]
    for i in range(1, tenants + 1):
        lines.append(
            f"  - {{principal: goldfleet, role: Contributor, scope: /subscriptions/{ids(i)[1]}}}"
        )
    return "\n".join(lines) + "\n"


def configuration(tenants: int, windows: bool, policy: dict[str, Any]) -> str:
    provider_tid, provider_sub = ids(0)
    regions = sorted({r for _, r in ZONES})
    credential = (
        f"credential: {{type: clientSecret, clientId: {APP}, secretEnv: GOLDFLEET_CLIENT_SECRET}}"
    )
    docs = [
        f"""apiVersion: goldfleet/v1
kind: Tenant
metadata: {{name: provider}}
spec:
  tenantId: {provider_tid}
  displayName: Provider
  role: provider
  timeZone: UTC
  {credential}
  subscriptions:
    - id: {provider_sub}
      name: provider-images
      regions: [{", ".join(regions)}]
      resourceGroups: [{{name: rg-images, location: eastus}}, {{name: rg-build, location: eastus}}]
""",
        """apiVersion: goldfleet/v1
kind: Gallery
metadata: {name: production}
spec: {role: production, tenant: provider, subscription: provider-images, resourceGroup: rg-images, location: eastus, name: gal_production}
""",
        """apiVersion: goldfleet/v1
kind: ImageDefinition
metadata: {name: win11}
spec: {gallery: production, name: win11, securityType: TrustedLaunchSupported, identifier: {publisher: Bench, offer: win11, sku: avd}}
""",
        f"""apiVersion: goldfleet/v1
kind: ImagePipeline
metadata: {{name: monthly}}
spec:
  source: {{type: managedImage, id: /subscriptions/{provider_sub}/resourceGroups/rg-build/providers/Microsoft.Compute/images/img-base}}
  build: {{tenant: provider, subscription: provider-images, resourceGroup: rg-build, location: eastus}}
  distribution:
    versioning: semver
    targets:
      - {{definition: win11, regions: [{", ".join(regions)}]}}
""",
        f"""apiVersion: goldfleet/v1
kind: RolloutPolicy
metadata: {{name: bench}}
spec: {json.dumps(policy)}
""",
    ]
    for i in range(1, tenants + 1):
        tid, sub = ids(i)
        zone, region = zone_of(i)
        window = f"  maintenanceWindows: [{json.dumps(WINDOW)}]\n" if windows else ""
        docs.append(
            f"""apiVersion: goldfleet/v1
kind: Tenant
metadata: {{name: customer-{i:03d}}}
spec:
  tenantId: {tid}
  displayName: Customer {i}
  role: customer
  timeZone: {zone}
  {credential}
  subscriptions:
    - id: {sub}
      name: customer-{i}
      regions: [{region}]
      resourceGroups: [{{name: rg-avd, location: {region}}}]
{window}"""
        )
        for p in range(1, POOLS + 1):
            subnet = (
                f"/subscriptions/{sub}/resourceGroups/rg-avd/providers/Microsoft.Network/"
                "virtualNetworks/vnet-avd/subnets/snet-hosts"
            )
            docs.append(
                f"""apiVersion: goldfleet/v1
kind: HostPool
metadata: {{name: pool-{i:03d}-{p}}}
spec:
  tenant: customer-{i:03d}
  subscription: customer-{i}
  resourceGroup: rg-avd
  location: {region}
  name: hp-{p}
  type: pooled
  loadBalancer: breadthFirst
  maxSessionLimit: 8
  sessionHosts:
    image: win11
    vmSize: {SIZE}
    namePrefix: c{i:03d}p{p}
    count: {HOSTS}
    subnetId: {subnet}
    join: {{type: entra}}
  rolloutPolicy: bench
"""
            )
    return "---\n".join(docs)


def lower_bound_seconds(
    durations: dict[str, float],
    batches: list[dict[str, Any]],
    holds: dict[str, float],
) -> float:
    """What the pool's batches need at the least, one after the other: making the hosts
    (NIC, VM, the join and agent extensions), emptying the batch's old hosts (the grace period,
    or longer while the batch's users stayed signed in: under Wait nothing may end their
    session; ``holds``: per old host, how long its messaged users stayed), deallocating and
    tagging the old hosts; plus the canary's bake. The number of batches is the policy's
    (1, 2, 2, 2, 2, 1 with maxSurge 2). Each long-running operation counts its modelled
    duration."""

    def lro(name: str) -> float:
        return durations[name]

    create = lro("nic") + lro("vmCreate") + 2 * lro("extensionInstall")
    retire = lro("vmDeallocate") + lro("vmUpdate")
    sizes = [1]
    left = HOSTS - 1
    while left > 0:
        sizes.append(min(POLICY["batchSize"], left, POLICY["maxSurge"]))
        left -= sizes[-1]
    grace = 15 * 60
    emptying = sum(
        max([grace] + [holds.get(h.lower(), 0.0) for h in b.get("retired", [])])
        for b in batches
        if b.get("messaged")
    )
    return len(sizes) * (create + retire) + emptying + 30 * 60


def user_holds(records: dict[str, Any]) -> dict[str, float]:
    """Per session host (its VM name, lower case): from the first message to it until the last
    of its messaged users signed out, in simulated seconds (the emulator's records)."""
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    for message in records["messages"]:
        host = _vm_of(message["sessionHostId"])
        at = datetime.fromisoformat(message["time"].replace("Z", "+00:00"))
        first[host] = min(first.get(host, at), at)
    for logoff in records["logoffs"]:
        if not logoff["messaged"]:
            continue
        host = _vm_of(logoff["sessionHostId"])
        at = datetime.fromisoformat(logoff["time"].replace("Z", "+00:00"))
        last[host] = max(last.get(host, at), at)
    return {h: (last[h] - first[h]).total_seconds() for h in first if h in last}


def _vm_of(session_host_id: str) -> str:
    return session_host_id.rsplit("/", 1)[-1].split(".", 1)[0].lower()


def request_log(endpoint: str, ca: str) -> list[dict[str, Any]]:
    """Every entry of the emulator's request log, page by page (a page is 10,000 entries)."""
    entries: list[dict[str, Any]] = []
    while True:
        since = entries[-1]["seq"] if entries else 0
        page = control(endpoint, ca, "GET", f"/requests?since={since}&limit=10000")["value"]
        if not page:
            return entries
        entries.extend(page)


def clock(endpoint: str, ca: str) -> datetime:
    return datetime.fromtimestamp(control(endpoint, ca, "GET", "/clock")["timestamp"], UTC)


def window_opens(tenants: int, after: datetime) -> list[datetime]:
    from goldfleet.domain.tenancy import MaintenanceWindow, WindowKind
    from goldfleet.domain.windows import next_open

    window = MaintenanceWindow(
        "wed-night",
        WindowKind.WEEKLY,
        datetime.strptime("21:00", "%H:%M").time(),
        timedelta(hours=5),
        ("Wed",),
    )
    found = []
    for i in range(1, tenants + 1):
        instance = next_open((window,), zone_of(i)[0], (), after)
        assert instance is not None
        found.append(instance.start)
    return found


def fast_forward(endpoint: str, ca: str, opens: list[datetime], stop: threading.Event) -> None:
    """While no window is open, jump to a minute before the next one opens."""
    spans = sorted((o, o + timedelta(hours=5)) for o in opens)
    while not stop.is_set():
        now = clock(endpoint, ca)
        if not any(a <= now < b for a, b in spans):
            later = [a for a, _ in spans if a > now]
            if not later:
                return
            target = later[0] - timedelta(minutes=1)
            if target > now:
                control(endpoint, ca, "PUT", "/clock", {"now": target.isoformat()})
        stop.wait(1.0)


def run_all(config: Path, target: Any, pools: list[str], version: str) -> dict[str, Any]:
    """Every pool's rollout at once on this process's engine; their reports by pool."""
    from goldfleet.api import rollouts

    return rollouts.roll_out_many(config, target, pools, version)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--speed", type=float, default=120.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="goldfleet-bench-rollouts-"))
    (work / "scenario.yaml").write_text(scenario(args.tenants))
    for name, windows, policy in (
        ("setup", False, {**POLICY, "maxSurge": HOSTS, "batchSize": HOSTS, "canary": {"hosts": 0}}),
        ("config", True, POLICY),
    ):
        (work / name).mkdir()
        (work / name / "estate.yaml").write_text(configuration(args.tenants, windows, policy))
    server, endpoint, ca = start_emulator(work)  # its SECRET is ours: the same app secret
    try:
        from goldfleet.api import changes, images, promotion
        from goldfleet.api.session import Target, resolve_cloud

        target = Target(resolve_cloud(), work / "state")
        pools = [f"pool-{i:03d}-{p}" for i in range(1, args.tenants + 1) for p in (1, 2)]
        source = (
            f"/subscriptions/{ids(0)[1]}/resourceGroups/rg-build/providers/"
            "Microsoft.Compute/images/img-base"
        )
        began = time.perf_counter()
        control(endpoint, ca, "PUT", "/clock", {"speed": 600})
        changes.apply(work / "setup", target)
        images.create_release(work / "setup", target, "monthly", source, "1.0.0")
        promotion.promote_release(work / "setup", target, "monthly:1.0.0", "bench")
        provisioned = run_all(work / "setup", target, pools, "1.0.0")
        assert all(r["state"] == "done" for r in provisioned.values()), provisioned
        images.create_release(work / "setup", target, "monthly", source, "1.0.1")
        promotion.promote_release(work / "setup", target, "monthly:1.0.1", "bench")
        print(
            f"set-up: {len(pools)} pools of {HOSTS} provisioned in "
            f"{time.perf_counter() - began:.0f} s real",
            flush=True,
        )
        # Monday 09:00 UTC of the next week: users come, windows open on Wednesday night.
        now = clock(endpoint, ca)
        monday = (now + timedelta(days=7 - now.weekday())).replace(hour=0, minute=0, second=0)
        control(endpoint, ca, "PUT", "/clock", {"now": monday.isoformat(), "speed": 0})
        for i in range(1, args.tenants + 1):
            zone, _ = zone_of(i)
            for p in (1, 2):
                pool_id = (
                    f"/subscriptions/{ids(i)[1]}/resourceGroups/rg-avd/providers/"
                    f"Microsoft.DesktopVirtualization/hostPools/hp-{p}"
                )
                control(
                    endpoint,
                    ca,
                    "PUT",
                    "/desktopvirtualization/populations",
                    {
                        "hostPoolId": pool_id,
                        "users": USERS,
                        "timeZone": zone,
                        "start": "08:00",
                        "end": "21:30",
                        "signOutOnMessage": 0.9,
                    },
                )
        opens = window_opens(args.tenants, monday)
        first = min(opens) - timedelta(minutes=2)
        control(endpoint, ca, "PUT", "/clock", {"now": first.isoformat(), "speed": 0})
        control(endpoint, ca, "DELETE", "/desktopvirtualization/metrics")
        control(endpoint, ca, "DELETE", "/requests")
        control(endpoint, ca, "PUT", "/clock", {"speed": args.speed})
        stop = threading.Event()
        jumper = threading.Thread(target=fast_forward, args=(endpoint, ca, opens, stop))
        jumper.start()
        real = time.perf_counter()
        reports = run_all(work / "config", target, pools, "1.0.1")
        real = time.perf_counter() - real
        stop.set()
        jumper.join()
        log = request_log(endpoint, ca)
        metrics = control(endpoint, ca, "GET", "/desktopvirtualization/metrics")
        records = control(endpoint, ca, "GET", "/desktopvirtualization/records")
        from goldfleet.emulator.rp.compute.machine_timing import DEFAULT_SECONDS

        durations = {**DEFAULT_SECONDS, "nic": NIC_SECONDS}
        calls = Counter(
            e["path"].split("/")[2].lower() for e in log if e["path"].startswith("/subscriptions/")
        )
        holds = user_holds(records)
        rows = []
        for index, pool in enumerate(pools):
            tenant = index // POOLS + 1
            report = reports[pool]
            opened = opens[tenant - 1]
            started = min(datetime.fromisoformat(b["started"]) for b in report["batches"])
            ended = max(datetime.fromisoformat(b["ended"]) for b in report["batches"])
            bound = lower_bound_seconds(durations, report["batches"], holds)
            pool_id = (
                f"/subscriptions/{ids(tenant)[1]}/resourceGroups/rg-avd/providers/"
                f"microsoft.desktopvirtualization/hostpools/hp-{pool[-1]}"
            ).lower()
            seen = metrics.get(pool_id, {})
            rows.append(
                {
                    "pool": pool,
                    "state": report["state"],
                    "first_window": opened <= started and ended <= opened + timedelta(hours=5),
                    "minutes": round((ended - opened).total_seconds() / 60, 1),
                    "lower_bound_minutes": round(bound / 60, 1),
                    "ratio": round((ended - opened).total_seconds() / bound, 3),
                    "replaced": len(report["retired"]),
                    "forced_logoffs": report["forcedLogoffs"],
                    "disruptions": seen.get("disruptions"),
                    "min_serving": seen.get("minServing"),
                    "messaged": report["messagedSessions"],
                }
            )
        per_sub = [calls[ids(i)[1]] for i in range(1, args.tenants + 1)]
        summary = {
            "tenants": args.tenants,
            "pools": len(pools),
            "hosts_replaced": sum(r["replaced"] for r in rows),
            "speed": args.speed,
            "real_seconds": round(real, 1),
            "done_in_first_window": sum(r["first_window"] for r in rows),
            "ratio_min_median_max": [
                sorted(r["ratio"] for r in rows)[k] for k in (0, len(rows) // 2, -1)
            ],
            "pools_within_1_25": sum(1 for r in rows if r["ratio"] <= 1.25),
            "forced_logoffs": sum(r["forced_logoffs"] for r in rows),
            "disruptions": sum(r["disruptions"] or 0 for r in rows),
            "min_serving_lowest": min(r["min_serving"] or 0 for r in rows),
            "sessions_messaged": sum(r["messaged"] for r in rows),
            "arm_calls_per_replaced_host": round(
                sum(per_sub) / max(1, sum(r["replaced"] for r in rows)), 1
            ),
            "http_429": sum(1 for e in log if e["status"] == 429),
        }
        (work / "rows.json").write_text(json.dumps(rows, indent=1))
        print(json.dumps(summary, indent=2))
        print(f"per pool: {work / 'rows.json'}")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
