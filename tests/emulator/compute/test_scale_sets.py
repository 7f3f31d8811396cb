"""Virtual machine scale sets through the real SDK: Flexible instances are VMs made from the
model's gallery version; capacity up and down; deleting instances; Uniform instances under the
set; a model with the AVD agent's extension registers its instances in the host pool; a version
not replicated in the region, a full quota and a missing fault domain count are refused and
leave nothing behind."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.compute.machine_support import PASSWORD, WIN11, machines
from tests.emulator.compute.support import (
    RG,
    error_of,
    make_definition,
    make_gallery,
    make_version,
    post_scenario,
)
from tests.emulator.desktopvirtualization.support import avd_client, expiry, make_pool
from tests.emulator.network.support import make_vnet, network_client, subnet_ref


def subnet(emu: Any) -> str:
    client = network_client(emu)
    if "vnet-dr" not in {v.name for v in client.virtual_networks.list(RG)}:
        make_vnet(client, "vnet-dr", subnets={"default": "10.10.1.0/24"})
    return subnet_ref("vnet-dr", "default")


def scale_set_body(
    emu: Any,
    image: dict[str, Any],
    capacity: int,
    mode: str = "Flexible",
    extensions: list[dict[str, Any]] | None = None,
    **properties: Any,
) -> dict[str, Any]:
    network: dict[str, Any] = {
        "networkInterfaceConfigurations": [
            {
                "name": "nic",
                "properties": {
                    "primary": True,
                    "ipConfigurations": [
                        {"name": "ip", "properties": {"subnet": {"id": subnet(emu)}}}
                    ],
                },
            }
        ]
    }
    if mode == "Flexible":
        network["networkApiVersion"] = "2020-11-01"
        properties.setdefault("platformFaultDomainCount", 1)
    profile: dict[str, Any] = {
        "storageProfile": {"imageReference": image, "osDisk": {"createOption": "FromImage"}},
        "osProfile": {
            "computerNamePrefix": "avddr",
            "adminUsername": "gfadmin",
            "adminPassword": PASSWORD,
        },
        "networkProfile": network,
    }
    if extensions:
        profile["extensionProfile"] = {"extensions": extensions}
    return {
        "location": "westeurope",
        "sku": {"name": "Standard_D2as_v5", "capacity": capacity},
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "orchestrationMode": mode,
            "virtualMachineProfile": profile,
            **properties,
        },
    }


def gallery_version(client: Any, regions: list[str] | None = None) -> str:
    make_gallery(client)
    make_definition(client)
    return str(make_version(client, regions=regions or ["westeurope"]).id)


def test_a_flexible_scale_set_makes_vms_from_its_gallery_version(emu):
    client = machines(emu, advance_by=3600)
    version = gallery_version(client)
    made = client.virtual_machine_scale_sets.begin_create_or_update(
        RG, "vmss-dr", scale_set_body(emu, {"id": version}, 2)
    ).result()
    assert made.provisioning_state == "Succeeded" and made.orchestration_mode == "Flexible"
    assert made.sku.capacity == 2
    assert made.virtual_machine_profile.os_profile.admin_password is None
    vms = [v for v in client.virtual_machines.list(RG) if v.name.startswith("vmss-dr_")]
    assert len(vms) == 2
    for vm in vms:
        assert vm.virtual_machine_scale_set.id.lower() == made.id.lower()
        assert vm.storage_profile.image_reference.id.lower() == version.lower()
        assert vm.os_profile.computer_name.startswith("avddr")
        assert len(vm.os_profile.computer_name) == 11
    instances = list(client.virtual_machine_scale_set_vms.list(RG, "vmss-dr"))
    assert sorted(i.instance_id for i in instances) == sorted(v.name for v in vms)
    assert all(i.latest_model_applied for i in instances)


def test_capacity_goes_up_and_down_and_instances_can_be_deleted(emu):
    client = machines(emu, advance_by=3600)
    body = scale_set_body(emu, WIN11, 0)
    sets = client.virtual_machine_scale_sets
    assert sets.begin_create_or_update(RG, "vmss-dr", body).result().sku.capacity == 0
    assert list(client.virtual_machine_scale_set_vms.list(RG, "vmss-dr")) == []
    body["sku"]["capacity"] = 3
    sets.begin_create_or_update(RG, "vmss-dr", body).result()
    ids = [i.instance_id for i in client.virtual_machine_scale_set_vms.list(RG, "vmss-dr")]
    assert len(ids) == 3
    sets.begin_delete_instances(RG, "vmss-dr", {"instanceIds": [ids[0]]}).result()
    assert sets.get(RG, "vmss-dr").sku.capacity == 2
    left = [i.instance_id for i in client.virtual_machine_scale_set_vms.list(RG, "vmss-dr")]
    assert left == ids[1:]
    assert sets.get(RG, "vmss-dr").sku.capacity == 2
    # a PUT with only the location and the sku (as `az vmss scale` sends) keeps the model
    kept = sets.begin_create_or_update(
        RG,
        "vmss-dr",
        {"location": "westeurope", "sku": {"name": "Standard_D2as_v5", "capacity": 1}},
    ).result()
    assert kept.sku.capacity == 1 and kept.orchestration_mode == "Flexible"
    assert kept.virtual_machine_profile.os_profile.computer_name_prefix == "avddr"
    updated = sets.begin_update(RG, "vmss-dr", {"sku": {"capacity": 0}}).result()
    assert updated.sku.capacity == 0 and updated.provisioning_state == "Succeeded"
    assert [v for v in client.virtual_machines.list(RG) if v.name.startswith("vmss-dr_")] == []
    nics = [n.name for n in network_client(emu).network_interfaces.list(RG)]
    assert not [n for n in nics if n.startswith("vmss-dr_")]  # deleted with their VMs
    with pytest.raises(HttpResponseError) as unknown:
        sets.begin_delete_instances(RG, "vmss-dr", {"instanceIds": ["nope"]})
    assert error_of(unknown)["code"] == "InvalidParameter"


def test_a_model_change_applies_to_new_instances_only(emu):
    client = machines(emu, advance_by=3600)
    version = gallery_version(client)
    body = scale_set_body(emu, WIN11, 1)
    sets = client.virtual_machine_scale_sets
    sets.begin_create_or_update(RG, "vmss-dr", body).result()
    body["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"] = {
        "id": version
    }
    body["sku"]["capacity"] = 2
    sets.begin_create_or_update(RG, "vmss-dr", body).result()
    instances = list(client.virtual_machine_scale_set_vms.list(RG, "vmss-dr"))
    assert [i.latest_model_applied for i in instances] == [False, True]
    assert instances[1].storage_profile.image_reference.id.lower() == version.lower()


def test_uniform_instances_live_under_the_scale_set(emu):
    client = machines(emu, advance_by=3600)
    made = client.virtual_machine_scale_sets.begin_create_or_update(
        RG, "vmss-u", scale_set_body(emu, WIN11, 2, mode="Uniform")
    ).result()
    assert made.orchestration_mode == "Uniform" and made.upgrade_policy.mode == "Manual"
    instances = list(client.virtual_machine_scale_set_vms.list(RG, "vmss-u"))
    assert [i.instance_id for i in instances] == ["0", "1"]
    assert instances[0].id.lower().endswith("/virtualmachinescalesets/vmss-u/virtualmachines/0")
    assert instances[1].os_profile.computer_name == "avddr000001"
    assert not [v for v in client.virtual_machines.list(RG) if v.name.startswith("vmss-u")]
    one = client.virtual_machine_scale_set_vms.get(RG, "vmss-u", "1")
    assert one.name == "vmss-u_1"
    client.virtual_machine_scale_sets.begin_delete(RG, "vmss-u").result()
    with pytest.raises(HttpResponseError) as gone:
        client.virtual_machine_scale_sets.get(RG, "vmss-u")
    assert gone.value.status_code == 404


def test_instances_run_the_models_extensions_and_register_with_the_pool(emu):
    avd = avd_client(emu)
    pool = make_pool(
        avd,
        registrationInfo={"expirationTime": expiry(emu, 2), "registrationTokenOperation": "Update"},
    )
    extensions = [
        {
            "name": "AADLoginForWindows",
            "properties": {
                "publisher": "Microsoft.Azure.ActiveDirectory",
                "type": "AADLoginForWindows",
                "typeHandlerVersion": "2.0",
            },
        },
        {
            "name": "Microsoft.PowerShell.DSC",
            "properties": {
                "publisher": "Microsoft.Powershell",
                "type": "DSC",
                "typeHandlerVersion": "2.73",
                "settings": {"configurationFunction": "Configuration.ps1\\AddSessionHost"},
                "protectedSettings": {
                    "Items": {"RegistrationInfoToken": str(pool.registration_info.token)}
                },
            },
        },
    ]
    client = machines(emu, advance_by=3600)
    made = client.virtual_machine_scale_sets.begin_create_or_update(
        RG, "vmss-dr", scale_set_body(emu, WIN11, 2, extensions=extensions)
    ).result()
    shown = made.virtual_machine_profile.extension_profile.extensions[1]
    assert shown.protected_settings is None
    hosts = list(avd.session_hosts.list(RG, "hp1"))
    assert len(hosts) == 2 and {h.status for h in hosts} == {"Available"}
    vm_ids = {v.id.lower() for v in client.virtual_machines.list(RG)}
    assert {h.resource_id.lower() for h in hosts} <= vm_ids


def test_a_failing_extension_fails_the_scale_out(emu):
    extensions = [
        {
            "name": "Microsoft.PowerShell.DSC",
            "properties": {
                "publisher": "Microsoft.Powershell",
                "type": "DSC",
                "typeHandlerVersion": "2.73",
                "protectedSettings": {"Items": {"RegistrationInfoToken": "not-a-token"}},
            },
        }
    ]
    client = machines(emu, advance_by=3600)
    with pytest.raises(HttpResponseError) as failed:
        client.virtual_machine_scale_sets.begin_create_or_update(
            RG, "vmss-dr", scale_set_body(emu, WIN11, 1, extensions=extensions)
        ).result()
    assert "VMExtensionProvisioningError" in str(failed.value)
    assert client.virtual_machine_scale_sets.get(RG, "vmss-dr").provisioning_state == "Failed"


def test_bad_models_are_refused_and_leave_nothing(emu):
    client = machines(emu, advance_by=3600)
    version = gallery_version(client, regions=["westeurope"])
    north = scale_set_body(emu, {"id": version}, 1)
    north["location"] = "northeurope"
    with pytest.raises(HttpResponseError) as refused:
        client.virtual_machine_scale_sets.begin_create_or_update(RG, "vmss-n", north)
    assert "is not available in northeurope region" in error_of(refused)["message"]
    no_domains = scale_set_body(emu, WIN11, 1)
    del no_domains["properties"]["platformFaultDomainCount"]
    with pytest.raises(HttpResponseError) as missing:
        client.virtual_machine_scale_sets.begin_create_or_update(RG, "vmss-x", no_domains)
    assert "platformFaultDomainCount" in error_of(missing)["message"]
    post_scenario(
        emu,
        "compute:\n  quotas:\n    - {subscription: provider-sub, region: westeurope, "
        "limits: {standardDASv5Family: 4}}\n",
    )
    with pytest.raises(HttpResponseError) as quota:
        client.virtual_machine_scale_sets.begin_create_or_update(
            RG, "vmss-q", scale_set_body(emu, WIN11, 3)
        )
    assert error_of(quota)["code"] == "OperationNotAllowed"
    assert list(client.virtual_machine_scale_sets.list(RG)) == []
    assert list(client.virtual_machines.list(RG)) == []
    assert [n.name for n in network_client(emu).network_interfaces.list(RG)] == []
