"""Application groups, workspaces and scaling plans through the real SDK: CRUD and lists, one
Desktop group per pool, ``workspaceArmPath`` derived from the workspace that references the
group, a group in one workspace only, scaling plan schedules validated, pooled schedules as
the plan's ``schedules``, a host pool in one scaling plan only."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.desktopvirtualization.support import (
    DV,
    RG,
    avd_client,
    error_of,
    make_pool,
    pool_id,
)


def _group(client, name="dag", kind="Desktop", pool="hp1"):
    return client.application_groups.create_or_update(
        RG,
        name,
        {
            "location": "westeurope",
            "properties": {
                "hostPoolArmPath": pool_id(pool),
                "applicationGroupType": kind,
                "friendlyName": name,
            },
        },
    )


def _schedule(
    name="weekdays", days=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"), **extra
):
    return {
        "name": name,
        "daysOfWeek": list(days),
        "rampUpStartTime": {"hour": 6, "minute": 0},
        "rampUpLoadBalancingAlgorithm": "BreadthFirst",
        "rampUpMinimumHostsPct": 20,
        "rampUpCapacityThresholdPct": 60,
        "peakStartTime": {"hour": 9, "minute": 0},
        "peakLoadBalancingAlgorithm": "DepthFirst",
        "rampDownStartTime": {"hour": 18, "minute": 0},
        "rampDownLoadBalancingAlgorithm": "DepthFirst",
        "rampDownMinimumHostsPct": 10,
        "rampDownCapacityThresholdPct": 90,
        "rampDownForceLogoffUsers": False,
        "rampDownStopHostsWhen": "ZeroSessions",
        "rampDownWaitTimeMinutes": 30,
        "rampDownNotificationMessage": "Log off, please",
        "offPeakStartTime": {"hour": 22, "minute": 0},
        "offPeakLoadBalancingAlgorithm": "DepthFirst",
        **extra,
    }


def _plan(client, name="sp1", pools=("hp1",), schedules=None):
    return client.scaling_plans.create(
        RG,
        name,
        {
            "location": "westeurope",
            "properties": {
                "timeZone": "W. Europe Standard Time",
                "schedules": schedules if schedules is not None else [_schedule()],
                "hostPoolReferences": [
                    {"hostPoolArmPath": pool_id(p), "scalingPlanEnabled": True} for p in pools
                ],
            },
        },
    )


def test_application_groups_and_workspaces(emu):
    client = avd_client(emu)
    make_pool(client)
    desktop = _group(client)
    assert desktop.application_group_type == "Desktop" and desktop.workspace_arm_path is None
    _group(client, "apps", "RemoteApp")
    with pytest.raises(HttpResponseError) as excinfo:
        _group(client, "dag2")
    assert "only one Desktop ApplicationGroup" in error_of(excinfo)["message"]
    space = client.workspaces.create_or_update(
        RG,
        "ws1",
        {"location": "westeurope", "properties": {"applicationGroupReferences": [desktop.id]}},
    )
    assert space.application_group_references == [desktop.id]
    assert client.application_groups.get(RG, "dag").workspace_arm_path == space.id
    with pytest.raises(HttpResponseError) as excinfo:
        client.workspaces.create_or_update(
            RG,
            "ws2",
            {"location": "westeurope", "properties": {"applicationGroupReferences": [desktop.id]}},
        )
    assert "only one Workspace" in error_of(excinfo)["message"]
    with pytest.raises(HttpResponseError) as excinfo:
        client.workspaces.update(
            RG,
            "ws1",
            {"properties": {"applicationGroupReferences": [f"{DV}/applicationGroups/nope"]}},
        )
    assert "does not exist" in error_of(excinfo)["message"]
    updated = client.application_groups.update(
        RG, "apps", {"properties": {"description": "remote apps"}, "tags": {"a": "b"}}
    )
    assert updated.description == "remote apps" and updated.tags == {"a": "b"}
    assert {g.name for g in client.application_groups.list_by_resource_group(RG)} == {"dag", "apps"}
    assert {g.name for g in client.application_groups.list_by_subscription()} == {"dag", "apps"}
    assert [w.name for w in client.workspaces.list_by_subscription()] == ["ws1"]
    assert [w.name for w in client.workspaces.list_by_resource_group(RG)] == ["ws1"]
    client.application_groups.delete(RG, "dag")
    assert client.workspaces.get(RG, "ws1").application_group_references == []
    client.workspaces.delete(RG, "ws1")
    with pytest.raises(ResourceNotFoundError):
        client.workspaces.get(RG, "ws1")


def test_an_application_group_needs_an_existing_pool_and_keeps_it(emu):
    client = avd_client(emu)
    with pytest.raises(HttpResponseError) as excinfo:
        _group(client)
    assert (
        "SessionHostPool" in error_of(excinfo)["message"]
        and "does not exist" in error_of(excinfo)["message"]
    )
    make_pool(client)
    make_pool(client, "hp2")
    _group(client)
    with pytest.raises(HttpResponseError) as excinfo:
        _group(client, pool="hp2")
    assert "hostPoolArmPath cannot be changed" in error_of(excinfo)["message"]


def test_scaling_plans_with_schedules_and_pool_references(emu):
    client = avd_client(emu)
    make_pool(client)
    plan = _plan(client)
    assert plan.time_zone == "W. Europe Standard Time" and plan.host_pool_type == "Pooled"
    [schedule] = plan.schedules
    assert schedule.ramp_up_minimum_hosts_pct == 20 and schedule.peak_start_time.hour == 9
    assert [p.name for p in client.scaling_plans.list_by_host_pool(RG, "hp1")] == ["sp1"]
    assert [p.name for p in client.scaling_plans.list_by_subscription()] == ["sp1"]
    assert [p.name for p in client.scaling_plans.list_by_resource_group(RG)] == ["sp1"]
    with pytest.raises(HttpResponseError) as excinfo:
        _plan(client, "sp2")
    assert "only one ScalingPlan" in error_of(excinfo)["message"]
    weekend = _schedule("weekend", ("Saturday", "Sunday"))
    created = client.scaling_plan_pooled_schedules.create(
        RG, "sp1", "weekend", {"properties": weekend}
    )
    assert created.name == "sp1/weekend" and created.days_of_week == ["Saturday", "Sunday"]
    assert [s.name for s in client.scaling_plans.get(RG, "sp1").schedules] == [
        "weekdays",
        "weekend",
    ]
    client.scaling_plan_pooled_schedules.update(
        RG, "sp1", "weekend", {"properties": {"rampUpMinimumHostsPct": 0}}
    )
    assert (
        client.scaling_plan_pooled_schedules.get(RG, "sp1", "weekend").ramp_up_minimum_hosts_pct
        == 0
    )
    assert [s.name for s in client.scaling_plan_pooled_schedules.list(RG, "sp1")] == [
        "sp1/weekdays",
        "sp1/weekend",
    ]
    client.scaling_plan_pooled_schedules.delete(RG, "sp1", "weekend")
    assert [s.name for s in client.scaling_plans.get(RG, "sp1").schedules] == ["weekdays"]
    updated = client.scaling_plans.update(RG, "sp1", {"properties": {"hostPoolReferences": []}})
    assert updated.host_pool_references == []
    client.scaling_plans.delete(RG, "sp1")
    with pytest.raises(ResourceNotFoundError):
        client.scaling_plans.get(RG, "sp1")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"rampUpMinimumHostsPct": 101}, "rampUpMinimumHostsPct"),
        ({"peakStartTime": {"hour": 24, "minute": 0}}, "peakStartTime.hour"),
        ({"rampDownLoadBalancingAlgorithm": "Random"}, "rampDownLoadBalancingAlgorithm"),
        ({"daysOfWeek": ["Funday"]}, "daysOfWeek"),
        ({"rampDownStopHostsWhen": "Never"}, "rampDownStopHostsWhen"),
    ],
)
def test_bad_schedules_are_refused(emu, change, fragment):
    client = avd_client(emu)
    make_pool(client)
    with pytest.raises(HttpResponseError) as excinfo:
        _plan(client, schedules=[_schedule(**change)])
    assert excinfo.value.status_code == 400 and fragment in error_of(excinfo)["message"]


def test_a_day_is_in_one_schedule_and_personal_pools_are_not_for_pooled_plans(emu):
    client = avd_client(emu)
    make_pool(client)
    with pytest.raises(HttpResponseError) as excinfo:
        _plan(client, schedules=[_schedule(), _schedule("again", ("Monday",))])
    assert "only one schedule" in error_of(excinfo)["message"]
    make_pool(client, "hpp", pool_type="Personal", balancer="Persistent")
    with pytest.raises(HttpResponseError) as excinfo:
        _plan(client, pools=("hpp",))
    assert "not of the ScalingPlan's type" in error_of(excinfo)["message"]


def test_deleting_a_pool_drops_it_from_its_scaling_plan(emu):
    client = avd_client(emu)
    make_pool(client)
    _plan(client)
    client.host_pools.delete(RG, "hp1")
    assert client.scaling_plans.get(RG, "sp1").host_pool_references == []


def test_application_groups_are_listed_by_type_and_other_filters_are_refused(emu):
    client = avd_client(emu)
    make_pool(client)
    _group(client)
    _group(client, "apps", "RemoteApp")
    desktops = client.application_groups.list_by_resource_group(
        RG, filter="applicationGroupType eq 'Desktop'"
    )
    assert [g.name for g in desktops] == ["dag"]
    remote = client.application_groups.list_by_subscription(
        filter="applicationGroupType eq 'RemoteApp'"
    )
    assert [g.name for g in remote] == ["apps"]
    assert len(list(client.application_groups.list_by_resource_group(RG))) == 2
    with pytest.raises(HttpResponseError) as excinfo:
        list(client.application_groups.list_by_resource_group(RG, filter="friendlyName eq 'dag'"))
    assert excinfo.value.status_code == 400
    assert "The filter 'friendlyName eq 'dag'' is not supported" in error_of(excinfo)["message"]
