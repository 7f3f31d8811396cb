"""Maintenance windows: occurrences of each kind in the tenant's time zone across DST changes
(London, New York, Sydney), windows crossing midnight, freezes (skip and cut), merging of
overlapping windows, and whether a batch may start near the close."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goldfleet.domain.tenancy import Freeze, MaintenanceWindow, WindowKind
from goldfleet.domain.windows import (
    WindowInstance,
    describe,
    may_start,
    next_open,
    occurrences,
    open_at,
    time_left,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def daily(at: time, duration: timedelta, name: str = "nightly") -> MaintenanceWindow:
    return MaintenanceWindow(name, WindowKind.DAILY, at, duration)


def weekly(days: tuple[str, ...], at: time, duration: timedelta) -> MaintenanceWindow:
    return MaintenanceWindow("weekly", WindowKind.WEEKLY, at, duration, days=days)


def monthly(day: int, at: time, duration: timedelta) -> MaintenanceWindow:
    return MaintenanceWindow("monthly", WindowKind.MONTHLY, at, duration, day_of_month=day)


def patch_tuesday(offset: int, at: time, duration: timedelta) -> MaintenanceWindow:
    return MaintenanceWindow("patch", WindowKind.PATCH_TUESDAY, at, duration, offset_days=offset)


def cron(expression: str, duration: timedelta) -> MaintenanceWindow:
    return MaintenanceWindow("cron", WindowKind.CRON, time(0), duration, cron=expression)


def once(on: date, at: time, duration: timedelta) -> MaintenanceWindow:
    return MaintenanceWindow("once", WindowKind.ONCE, at, duration, on=on)


# --- each kind across DST changes ------------------------------------------------------------

CASES = [
    # London skips 01:00-02:00 on 29 March 2026: 01:30 starts at 02:00 BST (01:00 UTC).
    (
        "london daily in the spring gap",
        daily(time(1, 30), 2 * H),
        LONDON,
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 3),
    ),
    # London repeats 01:00-02:00 on 25 October 2026: the first 01:30 is BST (00:30 UTC).
    (
        "london daily in the repeated hour",
        daily(time(1, 30), 2 * H),
        LONDON,
        utc(2026, 10, 25, 0),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 2, 30),
    ),
    # 22:00 GMT for 6 elapsed hours closes at 05:00 BST, the clocks having moved on.
    (
        "london daily across midnight and the change",
        daily(time(22), 6 * H),
        LONDON,
        utc(2026, 3, 28, 12),
        utc(2026, 3, 28, 22),
        utc(2026, 3, 29, 4),
    ),
    # New York skips 02:00-03:00 on Sunday 8 March 2026: 02:30 starts at 03:00 EDT.
    (
        "new york weekly in the spring gap",
        weekly(("Sun",), time(2, 30), H),
        NEW_YORK,
        utc(2026, 3, 7),
        utc(2026, 3, 8, 7),
        utc(2026, 3, 8, 8),
    ),
    # New York repeats 01:00-02:00 on Sunday 1 November 2026: the first 01:30 is EDT.
    (
        "new york weekly in the repeated hour",
        weekly(("Sun",), time(1, 30), H),
        NEW_YORK,
        utc(2026, 10, 31),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 1, 6, 30),
    ),
    # Sydney skips 02:00-03:00 on 4 October 2026 (spring in the south).
    (
        "sydney daily in the spring gap",
        daily(time(2, 30), H),
        SYDNEY,
        utc(2026, 10, 3, 12),
        utc(2026, 10, 3, 16),
        utc(2026, 10, 3, 17),
    ),
    # Sydney repeats 02:00-03:00 on 5 April 2026: the first 02:30 is AEDT (+11).
    (
        "sydney monthly in the repeated hour",
        monthly(5, time(2, 30), H),
        SYDNEY,
        utc(2026, 4, 1),
        utc(2026, 4, 4, 15, 30),
        utc(2026, 4, 4, 16, 30),
    ),
    # Patch Tuesday is 10 February and 10 March 2026; +4 is the Saturday after, EST then EDT.
    (
        "new york patch tuesday + 4 before the change",
        patch_tuesday(4, time(2), 4 * H),
        NEW_YORK,
        utc(2026, 2, 1),
        utc(2026, 2, 14, 7),
        utc(2026, 2, 14, 11),
    ),
    (
        "new york patch tuesday + 4 after the change",
        patch_tuesday(4, time(2), 4 * H),
        NEW_YORK,
        utc(2026, 2, 15),
        utc(2026, 3, 14, 6),
        utc(2026, 3, 14, 10),
    ),
    # Patch Tuesday 13 October 2026; +1 is Wednesday 02:00 AEDT in Sydney.
    (
        "sydney patch tuesday + 1",
        patch_tuesday(1, time(2), 4 * H),
        SYDNEY,
        utc(2026, 10, 1),
        utc(2026, 10, 13, 15),
        utc(2026, 10, 13, 19),
    ),
    # Patch Tuesday 14 July 2026 + 20 days is 3 August: the offset carries into the next month.
    (
        "patch tuesday + 20 into the next month",
        patch_tuesday(20, time(2), H),
        LONDON,
        utc(2026, 7, 20),
        utc(2026, 8, 3, 1),
        utc(2026, 8, 3, 2),
    ),
    # Patch Tuesday 10 November 2026 + 3 is Friday 13 November.
    (
        "london patch tuesday + 3 is the friday",
        patch_tuesday(3, time(2), 4 * H),
        LONDON,
        utc(2026, 11, 1),
        utc(2026, 11, 13, 2),
        utc(2026, 11, 13, 6),
    ),
    # Day 31: April has none, so the next is 31 May (BST).
    (
        "monthly day 31 skips april",
        monthly(31, time(2), H),
        LONDON,
        utc(2026, 4, 1),
        utc(2026, 5, 31, 1),
        utc(2026, 5, 31, 2),
    ),
    (
        "cron saturday night",
        cron("0 22 * * 6", 6 * H),
        SYDNEY,
        utc(2026, 3, 30),
        utc(2026, 4, 4, 11),
        utc(2026, 4, 4, 17),
    ),
    # Two skipped starts of one gap start once, at the end of the gap.
    (
        "cron starts in the gap start once",
        cron("0,30 1 * * *", 30 * timedelta(minutes=1)),
        LONDON,
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 1, 30),
    ),
    (
        "once",
        once(date(2026, 12, 24), time(19), 3 * H),
        NEW_YORK,
        utc(2026, 12, 1),
        utc(2026, 12, 25, 0),
        utc(2026, 12, 25, 3),
    ),
]


@pytest.mark.parametrize(
    ("window", "zone", "after", "start", "end"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_next_open_per_kind_across_dst(
    window: MaintenanceWindow, zone: str, after: datetime, start: datetime, end: datetime
) -> None:
    assert next_open([window], zone, (), after) == WindowInstance(window.name, start, end)


def test_monthly_day_31_occurs_only_in_months_that_have_it() -> None:
    found = occurrences(monthly(31, time(2), H), LONDON, utc(2026, 1, 1), utc(2026, 8, 1))
    assert [i.start.date() for i in found] == [
        date(2026, 1, 31),
        date(2026, 3, 31),
        date(2026, 5, 31),
        date(2026, 7, 31),
    ]


def test_cron_window_starts_an_occurrence_at_every_match() -> None:
    found = occurrences(cron("0 1,13 * * *", 2 * H), "UTC", utc(2026, 6, 1), utc(2026, 6, 2))
    assert [(i.start, i.end) for i in found] == [
        (utc(2026, 6, 1, 1), utc(2026, 6, 1, 3)),
        (utc(2026, 6, 1, 13), utc(2026, 6, 1, 15)),
    ]


def test_overlapping_occurrences_of_one_window_merge() -> None:
    found = occurrences(cron("0,30 1 * * *", H), "UTC", utc(2026, 6, 1), utc(2026, 6, 2))
    assert [(i.start, i.end) for i in found] == [(utc(2026, 6, 1, 1), utc(2026, 6, 1, 2, 30))]


def test_once_in_the_past_never_opens_again() -> None:
    assert next_open([once(date(2026, 1, 1), time(19), H)], LONDON, (), utc(2026, 6, 1)) is None


def test_no_windows_never_open() -> None:
    assert next_open([], LONDON, (), utc(2026, 6, 1)) is None
    assert open_at([], LONDON, (), utc(2026, 6, 1)) is None


# --- midnight and instances that started yesterday -------------------------------------------


def test_window_open_at_now_that_started_yesterday_is_found() -> None:
    window = daily(time(22), 6 * H)
    now = utc(2026, 1, 15, 3)  # 03:00 GMT, five hours into the window that opened last night
    instance = open_at([window], LONDON, (), now)
    assert instance == WindowInstance("nightly", utc(2026, 1, 14, 22), utc(2026, 1, 15, 4))
    assert time_left(instance, now) == H
    assert occurrences(window, LONDON, now, now + H) == [instance]


def test_closed_between_windows_and_next_open_is_tonight() -> None:
    window = daily(time(22), 6 * H)
    assert open_at([window], NEW_YORK, (), utc(2026, 1, 15, 12)) is None
    assert next_open([window], NEW_YORK, (), utc(2026, 1, 15, 12)) == WindowInstance(
        "nightly", utc(2026, 1, 16, 3), utc(2026, 1, 16, 9)
    )


def test_the_end_of_an_instance_is_closed() -> None:
    window = daily(time(19), 3 * H)
    assert open_at([window], "UTC", (), utc(2026, 1, 15, 22)) is None
    assert open_at([window], "UTC", (), utc(2026, 1, 15, 19)) is not None


# --- freezes ----------------------------------------------------------------------------------

CHRISTMAS = Freeze(date(2026, 12, 18), date(2027, 1, 5), "Christmas trading")


def test_occurrence_starting_in_a_freeze_is_skipped() -> None:
    window = weekly(("Sat",), time(22), 6 * H)
    # Saturdays 19 and 26 December and 2 January are frozen; the next is 9 January (AEDT).
    assert next_open([window], SYDNEY, [CHRISTMAS], utc(2026, 12, 14)) == WindowInstance(
        "weekly", utc(2027, 1, 9, 11), utc(2027, 1, 9, 17)
    )


def test_occurrence_running_into_a_freeze_is_cut_at_its_local_midnight() -> None:
    window = daily(time(22), 6 * H)
    cut = next_open([window], SYDNEY, [CHRISTMAS], utc(2026, 12, 17, 12))
    # 22:00 AEDT on 17 December, cut at 00:00 AEDT on the 18th.
    assert cut == WindowInstance("nightly", utc(2026, 12, 17, 11), utc(2026, 12, 17, 13))
    assert open_at([window], SYDNEY, [CHRISTMAS], utc(2026, 12, 17, 13, 30)) is None
    # The last frozen day is 5 January (inclusive); the 6th's window opens as usual.
    assert next_open([window], SYDNEY, [CHRISTMAS], utc(2026, 12, 17, 13)) == WindowInstance(
        "nightly", utc(2027, 1, 6, 11), utc(2027, 1, 6, 17)
    )


def test_occurrences_apply_freezes_when_given() -> None:
    window = daily(time(22), 6 * H)
    found = occurrences(window, SYDNEY, utc(2026, 12, 16), utc(2027, 1, 8), [CHRISTMAS])
    assert [i.start.astimezone(ZoneInfo(SYDNEY)).date().day for i in found] == [16, 17, 6, 7]
    assert len(occurrences(window, SYDNEY, utc(2026, 12, 16), utc(2027, 1, 8))) == 23


# --- merging windows -------------------------------------------------------------------------


def test_overlapping_windows_merge_into_one_instance_ending_at_the_latest_end() -> None:
    early, late = daily(time(19), 3 * H, "early"), daily(time(21), 3 * H, "late")
    instance = open_at([early, late], LONDON, (), utc(2026, 1, 15, 21, 30))
    assert instance == WindowInstance("early + late", utc(2026, 1, 15, 19), utc(2026, 1, 16, 0))
    assert next_open([late, early], LONDON, (), utc(2026, 1, 15, 12)) == instance


def test_touching_windows_merge_and_separate_ones_do_not() -> None:
    early, touching = daily(time(19), 3 * H, "early"), daily(time(22), H, "touching")
    apart = daily(time(23, 30), H, "apart")
    merged = open_at([early, touching, apart], "UTC", (), utc(2026, 1, 15, 20))
    assert merged == WindowInstance("early + touching", utc(2026, 1, 15, 19), utc(2026, 1, 15, 23))
    assert next_open([early, touching, apart], "UTC", (), merged.end) == WindowInstance(
        "apart", utc(2026, 1, 15, 23, 30), utc(2026, 1, 16, 0, 30)
    )


def test_a_window_inside_another_does_not_shorten_it() -> None:
    outer, inner = daily(time(19), 4 * H, "outer"), daily(time(20), H, "inner")
    assert open_at([outer, inner], "UTC", (), utc(2026, 1, 15, 20, 30)) == WindowInstance(
        "outer", utc(2026, 1, 15, 19), utc(2026, 1, 15, 23)
    )


# --- may_start near the close ----------------------------------------------------------------

EVENING = WindowInstance("evening", utc(2026, 1, 15, 19), utc(2026, 1, 15, 22))


@pytest.mark.parametrize(
    ("now", "needed", "allowed"),
    [
        (utc(2026, 1, 15, 21), H, True),  # finishes exactly at the close
        (utc(2026, 1, 15, 21), H + timedelta(minutes=1), False),
        (utc(2026, 1, 15, 21, 59), timedelta(minutes=2), False),
        (utc(2026, 1, 15, 21, 59), timedelta(0), True),
        (utc(2026, 1, 15, 22), timedelta(0), False),  # closed
        (utc(2026, 1, 15, 18, 59), H, False),  # not open yet
        (utc(2026, 1, 15, 19), 3 * H, True),
    ],
)
def test_may_start_only_if_the_batch_finishes_before_the_close(
    now: datetime, needed: timedelta, allowed: bool
) -> None:
    assert may_start(EVENING, now, needed) is allowed


def test_time_left_counts_down_to_zero() -> None:
    assert time_left(EVENING, utc(2026, 1, 15, 20, 30)) == timedelta(hours=1, minutes=30)
    assert time_left(EVENING, utc(2026, 1, 15, 23)) == timedelta(0)


# --- reports and mistakes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "zone", "text"),
    [
        (
            weekly(("Mon", "Tue", "Wed", "Thu", "Fri"), time(19), 3 * H),
            LONDON,
            "weekly Mon-Fri 19:00 for 3h (Europe/London)",
        ),
        (weekly(("Sun", "Sat"), time(22), 6 * H), None, "weekly Sat,Sun 22:00 for 6h"),
        (daily(time(22), timedelta(hours=1, minutes=30)), None, "daily 22:00 for 1h30m"),
        (monthly(31, time(2), H), None, "monthly day 31 02:00 for 1h"),
        (
            patch_tuesday(3, time(2), 4 * H),
            SYDNEY,
            "Patch Tuesday + 3 days 02:00 for 4h (Australia/Sydney)",
        ),
        (patch_tuesday(0, time(2), 4 * H), None, "Patch Tuesday 02:00 for 4h"),
        (cron("0 22 * * 6", 6 * H), None, "cron 0 22 * * 6 for 6h"),
        (
            once(date(2026, 12, 24), time(19), timedelta(days=1)),
            None,
            "once 2026-12-24 19:00 for 1d",
        ),
    ],
)
def test_describe(window: MaintenanceWindow, zone: str | None, text: str) -> None:
    assert describe(window, zone) == text


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (daily(time(1), timedelta(0)), "duration must be positive"),
        (weekly(("Mon", "Funday"), time(1), H), "needs days among Mon..Sun"),
        (monthly(32, time(1), H), "dayOfMonth must be 1-31"),
        (MaintenanceWindow("o", WindowKind.ONCE, time(1), H), "needs a date"),
        (cron("61 * * * *", H), "cannot read cron expression"),
    ],
)
def test_invalid_windows_are_refused_by_name(window: MaintenanceWindow, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        next_open([window], LONDON, (), utc(2026, 1, 1))


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        open_at([daily(time(1), H)], LONDON, (), datetime(2026, 1, 1))


# --- properties ------------------------------------------------------------------------------

ZONES = st.sampled_from([LONDON, NEW_YORK, SYDNEY])
# Starts on the quarter hour, including the hours that DST skips or repeats.
STARTS = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
DURATIONS = st.integers(15, 30 * 60).map(lambda m: timedelta(minutes=m))
# Instants in 2026, minute-aligned (DST changes included).
INSTANTS = st.integers(0, 365 * 24 * 60).map(lambda m: utc(2026, 1, 1) + timedelta(minutes=m))
WINDOWS = st.one_of(
    st.builds(daily, STARTS, DURATIONS),
    st.builds(
        weekly,
        st.lists(
            st.sampled_from(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
            min_size=1,
            max_size=3,
            unique=True,
        ).map(tuple),
        STARTS,
        DURATIONS,
    ),
    st.builds(monthly, st.integers(1, 31), STARTS, DURATIONS),
    st.builds(patch_tuesday, st.integers(0, 20), STARTS, DURATIONS),
    st.builds(cron, st.sampled_from(["30 1 * * *", "0 2,14 * * 1-5", "*/45 22 * * 6"]), DURATIONS),
    st.builds(once, st.dates(date(2026, 1, 1), date(2026, 12, 31)), STARTS, DURATIONS),
)
FREEZES = st.lists(
    st.builds(
        lambda day, length: Freeze(day, day + timedelta(days=length), "frozen"),
        st.dates(date(2026, 1, 1), date(2026, 12, 31)),
        st.integers(0, 20),
    ),
    max_size=2,
)


def _frozen_span(freeze: Freeze, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(freeze.start, time(0), zone).astimezone(UTC)
    end = datetime.combine(freeze.end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


@settings(max_examples=120, deadline=None)
@given(st.lists(WINDOWS, min_size=1, max_size=3), ZONES, FREEZES, INSTANTS)
def test_open_at_contains_now_and_agrees_with_next_open(
    windows: list[MaintenanceWindow], zone: str, freezes: list[Freeze], now: datetime
) -> None:
    instance = open_at(windows, zone, freezes, now)
    upcoming = next_open(windows, zone, freezes, now)
    if instance is not None:
        assert instance.start <= now < instance.end
        assert upcoming == instance
    else:
        assert upcoming is None or upcoming.start > now
    # Open exactly when some window's own (frozen) occurrence contains now.
    own = [o for w in windows for o in occurrences(w, zone, now, now + H, freezes)]
    assert (instance is not None) == any(o.contains(now) for o in own)


@settings(max_examples=120, deadline=None)
@given(WINDOWS, ZONES, FREEZES, INSTANTS)
def test_occurrences_are_sorted_non_overlapping_and_never_frozen(
    window: MaintenanceWindow, zone: str, freezes: list[Freeze], after: datetime
) -> None:
    tz = ZoneInfo(zone)
    found = occurrences(window, zone, after, after + timedelta(days=40), freezes)
    for earlier, later in pairwise(found):
        assert earlier.end < later.start
    for instance in found:
        assert instance.start < instance.end
        assert instance.end > after and instance.start < after + timedelta(days=40)
        for freeze in freezes:
            frozen_start, frozen_end = _frozen_span(freeze, tz)
            assert instance.end <= frozen_start or instance.start >= frozen_end


@settings(max_examples=80, deadline=None)
@given(st.lists(WINDOWS, min_size=1, max_size=3), ZONES, FREEZES, INSTANTS)
def test_next_open_is_never_inside_a_freeze(
    windows: list[MaintenanceWindow], zone: str, freezes: list[Freeze], after: datetime
) -> None:
    tz = ZoneInfo(zone)
    instance = next_open(windows, zone, freezes, after)
    if instance is None:
        return
    assert instance.end > after
    for freeze in freezes:
        frozen_start, frozen_end = _frozen_span(freeze, tz)
        assert instance.end <= frozen_start or instance.start >= frozen_end


# --- MaintenanceSchedule: what a rollout carries ------------------------------------------------


def test_a_schedule_without_windows_starts_now():
    from goldfleet.domain.windows import MaintenanceSchedule

    now = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    assert MaintenanceSchedule("UTC").batch_start(now, timedelta(hours=2)) == (now, None)


def test_a_batch_waits_for_a_window_long_enough_and_round_trips_as_json():
    from goldfleet.domain.windows import MaintenanceSchedule

    short = MaintenanceWindow("short", WindowKind.WEEKLY, time(22, 0), timedelta(hours=1), ("Sat",))
    long = MaintenanceWindow("long", WindowKind.WEEKLY, time(2, 0), timedelta(hours=8), ("Sun",))
    schedule = MaintenanceSchedule(
        "Australia/Sydney", (short, long), (Freeze(date(2027, 1, 23), date(2027, 1, 24)),)
    )
    assert MaintenanceSchedule.from_json(schedule.to_json()) == schedule
    friday = datetime(2027, 1, 15, 0, 0, tzinfo=UTC)
    start, instance = schedule.batch_start(friday, timedelta(minutes=30))
    assert start == datetime(2027, 1, 16, 11, 0, tzinfo=UTC)  # Sat 22:00 AEDT, an hour is enough
    assert instance is not None and instance.name == "short"
    start, instance = schedule.batch_start(friday, timedelta(hours=2))
    assert start == datetime(2027, 1, 16, 15, 0, tzinfo=UTC)  # Sun 02:00 AEDT: the long one
    inside = datetime(2027, 1, 16, 20, 0, tzinfo=UTC)  # Sun 07:00, three hours left
    assert schedule.batch_start(inside, timedelta(hours=2))[0] == inside
    # Too late in the window; the next weekend is frozen, so the one after.
    late = datetime(2027, 1, 16, 22, 30, tzinfo=UTC)
    assert schedule.batch_start(late, timedelta(hours=2))[0] == datetime(
        2027, 1, 30, 15, 0, tzinfo=UTC
    )
