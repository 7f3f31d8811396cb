"""VM sizes and vCPU quota: VirtualMachineSizes_List and Usage_List through the real
azure-mgmt-compute client, and charge/release with Azure's exhaustion errors."""

from __future__ import annotations

from typing import Any

import pytest

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.rp.compute.machines import quota
from tests.conftest import PROVIDER_SUB
from tests.emulator.compute.support import compute_client

LOC = "westeurope"


def _usage(client: Any, location: str = LOC) -> dict[str, Any]:
    return {u.name.value: u for u in client.usage.list(location)}


def test_vm_sizes_list_real_numbers(emu: Any) -> None:
    sizes = {s.name: s for s in compute_client(emu).virtual_machine_sizes.list(LOC)}
    d4 = sizes["Standard_D4as_v5"]
    assert (d4.number_of_cores, d4.memory_in_mb, d4.max_data_disk_count) == (4, 16384, 8)
    nv = sizes["Standard_NV6ads_A10_v5"]
    assert (nv.number_of_cores, nv.memory_in_mb) == (6, 56320)
    assert sizes["Standard_A2_v2"].memory_in_mb == 4096
    for name in (
        "Standard_D2as_v5",
        "Standard_D8as_v5",
        "Standard_D4s_v5",
        "Standard_D4ds_v5",
        "Standard_E4as_v5",
        "Standard_B2ms",
    ):
        assert name in sizes


def test_vm_size_knows_generations_and_trusted_launch() -> None:
    a2 = quota.vm_size("standard_a2_v2")
    assert a2 is not None
    assert a2.hyper_v_generations == ("V1",) and a2.trusted_launch is False
    d4 = quota.vm_size("Standard_D4as_v5")
    assert d4 is not None
    assert d4.family == "standardDASv5Family" and "V2" in d4.hyper_v_generations
    assert quota.vm_size("Standard_Nope") is None


def test_usage_shows_what_charge_recorded(emu: Any) -> None:
    client = compute_client(emu)
    before = _usage(client)
    assert before["cores"].name.localized_value == "Total Regional vCPUs"
    assert (before["cores"].current_value, before["cores"].limit) == (0, 100)
    assert before["standardDASv5Family"].limit == 100
    emu.call(quota.charge, emu.world, PROVIDER_SUB, LOC, "Standard_D4as_v5")
    emu.call(quota.charge, emu.world, PROVIDER_SUB, LOC, "Standard_B2ms")
    after = _usage(client)
    assert after["cores"].current_value == 6
    assert after["standardDASv5Family"].current_value == 4
    assert after["standardBSFamily"].current_value == 2
    assert after["virtualMachines"].current_value == 2
    assert _usage(client, "northeurope")["cores"].current_value == 0
    emu.call(quota.release, emu.world, PROVIDER_SUB, LOC, "Standard_D4as_v5")
    assert _usage(client)["cores"].current_value == 2


def test_family_quota_exhaustion_is_azures_error(emu: Any) -> None:
    world = emu.world
    emu.call(quota.set_quota_limits, world, PROVIDER_SUB, LOC, {"standardDASv5Family": 10})
    emu.call(quota.charge, world, PROVIDER_SUB, LOC, "Standard_D8as_v5")
    with pytest.raises(ArmError) as excinfo:
        emu.call(quota.charge, world, PROVIDER_SUB, LOC, "Standard_D4as_v5")
    error = excinfo.value
    assert (error.status, error.code) == (409, "OperationNotAllowed")
    assert error.message.startswith(
        "Operation could not be completed as it results in exceeding approved "
        "standardDASv5Family Cores quota. Additional details - Deployment Model: Resource "
        "Manager, Location: westeurope, Current Limit: 10, Current Usage: 8, Additional "
        "Required: 4, (Minimum) New Limit Required: 12."
    )
    assert error.message.endswith("per-vm-quota-requests")
    assert _usage(compute_client(emu))["cores"].current_value == 8  # nothing counted


def test_total_regional_quota_applies_across_families(emu: Any) -> None:
    world = emu.world
    emu.call(quota.set_quota_limits, world, PROVIDER_SUB, LOC, {"cores": 10})
    emu.call(quota.charge, world, PROVIDER_SUB, LOC, "Standard_D8as_v5")
    with pytest.raises(ArmError) as excinfo:
        emu.call(quota.charge, world, PROVIDER_SUB, LOC, "Standard_E4as_v5")
    assert excinfo.value.code == "OperationNotAllowed"
    assert "exceeding approved Total Regional Cores quota" in excinfo.value.message
    assert "Current Limit: 10, Current Usage: 8, Additional Required: 4" in excinfo.value.message
    assert excinfo.value.message.endswith("regional-quota-requests")
    emu.call(quota.charge, world, PROVIDER_SUB, LOC, "Standard_B2ms")  # 10 of 10 fits


def test_limits_reject_unknown_names(emu: Any) -> None:
    with pytest.raises(ValueError, match="unknown quota"):
        emu.call(quota.set_quota_limits, emu.world, PROVIDER_SUB, LOC, {"gpuCores": 1})


def test_unknown_size_cannot_be_charged(emu: Any) -> None:
    with pytest.raises(ArmError) as excinfo:
        emu.call(quota.charge, emu.world, PROVIDER_SUB, LOC, "Standard_Bogus")
    assert excinfo.value.code == "InvalidParameter"


def test_usage_survives_snapshot_and_restore(emu: Any) -> None:
    emu.call(quota.charge, emu.world, PROVIDER_SUB, LOC, "Standard_NV6ads_A10_v5")
    emu.control("PUT", "/state", emu.control("GET", "/state"))
    usage = _usage(compute_client(emu))
    assert usage["standardNVADSA10v5Family"].current_value == 6
