"""The scaling plan that powers a host pool's hosts on and off, read for the rollout
(``goldfleet.domain.scaling``). Azure names the plan's time zone the Windows way ("AUS Eastern
Standard Time"); it is mapped to its IANA zone (CLDR's table, as ``tzlocal`` ships it)."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import win_tz

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.errors import AzureCallError
from goldfleet.domain.scaling import ScalingPlan, ScalingSchedule
from goldfleet.domain.tenancy import CredentialRef


def iana_zone(name: str, plan_id: str = "") -> str:
    """A Windows time zone name's IANA zone (an IANA name is returned as it is)."""
    if name in win_tz:
        return win_tz[name]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AzureCallError(
            "reading the time zone of scaling plan",
            plan_id,
            f"{name!r} is neither a Windows nor an IANA time zone",
            hint="set the scaling plan's timeZone to a Windows time zone name",
        ) from None
    return name


def _time(value: Any) -> time:
    return time(int(value.hour or 0), int(value.minute or 0)) if value is not None else time(0)


def _plan(found: Any) -> ScalingPlan:
    schedules = tuple(
        ScalingSchedule(
            days=tuple(str(getattr(d, "value", d)) for d in (s.days_of_week or ())),
            ramp_up=_time(s.ramp_up_start_time),
            peak=_time(s.peak_start_time),
            ramp_down=_time(s.ramp_down_start_time),
            off_peak=_time(s.off_peak_start_time),
            ramp_up_min_pct=int(s.ramp_up_minimum_hosts_pct or 0),
            ramp_down_min_pct=int(s.ramp_down_minimum_hosts_pct or 0),
        )
        for s in found.schedules or ()
    )
    return ScalingPlan(
        str(found.name),
        iana_zone(str(found.time_zone), str(found.id)),
        schedules,
        str(found.exclusion_tag) if found.exclusion_tag else None,
    )


async def pool_scaling_plan(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    pool_id: str,
) -> ScalingPlan | None:
    """The enabled scaling plan of the pool (None: no plan manages it)."""
    client = factory.desktop_virtualization(tenant_id, subscription_id, ref)
    try:
        async with client:
            async for found in client.scaling_plans.list_by_subscription():
                for ref_ in found.host_pool_references or ():
                    path = str(ref_.host_pool_arm_path or "")
                    if path.lower() == pool_id.lower() and ref_.scaling_plan_enabled:
                        return _plan(found)
    except AzureCallError:
        raise
    except Exception as exc:
        raise translate(
            exc, "reading the scaling plans of", f"/subscriptions/{subscription_id}"
        ) from exc
    return None
