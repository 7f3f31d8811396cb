"""Cron expressions in the configuration (maintenance windows and build schedules): which of
the five fields is wrong, whether an expression ever fires (``0 0 31 2 *`` does not), and the
longest time between two of its starts.

Expressions are read with ``goldfleet.domain.schedules.parse_cron``, the parser the windows and
build schedules use, so "never fires" means what the scheduler would find. Pure functions.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from croniter import croniter

from goldfleet.config.diagnostics import shown
from goldfleet.domain.schedules import parse_cron

CRON_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day-of-month", "1-31 or L"),
    ("month", "1-12 or JAN-DEC"),
    ("day-of-week", "0-7 or SUN-SAT"),
)
_CYCLE_START = date(2001, 1, 1)
_CYCLE_DAYS = 28 * 366  # every date falls on every weekday, 29 February included


def cron_syntax(expression: str) -> str | None:
    """What is wrong with a cron expression's syntax (the field and its value), or None."""
    fields = expression.split()
    if len(fields) != 5:
        return f"it has {len(fields)} field{'s' if len(fields) != 1 else ''}, not 5"
    for i, (name, accepted) in enumerate(CRON_FIELDS):
        alone = ["*"] * 5
        alone[i] = fields[i]
        if not croniter.is_valid(" ".join(alone)):
            return f"{name} {shown(fields[i])} is not valid ({accepted})"
    try:
        parse_cron(expression)
    except ValueError:
        return "its fields do not combine into a schedule"
    return None


def never_fires(expression: str) -> bool:
    """Whether a (valid) cron expression matches no day at all, e.g. ``0 0 31 2 *``."""
    cron = parse_cron(expression)
    return not any(cron.day_matches(_CYCLE_START + timedelta(days=n)) for n in range(_CYCLE_DAYS))


def cron_longest_gap(expression: str) -> timedelta | None:
    """The longest time between two starts of a cron window (wall clock), or None if it never
    fires."""
    cron = parse_cron(expression)
    times = sorted(h * 60 + m for h in cron.hours for m in cron.minutes)
    within = max((b - a for a, b in pairwise(times)), default=0)
    longest, last = within, None
    for n in range(8 * 366):  # two leap days
        if cron.day_matches(_CYCLE_START + timedelta(days=n)):
            if last is not None:
                longest = max(longest, n * 1440 + times[0] - last)
            last = n * 1440 + times[-1]
    return None if last is None else timedelta(minutes=longest)
