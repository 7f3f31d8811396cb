"""When scheduled builds are due: the next run of a pipeline's schedule, and the pure decision the
scheduler worker makes on every tick (which pipelines to build now, and why).

Times in and out are aware UTC; a schedule is read in its IANA time zone. Daylight saving time:

- a local time that does not exist (the hour the clocks skip in spring) fires at the first valid
  instant after the gap, when the clocks resume: on the day London skips 01:00-02:00, a 01:30
  schedule fires at 02:00 BST (01:00 UTC); several skipped times of one gap fire once;
- a local time that occurs twice (the hour repeated in autumn) fires once, at its first
  occurrence (the earlier instant, still on summer time).

Cron expressions have five fields (minute hour day-of-month month day-of-week), parsed by
croniter (names, ranges, steps, ``L`` and ``#`` included); matching and time zones are done here,
so the rules above hold. When both day-of-month and day-of-week are restricted, a day matches if
either does (as cron does). No clock is read: ``now`` and ``after`` are passed in.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from goldfleet.domain.images import (
    CronSchedule,
    ImagePipeline,
    MonthlyWeekdaySchedule,
    NewSourceVersionSchedule,
    Schedule,
    Weekday,
)

_WEEKDAYS = [d for d in Weekday]  # Monday first, as date.weekday() counts
_SEARCH_DAYS = 366 * 9  # 29 February in a year whose day-of-week also matches is rare, not never


def _aware_utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (UTC), got {value.isoformat()}")
    return value.astimezone(UTC)


def resolve_local(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant at which local wall time ``wall`` (naive) fires in ``zone``: its first
    occurrence when it is ambiguous, the end of the gap when it does not exist."""
    first = wall.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # In a gap: walk forward to the first wall time that exists (gaps are whole minutes).
    probe = wall.replace(second=0, microsecond=0)
    for _ in range(24 * 60):
        probe += timedelta(minutes=1)
        candidate = probe.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if candidate.astimezone(zone).replace(tzinfo=None) == probe:
            return candidate
    raise ValueError(f"no valid local time after {wall.isoformat()} in {zone.key}")


# --- cron -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int] | None  # None = any day of the month
    last_day: bool  # ``L`` in day-of-month
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # cron numbering: 0 = Sunday
    nth: Mapping[int, frozenset[int | str]]  # weekday -> {n, or "l" for the last}

    def day_matches(self, day: date) -> bool:
        if self.months is not None and day.month not in self.months:
            return False
        dom_any = self.days is None and not self.last_day
        dow_any = self.weekdays is None
        last = calendar.monthrange(day.year, day.month)[1]
        dom = (self.days is not None and day.day in self.days) or (
            self.last_day and day.day == last
        )
        cron_weekday = (day.weekday() + 1) % 7
        dow = False
        if self.weekdays is not None and cron_weekday in self.weekdays:
            wanted = self.nth.get(cron_weekday)
            nth_of_month = (day.day - 1) // 7 + 1
            dow = not wanted or nth_of_month in wanted or ("l" in wanted and day.day + 7 > last)
        if dom_any and dow_any:
            return True
        if dom_any:
            return dow
        if dow_any:
            return dom
        return dom or dow


def parse_cron(expression: str) -> _Cron:
    """A five-field cron expression; ``ValueError`` naming it when croniter cannot read it."""
    if len(expression.split()) != 5:
        raise ValueError(f"expected five cron fields, got {expression!r}")
    try:
        fields, nth = croniter.expand(expression)
    except Exception as exc:  # croniter raises several of its own types
        raise ValueError(f"cannot read cron expression {expression!r}: {exc}") from exc

    def numbers(values: Sequence[object]) -> frozenset[int] | None:
        if values == ["*"]:
            return None
        return frozenset(int(str(v)) for v in values if v != "l")

    minutes, hours, days, months, weekdays = fields
    return _Cron(
        minutes=tuple(range(60)) if minutes == ["*"] else tuple(sorted(int(m) for m in minutes)),
        hours=tuple(range(24)) if hours == ["*"] else tuple(sorted(int(h) for h in hours)),
        days=numbers(days) if days != ["l"] else None,
        last_day="l" in days,
        months=numbers(months),
        weekdays=numbers(weekdays),
        nth={int(k): frozenset(v) for k, v in nth.items()},
    )


def _cron_next(schedule: CronSchedule, after: datetime) -> datetime:
    cron = parse_cron(schedule.cron)
    zone = ZoneInfo(schedule.time_zone)
    start = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS):
        day = start + timedelta(days=offset)
        if not cron.day_matches(day):
            continue
        for hour in cron.hours:
            for minute in cron.minutes:
                instant = resolve_local(datetime.combine(day, time(hour, minute)), zone)
                if instant > after:
                    return instant
    raise ValueError(f"cron {schedule.cron!r} never fires after {after.isoformat()}")


# --- the Nth weekday of the month -------------------------------------------------------------


def nth_weekday(year: int, month: int, week: int, weekday: Weekday) -> date:
    """The ``week``-th ``weekday`` of a month (1-4; 5 = the last)."""
    index = _WEEKDAYS.index(weekday)
    first = date(year, month, 1)
    first_match = first + timedelta(days=(index - first.weekday()) % 7)
    if week < 5:
        return first_match + timedelta(weeks=week - 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - index) % 7)


def _months_from(year: int, month: int) -> Iterator[tuple[int, int]]:
    while True:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _monthly_next(schedule: MonthlyWeekdaySchedule, after: datetime) -> datetime:
    if not 1 <= schedule.week <= 5:
        raise ValueError(f"week must be 1-5 (5 = the last), got {schedule.week}")
    zone = ZoneInfo(schedule.time_zone)
    local = after.astimezone(zone)
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    for count, (y, m) in enumerate(_months_from(year, month)):
        if count > 24:
            break
        day = nth_weekday(y, m, schedule.week, schedule.weekday)
        day += timedelta(days=schedule.offset_days)
        instant = resolve_local(datetime.combine(day, schedule.at), zone)
        if instant > after:
            return instant
    raise AssertionError("a monthly schedule fires every month")  # pragma: no cover


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first instant strictly after ``after`` at which ``schedule`` fires (aware UTC). For
    ``newSourceVersion`` it is the next look at the source's latest version."""
    after = _aware_utc(after, "after")
    if isinstance(schedule, CronSchedule):
        return _cron_next(schedule, after)
    if isinstance(schedule, MonthlyWeekdaySchedule):
        return _monthly_next(schedule, after)
    return after + schedule.check_every


def describe(schedule: Schedule) -> str:
    """A short human reading: ``cron 0 6 * * 1 (Europe/London)``, ``week 2 Tue + 1 day at
    06:00 (Europe/London)``, ``new source version (checked every 60 min)``."""
    if isinstance(schedule, CronSchedule):
        return f"cron {schedule.cron} ({schedule.time_zone})"
    if isinstance(schedule, MonthlyWeekdaySchedule):
        week = "last" if schedule.week == 5 else f"week {schedule.week}"
        offset = schedule.offset_days
        plus = f" + {offset} day{'s' if offset != 1 else ''}" if offset else ""
        return (
            f"{week} {schedule.weekday.value}{plus} at {schedule.at.strftime('%H:%M')}"
            f" ({schedule.time_zone})"
        )
    minutes = int(schedule.check_every.total_seconds() // 60)
    return f"new source version (checked every {minutes} min)"


# --- the scheduler's decision -----------------------------------------------------------------


@dataclass(frozen=True)
class PastBuild:
    """One earlier build of a pipeline, as the store has it. ``succeeded`` is None while it is
    queued or running; ``scheduled`` is False for builds a person started."""

    started: datetime
    succeeded: bool | None
    source_version: str | None = None  # the exact source version the build used
    scheduled: bool = True


@dataclass(frozen=True)
class DueBuild:
    pipeline: str
    reason: str
    due_at: datetime
    source_version: str | None = None  # for newSourceVersion: the version to build from
    warning: str | None = None  # set when the last scheduled builds failed (it stays scheduled)


def failure_streak(builds: Sequence[PastBuild]) -> int:
    """How many of the most recent finished scheduled builds failed in a row."""
    finished = sorted(
        (b for b in builds if b.scheduled and b.succeeded is not None),
        key=lambda b: b.started,
        reverse=True,
    )
    streak = 0
    for build in finished:
        if build.succeeded:
            break
        streak += 1
    return streak


def _warning(pipeline: str, schedule: Schedule, builds: Sequence[PastBuild]) -> str | None:
    streak = failure_streak(builds)
    if streak < schedule.alert_after_failures:
        return None
    return (
        f"the last {streak} scheduled builds of {pipeline} failed; it stays scheduled"
        ": fix the cause or remove the schedule"
    )


def _due(
    pipeline: ImagePipeline,
    schedule: Schedule,
    builds: Sequence[PastBuild],
    latest: str | None,
    now: datetime,
) -> tuple[str, datetime, str | None] | None:
    ordered = sorted(builds, key=lambda b: b.started)
    if any(b.succeeded is None for b in ordered):
        return None  # one is queued or running: never two at once
    scheduled = [b for b in ordered if b.scheduled]
    if isinstance(schedule, NewSourceVersionSchedule):
        if latest is None:
            return None
        succeeded = [b for b in ordered if b.succeeded]
        built_from = succeeded[-1].source_version if succeeded else None
        if built_from == latest:
            return None
        tried = [b for b in scheduled if b.source_version == latest]
        if tried and tried[-1].started + schedule.check_every > now:
            return None  # it failed with this version; try again after checkEvery
        was = f" (last built from {built_from})" if built_from else ""
        return f"new source version {latest}{was}", now, latest
    if not scheduled:
        return f"{describe(schedule)}: no scheduled build yet", now, None
    due_at = next_run(schedule, scheduled[-1].started)
    if due_at > now:
        return None
    return f"{describe(schedule)}: due at {due_at.isoformat()}", due_at, None


def due_builds(
    pipelines: Sequence[ImagePipeline],
    last_runs: Mapping[str, Sequence[PastBuild]],
    latest_source_versions: Mapping[str, str],
    now: datetime,
) -> list[DueBuild]:
    """The pipelines to build at ``now``, in the order given, each with why.

    A cron or monthly schedule is due when its next run after the last scheduled build started
    is at or before ``now`` (or it has never been built); a ``newSourceVersion`` schedule is due
    when ``latest_source_versions[pipeline]`` differs from the version the last successful build
    used (a failed attempt at that version is retried after ``checkEvery``). A pipeline with a
    build queued or running is not due. A pipeline whose last ``alertAfterFailures`` scheduled
    builds failed is still due, with a ``warning``: a schedule never silently stops.
    """
    now = _aware_utc(now, "now")
    due: list[DueBuild] = []
    for pipeline in pipelines:
        schedule = pipeline.schedule
        if schedule is None:
            continue
        builds = last_runs.get(pipeline.name, ())
        found = _due(pipeline, schedule, builds, latest_source_versions.get(pipeline.name), now)
        if found is None:
            continue
        reason, due_at, version = found
        due.append(
            DueBuild(
                pipeline.name, reason, due_at, version, _warning(pipeline.name, schedule, builds)
            )
        )
    return due


def failing_pipelines(
    pipelines: Sequence[ImagePipeline], last_runs: Mapping[str, Sequence[PastBuild]]
) -> dict[str, str]:
    """Every scheduled pipeline whose recent scheduled builds failed ``alertAfterFailures``
    times in a row, with the warning - for status pages, whether or not a build is due now."""
    found: dict[str, str] = {}
    for pipeline in pipelines:
        if pipeline.schedule is None:
            continue
        warning = _warning(pipeline.name, pipeline.schedule, last_runs.get(pipeline.name, ()))
        if warning:
            found[pipeline.name] = warning
    return found


__all__ = [
    "DueBuild",
    "PastBuild",
    "describe",
    "due_builds",
    "failing_pipelines",
    "failure_streak",
    "next_run",
    "nth_weekday",
    "parse_cron",
    "resolve_local",
]
