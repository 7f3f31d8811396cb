"""Distributing one image version to 100 customer tenants x 3 regions, on the emulator with
ARM's limits: simulated completion time against the lower bound, ARM calls per tenant, and
whether any 429 reached the user.

The world: a provider tenant (staging and production galleries) and N customer tenants, each
with its own subscription, gallery and image definition; the pipeline replicates the version to
staging (1 region), production (3 regions) and every customer's own gallery (3 regions each,
copied cross-tenant from the
provider's staging version, the first with a replica in eastus). The emulator runs in its own process with ARM's default
token buckets; goldfleet runs here, its engine on SQLite.

Lower bound: what a perfect orchestrator would take with the replication times the emulator
actually modelled (see ``replication_lower_bound``): staging first, then production and every
customer copy from staging's eastus replica. ARM's rate limits do not bind here: every customer
has its own subscription, and per subscription a copy needs a handful of calls (reported).

    .venv/bin/python bench/distribution.py [--tenants 100] [--speed 100]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

APP = "0e6a3f4b-9c2d-4e1a-8b7f-3d5c6a9e1b10"
SECRET = "bench-secret"
REGIONS = ["eastus", "westus2", "centralus"]


def ids(i: int) -> tuple[str, str]:
    return str(uuid.UUID(int=0xB000 + i)), str(uuid.UUID(int=0xC0000 + i))


def scenario(tenants: int) -> str:
    provider_tid, provider_sub = ids(0)
    lines = [
        "apiVersion: goldfleet.emulator/v1",
        'clock: {start: "2027-01-12T09:00:00Z", speed: 0}',
        "seed: 5",
        "tenants:",
        f"  - {{id: {provider_tid}, name: Provider, domain: provider.example}}",
    ]
    lines[-1] = (
        f"  - id: {provider_tid}\n    name: Provider\n    domain: provider.example\n    subscriptions:\n      - {{id: {provider_sub}, name: provider-images, regions: [{', '.join(REGIONS)}], resourceGroups: [{{name: rg-images, location: eastus}}, {{name: rg-build, location: eastus}}]}}"
    )
    for i in range(1, tenants + 1):
        tid, sub = ids(i)
        lines.append(
            f"  - id: {tid}\n    name: Customer {i}\n    domain: customer{i}.example\n    subscriptions:\n      - {{id: {sub}, name: customer-{i}, regions: [{', '.join(REGIONS)}], resourceGroups: [{{name: rg-avd, location: eastus}}]}}"
        )
    consents = ", ".join(f"Customer {i}" for i in range(1, tenants + 1))
    lines += [
        "applications:",
        f"  - {{appId: {APP}, name: goldfleet, homeTenant: Provider, multiTenant: true, secrets: [{{value: {SECRET}}}], consentedIn: [{consents}]}}",
        "resources:",
        f"  - id: /subscriptions/{provider_sub}/resourceGroups/rg-build/providers/Microsoft.Compute/images/img-base",
        "    location: eastus",
        "    properties: {hyperVGeneration: V2, storageProfile: {osDisk: {osType: Windows, osState: Generalized, diskSizeGB: 128}}}",
        "roleAssignments:",
        f"  - {{principal: goldfleet, role: Contributor, scope: /subscriptions/{provider_sub}}}",
    ]
    for i in range(1, tenants + 1):
        lines.append(
            f"  - {{principal: goldfleet, role: Contributor, scope: /subscriptions/{ids(i)[1]}}}"
        )
    return "\n".join(lines) + "\n"


def configuration(tenants: int) -> str:
    provider_tid, provider_sub = ids(0)
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
      regions: [{", ".join(REGIONS)}]
      resourceGroups: [{{name: rg-images, location: eastus}}, {{name: rg-build, location: eastus}}]
"""
    ]
    for name, role in (("staging", "staging"), ("production", "production")):
        docs.append(f"""apiVersion: goldfleet/v1
kind: Gallery
metadata: {{name: {name}}}
spec: {{role: {role}, tenant: provider, subscription: provider-images, resourceGroup: rg-images, location: eastus, name: gal_{name}}}
""")
        docs.append(f"""apiVersion: goldfleet/v1
kind: ImageDefinition
metadata: {{name: def-{name}}}
spec: {{gallery: {name}, name: win11, securityType: TrustedLaunchSupported, identifier: {{publisher: Bench, offer: win11, sku: avd}}}}
""")
    targets = [
        "      - {definition: def-staging, regions: [eastus]}",
        f"      - {{definition: def-production, regions: [{', '.join(REGIONS)}]}}",
    ]
    for i in range(1, tenants + 1):
        tid, sub = ids(i)
        docs.append(f"""apiVersion: goldfleet/v1
kind: Tenant
metadata: {{name: customer-{i:03d}}}
spec:
  tenantId: {tid}
  displayName: Customer {i}
  role: customer
  timeZone: UTC
  {credential}
  subscriptions:
    - id: {sub}
      name: customer-{i}
      regions: [{", ".join(REGIONS)}]
      resourceGroups: [{{name: rg-avd, location: eastus}}]
""")
        docs.append(f"""apiVersion: goldfleet/v1
kind: Gallery
metadata: {{name: gallery-{i:03d}}}
spec: {{role: production, tenant: customer-{i:03d}, subscription: customer-{i}, resourceGroup: rg-avd, location: eastus, name: gal_customer}}
---
apiVersion: goldfleet/v1
kind: ImageDefinition
metadata: {{name: def-{i:03d}}}
spec: {{gallery: gallery-{i:03d}, name: win11, securityType: TrustedLaunchSupported, identifier: {{publisher: Bench, offer: win11, sku: avd}}}}
""")
        targets.append(
            f"      - {{definition: def-{i:03d}, regions: [{', '.join(REGIONS)}], excludeFromLatest: true}}"
        )
    docs.append(
        f"""apiVersion: goldfleet/v1
kind: ImagePipeline
metadata: {{name: monthly}}
spec:
  source: {{type: managedImage, id: /subscriptions/{provider_sub}/resourceGroups/rg-build/providers/Microsoft.Compute/images/img-base}}
  build: {{tenant: provider, subscription: provider-images, resourceGroup: rg-build, location: eastus}}
  distribution:
    versioning: semver
    targets:
"""
        + "\n".join(targets)
        + "\n"
    )
    return "---\n".join(docs)


def control(endpoint: str, ca: str, method: str, path: str, body: Any = None) -> Any:
    """Call the emulator's control API with its control secret, found as goldfleet finds it
    ($GOLDFLEET_EMULATOR_SECRET, else the control-secret file beside the CA)."""
    from goldfleet.azure.cloud import find_emulator_secret

    secret = find_emulator_secret(Path(ca))
    if secret is None:
        raise SystemExit(f"no control secret beside {ca}: is the emulator running?")
    request = urllib.request.Request(
        f"{endpoint}/_emulator{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "x-goldfleet-emulator-secret": secret},
    )
    with urllib.request.urlopen(
        request, context=ssl.create_default_context(cafile=ca), timeout=60
    ) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


def start_emulator(work: Path) -> tuple[subprocess.Popen[str], str, str]:
    """The emulator in its own process on ``work/scenario.yaml``, and goldfleet's environment
    pointed at it (state in ``work/state``); returns the process, the endpoint and the CA."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "goldfleet",
            "emulator",
            "serve",
            "--port",
            "0",
            "--scenario",
            str(work / "scenario.yaml"),
            "--state-dir",
            str(work / "emu"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    endpoint = ca = ""
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("ARM endpoint:"):
            endpoint = line.split()[-1]
        if line.startswith("CA bundle:"):
            ca = line.split()[-1]
        if line.startswith("Control API"):
            break
    os.environ.update(
        {
            "GOLDFLEET_CLIENT_SECRET": SECRET,
            "GOLDFLEET_STATE_DIR": str(work / "state"),
            "GOLDFLEET_EMULATOR_ENDPOINT": endpoint,
            "GOLDFLEET_EMULATOR_CA": ca,
        }
    )
    os.environ.pop("GOLDFLEET_DATABASE_URL", None)
    return server, endpoint, ca


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--speed", type=float, default=100.0)
    parser.add_argument("--log", type=Path, help="write the emulator's request log here (JSON)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="goldfleet-bench-distribution-"))
    (work / "scenario.yaml").write_text(scenario(args.tenants))
    (work / "config").mkdir()
    (work / "config" / "estate.yaml").write_text(configuration(args.tenants))
    server, endpoint, ca = start_emulator(work)
    try:
        from goldfleet.api import changes, images
        from goldfleet.api.session import Target, resolve_cloud

        target = Target(resolve_cloud(), work / "state")
        control(endpoint, ca, "PUT", "/clock", {"speed": 3000})  # set-up is not measured
        started = time.perf_counter()
        changes.apply(work / "config", target)
        print(
            f"set-up: {args.tenants * 2 + 4} galleries and definitions applied in {time.perf_counter() - started:.1f} s real"
        )
        control(endpoint, ca, "DELETE", "/requests")
        control(endpoint, ca, "PUT", "/clock", {"speed": args.speed})
        sim_start = control(endpoint, ca, "GET", "/clock")["timestamp"]
        real_start = time.perf_counter()
        source = f"/subscriptions/{ids(0)[1]}/resourceGroups/rg-build/providers/Microsoft.Compute/images/img-base"
        result = images.create_release(work / "config", target, "monthly", source, "1.0.0")
        sim_end = control(endpoint, ca, "GET", "/clock")["timestamp"]
        real = time.perf_counter() - real_start
        log = control(endpoint, ca, "GET", "/requests")["value"]
        if args.log:
            args.log.write_text(json.dumps({"simStart": sim_start, "requests": log}))
        states = Counter(o["state"] for o in result.outcome["targets"].values())
        state = control(endpoint, ca, "GET", "/state")
        if args.log:
            args.log.with_suffix(".state.json").write_text(json.dumps(state))
        bound = replication_lower_bound(state, log, sim_start)
        per_tenant = Counter(
            e["path"].split("/")[2].lower() for e in log if e["path"].startswith("/subscriptions/")
        )
        customers = [per_tenant[ids(i)[1]] for i in range(1, args.tenants + 1)]
        throttled = sum(1 for e in log if e["status"] == 429)
        report = {
            "tenants": args.tenants,
            "regions_per_target": len(REGIONS),
            "speed": args.speed,
            "targets": dict(states),
            "stage": result.outcome.get("stage"),
            "simulated_minutes": round((sim_end - sim_start) / 60, 1),
            "lower_bound_minutes": round(bound / 60, 1),
            "ratio": round((sim_end - sim_start) / bound, 3),
            "real_seconds": round(real, 1),
            "arm_calls_total": len(log),
            "arm_calls_per_customer_min_median_max": [
                min(customers),
                sorted(customers)[len(customers) // 2],
                max(customers),
            ],
            "arm_calls_provider_subscription": per_tenant[ids(0)[1]],
            "http_429_absorbed_by_the_gate": throttled,
            # A 429 that reached goldfleet's caller would have failed its target with it.
            "targets_failed_by_429": sum(
                1
                for o in result.outcome["targets"].values()
                if "429" in json.dumps(o) or "TooManyRequests" in json.dumps(o)
            ),
        }
        first_put = {}
        for e in log:
            sub = e["path"].split("/")[2].lower() if e["path"].startswith("/subscriptions/") else ""
            if e["method"] == "PUT" and "/versions/" in e["path"] and sub not in first_put:
                first_put[sub] = (e["simulatedTime"] - sim_start) / 60
        starts = sorted(first_put.get(ids(i)[1], -1) for i in range(1, args.tenants + 1))
        last = {}
        for e in log:
            if e["path"].startswith("/subscriptions/"):
                last[e["path"].split("/")[2].lower()] = (e["simulatedTime"] - sim_start) / 60
        ends = sorted(last.get(ids(i)[1], -1) for i in range(1, args.tenants + 1))
        report["copy_last_call_minutes_min_median_max"] = [
            round(ends[0], 1),
            round(ends[len(ends) // 2], 1),
            round(ends[-1], 1),
        ]
        report["provider_last_call_minutes"] = round(last.get(ids(0)[1], -1), 1)
        report["copy_started_minutes_min_median_max"] = [
            round(starts[0], 1),
            round(starts[len(starts) // 2], 1),
            round(starts[-1], 1),
        ]
        failures = {k: v for k, v in result.outcome["targets"].items() if v["state"] != "Completed"}
        if failures:
            report["failures"] = failures
        print(json.dumps(report, indent=2))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def replication_lower_bound(
    state: dict[str, Any], log: list[dict[str, Any]], start: float
) -> float:
    """The completion time of a perfect orchestrator, in simulated seconds from the first
    release: every version created the instant its source allows, with the replication times
    the emulator actually modelled (read from its state: each region's end minus the moment its
    version was created). Staging replicates from the managed image; production and every
    customer copy need a replica in eastus, which staging gives first, so each copies from
    staging as soon as staging's eastus replica is complete. The bound is the latest of
    staging + production and staging + each copy (its slowest region)."""
    created: dict[str, float] = {}
    for entry in log:
        if entry["method"] == "PUT" and entry["status"] == 201 and "/versions/" in entry["path"]:
            created.setdefault(entry["path"].lower(), entry["simulatedTime"])
    staging = 0.0
    others: list[float] = []
    for resource in state["resources"]:
        version_id = resource["body"]["id"].lower()
        if "/versions/" not in version_id:
            continue
        regions = resource["meta"]["replication"].values()
        slowest = max(r["end"] for r in regions) - created[version_id]
        if "/galleries/gal_staging/" in version_id:
            staging = slowest + created[version_id] - start
        else:
            others.append(slowest)
    return staging + max(others)


if __name__ == "__main__":
    main()
