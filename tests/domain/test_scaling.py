"""A scaling plan's phase at a moment, and the deleteFirst floor it implies."""

from __future__ import annotations

from datetime import datetime, time

from goldfleet.domain.scaling import ScalingPlan, ScalingSchedule, floor_hosts

WEEKDAYS = ScalingSchedule(
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    ramp_up=time(7, 0),
    peak=time(9, 0),
    ramp_down=time(18, 0),
    off_peak=time(20, 0),
    ramp_up_min_pct=50,
    ramp_down_min_pct=20,
)
PLAN = ScalingPlan("sp-contoso", "Australia/Sydney", (WEEKDAYS,))


def at(local: str) -> datetime:
    """A Sydney local time (AEDT, UTC+11 in January) as an aware datetime."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Australia/Sydney"))


def test_phases_follow_the_local_schedule():
    assert PLAN.phase_at(at("2027-01-13T08:00"))[0] == "rampUp"  # Wednesday
    assert PLAN.phase_at(at("2027-01-13T12:00"))[0] == "peak"
    assert PLAN.phase_at(at("2027-01-13T19:00"))[0] == "rampDown"
    assert PLAN.phase_at(at("2027-01-13T23:00"))[0] == "offPeak"
    assert PLAN.phase_at(at("2027-01-14T03:00"))[0] == "offPeak"  # Wednesday's, before ramp-up
    assert PLAN.phase_at(at("2027-01-16T12:00")) is None  # Saturday: no schedule
    assert PLAN.phase_at(at("2027-01-18T03:00")) is None  # Monday before ramp-up: Sunday's none


def test_the_floor_follows_the_phase():
    # policy 80 % of ten: 8; peak with a 50 % minimum: still 8; a 100 % minimum: all ten
    assert floor_hosts(10, 80, PLAN, at("2027-01-13T12:00")) == 8
    full = ScalingPlan(
        "sp", PLAN.zone, (WEEKDAYS.__class__(**{**WEEKDAYS.__dict__, "ramp_up_min_pct": 100}),)
    )
    assert floor_hosts(10, 80, full, at("2027-01-13T12:00")) == 10
    # off-peak: the plan lets the pool go down to 20 %: so may the rollout
    assert floor_hosts(10, 80, PLAN, at("2027-01-13T23:00")) == 2
    # no plan, or no schedule that day: the policy's floor
    assert floor_hosts(10, 80, None, at("2027-01-13T23:00")) == 8
    assert floor_hosts(10, 80, PLAN, at("2027-01-16T12:00")) == 8


def test_the_plan_round_trips_through_json():
    assert ScalingPlan.from_json(PLAN.to_json()) == PLAN


def test_the_exclusion_tag_travels_with_the_plan_in_a_rollout_spec():
    tagged = ScalingPlan("sp-contoso", "Australia/Sydney", (WEEKDAYS,), "avd-exclude")
    assert ScalingPlan.from_json(tagged.to_json()) == tagged
    assert ScalingPlan.from_json(PLAN.to_json()).exclusion_tag is None
    older = {k: v for k, v in PLAN.to_json().items() if k != "exclusionTag"}  # a running spec
    assert ScalingPlan.from_json(older) == PLAN
