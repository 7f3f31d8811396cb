"""A rollout under a scaling plan with an exclusion tag, end to end against the emulator's
autoscale: the old hosts autoscale deallocated off-peak are replaced like any other; the hosts
the rollout works on carry the exclusion tag, so autoscale never deallocates the canary while it
bakes; the new hosts lose the tag when their batch is done (the kept old ones keep it, so that
autoscale never starts them), and a new host autoscale then deallocates counts as on target (no drift)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.estate import FAST, applied_estate, environment, runner
from tests.api.test_rollouts import (
    CONTOSO_SUB,
    POOL,
    POOL_ID,
    SUNDAY_WINDOW,
    at,
    contoso_credential,
    release,
    rollout,
    rollout_config,
    set_quota,
    status,
)
from tests.conftest import sdk_kwargs

GROUP = "rg-avd-hosts"
TAG = "avd-exclude"


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    with applied_estate(
        tmp_path_factory.mktemp("estate"), tmp_path_factory.mktemp("applied")
    ) as emu:
        emu.control("PUT", "/clock", {"now": "2027-01-12T09:00:00Z"})
        set_quota(emu, 400)
        emu.applied = emu.control("GET", "/state")
        yield emu


@pytest.fixture
def goldfleet(estate, tmp_path):
    yield runner(environment(estate, tmp_path / "state"), estate)
    estate.control("PUT", "/clock", {"speed": FAST})
    estate.control("PUT", "/state", estate.applied)


def two_hosts(config: Path) -> Path:
    pools = config / "pools.yaml"
    docs = [d for d in yaml.safe_load_all(pools.read_text()) if d]
    for doc in docs:
        if doc["metadata"]["name"] == POOL:
            doc["spec"]["sessionHosts"]["count"] = 2
    pools.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return config


def clients(emu: Any) -> tuple[Any, Any]:
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.desktopvirtualization import DesktopVirtualizationMgmtClient

    credential = contoso_credential(emu)
    return (
        DesktopVirtualizationMgmtClient(credential, CONTOSO_SUB, **sdk_kwargs(emu)),
        ComputeManagementClient(credential, CONTOSO_SUB, **sdk_kwargs(emu)),
    )


def off_peak_plan(avd: Any) -> None:
    """Contoso's plan: off-peak from 20:00 to 07:00 Sydney time, where no host must stay on."""
    avd.scaling_plans.create(
        GROUP,
        "sp-contoso",
        {
            "location": "australiaeast",
            "timeZone": "AUS Eastern Standard Time",
            "hostPoolType": "Pooled",
            "exclusionTag": TAG,
            "schedules": [
                {
                    "name": "everyday",
                    "daysOfWeek": [
                        "Monday",
                        "Tuesday",
                        "Wednesday",
                        "Thursday",
                        "Friday",
                        "Saturday",
                        "Sunday",
                    ],
                    "rampUpStartTime": {"hour": 7, "minute": 0},
                    "peakStartTime": {"hour": 9, "minute": 0},
                    "rampDownStartTime": {"hour": 18, "minute": 0},
                    "offPeakStartTime": {"hour": 20, "minute": 0},
                    "rampUpMinimumHostsPct": 100,
                    "rampUpCapacityThresholdPct": 60,
                    "rampDownMinimumHostsPct": 0,
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


def autoscaled(emu: Any) -> list[tuple[datetime, str, str]]:
    """(time, VM name, action) of every autoscale action on the pool."""
    found = emu.control("GET", "/desktopvirtualization/records")["autoscale"]
    return [
        (
            datetime.fromisoformat(a["time"].replace("Z", "+00:00")),
            a["sessionHostId"].rsplit("/", 1)[-1].split(".")[0],
            a["action"],
        )
        for a in found
        if a["hostPoolId"].lower() == POOL_ID.lower()
    ]


def test_rollout_excludes_its_hosts_from_autoscale_and_replaces_deallocated_ones(
    goldfleet, estate, tmp_path
):
    policy = {"maxSurge": 1, "batchSize": 1, "canary": {"hosts": 1, "bakeTime": "10m"}}
    config = two_hosts(rollout_config(tmp_path, policy))
    release(goldfleet, config, "2027.113.1")
    quick = two_hosts(
        rollout_config(
            tmp_path / "provisioning", {"maxSurge": 2, "batchSize": 2, "canary": {"hosts": 0}}
        )
    )
    at(estate, SUNDAY_WINDOW - timedelta(days=7, minutes=1))
    first = rollout(goldfleet, quick)
    old = sorted(first["created"])
    assert first["state"] == "done" and len(old) == 2, first
    at(estate, SUNDAY_WINDOW - timedelta(days=1), FAST)  # replication at full speed
    release(goldfleet, config, "2027.113.2")
    # 300x: autoscale looks every five simulated minutes, one real second here, so what it does
    # between two of goldfleet's steps stays in the order the steps were taken
    at(estate, SUNDAY_WINDOW - timedelta(minutes=10), 300)
    avd, compute = clients(estate)
    off_peak_plan(avd)  # Sunday 01:50 in Sydney: off-peak, the idle old hosts go at once

    report = rollout(goldfleet, config)

    assert report["state"] == "done", report
    new = sorted(report["created"])
    assert len(new) == 2 and sorted(report["retired"]) == old
    started = datetime.fromisoformat(report["batches"][0]["started"])
    actions = autoscaled(estate)
    assert {(vm, action) for at_, vm, action in actions if at_ < started} == {
        (old[0], "drain"),
        (old[0], "deallocate"),
        (old[0], "deallocated"),
        (old[1], "drain"),
        (old[1], "deallocate"),
        (old[1], "deallocated"),
    }
    for batch in report["batches"]:  # autoscale left each new host alone until its batch ended
        ended = datetime.fromisoformat(batch["ended"])
        assert not [a for a in actions if a[1] in batch["hosts"] and a[0] < ended], actions
    tags = {vm: compute.virtual_machines.get(GROUP, vm).tags or {} for vm in old + new}
    assert all(tags[vm].get(TAG) == "goldfleet-rollout" for vm in old)  # kept, excluded
    assert all(TAG not in tags[vm] for vm in new)  # the scaling plan's again

    # Off-peak, autoscale deallocates the idle new hosts too; they are the pool, on target.
    at(estate, datetime.fromisoformat(report["batches"][-1]["ended"]) + timedelta(minutes=7), 1)
    hosts = {h["name"]: h for h in status(goldfleet, config)["hosts"] if not h["retiredAt"]}
    assert sorted(hosts) == new
    assert all(h["power"] == "deallocated" and not h["drift"] for h in hosts.values())
