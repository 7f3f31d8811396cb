"""HTTP surface of VM sizes and compute usage in a location: ``VirtualMachineSizes_List`` from
``quota.SIZES`` and ``Usage_List`` from what ``quota.charge`` recorded (``cores`` = Total
Regional vCPUs, one entry per VM family, and the VM count)."""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.compute.handling import subscription
from goldfleet.emulator.rp.compute.machines import quota
from goldfleet.emulator.rp.resources import backend as resources

LOCATION = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}"
FIXED_LIMITS = {  # usage name -> (localizedValue, limit) of counts goldfleet does not vary
    "availabilitySets": ("Availability Sets", 2500),
    "virtualMachines": ("Virtual Machines", 25000),
    "virtualMachineScaleSets": ("Virtual Machine Scale Sets", 2500),
}


def _location(ctx: Ctx, resource_type: str) -> str:
    return resources.check_location(subscription(ctx), ctx.param("location"), resource_type)


def list_sizes(ctx: Ctx) -> Response:
    """VirtualMachineSizes_List"""
    _location(ctx, "Microsoft.Compute/virtualMachines")
    items = [
        {
            "name": s.name,
            "numberOfCores": s.vcpus,
            "osDiskSizeInMB": quota.OS_DISK_SIZE_MB,
            "resourceDiskSizeInMB": s.resource_disk_mb,
            "memoryInMB": s.memory_mb,
            "maxDataDiskCount": s.max_data_disks,
        }
        for s in quota.SIZES
    ]
    return json_response({"value": items})


def _usage(name: str, display: str, current: int, limit: int) -> dict[str, Any]:
    return {
        "unit": "Count",
        "currentValue": current,
        "limit": limit,
        "name": {"value": name, "localizedValue": display},
    }


def list_usage(ctx: Ctx) -> Response:
    """Usage_List"""
    location = _location(ctx, "Microsoft.Compute/locations/usages")
    sub_id = subscription(ctx).subscription_id
    world = ctx.world

    def fixed(name: str, current: int = 0) -> dict[str, Any]:
        display, limit = FIXED_LIMITS[name]
        return _usage(name, display, current, limit)

    items = [
        fixed("availabilitySets"),
        _usage(
            quota.TOTAL,
            "Total Regional vCPUs",
            quota.usage(world, sub_id, location, quota.TOTAL),
            quota.limit(world, sub_id, location, quota.TOTAL),
        ),
        fixed("virtualMachines", quota.usage(world, sub_id, location, "virtualMachines")),
        fixed("virtualMachineScaleSets"),
    ]
    for family, display in quota.FAMILY_DISPLAY.items():
        items.append(
            _usage(
                family,
                display,
                quota.usage(world, sub_id, location, family),
                quota.limit(world, sub_id, location, family),
            )
        )
    return json_response(page(ctx.request, items))


def register(router: Router) -> None:
    router.add("GET", f"{LOCATION}/vmSizes", list_sizes)
    router.add("GET", f"{LOCATION}/usages", list_usage)
