"""Rule 8 for maintenance windows: windows of no length, cron windows that never fire, windows
so long they never close, ``once`` windows whose date has passed, and the longest window a pool
has (a rollout's grace period must fit in it).

Pure functions; the instant a ``once`` window is judged at is passed in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from goldfleet.config.cron import cron_longest_gap, never_fires
from goldfleet.config.diagnostics import Path, shown
from goldfleet.config.models.tenant import (
    CronWindow,
    DailyWindow,
    MaintenanceWindow,
    MonthlyWindow,
    OnceWindow,
    PatchTuesdayWindow,
    WeeklyWindow,
)
from goldfleet.domain.images import Weekday

_WEEKDAYS = list(Weekday)


def longest_gap(window: MaintenanceWindow) -> timedelta | None:
    """The longest time between two starts of ``window``; None for a ``once`` window (or a cron
    that never fires)."""
    if isinstance(window, DailyWindow):
        return timedelta(days=1)
    if isinstance(window, WeeklyWindow):
        days = sorted({_WEEKDAYS.index(d) for d in window.days})
        gaps = [b - a for a, b in zip(days, [*days[1:], days[0] + 7], strict=True)]
        return timedelta(days=max(gaps))
    if isinstance(window, MonthlyWindow):
        return timedelta(days=31)
    if isinstance(window, PatchTuesdayWindow):
        return timedelta(days=35)  # the second Tuesday comes four or five weeks later
    if isinstance(window, CronWindow):
        return cron_longest_gap(window.cron)
    return None


def _text(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"


def window_problems(windows: Sequence[MaintenanceWindow], base: Path) -> Iterator[tuple[Path, str]]:
    """(field, message) for each window that cannot work: no length, never fires, never
    closes."""
    for i, window in enumerate(windows):
        where = (*base, i)
        if window.duration <= timedelta(0):
            yield (*where, "duration"), "expected a duration longer than 0 (the window never opens)"
            continue
        if isinstance(window, CronWindow) and never_fires(window.cron):
            yield (*where, "cron"), f"{shown(window.cron)} never fires: no date matches it"
            continue
        gap = longest_gap(window)
        if gap is not None and window.duration >= gap:
            yield (
                (*where, "duration"),
                f"a {window.type} window of {_text(window.duration)} never closes: it opens"
                f" again at most {_text(gap)} after it opened; leave maintenance windows out"
                " for any time, or shorten it",
            )


def passed_once_windows(
    windows: Sequence[MaintenanceWindow], base: Path, zone: str, now: datetime
) -> Iterator[tuple[Path, str]]:
    """(field, message) for each ``once`` window whose date has passed in ``zone`` at ``now``."""
    today = now.astimezone(ZoneInfo(zone)).date()
    for i, window in enumerate(windows):
        if isinstance(window, OnceWindow) and window.date < today:
            yield (
                (*base, i, "date"),
                f"{window.date.isoformat()} has passed ({zone} is on {today.isoformat()}):"
                " this window never opens again; remove it",
            )


def longest(windows: Sequence[MaintenanceWindow]) -> MaintenanceWindow | None:
    return max(windows, key=lambda w: w.duration, default=None)


def duration_text(duration: timedelta) -> str:
    """``1h30m``, ``2d``: a duration as the configuration writes it."""
    return _text(duration)
