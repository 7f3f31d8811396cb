"""Host pool rollouts end to end, through the CLI against the emulator with the example estate
and simulated users: Contoso's pool of ten hosts provisioned, then re-imaged side by side and
delete-first inside its maintenance window with no forced logoff under Wait and the capacity
floor held; a broken image stopped at the canary; a window that closes mid-rollout; a crash
mid-batch; a rollback to the kept hosts; preflight catching a full subnet and no quota."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.estate import (
    APP,
    CONFIG,
    FAST,
    PROVIDER_SUB,
    SECRET,
    applied_estate,
    environment,
    runner,
)
from tests.conftest import sdk_kwargs, secret_credential

PIPELINE = "win11-avd-monthly"
SOURCE = (
    f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-build/providers/"
    "Microsoft.Compute/images/img-win11-avd-2026-11"
)
POOL = "contoso-pooled"
CONTOSO_SUB = "5a1b7c3d-0002-4e8f-9a0b-1c2d3e4f5a02"
CONTOSO_TENANT = "3b9e6f20-8c4a-4d71-b5e2-7a1f0c9d2e02"
POOL_ID = (
    f"/subscriptions/{CONTOSO_SUB}/resourceGroups/rg-avd-hosts/providers/"
    "Microsoft.DesktopVirtualization/hostPools/hp-contoso-pooled"
)
# Sunday 2027-01-17 02:00 in Sydney (AEDT, UTC+11): Contoso's "sun-early" window (8 h).
SUNDAY_WINDOW = datetime.fromisoformat("2027-01-16T15:00:00+00:00")
ROLLOUT_SPEED = 1000  # 17 simulated minutes per real second: a batch takes seconds, its grace too


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _write(path: Path, docs: list[dict[str, Any]]) -> None:
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def rollout_config(
    tmp: Path, policy: dict[str, Any] | None = None, hosts: int = 10, **pool: Any
) -> Path:
    """The example configuration with Contoso's pool at ten hosts (or ``hosts``), two weekend
    windows (Saturday 22:00 for an hour, Sunday 02:00 for eight), and a quicker rollout policy
    for the pool."""
    config = tmp / "config"
    shutil.copytree(CONFIG, config)
    tenants = _docs(config / "tenants.yaml")
    for doc in tenants:
        if doc["metadata"]["name"] == "contoso":
            doc["spec"]["maintenanceWindows"] = [
                {
                    "name": "sat-evening",
                    "type": "weekly",
                    "days": ["Sat"],
                    "start": "22:00",
                    "duration": "1h",
                },
                {
                    "name": "sun-early",
                    "type": "weekly",
                    "days": ["Sun"],
                    "start": "02:00",
                    "duration": "8h",
                },
            ]
    _write(config / "tenants.yaml", tenants)
    pools = _docs(config / "pools.yaml")
    for doc in pools:
        if doc["metadata"]["name"] == POOL:
            doc["spec"]["sessionHosts"]["count"] = hosts
            doc["spec"]["rolloutPolicy"] = "test-policy"
            doc["spec"].update(pool)
    _write(config / "pools.yaml", pools)
    rollout = _docs(config / "rollout.yaml")
    rollout.append(
        {
            "apiVersion": "goldfleet/v1",
            "kind": "RolloutPolicy",
            "metadata": {"name": "test-policy"},
            "spec": {
                "strategy": "sideBySide",
                "maxSurge": 4,
                "minAvailablePercent": 80,
                "batchSize": 4,
                "canary": {"hosts": 1, "bakeTime": "10m"},
                "failureBudget": 1,
                "drainMessage": {"title": "Desktop update", "body": "Please sign out."},
                "gracePeriod": "5m",
                "logoff": "Wait",
                "keepOldHostsDays": 7,
                **(policy or {}),
            },
        }
    )
    _write(config / "rollout.yaml", rollout)
    return config


def set_quota(estate, vcpus: int) -> None:
    """Contoso's vCPU quota in australiaeast (regional and for the DASv5 family)."""
    state = estate.control("GET", "/state")
    quota = state["sections"].setdefault("computeQuota", {"usage": {}, "limits": {}})
    quota.setdefault("limits", {}).setdefault(CONTOSO_SUB, {})["australiaeast"] = {
        "cores": vcpus,
        "standardDASv5Family": vcpus,
    }
    estate.control("PUT", "/state", state)


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    with applied_estate(
        tmp_path_factory.mktemp("estate"), tmp_path_factory.mktemp("applied")
    ) as emu:
        emu.control("PUT", "/clock", {"now": "2027-01-12T09:00:00Z"})
        set_quota(emu, 400)  # room for ten D8as_v5 hosts and a surge of four
        emu.applied = emu.control("GET", "/state")  # type: ignore[attr-defined]
        yield emu


@pytest.fixture
def goldfleet(estate, tmp_path):
    yield runner(environment(estate, tmp_path / "state"), estate)
    estate.control("PUT", "/clock", {"speed": FAST})
    estate.control("PUT", "/state", estate.applied)


def release(goldfleet, config: Path, version: str) -> None:
    """A version of the monthly pipeline, replicated everywhere and promoted, at full speed (its
    hours of replication are nobody's business here); the clock's speed is put back after."""
    estate = goldfleet.estate
    speed = estate.control("GET", "/clock")["speed"]
    estate.control("PUT", "/clock", {"speed": FAST})
    _release(goldfleet, config, version)
    estate.control("PUT", "/clock", {"speed": speed})


def _release(goldfleet, config: Path, version: str) -> None:
    goldfleet(
        "image",
        "version",
        "create",
        PIPELINE,
        "-c",
        str(config),
        "--source",
        SOURCE,
        "--version",
        version,
        "-o",
        "json",
    )
    goldfleet(
        "image",
        "version",
        "promote",
        f"{PIPELINE}:{version}",
        "-c",
        str(config),
        "--override-validation",
        "--reason",
        "test",
        "-o",
        "json",
    )


def at(estate, when: datetime, speed: float = ROLLOUT_SPEED) -> None:
    estate.control(
        "PUT", "/clock", {"now": when.isoformat().replace("+00:00", "Z"), "speed": speed}
    )


def contoso_credential(estate) -> Any:
    """goldfleet's app, signed in to Contoso's tenant (for clients that set up a test)."""
    return secret_credential(estate, APP, CONTOSO_TENANT, SECRET)


def wait_until(estate, instant: datetime, real_seconds: float = 240) -> None:
    """Wait (in real time) until the emulator's clock reads ``instant``."""
    deadline = time.monotonic() + real_seconds
    while time.monotonic() < deadline:
        now = datetime.fromisoformat(estate.control("GET", "/clock")["now"].replace("Z", "+00:00"))
        if now >= instant:
            return
        time.sleep(0.2)
    raise AssertionError(f"the emulator's clock did not reach {instant} in {real_seconds} s")


def rollout(goldfleet, config: Path, *extra: str, check: bool = True) -> dict[str, Any]:
    done = goldfleet("pool", "rollout", POOL, "-c", str(config), "-o", "json", *extra, check=False)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return (
        json.loads(done.stdout) if done.stdout.strip().startswith("{") else {"stderr": done.stderr}
    )


def status(goldfleet, config: Path) -> dict[str, Any]:
    return json.loads(goldfleet("pool", "status", POOL, "-c", str(config), "-o", "json").stdout)


def users(estate, count: int, start: str, end: str, sign_out: float) -> None:
    estate.control(
        "PUT",
        "/desktopvirtualization/populations",
        {
            "hostPoolId": POOL_ID,
            "users": count,
            "timeZone": "Australia/Sydney",
            "start": start,
            "end": end,
            "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "signOutOnMessage": sign_out,
        },
    )


def metrics(estate) -> dict[str, Any]:
    found = estate.control("GET", f"/desktopvirtualization/metrics?hostPoolId={POOL_ID}")
    return dict(found[POOL_ID.lower()])


def provisioned(goldfleet, estate, config: Path, hosts: int = 10) -> None:
    """Release 2027.113.1 and put the pool's hosts on it at once, in the Sunday window a week
    before."""
    release(goldfleet, config, "2027.113.1")
    quick = rollout_config(
        config.parent / "provisioning",
        {"maxSurge": hosts, "batchSize": hosts, "canary": {"hosts": 0}},
        hosts=hosts,
    )
    at(estate, SUNDAY_WINDOW - timedelta(days=7, minutes=1))
    first = rollout(goldfleet, quick)
    assert first["state"] == "done" and len(first["created"]) == hosts, first


def vm_puts(estate) -> list[str]:
    return [
        e["path"].split("?")[0]
        for e in estate.control("GET", "/requests")["value"]
        if e["method"] == "PUT"
        and "/virtualMachines/" in e["path"]
        and "/extensions/" not in e["path"]
    ]


def test_side_by_side_in_the_window_with_users_and_no_forced_logoff(goldfleet, estate, tmp_path):
    config = rollout_config(tmp_path, hosts=5)
    provisioned(goldfleet, estate, config, hosts=5)
    release(goldfleet, config, "2027.113.2")
    # Night-shift users: online when the window opens, they sign out when messaged (users who
    # stay are the window-closing test's).
    at(estate, SUNDAY_WINDOW - timedelta(hours=3), FAST)
    users(estate, 30, "00:00", "06:00", sign_out=1.0)
    at(estate, SUNDAY_WINDOW - timedelta(minutes=5))
    estate.control("DELETE", "/desktopvirtualization/metrics")
    report = rollout(goldfleet, config)
    assert report["state"] == "done", report
    assert report["forcedLogoffs"] == 0 and len(report["retired"]) == 5
    assert len(report["created"]) == 5 and report["batches"][0]["canary"]
    seen = metrics(estate)
    assert seen["disruptions"] == 0
    assert seen["signedOutAfterMessage"] > 0  # users were on the hosts and moved
    assert seen["minServing"] >= 4  # the floor (80 % of five) held all along
    for batch in report["batches"]:
        assert datetime.fromisoformat(batch["started"]) >= SUNDAY_WINDOW
        assert datetime.fromisoformat(batch["ended"]) <= SUNDAY_WINDOW + timedelta(hours=8)
    hosts = status(goldfleet, config)["hosts"]
    live = [h for h in hosts if not h["retiredAt"]]
    assert len(live) == 5 and all(h["version"] == "2027.113.2" and not h["drift"] for h in live)
    kept = [h for h in hosts if h["retiredAt"]]
    assert len(kept) == 5 and all(h["power"] == "deallocated" for h in kept)
    # Rollback: the kept hosts serve again, the new ones go.
    back = json.loads(goldfleet("pool", "rollback", POOL, "-c", str(config), "-o", "json").stdout)
    assert back["state"] == "done" and len(back["created"]) == 5 and len(back["retired"]) == 5
    after = status(goldfleet, config)["hosts"]
    assert len(after) == 5 and all(h["version"] == "2027.113.1" for h in after)
    assert all(h["status"] == "Available" and not h["retiredAt"] for h in after)


def test_delete_first_keeps_names_and_the_floor(goldfleet, estate, tmp_path):
    policy = {
        "strategy": "deleteFirst",
        "maxSurge": 0,
        "keepNames": True,
        "keepOldHostsDays": 0,
        "minAvailablePercent": 60,  # two of five hosts at a time
        "batchSize": 2,
    }
    config = rollout_config(tmp_path, policy, hosts=5)
    provisioned(goldfleet, estate, config, hosts=5)
    names = sorted(h["name"] for h in status(goldfleet, config)["hosts"])
    release(goldfleet, config, "2027.113.2")
    at(estate, SUNDAY_WINDOW - timedelta(hours=3), FAST)
    users(estate, 20, "00:00", "03:00", sign_out=0.8)
    at(estate, SUNDAY_WINDOW - timedelta(minutes=5))
    estate.control("DELETE", "/desktopvirtualization/metrics")
    report = rollout(goldfleet, config)
    assert report["state"] == "done", report
    assert report["forcedLogoffs"] == 0
    seen = metrics(estate)
    assert seen["disruptions"] == 0 and seen["minServing"] >= 3  # the floor: 60 % of five
    hosts = status(goldfleet, config)["hosts"]
    assert sorted(h["name"] for h in hosts) == names  # the same names, on the new version
    assert all(h["version"] == "2027.113.2" and h["status"] == "Available" for h in hosts)


def _break_image(estate) -> None:
    state = estate.control("GET", "/state")
    contents = state["sections"].setdefault("guest", {}).setdefault("contents", {})
    contents[SOURCE.lower()] = {"defects": ["RDAgentBootLoader disabled"]}
    estate.control("PUT", "/state", state)


def test_a_broken_image_stops_at_the_canary(goldfleet, estate, tmp_path):
    config = rollout_config(tmp_path)
    provisioned(goldfleet, estate, config)
    before = status(goldfleet, config)["hosts"]
    _break_image(estate)
    release(goldfleet, config, "2027.113.3")
    at(estate, SUNDAY_WINDOW - timedelta(minutes=5))
    report = rollout(goldfleet, config, check=False)
    assert report["state"] == "stoppedAtCanary", report
    assert list(report["failed"]) and "SxSStackListenerCheck" in next(
        iter(report["failed"].values())
    )
    after = status(goldfleet, config)["hosts"]

    def shown(hosts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in h.items() if k != "drift"} for h in hosts]

    assert shown(after) == shown(before)  # the same ten hosts, untouched; the canary is gone
    assert all(h["drift"] for h in after)  # all still to be replaced, by a good version


def test_a_window_closing_mid_rollout_leaves_the_pool_consistent(goldfleet, estate, tmp_path):
    # three hosts are enough for a window to close on
    config = rollout_config(tmp_path, {"maxSurge": 2, "batchSize": 2}, hosts=3)
    provisioned(goldfleet, estate, config, hosts=3)
    release(goldfleet, config, "2027.113.4")
    at(estate, SUNDAY_WINDOW - timedelta(hours=3), FAST)
    users(estate, 18, "00:00", "09:30", sign_out=0.0)  # nobody leaves before the window closes
    at(estate, SUNDAY_WINDOW - timedelta(minutes=5))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "goldfleet",
            "pool",
            "rollout",
            POOL,
            "-c",
            str(config),
            "-o",
            "json",
        ],
        env=goldfleet.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    closed = SUNDAY_WINDOW + timedelta(hours=8)
    # Once the first batch waits for users who never leave, nothing happens until the window
    # closes: pass those hours quickly, then leave goldfleet six hours to put the pool back.
    wait_until(estate, SUNDAY_WINDOW + timedelta(hours=1))
    estate.control("PUT", "/clock", {"speed": 10000})
    wait_until(estate, closed + timedelta(hours=8))
    estate.control("PUT", "/clock", {"speed": 0})  # hold time between the windows
    hosts = status(goldfleet, config)["hosts"]
    assert process.poll() is None  # still waiting for the next window
    live = [h for h in hosts if not h["retiredAt"]]
    assert all(h["allowNewSession"] for h in live if h["status"] == "Available")
    assert not [h for h in live if h["allowNewSession"] is False]  # nothing left drained
    # The next Sunday's window, when the night shift is off.
    users(estate, 0, "00:00", "09:30", sign_out=1.0)
    at(estate, SUNDAY_WINDOW + timedelta(days=7) - timedelta(minutes=5))
    out, err = process.communicate(timeout=240)
    report = json.loads(out)
    assert report["state"] == "done", err
    assert report["windowsWaited"] >= 1 and report["forcedLogoffs"] == 0
    final = status(goldfleet, config)["hosts"]
    assert len([h for h in final if not h["retiredAt"] and h["version"] == "2027.113.4"]) == 3
    kept = [h["name"] for h in final if h["retiredAt"]]
    assert len(kept) == 3


def test_kept_hosts_are_deleted_once_past_keep_old_hosts_days(goldfleet, estate, tmp_path):
    config = rollout_config(tmp_path, {"maxSurge": 2, "batchSize": 2}, hosts=3)
    provisioned(goldfleet, estate, config, hosts=3)
    release(goldfleet, config, "2027.113.5")
    at(estate, SUNDAY_WINDOW - timedelta(minutes=5))
    first = rollout(goldfleet, config)
    assert first["state"] == "done" and len(first["retired"]) == 3, first
    kept = [h["name"] for h in status(goldfleet, config)["hosts"] if h["retiredAt"]]
    assert sorted(kept) == sorted(first["retired"])
    # Past keepOldHostsDays (7), the next rollout deletes the kept hosts; nothing else to do.
    at(estate, SUNDAY_WINDOW + timedelta(days=9))
    again = rollout(goldfleet, config)
    assert again["state"] == "done" and sorted(again["expiredRemoved"]) == sorted(kept)
    assert again["workflow"].endswith("#2") and again["batches"] == []
    assert all(not h["retiredAt"] for h in status(goldfleet, config)["hosts"])


def test_a_crash_mid_batch_resumes_without_duplicates_or_orphans(goldfleet, estate, tmp_path):
    config = rollout_config(tmp_path)
    release(goldfleet, config, "2027.113.1")
    at(estate, SUNDAY_WINDOW, 60)
    estate.control("DELETE", "/requests")
    process = subprocess.Popen(
        [sys.executable, "-m", "goldfleet", "pool", "rollout", POOL, "-c", str(config)],
        env=goldfleet.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while len(set(vm_puts(estate))) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(set(vm_puts(estate))) >= 3  # killed with a batch of hosts being made
    estate.control("PUT", "/clock", {"speed": ROLLOUT_SPEED})
    report = rollout(goldfleet, config)
    assert report["state"] == "done", report
    puts = vm_puts(estate)
    assert len(set(puts)) == 10 == len(puts)  # each VM created once, none twice
    hosts = status(goldfleet, config)["hosts"]
    assert len(hosts) == 10 and all(h["status"] == "Available" for h in hosts)


def test_preflight_reports_a_full_subnet_and_no_quota_together(goldfleet, estate, tmp_path):
    config = rollout_config(tmp_path)
    release(goldfleet, config, "2027.113.1")
    ok = json.loads(goldfleet("pool", "preflight", POOL, "-c", str(config), "-o", "json").stdout)
    assert ok["ok"] and ok["problems"] == []
    set_quota(estate, 16)  # room for two D8as_v5 hosts, not the surge of four
    small = rollout_config(
        tmp_path / "small",
        None,
        sessionHosts={
            "image": "win11-avd-contoso",
            "vmSize": "Standard_D8as_v5",
            "namePrefix": "cph-avd",
            "count": 10,
            "subnetId": _full_subnet(estate),
            "join": {"type": "entra", "intune": True},
        },
    )
    found = goldfleet("pool", "preflight", POOL, "-c", str(small), "-o", "json", check=False)
    assert found.returncode == 1
    checks = {p["check"] for p in json.loads(found.stdout)["problems"]}
    assert checks == {"subnet", "quota"}
    estate.control("DELETE", "/requests")
    refused = goldfleet("pool", "rollout", POOL, "-c", str(small), check=False)
    assert refused.returncode == 2
    assert "subnet" in refused.stderr and "quota" in refused.stderr
    assert not [p for p in vm_puts(estate) if "cph-avd" in p]
    # goldfleet's principal only a Reader of Contoso's subscription: the roles are reported
    set_quota(estate, 400)
    reader_only(estate, CONTOSO_SUB)
    found = goldfleet("pool", "preflight", POOL, "-c", str(config), "-o", "json", check=False)
    problems = json.loads(found.stdout)["problems"]
    assert {p["check"] for p in problems} == {"roles", "token"}, problems
    roles = " ".join(p["text"] for p in problems if p["check"] == "roles")
    assert (
        "Microsoft.Compute/virtualMachines/write" in roles
        and "on resource group rg-avd-hosts" in roles
    )
    assert "subnets/join/action on subnet" in roles


READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def reader_only(estate, subscription: str) -> None:
    """Every role assignment in the subscription becomes Reader (through the emulator's state,
    as an administrator would change it in the portal)."""
    state = estate.control("GET", "/state")
    for item in state["resources"]:
        body = item["body"]
        if body.get("type") == "Microsoft.Authorization/roleAssignments" and body[
            "id"
        ].lower().startswith(f"/subscriptions/{subscription}"):
            definition = body["properties"]["roleDefinitionId"]
            body["properties"]["roleDefinitionId"] = definition.rsplit("/", 1)[0] + "/" + READER
    estate.control("PUT", "/state", state)


def _full_subnet(estate) -> str:
    """A /29 in Contoso's network (three usable addresses) with three NICs in it."""
    from azure.mgmt.network import NetworkManagementClient

    credential = contoso_credential(estate)
    client = NetworkManagementClient(
        credential,
        CONTOSO_SUB,
        **sdk_kwargs(estate),
    )
    estate.control("PUT", "/clock", {"speed": FAST})
    subnet = client.subnets.begin_create_or_update(
        "rg-avd-network",
        "vnet-avd-contoso",
        "snet-tiny",
        {"properties": {"addressPrefix": "10.61.9.0/29"}},
    ).result()
    for n in range(3):
        client.network_interfaces.begin_create_or_update(
            "rg-avd-network",
            f"nic-filler-{n}",
            {
                "location": "australiaeast",
                "properties": {
                    "ipConfigurations": [
                        {"name": "ip", "properties": {"subnet": {"id": subnet.id}}}
                    ]
                },
            },
        ).result()
    return str(subnet.id)


def test_status_shows_the_scaling_plan_phase_and_the_floor_it_implies(goldfleet, estate, tmp_path):
    from azure.mgmt.desktopvirtualization import DesktopVirtualizationMgmtClient

    config = rollout_config(tmp_path, {"strategy": "deleteFirst", "maxSurge": 0})
    release(goldfleet, config, "2027.113.1")
    credential = contoso_credential(estate)
    client = DesktopVirtualizationMgmtClient(
        credential,
        CONTOSO_SUB,
        **sdk_kwargs(estate),
    )
    client.scaling_plans.create(
        "rg-avd-hosts",
        "sp-contoso",
        {
            "location": "australiaeast",
            "timeZone": "AUS Eastern Standard Time",
            "hostPoolType": "Pooled",
            "schedules": [
                {
                    "name": "weekdays",
                    "daysOfWeek": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
                    "rampUpStartTime": {"hour": 7, "minute": 0},
                    "peakStartTime": {"hour": 9, "minute": 0},
                    "rampDownStartTime": {"hour": 18, "minute": 0},
                    "offPeakStartTime": {"hour": 20, "minute": 0},
                    "rampUpMinimumHostsPct": 100,
                    "rampUpCapacityThresholdPct": 60,
                    "rampDownMinimumHostsPct": 30,
                    "rampDownCapacityThresholdPct": 90,
                    "rampUpLoadBalancingAlgorithm": "BreadthFirst",
                    "peakLoadBalancingAlgorithm": "DepthFirst",
                    "rampDownLoadBalancingAlgorithm": "DepthFirst",
                    "offPeakLoadBalancingAlgorithm": "DepthFirst",
                    "rampDownForceLogoffUsers": False,
                    "rampDownWaitTimeMinutes": 30,
                    "rampDownStopHostsWhen": "ZeroSessions",
                    "rampDownNotificationMessage": "Please sign out.",
                }
            ],
            "hostPoolReferences": [{"hostPoolArmPath": POOL_ID, "scalingPlanEnabled": True}],
        },
    )
    # Wednesday 12:00 in Sydney: peak, and the plan wants every host: the floor is all ten
    at(estate, datetime.fromisoformat("2027-01-13T01:00:00+00:00"), 1)
    peak = status(goldfleet, config)["scalingPlan"]
    assert peak == {"name": "sp-contoso", "phase": "peak", "deleteFirstFloor": 10}
    # Wednesday 23:00: off-peak, the plan keeps 30 %: the rollout may go down to three
    at(estate, datetime.fromisoformat("2027-01-13T12:00:00+00:00"), 1)
    night = status(goldfleet, config)["scalingPlan"]
    assert night == {"name": "sp-contoso", "phase": "offPeak", "deleteFirstFloor": 3}
