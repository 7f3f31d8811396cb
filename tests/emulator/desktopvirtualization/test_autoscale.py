"""Autoscale: a pooled host pool's scaling plan starts and deallocates its session hosts' VMs on
the simulated clock, as Azure Virtual Desktop does - the ramp-up minimum started, a capacity
threshold crossed starting one more, empty hosts deallocated off-peak (and allowed new sessions
again), users notified and logged off in ramp-down with forced logoff, hosts carrying the
exclusion tag left alone. Every change shows through ARM: the VM's instance view and the
session host's status."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.emulator.compute.machine_support import machines
from tests.emulator.desktopvirtualization.support import (
    RG,
    advance,
    avd_client,
    pool_id,
    records,
    start_session,
)
from tests.emulator.desktopvirtualization.test_agent import (
    add_session_host,
    entra_join,
    pool_with_token,
    vm,
)

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TAG = "avd-exclude"


def hosts(emu: Any, names: list[str], limit: int) -> Any:
    """A pooled pool (``limit`` sessions a host) whose hosts are real VMs with the AVD agent."""
    token = pool_with_token(emu)
    avd_client(emu).host_pools.update(RG, "hp1", {"properties": {"maxSessionLimit": limit}})
    compute = machines(emu, advance_by=200)  # past a VM's creation, an extension's install
    for name in names:
        vm(emu, compute, name)
        entra_join(compute, name)
        add_session_host(compute, name, token)
    return machines(emu, advance_by=120)  # power and tag changes from here on: two minutes


def now(emu: Any) -> datetime:
    return datetime.fromisoformat(emu.control("GET", "/clock")["now"].replace("Z", "+00:00"))


def _at(base: datetime, minutes: int) -> dict[str, int]:
    when = base + timedelta(minutes=minutes)
    return {"hour": when.hour, "minute": when.minute}


def make_plan(emu: Any, *, exclusion: str | None = TAG, **schedule: Any) -> None:
    """A plan (UTC) whose ramp-up began an hour ago; peak, ramp-down and off-peak start 1, 2
    and 3 hours from now."""
    base = now(emu).replace(second=0, microsecond=0)
    body = {
        "location": "westeurope",
        "properties": {
            "timeZone": "UTC",
            "hostPoolType": "Pooled",
            "exclusionTag": exclusion,
            "hostPoolReferences": [{"hostPoolArmPath": pool_id(), "scalingPlanEnabled": True}],
            "schedules": [
                {
                    "name": "everyday",
                    "daysOfWeek": DAYS,
                    "rampUpStartTime": _at(base, -60),
                    "peakStartTime": _at(base, 60),
                    "rampDownStartTime": _at(base, 120),
                    "offPeakStartTime": _at(base, 180),
                    "rampUpLoadBalancingAlgorithm": "BreadthFirst",
                    "peakLoadBalancingAlgorithm": "BreadthFirst",
                    "rampDownLoadBalancingAlgorithm": "DepthFirst",
                    "offPeakLoadBalancingAlgorithm": "DepthFirst",
                    "rampUpMinimumHostsPct": 34,
                    "rampUpCapacityThresholdPct": 60,
                    "rampDownMinimumHostsPct": 0,
                    "rampDownCapacityThresholdPct": 90,
                    "rampDownForceLogoffUsers": False,
                    "rampDownWaitTimeMinutes": 15,
                    "rampDownNotificationMessage": "Save your work: this host shuts down.",
                    "rampDownStopHostsWhen": "ZeroSessions",
                    **schedule,
                }
            ],
        },
    }
    avd_client(emu).scaling_plans.create(RG, "sp1", body)


def state(emu: Any, compute: Any, name: str) -> tuple[str, str, bool]:
    """(VM power state from its instance view, session host status, allowNewSession)."""
    view = compute.virtual_machines.instance_view(RG, name)
    power = next(s.code for s in view.statuses if s.code.startswith("PowerState/"))
    host = avd_client(emu).session_hosts.get(RG, "hp1", name)
    return power.split("/")[1], str(host.status), bool(host.allow_new_session)


def actions(emu: Any) -> list[tuple[str, str]]:
    return [(a["sessionHostId"].rsplit("/", 1)[-1], a["action"]) for a in records(emu)["autoscale"]]


def test_ramp_up_starts_the_minimum_and_off_peak_deallocates_empty_hosts(emu):
    names = ["avd-0", "avd-1", "avd-2"]
    compute = hosts(emu, names, limit=4)
    for name in names:
        compute.virtual_machines.begin_deallocate(RG, name).result()
    assert {state(emu, compute, n)[:2] for n in names} == {("deallocated", "Shutdown")}
    make_plan(emu)  # in ramp-up: ceil(34 % of 3) = 2 hosts on, at once
    advance(emu, 120)
    assert [state(emu, compute, n) for n in names] == [
        ("running", "Available", True),
        ("running", "Available", True),
        ("deallocated", "Shutdown", True),
    ]
    assert actions(emu) == [("avd-0", "start"), ("avd-1", "start")]
    advance(emu, 3 * 3600)  # off-peak: minimum 0 %, nobody signed in
    assert [state(emu, compute, n) for n in names] == [("deallocated", "Shutdown", True)] * 3
    assert ("avd-0", "drain") in actions(emu) and ("avd-1", "deallocated") in actions(emu)


def test_a_crossed_capacity_threshold_starts_one_more_host(emu):
    names = ["avd-0", "avd-1", "avd-2"]
    compute = hosts(emu, names, limit=2)
    compute.virtual_machines.begin_deallocate(RG, "avd-2").result()
    make_plan(emu)
    advance(emu, 60)
    start_session(emu, "hp1", "avd-0", "ann@contoso.com")
    start_session(emu, "hp1", "avd-1", "bob@contoso.com")
    advance(emu, 400)  # 2 of 4 sessions = 50 %, not above 60 %: nothing
    assert state(emu, compute, "avd-2")[0] == "deallocated"
    start_session(emu, "hp1", "avd-0", "cat@contoso.com")  # 75 % > 60 %
    advance(emu, 400)
    assert state(emu, compute, "avd-2") == ("running", "Available", True)
    assert actions(emu) == [("avd-2", "start")]


def test_hosts_with_the_exclusion_tag_are_left_alone(emu):
    names = ["avd-0", "avd-1", "avd-2"]
    compute = hosts(emu, names, limit=4)
    compute.virtual_machines.begin_deallocate(RG, "avd-0").result()
    compute.virtual_machines.begin_deallocate(RG, "avd-1").result()
    for name in ("avd-0", "avd-2"):
        compute.virtual_machines.begin_update(RG, name, {"tags": {TAG: "maintenance"}}).result()
    make_plan(emu)  # two hosts must be on: avd-2 (excluded, running) counts, avd-1 starts
    advance(emu, 120)
    assert state(emu, compute, "avd-0")[0] == "deallocated"  # excluded: never started
    assert state(emu, compute, "avd-1")[0] == "running"
    advance(emu, 3 * 3600)  # off-peak: avd-1 goes, avd-2 (excluded) stays on
    assert state(emu, compute, "avd-1")[0] == "deallocated"
    assert state(emu, compute, "avd-2") == ("running", "Available", True)
    assert {host for host, _ in actions(emu)} == {"avd-1"}


def test_ramp_down_notifies_then_logs_users_off_when_forced(emu):
    names = ["avd-0", "avd-1"]
    compute = hosts(emu, names, limit=4)
    make_plan(emu, rampUpMinimumHostsPct=100, rampDownForceLogoffUsers=True)
    start_session(emu, "hp1", "avd-0", "ann@contoso.com")
    start_session(emu, "hp1", "avd-1", "bob@contoso.com")
    advance(emu, 2 * 3600 + 60)  # ramp-down: 2 sessions of 8, one host can go
    drained = [h for h, a in actions(emu) if a == "drain"]
    assert drained == ["avd-0"] and state(emu, compute, "avd-0")[2] is False
    [message] = records(emu)["messages"]
    assert message["messageBody"] == "Save your work: this host shuts down."
    advance(emu, 15 * 60 + 120)  # the wait is over: ann is logged off, the VM deallocated
    [logoff] = records(emu)["logoffs"]
    assert (logoff["userPrincipalName"], logoff["forced"], logoff["reason"]) == (
        "ann@contoso.com",
        True,
        "autoscale",
    )
    assert state(emu, compute, "avd-0") == ("deallocated", "Shutdown", True)
    assert state(emu, compute, "avd-1") == ("running", "Available", True)  # bob's stays
