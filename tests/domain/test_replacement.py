"""The arithmetic of replacing session hosts: drift, names, batch sizes and the capacity floor."""

from __future__ import annotations

from datetime import timedelta

from goldfleet.domain.replacement import (
    PoolHost,
    capacity_floor,
    drift,
    free_names,
    grown,
    next_batch,
    outdated,
)
from goldfleet.domain.rollout import (
    Canary,
    DrainMessage,
    LogoffMode,
    RolloutPolicy,
    RolloutStrategy,
)

V1 = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/win11/versions/1.0.0"
V2 = V1.replace("1.0.0", "2.0.0")


def policy(strategy=RolloutStrategy.SIDE_BY_SIDE, **changes) -> RolloutPolicy:
    values = {
        "name": "p",
        "strategy": strategy,
        "max_surge": 3,
        "min_available_percent": 80,
        "batch_size": 1,
        "canary": Canary(1, timedelta(minutes=15)),
        "failure_budget": 0,
        "drain_message": DrainMessage("t", "b"),
        "grace_period": timedelta(minutes=15),
        "logoff": LogoffMode.WAIT,
        "keep_old_hosts_days": 7,
    } | changes
    return RolloutPolicy(**values)


def host(name, version=V1, sessions=0, size="Standard_D4as_v5", **changes) -> PoolHost:
    values = {
        "name": name,
        "vm_id": f"/vm/{name}",
        "session_host": f"{name}.corp",
        "version_id": version,
        "size": size,
        "power": "running",
        "status": "Available",
        "healthy": True,
        "allow_new_session": True,
        "sessions": sessions,
    } | changes
    return PoolHost(**values)


def test_drift_names_the_version_the_size_and_hand_made_hosts():
    assert drift(host("a", V2), V2, "Standard_D4as_v5") == []
    assert drift(host("a"), V2, "Standard_D4as_v5") == [
        "runs win11 1.0.0, the pool runs win11 2.0.0"
    ]
    assert drift(host("a", V2, size="Standard_D8as_v5"), V2, "Standard_D4as_v5") == [
        "is a Standard_D8as_v5, the pool's hosts are Standard_D4as_v5"
    ]
    assert drift(host("a", ""), V2, "Standard_D4as_v5")[0].startswith("not made by goldfleet")


def test_outdated_hosts_emptiest_first_and_retired_ones_left_alone():
    hosts = [
        host("avd-10", sessions=0),
        host("avd-2", sessions=3),
        host("avd-3", sessions=0),
        host("avd-4", V2),
        host("avd-5", retired_at="2026-12-01T00:00:00Z", power="deallocated"),
    ]
    assert [h.name for h in outdated(hosts, V2, "Standard_D4as_v5")] == ["avd-3", "avd-10", "avd-2"]


def test_free_names_fill_gaps_in_order():
    assert free_names("avd", ["avd-0", "AVD-2"], 3) == ["avd-1", "avd-3", "avd-4"]


def test_side_by_side_batches_are_capped_by_the_surge_and_grow():
    p = policy(max_surge=3)
    assert next_batch(p, 1, 10, 10, 10) == 1
    assert next_batch(p, 8, 10, 10, 10) == 3
    assert [grown(p, b) for b in (1, 2, 3)] == [2, 3, 3]
    assert grown(policy(progressive=False), 1) == 1


def test_delete_first_never_goes_below_the_floor():
    p = policy(RolloutStrategy.DELETE_FIRST, min_available_percent=80, batch_size=4)
    assert capacity_floor(10, 80) == 8 and capacity_floor(5, 80) == 4 and capacity_floor(3, 50) == 2
    assert next_batch(p, 4, 10, 10, 10) == 2  # 10 serving, floor 8
    assert next_batch(p, 4, 10, 8, 10) == 0  # at the floor: not now
    assert next_batch(p, 4, 1, 10, 10) == 1
    assert grown(p, 2) == 4


def test_a_host_serves_only_registered_healthy_running_and_open():
    assert host("a").serving
    assert not host("a", allow_new_session=False).serving
    assert not host("a", healthy=False).serving
    assert not host("a", session_host=None).serving
    assert not host("a", power="deallocated").serving
    assert PoolHost.from_json(host("a", failed_checks=("x",)).to_json()) == host(
        "a", failed_checks=("x",)
    )


def test_a_policy_survives_json_as_a_workflow_argument():
    from datetime import timedelta

    from goldfleet.domain.rollout import (
        Canary,
        DrainMessage,
        LogoffMode,
        RolloutPolicy,
        RolloutStrategy,
        policy_from_json,
        policy_to_json,
    )

    policy = RolloutPolicy(
        name="p",
        strategy=RolloutStrategy.DELETE_FIRST,
        max_surge=0,
        min_available_percent=80,
        batch_size=2,
        canary=Canary(1, timedelta(minutes=45)),
        failure_budget=1,
        drain_message=DrainMessage("t", "b"),
        grace_period=timedelta(minutes=15),
        logoff=LogoffMode.FORCE,
        keep_old_hosts_days=7,
        keep_names=False,
        progressive=False,
        host_ready_timeout=timedelta(minutes=30),
    )
    assert policy_from_json(policy_to_json(policy)) == policy
