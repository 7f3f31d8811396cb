"""Maintenance windows: when a window is open, the next time one opens, and whether a batch of
work fits before it closes. Pure: no I/O and no clock read; instants in and out are aware UTC.

A window is read in the tenant's IANA time zone. Its occurrences start, per kind:

- ``once``: on ``on`` at ``start``;
- ``daily``: every day at ``start``;
- ``weekly``: on each of ``days`` (``Mon``..``Sun``) at ``start``;
- ``monthly``: on ``day_of_month`` at ``start``; a month without that day (31 in April, 30 in
  February) has no occurrence - it is skipped, not moved to the month's last day;
- ``patchTuesday``: on the second Tuesday of the month plus ``offset_days`` (``+3`` is the Friday
  after), at ``start``; the offset may carry the day into the next month;
- ``cron``: at every match of the five-field expression (``start`` is not used).

Daylight saving time follows ``schedules.py`` (``resolve_local``): a start that does not exist
(the hour skipped in spring) starts at the end of the gap, when the clocks resume; a start that
occurs twice (the hour repeated in autumn) starts at its first occurrence. The duration is
elapsed time, so ``22:00 for 6h`` closes at 04:00 local on most nights, and at 05:00 or 03:00 on
the nights the clocks change. Windows may cross midnight.

Occurrences of windows that overlap or touch (one starts at or before another ends) merge into
one instance that ends at the latest end: the time is open without a break.

Freezes (blackout dates, inclusive, on the tenant's local calendar) win over windows:

- an occurrence whose local start date falls in a freeze is skipped;
- an occurrence that starts before a freeze and runs into it is cut at the freeze's start (local
  midnight of its first day, resolved like a start if that midnight does not exist).

So no instance is ever open on a frozen day. Searches look ahead at most ``HORIZON_DAYS``; an
instance's start is looked for back to one window duration (plus a day) before the instant
asked about, so the start of a window that is open without a break for longer than that is the
start of what was looked at.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from goldfleet.domain.images import Weekday
from goldfleet.domain.schedules import nth_weekday, parse_cron, resolve_local
from goldfleet.domain.tenancy import Freeze, MaintenanceWindow, WindowKind

HORIZON_DAYS = 400  # how far ahead next_open looks before answering None
_WEEKDAYS = [d.value for d in Weekday]  # Mon first, as date.weekday() counts


@dataclass(frozen=True)
class WindowInstance:
    """One occurrence of a window (or several merged), from ``start`` to ``end`` (aware UTC,
    half-open: open at ``start``, closed at ``end``). ``name`` is the window's name; for merged
    occurrences of several windows, their names joined by ``" + "`` in order of start."""

    name: str
    start: datetime
    end: datetime

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def _aware_utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (UTC), got {value.isoformat()}")
    return value.astimezone(UTC)


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def _check(window: MaintenanceWindow) -> None:
    problem = None
    if window.duration <= timedelta(0):
        problem = f"duration must be positive, got {window.duration}"
    elif window.kind is WindowKind.ONCE and window.on is None:
        problem = "a once window needs a date"
    elif window.kind is WindowKind.WEEKLY:
        unknown = [d for d in window.days if d.title() not in _WEEKDAYS]
        if not window.days or unknown:
            problem = f"a weekly window needs days among Mon..Sun, got {list(window.days)}"
    elif window.kind is WindowKind.MONTHLY and not 1 <= (window.day_of_month or 0) <= 31:
        problem = f"dayOfMonth must be 1-31, got {window.day_of_month}"
    elif window.kind is WindowKind.CRON and not window.cron:
        problem = "a cron window needs a cron expression"
    if problem:
        raise ValueError(f"maintenance window {window.name}: {problem}")


# --- raw occurrences: the local start times of one window --------------------------------------


def _local_starts(window: MaintenanceWindow, first: date, last: date) -> Iterator[datetime]:
    """The naive local wall times at which ``window`` starts, on days ``first``..``last``."""
    at = window.start.replace(tzinfo=None)
    if window.kind is WindowKind.ONCE:
        assert window.on is not None
        if first <= window.on <= last:
            yield datetime.combine(window.on, at)
        return
    cron = parse_cron(window.cron) if window.kind is WindowKind.CRON and window.cron else None
    weekdays = {_WEEKDAYS.index(d.title()) for d in window.days}
    day = first
    while day <= last:
        if cron is not None:
            if cron.day_matches(day):
                for hour in cron.hours:
                    for minute in cron.minutes:
                        yield datetime.combine(day, time(hour, minute))
        elif _starts_on(window, day, weekdays):
            yield datetime.combine(day, at)
        day += timedelta(days=1)


def _starts_on(window: MaintenanceWindow, day: date, weekdays: set[int]) -> bool:
    if window.kind is WindowKind.DAILY:
        return True
    if window.kind is WindowKind.WEEKLY:
        return day.weekday() in weekdays
    if window.kind is WindowKind.MONTHLY:
        return day.day == window.day_of_month
    if window.kind is WindowKind.PATCH_TUESDAY:
        tuesday = day - timedelta(days=window.offset_days)
        return tuesday == nth_weekday(tuesday.year, tuesday.month, 2, Weekday.TUESDAY)
    raise ValueError(f"maintenance window {window.name}: unknown kind {window.kind}")


# --- freezes ----------------------------------------------------------------------------------


def _frozen(day: date, freezes: Sequence[Freeze]) -> bool:
    return any(f.start <= day <= f.end for f in freezes)


def _apply_freezes(
    instance: WindowInstance, zone: ZoneInfo, freezes: Sequence[Freeze]
) -> WindowInstance | None:
    """None when the instance starts on a frozen local day; else cut at the first freeze it runs
    into (the local midnight that starts the freeze)."""
    start_day = instance.start.astimezone(zone).date()
    if _frozen(start_day, freezes):
        return None
    end = instance.end
    for freeze in freezes:
        if freeze.start > start_day:
            cut = resolve_local(datetime.combine(freeze.start, time(0)), zone)
            end = min(end, cut)
    if end == instance.end:
        return instance
    return WindowInstance(instance.name, instance.start, end)


# --- streams of instances ---------------------------------------------------------------------


def _merged(instances: Iterable[WindowInstance]) -> Iterator[WindowInstance]:
    """Instances sorted by start, with those that overlap or touch merged into one."""
    current: WindowInstance | None = None
    for item in instances:
        if current is None:
            current = item
        elif item.start <= current.end:
            if item.end > current.end:
                names = current.name.split(" + ")
                name = current.name if item.name in names else f"{current.name} + {item.name}"
                current = WindowInstance(name, current.start, item.end)
        else:
            yield current
            current = item
    if current is not None:
        yield current


def _window_stream(
    window: MaintenanceWindow,
    zone: ZoneInfo,
    freezes: Sequence[Freeze],
    after: datetime,
    last: date,
) -> Iterator[WindowInstance]:
    """The window's instances (freezes applied, overlaps merged) from the first that can still
    be open at ``after`` to those starting on local day ``last``."""
    _check(window)
    first = (after - window.duration).astimezone(zone).date() - timedelta(days=1)

    def raw() -> Iterator[WindowInstance]:
        for wall in _local_starts(window, first, last):
            start = resolve_local(wall, zone)
            found = _apply_freezes(
                WindowInstance(window.name, start, start + window.duration), zone, freezes
            )
            if found is not None:
                yield found

    return _merged(raw())


def _stream(
    windows: Sequence[MaintenanceWindow],
    zone: ZoneInfo,
    freezes: Sequence[Freeze],
    after: datetime,
    last: date,
) -> Iterator[WindowInstance]:
    streams = [_window_stream(w, zone, freezes, after, last) for w in windows]
    ordered = heapq.merge(*streams, key=lambda i: (i.start, i.end))
    return (i for i in _merged(ordered) if i.end > after)


# --- the public questions ---------------------------------------------------------------------


def occurrences(
    window: MaintenanceWindow,
    zone: ZoneInfo | str,
    after: datetime,
    until: datetime,
    freezes: Sequence[Freeze] = (),
) -> list[WindowInstance]:
    """The window's instances that are open at some instant in ``[after, until)``, in order:
    one open at ``after`` (even if it started the day before) first. They never overlap (the
    window's own overlapping occurrences merge). ``freezes`` (none by default) are applied."""
    after, until = _aware_utc(after, "after"), _aware_utc(until, "until")
    tz = _zone(zone)
    last = until.astimezone(tz).date() + timedelta(days=HORIZON_DAYS)
    found: list[WindowInstance] = []
    for instance in _window_stream(window, tz, freezes, after, last):
        if instance.start >= until:
            break
        if instance.end > after:
            found.append(instance)
    return found


def next_open(
    windows: Sequence[MaintenanceWindow],
    zone: ZoneInfo | str,
    freezes: Sequence[Freeze],
    after: datetime,
) -> WindowInstance | None:
    """The instance open at ``after``, else the first one starting after it; None when none
    starts within ``HORIZON_DAYS`` (no windows, a ``once`` window in the past, or frozen)."""
    after = _aware_utc(after, "after")
    tz = _zone(zone)
    last = after.astimezone(tz).date() + timedelta(days=HORIZON_DAYS)
    return next(_stream(windows, tz, freezes, after, last), None)


def open_at(
    windows: Sequence[MaintenanceWindow],
    zone: ZoneInfo | str,
    freezes: Sequence[Freeze],
    now: datetime,
) -> WindowInstance | None:
    """The instance that contains ``now`` (overlapping windows merged, freezes applied), or
    None when no window is open at ``now``."""
    now = _aware_utc(now, "now")
    instance = next_open(windows, zone, freezes, now)
    return instance if instance is not None and instance.contains(now) else None


def time_left(instance: WindowInstance, now: datetime) -> timedelta:
    """How long from ``now`` until the instance closes; zero once it has closed."""
    return max(timedelta(0), instance.end - _aware_utc(now, "now"))


def may_start(instance: WindowInstance, now: datetime, needed: timedelta) -> bool:
    """Whether work taking ``needed`` may start at ``now``: the instance is open at ``now`` and
    the work finishes by the time it closes (finishing exactly at the close is in time)."""
    if needed < timedelta(0):
        raise ValueError(f"needed must not be negative, got {needed}")
    now = _aware_utc(now, "now")
    return instance.contains(now) and now + needed <= instance.end


# --- reports ----------------------------------------------------------------------------------


def _duration_text(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


def _days_text(days: Sequence[str]) -> str:
    """``Mon-Fri``, ``Sat,Sun``, ``Mon,Wed,Fri``: runs of three or more days as a range."""
    indexes = sorted({_WEEKDAYS.index(d.title()) for d in days})
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{_WEEKDAYS[run[0]]}-{_WEEKDAYS[run[-1]]}")
        else:
            parts.extend(_WEEKDAYS[i] for i in run)
    return ",".join(parts)


def describe(window: MaintenanceWindow, zone: ZoneInfo | str | None = None) -> str:
    """A short reading for reports: ``weekly Mon-Fri 19:00 for 3h (Europe/London)``,
    ``Patch Tuesday + 3 days 02:00 for 4h``, ``cron 0 22 * * 6 for 6h``; the zone is shown when
    given."""
    at = window.start.strftime("%H:%M")
    kind = window.kind
    if kind is WindowKind.ONCE:
        when = f"once {window.on.isoformat() if window.on else '?'} {at}"
    elif kind is WindowKind.DAILY:
        when = f"daily {at}"
    elif kind is WindowKind.WEEKLY:
        when = f"weekly {_days_text(window.days)} {at}"
    elif kind is WindowKind.MONTHLY:
        when = f"monthly day {window.day_of_month} {at}"
    elif kind is WindowKind.PATCH_TUESDAY:
        offset = window.offset_days
        plus = f" {'+' if offset > 0 else '-'} {abs(offset)} day{'s' if abs(offset) != 1 else ''}"
        when = f"Patch Tuesday{plus if offset else ''} {at}"
    else:
        when = f"cron {window.cron}"
    text = f"{when} for {_duration_text(window.duration)}"
    if zone is not None:
        text += f" ({_zone(zone).key})"
    return text


__all__ = [
    "HORIZON_DAYS",
    "WindowInstance",
    "describe",
    "may_start",
    "next_open",
    "occurrences",
    "open_at",
    "time_left",
]


# --- a tenant's schedule, as a rollout carries it ----------------------------------------------


@dataclass(frozen=True)
class MaintenanceSchedule:
    """A tenant's (or pool's) windows and freezes in its time zone. No windows: always open."""

    zone: str
    windows: tuple[MaintenanceWindow, ...] = ()
    freezes: tuple[Freeze, ...] = ()

    def batch_start(
        self, now: datetime, needed: timedelta
    ) -> tuple[datetime, WindowInstance | None]:
        """When a batch taking ``needed`` may start (``now`` if it may start now) and the
        instance it runs in (None: no windows, any time is fine). An instance too short for the
        batch is skipped; if none within the horizon is long enough, the next one that opens."""
        if not self.windows:
            return now, None
        at = now
        first: WindowInstance | None = None
        for _ in range(400):
            instance = next_open(self.windows, self.zone, self.freezes, at)
            if instance is None:
                break
            first = first or instance
            start = max(at, instance.start)
            if may_start(instance, start, needed):
                return start, instance
            at = instance.end
        if first is None:
            raise ValueError(f"no maintenance window opens within {HORIZON_DAYS} days")
        return max(now, first.start), first

    def to_json(self) -> dict[str, object]:
        return {
            "zone": self.zone,
            "windows": [
                {
                    "name": w.name,
                    "kind": w.kind.value,
                    "start": w.start.isoformat(),
                    "durationSeconds": w.duration.total_seconds(),
                    "days": list(w.days),
                    "dayOfMonth": w.day_of_month,
                    "offsetDays": w.offset_days,
                    "on": w.on.isoformat() if w.on else None,
                    "cron": w.cron,
                }
                for w in self.windows
            ],
            "freezes": [
                {"start": f.start.isoformat(), "end": f.end.isoformat(), "reason": f.reason}
                for f in self.freezes
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MaintenanceSchedule:
        return cls(
            zone=str(data["zone"]),
            windows=tuple(
                MaintenanceWindow(
                    name=w["name"],
                    kind=WindowKind(w["kind"]),
                    start=time.fromisoformat(w["start"]),
                    duration=timedelta(seconds=w["durationSeconds"]),
                    days=tuple(w["days"]),
                    day_of_month=w["dayOfMonth"],
                    offset_days=w["offsetDays"],
                    on=date.fromisoformat(w["on"]) if w["on"] else None,
                    cron=w["cron"],
                )
                for w in data["windows"]
            ),
            freezes=tuple(
                Freeze(date.fromisoformat(f["start"]), date.fromisoformat(f["end"]), f["reason"])
                for f in data["freezes"]
            ),
        )
