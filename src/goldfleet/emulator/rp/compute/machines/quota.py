"""VM sizes and vCPU quota: the sizes the emulator knows (real vCPU, memory and disk numbers
from Microsoft Learn's size pages), and per (subscription, region) usage that VM creation
charges and deletion releases, against two limits as in Azure: the size's family
(e.g. ``standardDASv5Family``) and ``cores`` (Total Regional vCPUs).

State lives in ``world.sections["computeQuota"]``: ``usage`` and ``limits`` keyed by
lower-case subscription id, then region, then usage name. Default limits: 100 vCPUs per family
and 100 in total (set per subscription and region by the scenario or ``set_quota_limits``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.world import World

SECTION = "computeQuota"
TOTAL = "cores"
TOTAL_DISPLAY = "Total Regional"
DEFAULT_FAMILY_LIMIT = 100
DEFAULT_TOTAL_LIMIT = 100
OS_DISK_SIZE_MB = 1047552  # what VirtualMachineSizes_List reports for every size


@dataclass(frozen=True)
class VmSizeInfo:
    """One VM size. ``family`` is Azure's usage name for its vCPU quota."""

    name: str
    vcpus: int
    memory_mb: int
    family: str
    hyper_v_generations: tuple[str, ...]
    trusted_launch: bool
    max_data_disks: int
    resource_disk_mb: int = 0  # 0: no temporary disk


_BOTH = ("V1", "V2")
SIZES: tuple[VmSizeInfo, ...] = (
    VmSizeInfo("Standard_D2as_v5", 2, 8192, "standardDASv5Family", _BOTH, True, 4),
    VmSizeInfo("Standard_D4as_v5", 4, 16384, "standardDASv5Family", _BOTH, True, 8),
    VmSizeInfo("Standard_D8as_v5", 8, 32768, "standardDASv5Family", _BOTH, True, 16),
    VmSizeInfo("Standard_D16as_v5", 16, 65536, "standardDASv5Family", _BOTH, True, 32),
    VmSizeInfo("Standard_D2s_v5", 2, 8192, "standardDSv5Family", _BOTH, True, 4),
    VmSizeInfo("Standard_D4s_v5", 4, 16384, "standardDSv5Family", _BOTH, True, 8),
    VmSizeInfo("Standard_D8s_v5", 8, 32768, "standardDSv5Family", _BOTH, True, 16),
    VmSizeInfo("Standard_D2ds_v5", 2, 8192, "standardDDSv5Family", _BOTH, True, 4, 76800),
    VmSizeInfo("Standard_D4ds_v5", 4, 16384, "standardDDSv5Family", _BOTH, True, 8, 153600),
    VmSizeInfo("Standard_D2s_v3", 2, 8192, "standardDSv3Family", _BOTH, True, 4, 16384),
    VmSizeInfo("Standard_D4s_v3", 4, 16384, "standardDSv3Family", _BOTH, True, 8, 32768),
    VmSizeInfo("Standard_E4as_v5", 4, 32768, "standardEASv5Family", _BOTH, True, 8),
    VmSizeInfo("Standard_E8as_v5", 8, 65536, "standardEASv5Family", _BOTH, True, 16),
    VmSizeInfo(
        "Standard_NV6ads_A10_v5", 6, 56320, "standardNVADSA10v5Family", _BOTH, True, 4, 184320
    ),
    VmSizeInfo(
        "Standard_NV12ads_A10_v5", 12, 112640, "standardNVADSA10v5Family", _BOTH, True, 8, 368640
    ),
    VmSizeInfo("Standard_B2ms", 2, 8192, "standardBSFamily", _BOTH, True, 4, 16384),
    VmSizeInfo("Standard_B4ms", 4, 16384, "standardBSFamily", _BOTH, True, 8, 32768),
    VmSizeInfo("Standard_A2_v2", 2, 4096, "standardAv2Family", ("V1",), False, 4, 20480),
    VmSizeInfo("Standard_A4_v2", 4, 8192, "standardAv2Family", ("V1",), False, 8, 40960),
)
_BY_NAME = {s.name.lower(): s for s in SIZES}

# usage name -> localizedValue, as Usage_List shows them
FAMILY_DISPLAY = {
    "standardDASv5Family": "Standard DASv5 Family vCPUs",
    "standardDSv5Family": "Standard DSv5 Family vCPUs",
    "standardDDSv5Family": "Standard DDSv5 Family vCPUs",
    "standardDSv3Family": "Standard DSv3 Family vCPUs",
    "standardEASv5Family": "Standard EASv5 Family vCPUs",
    "standardNVADSA10v5Family": "Standard NVADSA10v5 Family vCPUs",
    "standardBSFamily": "Standard BS Family vCPUs",
    "standardAv2Family": "Standard Av2 Family vCPUs",
}


def vm_size(name: str) -> VmSizeInfo | None:
    """The size with this name (any case), or None."""
    return _BY_NAME.get(name.lower())


def families() -> list[str]:
    return list(FAMILY_DISPLAY)


# --- state ------------------------------------------------------------------------------------


def _section(world: World) -> dict[str, Any]:
    found: dict[str, Any] = world.sections.setdefault(SECTION, {"usage": {}, "limits": {}})
    return found


def _bucket(world: World, kind: str, subscription_id: str, location: str) -> dict[str, int]:
    by_sub = _section(world)[kind].setdefault(subscription_id.lower(), {})
    found: dict[str, int] = by_sub.setdefault(location.lower().replace(" ", ""), {})
    return found


def usage(world: World, subscription_id: str, location: str, name: str) -> int:
    return int(_bucket(world, "usage", subscription_id, location).get(name, 0))


def limit(world: World, subscription_id: str, location: str, name: str) -> int:
    default = DEFAULT_TOTAL_LIMIT if name == TOTAL else DEFAULT_FAMILY_LIMIT
    return int(_bucket(world, "limits", subscription_id, location).get(name, default))


def set_quota_limits(
    world: World, subscription_id: str, location: str, limits: dict[str, int]
) -> None:
    """Set limits by usage name (``cores`` or a family such as ``standardDASv5Family``);
    ValueError for an unknown name or a negative value."""
    known = {f.lower(): f for f in FAMILY_DISPLAY} | {TOTAL: TOTAL}
    bucket = _bucket(world, "limits", subscription_id, location)
    for name, value in limits.items():
        canonical = known.get(str(name).lower())
        if canonical is None:
            raise ValueError(
                f"unknown quota '{name}' (known: {TOTAL}, {', '.join(FAMILY_DISPLAY)})"
            )
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"quota '{name}' must be a non-negative integer")
        bucket[canonical] = value


def _exceeded(display: str, location: str, current_limit: int, current: int, more: int) -> ArmError:
    needed = current + more
    page = "regional-quota-requests" if display == TOTAL_DISPLAY else "per-vm-quota-requests"
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Operation could not be completed as it results in exceeding approved {display} Cores "
        f"quota. Additional details - Deployment Model: Resource Manager, Location: {location}, "
        f"Current Limit: {current_limit}, Current Usage: {current}, Additional Required: {more}, "
        f"(Minimum) New Limit Required: {needed}. Submit a request for Quota increase at "
        "https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView "
        "by specifying parameters listed in the \u2018Details\u2019 section for deployment to "
        "succeed. "
        f"Please read more about quota limits at "
        f"https://docs.microsoft.com/en-us/azure/azure-supportability/{page}",
    )


def charge(world: World, subscription_id: str, location: str, size_name: str) -> None:
    """Count one VM of ``size_name`` against the family and the regional vCPU quota.

    Exhaustion raises Azure's 409 ``OperationNotAllowed`` (family first, then Total Regional);
    an unknown size raises 400 ``InvalidParameter``. Nothing is counted when it raises.
    """
    size = vm_size(size_name)
    if size is None:
        raise ArmError(
            400,
            "InvalidParameter",
            f"The value {size_name} provided for the VM size is not valid. The valid sizes in "
            f"the current region are: {', '.join(s.name for s in SIZES)}.",
            target="vmSize",
        )
    for name, display in ((size.family, size.family), (TOTAL, TOTAL_DISPLAY)):
        current = usage(world, subscription_id, location, name)
        allowed = limit(world, subscription_id, location, name)
        if current + size.vcpus > allowed:
            raise _exceeded(display, location, allowed, current, size.vcpus)
    bucket = _bucket(world, "usage", subscription_id, location)
    bucket[size.family] = bucket.get(size.family, 0) + size.vcpus
    bucket[TOTAL] = bucket.get(TOTAL, 0) + size.vcpus
    bucket["virtualMachines"] = bucket.get("virtualMachines", 0) + 1


def release(world: World, subscription_id: str, location: str, size_name: str) -> None:
    """Give back what ``charge`` counted for one VM of ``size_name`` (never below zero)."""
    size = vm_size(size_name)
    if size is None:
        return
    bucket = _bucket(world, "usage", subscription_id, location)
    for name, amount in ((size.family, size.vcpus), (TOTAL, size.vcpus), ("virtualMachines", 1)):
        bucket[name] = max(0, bucket.get(name, 0) - amount)
