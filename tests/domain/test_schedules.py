"""Build schedules: the next run of cron and Nth-weekday schedules in their time zone (DST gaps
fire when the clocks resume, repeated hours fire once), and the scheduler's pure decision."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goldfleet.domain.images import (
    BuildSettings,
    CronSchedule,
    Distribution,
    ImagePipeline,
    MarketplaceSource,
    MonthlyWeekdaySchedule,
    NewSourceVersionSchedule,
    Schedule,
    VersioningScheme,
    Weekday,
)
from goldfleet.domain.schedules import (
    PastBuild,
    due_builds,
    failing_pipelines,
    failure_streak,
    next_run,
    nth_weekday,
)

LONDON = "Europe/London"
PATCH_TUESDAY_PLUS_ONE = MonthlyWeekdaySchedule(2, Weekday.TUESDAY, time(6, 0), LONDON, 1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the Nth weekday of the month --------------------------------------------------------------


def test_patch_tuesday_plus_one_day_is_the_wednesday_after_the_second_tuesday():
    # November 2026: Tuesdays are the 3rd and the 10th; London is on GMT.
    assert next_run(PATCH_TUESDAY_PLUS_ONE, utc(2026, 11, 1)) == utc(2026, 11, 11, 6, 0)
    # After it fired, the next is December's: Tuesday 1st, 8th -> Wednesday 9th.
    assert next_run(PATCH_TUESDAY_PLUS_ONE, utc(2026, 11, 11, 6, 0)) == utc(2026, 12, 9, 6, 0)
    # June 2026 is on BST: 06:00 local is 05:00 UTC (Tuesdays 2nd, 9th -> Wednesday 10th).
    assert next_run(PATCH_TUESDAY_PLUS_ONE, utc(2026, 6, 1)) == utc(2026, 6, 10, 5, 0)


def test_a_month_whose_first_day_is_a_tuesday():
    # September 2026 starts on a Tuesday: the 2nd Tuesday is the 8th.
    assert nth_weekday(2026, 9, 2, Weekday.TUESDAY).isoformat() == "2026-09-08"
    assert next_run(PATCH_TUESDAY_PLUS_ONE, utc(2026, 9, 1)) == utc(2026, 9, 9, 5, 0)


def test_week_five_is_the_last_weekday_of_the_month():
    last_friday = MonthlyWeekdaySchedule(5, Weekday.FRIDAY, time(22, 30), "America/New_York")
    # October 2026: Fridays 2, 9, 16, 23, 30; New York on EDT (UTC-4).
    assert next_run(last_friday, utc(2026, 10, 1)) == utc(2026, 10, 31, 2, 30)
    # February 2026 has four Fridays (6..27): the last is the fourth; EST (UTC-5).
    assert next_run(last_friday, utc(2026, 2, 1)) == utc(2026, 2, 28, 3, 30)


def test_an_offset_can_cross_into_the_next_month():
    last_tuesday_plus_week = MonthlyWeekdaySchedule(5, Weekday.TUESDAY, time(9), "UTC", 7)
    # Last Tuesday of November 2026 is the 24th; + 7 days = 1 December.
    assert next_run(last_tuesday_plus_week, utc(2026, 11, 26)) == utc(2026, 12, 1, 9)


def test_a_southern_hemisphere_zone():
    sydney = MonthlyWeekdaySchedule(1, Weekday.MONDAY, time(3), "Australia/Sydney")
    # 5 January 2026 is the first Monday; Sydney is on AEDT (UTC+11) -> 4 Jan 16:00 UTC.
    assert next_run(sydney, utc(2026, 1, 1)) == utc(2026, 1, 4, 16)
    # 6 July 2026, AEST (UTC+10) -> 5 July 17:00 UTC.
    assert next_run(sydney, utc(2026, 7, 1)) == utc(2026, 7, 5, 17)


# --- cron --------------------------------------------------------------------------------------


def test_cron_in_its_time_zone():
    weekdays_six = CronSchedule("0 6 * * 1-5", LONDON)
    # Friday 20 Nov 2026 07:00 UTC -> Monday 23 Nov 06:00 GMT.
    assert next_run(weekdays_six, utc(2026, 11, 20, 7)) == utc(2026, 11, 23, 6)
    sydney = CronSchedule("30 2 * * *", "Australia/Sydney")
    assert next_run(sydney, utc(2026, 11, 23, 8)) == utc(2026, 11, 23, 15, 30)


def test_a_time_the_clocks_skip_fires_when_they_resume():
    # 29 March 2026: London goes from 01:00 GMT straight to 02:00 BST.
    nightly = CronSchedule("30 1 * * *", LONDON)
    assert next_run(nightly, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1, 0)  # 02:00 BST
    assert next_run(nightly, utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 30, 0, 30)  # 01:30 BST
    # Every skipped time of one gap fires once, at the gap's end.
    quarter_hours = CronSchedule("*/15 1 * * *", LONDON)
    assert next_run(quarter_hours, utc(2026, 3, 29, 0, 50)) == utc(2026, 3, 29, 1, 0)
    assert next_run(quarter_hours, utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 30, 0, 0)


def test_a_time_the_clocks_repeat_fires_once_at_its_first_occurrence():
    # 25 October 2026: London's 01:00-02:00 happens twice (BST, then GMT).
    nightly = CronSchedule("30 1 * * *", LONDON)
    first = next_run(nightly, utc(2026, 10, 24, 12))
    assert first == utc(2026, 10, 25, 0, 30)  # 01:30 BST
    assert next_run(nightly, first) == utc(2026, 10, 26, 1, 30)  # not 01:30 GMT on the 25th
    quarter_hours = CronSchedule("*/15 1 * * *", LONDON)
    assert next_run(quarter_hours, utc(2026, 10, 25, 0, 45)) == utc(2026, 10, 26, 1, 0)


def test_a_new_york_gap_at_two():
    # 8 March 2026: New York skips 02:00-03:00 EST.
    at_two_thirty = CronSchedule("30 2 * * *", "America/New_York")
    assert next_run(at_two_thirty, utc(2026, 3, 8, 5)) == utc(2026, 3, 8, 7, 0)  # 03:00 EDT


def test_cron_day_of_month_or_day_of_week_and_nth_and_last():
    # Both restricted: the 1st of the month OR any Monday (cron's rule).
    either = CronSchedule("0 12 1 * 1", "UTC")
    assert next_run(either, utc(2026, 11, 24)) == utc(2026, 11, 30, 12)  # a Monday
    assert next_run(either, utc(2026, 11, 30, 12)) == utc(2026, 12, 1, 12)  # the 1st
    patch_tuesday = CronSchedule("0 6 * * 2#2", LONDON)
    assert next_run(patch_tuesday, utc(2026, 11, 1)) == utc(2026, 11, 10, 6)
    last_day = CronSchedule("0 23 L * *", "UTC")
    assert next_run(last_day, utc(2026, 2, 3)) == utc(2026, 2, 28, 23)
    last_friday = CronSchedule("0 8 * * L5", "UTC")  # croniter spells it L5
    assert next_run(last_friday, utc(2026, 10, 1)) == utc(2026, 10, 30, 8)
    leap_day = CronSchedule("0 0 29 2 *", "UTC")
    assert next_run(leap_day, utc(2026, 3, 1)) == utc(2028, 2, 29)


def test_times_must_be_aware_and_cron_must_have_five_fields():
    with pytest.raises(ValueError, match="aware"):
        next_run(CronSchedule("0 6 * * *", LONDON), datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="five cron fields"):
        next_run(CronSchedule("0 0 6 * * *", LONDON), utc(2026, 1, 1))


def test_new_source_version_looks_again_after_check_every():
    every_hour = NewSourceVersionSchedule(timedelta(minutes=60))
    assert next_run(every_hour, utc(2026, 11, 23, 8)) == utc(2026, 11, 23, 9)


ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    after=instants,
    zone=st.sampled_from(ZONES),
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
)
def test_cron_next_run_is_later_matches_locally_and_skips_nothing(after, zone, minute, hour):
    schedule = CronSchedule(f"{minute} {hour} * * *", zone)
    found = next_run(schedule, after)
    assert found.tzinfo is UTC and found > after
    local = found.astimezone(ZoneInfo(zone))
    wall = (local.hour, local.minute)
    if wall != (hour, minute):  # only when that local time did not exist that day
        assert local.utcoffset() != (local - timedelta(hours=3)).utcoffset()
    # Nothing in between: the instant just before the found one gives the same answer.
    assert next_run(schedule, found - timedelta(microseconds=1)) == found
    assert found - after <= timedelta(days=1, hours=3)


@settings(max_examples=150, deadline=None)
@given(
    after=instants,
    zone=st.sampled_from(ZONES),
    week=st.integers(1, 5),
    weekday=st.sampled_from(list(Weekday)),
    offset=st.integers(0, 20),
)
def test_monthly_next_run_is_the_nth_weekday_plus_offset(after, zone, week, weekday, offset):
    schedule = MonthlyWeekdaySchedule(week, weekday, time(6, 0), zone, offset)
    found = next_run(schedule, after)
    assert found > after
    local = found.astimezone(ZoneInfo(zone)).date()
    base = local - timedelta(days=offset)
    assert base == nth_weekday(base.year, base.month, week, weekday)
    assert next_run(schedule, found - timedelta(microseconds=1)) == found
    assert found - after <= timedelta(days=62)


# --- which pipelines are due --------------------------------------------------------------------


def pipeline(name: str, schedule: Schedule | None) -> ImagePipeline:
    build = BuildSettings(
        "northwind", "sub", "rg-build", "uksouth", "Standard_D4as_v5", None, timedelta(hours=4)
    )
    return ImagePipeline(
        name=name,
        source=MarketplaceSource("MicrosoftWindowsDesktop", "office-365", "win11-24h2-avd-m365"),
        build=build,
        distribution=Distribution(VersioningScheme.DATE, ()),
        schedule=schedule,
    )


MONTHLY = pipeline("monthly", PATCH_TUESDAY_PLUS_ONE)
ON_NEW = pipeline("fresh", NewSourceVersionSchedule(timedelta(minutes=60)))
UNSCHEDULED = pipeline("manual", None)


def test_a_schedule_is_due_when_its_next_run_after_the_last_run_has_come():
    runs = {"monthly": [PastBuild(utc(2026, 11, 11, 6, 2), True, "26100.1")]}
    assert due_builds([MONTHLY], runs, {}, utc(2026, 12, 9, 5, 59)) == []
    [due] = due_builds([MONTHLY], runs, {}, utc(2026, 12, 9, 6, 0))
    assert due.pipeline == "monthly"
    assert due.due_at == utc(2026, 12, 9, 6)
    assert (
        due.reason
        == "week 2 Tue + 1 day at 06:00 (Europe/London): due at 2026-12-09T06:00:00+00:00"
    )
    assert due.warning is None


def test_a_pipeline_never_built_is_due_and_one_without_schedule_never():
    found = due_builds([MONTHLY, UNSCHEDULED], {}, {}, utc(2026, 11, 23))
    assert [(d.pipeline, d.reason) for d in found] == [
        ("monthly", "week 2 Tue + 1 day at 06:00 (Europe/London): no scheduled build yet")
    ]


def test_manual_builds_do_not_move_the_schedule_and_a_running_build_blocks_another():
    runs = {
        "monthly": [
            PastBuild(utc(2026, 11, 11, 6), True),
            PastBuild(utc(2026, 12, 9, 5), True, scheduled=False),
        ]
    }
    assert [d.pipeline for d in due_builds([MONTHLY], runs, {}, utc(2026, 12, 9, 7))] == ["monthly"]
    runs["monthly"].append(PastBuild(utc(2026, 12, 9, 6, 30), None))
    assert due_builds([MONTHLY], runs, {}, utc(2026, 12, 9, 7)) == []


def test_a_new_source_version_triggers_a_build_from_that_version():
    runs = {"fresh": [PastBuild(utc(2026, 11, 11, 6), True, "26100.2314.241107")]}
    assert due_builds([ON_NEW], runs, {"fresh": "26100.2314.241107"}, utc(2026, 12, 9)) == []
    assert due_builds([ON_NEW], runs, {}, utc(2026, 12, 9)) == []  # not looked up yet
    [due] = due_builds([ON_NEW], runs, {"fresh": "26100.2605.241207"}, utc(2026, 12, 9))
    assert due.source_version == "26100.2605.241207"
    assert due.reason == "new source version 26100.2605.241207 (last built from 26100.2314.241107)"


def test_a_failed_attempt_at_a_new_version_is_retried_after_check_every():
    runs = {
        "fresh": [
            PastBuild(utc(2026, 11, 11, 6), True, "v1"),
            PastBuild(utc(2026, 12, 9, 8), False, "v2"),
        ]
    }
    latest = {"fresh": "v2"}
    assert due_builds([ON_NEW], runs, latest, utc(2026, 12, 9, 8, 59)) == []
    [due] = due_builds([ON_NEW], runs, latest, utc(2026, 12, 9, 9))
    assert due.source_version == "v2"


def test_repeated_failures_keep_the_schedule_and_are_reported():
    failed = [
        PastBuild(utc(2026, 10, 14, 6), True),
        PastBuild(utc(2026, 11, 11, 6), False),
        PastBuild(utc(2026, 12, 9, 6), False),
    ]
    assert failure_streak(failed) == 2
    [due] = due_builds([MONTHLY], {"monthly": failed}, {}, utc(2027, 1, 13, 6))
    assert due.warning == (
        "the last 2 scheduled builds of monthly failed; it stays scheduled"
        ": fix the cause or remove the schedule"
    )
    assert failing_pipelines([MONTHLY, UNSCHEDULED], {"monthly": failed}) == {
        "monthly": due.warning
    }
    # One failure is below alertAfterFailures (2): no warning yet.
    [due] = due_builds([MONTHLY], {"monthly": failed[:2]}, {}, utc(2026, 12, 9, 6))
    assert due.warning is None
    # A manual success does not reset the scheduled streak... a scheduled one does.
    recovered = [*failed, PastBuild(utc(2027, 1, 13, 6), True)]
    assert failure_streak(recovered) == 0
