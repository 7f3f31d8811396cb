"""A pool's scaling plan as a rollout sees it: which phase of the day it is in, and what that
means for the capacity floor of a deleteFirst rollout.

The plan's schedules (per weekday: ramp-up, peak, ramp-down and off-peak start times, local in
the plan's time zone) power hosts on and off; in ramp-up and peak it keeps at least
``rampUpMinimumHostsPct`` of the hosts running, in ramp-down and off-peak it lets them go down
to ``rampDownMinimumHostsPct``. So the floor a rollout keeps serving is

* ramp-up and peak: the policy's floor, and never less than the plan's ramp-up minimum;
* ramp-down and off-peak: the policy's floor, but no more than the plan's ramp-down minimum
  (the plan itself would shut the others down; demanding more would block the rollout for
  hosts nobody needs at that hour).

Pure values: no I/O, no Azure SDK.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PHASES = ("rampUp", "peak", "rampDown", "offPeak")


@dataclass(frozen=True)
class ScalingSchedule:
    days: tuple[str, ...]  # Monday ... Sunday
    ramp_up: time
    peak: time
    ramp_down: time
    off_peak: time
    ramp_up_min_pct: int
    ramp_down_min_pct: int


@dataclass(frozen=True)
class ScalingPlan:
    name: str
    zone: str  # IANA time zone
    schedules: tuple[ScalingSchedule, ...]
    # The tag name that makes autoscale leave a VM alone (start, stop, drain); None: no tag.
    exclusion_tag: str | None = None

    def phase_at(self, when: datetime) -> tuple[str, ScalingSchedule] | None:
        """The phase in force at ``when`` and the schedule it belongs to (None: no schedule
        covers the day; before ramp-up it is the previous day's off-peak, if that day has a
        schedule)."""
        local = when.astimezone(ZoneInfo(self.zone))
        today = self._schedule(DAYS[local.weekday()])
        at = local.time()
        if today is None:
            return None
        if at >= today.ramp_up:
            starts = (today.ramp_up, today.peak, today.ramp_down, today.off_peak)
            phase = PHASES[sum(1 for s in starts if at >= s) - 1]
            return phase, today
        yesterday = self._schedule(DAYS[(local.weekday() - 1) % 7])
        return ("offPeak", yesterday) if yesterday is not None else None

    def _schedule(self, day: str) -> ScalingSchedule | None:
        return next((s for s in self.schedules if day in s.days), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "zone": self.zone,
            "exclusionTag": self.exclusion_tag,
            "schedules": [
                {
                    "days": list(s.days),
                    "rampUp": s.ramp_up.isoformat(),
                    "peak": s.peak.isoformat(),
                    "rampDown": s.ramp_down.isoformat(),
                    "offPeak": s.off_peak.isoformat(),
                    "rampUpMinPct": s.ramp_up_min_pct,
                    "rampDownMinPct": s.ramp_down_min_pct,
                }
                for s in self.schedules
            ],
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> ScalingPlan:
        return ScalingPlan(
            data["name"],
            data["zone"],
            tuple(
                ScalingSchedule(
                    tuple(s["days"]),
                    time.fromisoformat(s["rampUp"]),
                    time.fromisoformat(s["peak"]),
                    time.fromisoformat(s["rampDown"]),
                    time.fromisoformat(s["offPeak"]),
                    int(s["rampUpMinPct"]),
                    int(s["rampDownMinPct"]),
                )
                for s in data["schedules"]
            ),
            data.get("exclusionTag") or None,
        )


def floor_hosts(
    count: int, min_available_percent: int, plan: ScalingPlan | None, when: datetime
) -> int:
    """The hosts a deleteFirst rollout keeps serving at ``when`` (see the module docstring)."""
    policy = math.ceil(count * min_available_percent / 100)
    found = plan.phase_at(when) if plan is not None else None
    if found is None:
        return policy
    phase, schedule = found
    if phase in ("rampUp", "peak"):
        return max(policy, math.ceil(count * schedule.ramp_up_min_pct / 100))
    return min(policy, math.ceil(count * schedule.ramp_down_min_pct / 100))
