"""Which phase of a pooled scaling plan's day is in force, and what it asks for: the part of
autoscale that reads the plan, with no state and no side effects.

A plan's ``timeZone`` is a Windows time zone name, as Azure spells it ("W. Europe Standard
Time"; mapped to IANA through CLDR's table, as ``tzlocal`` ships it); an IANA name is taken as
it is, anything else counts as UTC. A schedule's four start times are local times of each day it
names; a phase lasts until the next phase starts, so the off-peak of one day runs until the
ramp-up of the next day that has a schedule.

What each phase asks (Microsoft's "Create and assign an autoscale scaling plan"): ramp-up has
its minimum percentage of hosts and capacity threshold, and peak carries both over; ramp-down
has its own, and off-peak carries them over. Each phase has its load-balancing algorithm.
Forced logoff (``rampDownForceLogoffUsers`` after ``rampDownWaitTimeMinutes``, users told
``rampDownNotificationMessage``) and ``rampDownStopHostsWhen`` belong to ramp-down only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

from goldfleet.emulator.rp.desktopvirtualization.model import DAYS

PHASES = ("rampUp", "peak", "rampDown", "offPeak")
UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class PhaseRules:
    """What autoscale keeps to while a phase is in force."""

    phase: str  # rampUp, peak, rampDown, offPeak
    minimum_hosts_pct: int
    capacity_threshold_pct: int
    algorithm: str  # BreadthFirst, DepthFirst
    force_logoff: bool = False
    wait_minutes: int = 0
    notification: str = ""
    stop_when: str = "ZeroSessions"  # ZeroSessions, ZeroActiveSessions

    @property
    def turns_hosts_off(self) -> bool:
        """Autoscale never turns hosts off in ramp-up (Microsoft's scenario 2)."""
        return self.phase != "rampUp"


def zone_of(name: str) -> tzinfo:
    """The plan's time zone: Windows name, else IANA name, else UTC."""
    iana = win_tz.get(name, name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _schedule_for(schedules: list[dict[str, Any]], day: str) -> dict[str, Any] | None:
    return next((s for s in schedules if day in (s.get("daysOfWeek") or ())), None)


def _start(schedule: dict[str, Any], phase: str) -> time:
    found = schedule[f"{phase}StartTime"]
    return time(int(found["hour"]), int(found["minute"]))


def phase_at(plan_properties: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]] | None:
    """The phase in force at ``now`` and its schedule (None: no schedule in the past week)."""
    zone = zone_of(str(plan_properties.get("timeZone") or "UTC"))
    local = now.astimezone(zone)
    schedules = list(plan_properties.get("schedules") or ())
    for back in range(8):
        day = (local - timedelta(days=back)).date()
        schedule = _schedule_for(schedules, DAYS[day.weekday()])
        if schedule is None:
            continue
        starts = sorted(
            (datetime.combine(day, _start(schedule, phase), zone), index)
            for index, phase in enumerate(PHASES)
        )
        begun = [index for at, index in starts if at <= local]
        if begun:
            return PHASES[begun[-1]], schedule
    return None


def rules_of(phase: str, schedule: dict[str, Any]) -> PhaseRules:
    """What ``phase`` of ``schedule`` asks for (missing percentages: 0 hosts, 100 %)."""
    source = "rampUp" if phase in ("rampUp", "peak") else "rampDown"
    algorithm = str(schedule.get(f"{phase}LoadBalancingAlgorithm") or "BreadthFirst")
    rules = PhaseRules(
        phase=phase,
        minimum_hosts_pct=int(schedule.get(f"{source}MinimumHostsPct") or 0),
        capacity_threshold_pct=int(schedule.get(f"{source}CapacityThresholdPct") or 100),
        algorithm=algorithm,
    )
    if phase != "rampDown":
        return rules
    return PhaseRules(
        phase=phase,
        minimum_hosts_pct=rules.minimum_hosts_pct,
        capacity_threshold_pct=rules.capacity_threshold_pct,
        algorithm=algorithm,
        force_logoff=bool(schedule.get("rampDownForceLogoffUsers")),
        wait_minutes=int(schedule.get("rampDownWaitTimeMinutes") or 0),
        notification=str(schedule.get("rampDownNotificationMessage") or ""),
        stop_when=str(schedule.get("rampDownStopHostsWhen") or "ZeroSessions"),
    )
