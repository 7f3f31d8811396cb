"""Virtual machines through the real SDK: created from a marketplace image, a managed image, a
gallery image version or definition, or an attached specialized disk, with Azure's checks
(osProfile, VM size and Hyper-V generation, TrustedLaunch, region, NICs, vCPU quota); power
actions and the instance view; generalize; delete cascading by deleteOption."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.compute.machine_support import (
    PASSWORD,
    WIN10_GEN1,
    attach_body,
    guest,
    machines,
    make_vm,
    nic,
    power,
    vm_body,
)
from tests.emulator.compute.support import (
    COMPUTE,
    IMAGE_GEN2,
    RG,
    error_of,
    make_definition,
    make_gallery,
    make_version,
    post_scenario,
)
from tests.emulator.network.support import network_client


def test_a_vm_from_a_marketplace_image_runs_on_its_own_os_disk(emu):
    client = machines(emu)
    vm = make_vm(emu, client, "vm-market")
    assert vm.provisioning_state == "Succeeded"
    assert vm.storage_profile.image_reference.exact_version
    assert vm.os_profile.admin_password is None
    assert vm.os_profile.computer_name == "vm"
    os_disk = client.disks.get(RG, vm.storage_profile.os_disk.name)
    assert os_disk.managed_by.lower() == vm.id.lower()
    assert os_disk.hyper_v_generation == "V2"
    assert guest(emu, os_disk.id)["base_image"].startswith("MicrosoftWindowsDesktop:windows-11:")
    expanded = client.virtual_machines.get(RG, "vm-market", expand="instanceView")
    codes = [s.code for s in expanded.instance_view.statuses]
    assert codes == ["ProvisioningState/succeeded", "PowerState/running"]
    assert "vm-market" in {v.name for v in client.virtual_machines.list(RG)}
    assert "vm-market" in {v.name for v in client.virtual_machines.list_all()}


def test_the_vm_is_creating_until_its_simulated_create_time_has_passed(emu):
    client = machines(emu, advance_by=10)
    poller = client.virtual_machines.begin_create_or_update(RG, "vm-slow", vm_body(nic(emu)))
    assert client.virtual_machines.get(RG, "vm-slow").provisioning_state == "Creating"
    emu.control("PUT", "/clock", {"advanceSeconds": 300})
    assert poller.result().provisioning_state == "Succeeded"


def test_a_generalized_image_needs_an_os_profile(emu):
    with pytest.raises(HttpResponseError) as refused:
        machines(emu).virtual_machines.begin_create_or_update(
            RG, "vm-x", vm_body(nic(emu), os_profile=False)
        )
    assert error_of(refused) == {
        "code": "InvalidParameter",
        "message": "Required parameter 'osProfile' is missing (null).",
        "target": "osProfile",
    }


def test_a_specialized_disk_refuses_an_os_profile(emu):
    client = machines(emu)
    vm = make_vm(emu, client, "vm-src")
    copy = client.disks.begin_create_or_update(
        RG,
        "clone-os",
        {
            "location": "westeurope",
            "properties": {
                "creationData": {
                    "createOption": "Copy",
                    "sourceResourceId": vm.storage_profile.os_disk.managed_disk.id,
                }
            },
        },
    ).result()
    body = attach_body(copy.id, nic(emu, "nic-2"))
    body["properties"]["osProfile"] = {"adminUsername": "a", "adminPassword": PASSWORD}
    with pytest.raises(HttpResponseError) as refused:
        client.virtual_machines.begin_create_or_update(RG, "vm-clone", body)
    assert error_of(refused)["message"] == "Parameter 'osProfile' is not allowed."


def test_the_size_must_boot_the_images_generation(emu):
    with pytest.raises(HttpResponseError) as refused:
        machines(emu).virtual_machines.begin_create_or_update(
            RG, "vm-x", vm_body(nic(emu), size="Standard_A2_v2")
        )
    error = error_of(refused)
    assert error["code"] == "BadRequest"
    assert "cannot boot Hypervisor Generation '2'" in error["message"]


def test_trusted_launch_needs_a_generation_2_image(emu):
    body = vm_body(nic(emu), image=WIN10_GEN1, securityProfile={"securityType": "TrustedLaunch"})
    with pytest.raises(HttpResponseError) as refused:
        machines(emu).virtual_machines.begin_create_or_update(RG, "vm-x", body)
    assert "TrustedLaunch" in error_of(refused)["message"]


def test_an_unknown_marketplace_image_is_platform_image_not_found(emu):
    image = {"publisher": "nobody", "offer": "nothing", "sku": "none", "version": "latest"}
    with pytest.raises(ResourceNotFoundError) as missing:
        machines(emu).virtual_machines.begin_create_or_update(
            RG, "vm-x", vm_body(nic(emu), image=image)
        )
    assert missing.value.error.code == "PlatformImageNotFound"


def test_a_vm_from_a_managed_image(emu):
    vm = make_vm(emu, machines(emu), "vm-img", image={"id": IMAGE_GEN2})
    assert vm.storage_profile.image_reference.id.lower() == IMAGE_GEN2.lower()
    assert guest(emu, vm.storage_profile.os_disk.managed_disk.id)["base_image"] == IMAGE_GEN2


def test_a_gallery_definition_means_its_latest_version(emu):
    client = machines(emu, advance_by=3600)
    make_gallery(client)
    definition = make_definition(client)
    make_version(client, name="1.0.0")
    make_version(client, name="1.1.0")
    vm = make_vm(emu, client, "vm-gal", image={"id": definition.id})
    assert vm.storage_profile.image_reference.exact_version == "1.1.0"


def test_a_gallery_version_must_be_replicated_to_the_vms_region(emu):
    client = machines(emu, advance_by=3600)
    make_gallery(client)
    make_definition(client)
    version = make_version(client)
    body = vm_body("/subscriptions/x/nic", image={"id": version.id}, location="northeurope")
    with pytest.raises(HttpResponseError) as refused:
        client.virtual_machines.begin_create_or_update("rg-other", "vm-north", body)
    assert error_of(refused)["message"] == (
        f"The gallery image {version.id} is not available in northeurope region. Please contact "
        "image owner to replicate to this region, or change your requested region."
    )


def test_nics_must_exist_and_be_free(emu):
    client = machines(emu)
    missing = f"{COMPUTE.replace('Microsoft.Compute', 'Microsoft.Network')}/networkInterfaces/nope"
    with pytest.raises(HttpResponseError) as refused:
        client.virtual_machines.begin_create_or_update(RG, "vm-x", vm_body(missing))
    assert error_of(refused)["code"] == "InvalidResourceReference"
    used = nic(emu, "nic-used")
    client.virtual_machines.begin_create_or_update(RG, "vm-a", vm_body(used)).result()
    with pytest.raises(HttpResponseError) as taken:
        client.virtual_machines.begin_create_or_update(RG, "vm-b", vm_body(used))
    assert taken.value.status_code in (400, 409)
    assert (
        network_client(emu)
        .network_interfaces.get(RG, "nic-used")
        .virtual_machine.id.endswith("vm-a")
    )


def test_vcpu_quota_exhaustion_fails_the_create_and_deletion_gives_it_back(emu):
    post_scenario(
        emu,
        "compute:\n  quotas:\n    - {subscription: provider-sub, region: westeurope, "
        "limits: {standardDASv5Family: 4}}\n",
    )
    client = machines(emu)
    make_vm(emu, client, "vm-q1", "nic-q1", size="Standard_D4as_v5")
    with pytest.raises(HttpResponseError) as refused:
        make_vm(emu, client, "vm-q2", "nic-q2", size="Standard_D2as_v5")
    assert error_of(refused)["code"] == "OperationNotAllowed"
    client.virtual_machines.begin_deallocate(RG, "vm-q1").result()
    make_vm(emu, client, "vm-q3", "nic-q3", size="Standard_D2as_v5")  # quota was released
    with pytest.raises(HttpResponseError):
        client.virtual_machines.begin_start(RG, "vm-q1").result()  # 4 more would exceed it


def test_power_actions_move_the_power_state(emu):
    client = machines(emu)
    make_vm(emu, client, "vm-p")
    client.virtual_machines.begin_power_off(RG, "vm-p").result()
    assert power(client, "vm-p") == "PowerState/stopped"
    client.virtual_machines.begin_deallocate(RG, "vm-p").result()
    assert power(client, "vm-p") == "PowerState/deallocated"
    client.virtual_machines.begin_start(RG, "vm-p").result()
    assert power(client, "vm-p") == "PowerState/running"
    client.virtual_machines.begin_restart(RG, "vm-p").result()
    assert power(client, "vm-p") == "PowerState/running"


def test_generalize_needs_a_stopped_vm_whose_guest_ran_sysprep(emu):
    client = machines(emu)
    make_vm(emu, client, "vm-g")
    with pytest.raises(HttpResponseError) as running:
        client.virtual_machines.generalize(RG, "vm-g")
    assert error_of(running)["message"] == (
        "Operation 'generalize' is not allowed on VM 'vm-g' since the VM is running."
    )
    client.virtual_machines.begin_deallocate(RG, "vm-g").result()
    with pytest.raises(HttpResponseError) as not_sysprepped:
        client.virtual_machines.generalize(RG, "vm-g")
    assert error_of(not_sysprepped)["code"] == "OperationNotAllowed"


def test_delete_cascades_by_delete_option(emu):
    client = machines(emu)
    body = vm_body(nic(emu, "nic-del"))
    body["properties"]["storageProfile"]["osDisk"]["deleteOption"] = "Delete"
    body["properties"]["storageProfile"]["dataDisks"] = [
        {"lun": 0, "createOption": "Empty", "diskSizeGB": 32, "name": "keep-data"}
    ]
    body["properties"]["networkProfile"]["networkInterfaces"][0]["properties"] = {
        "deleteOption": "Delete"
    }
    vm = client.virtual_machines.begin_create_or_update(RG, "vm-del", body).result()
    client.virtual_machines.begin_delete(RG, "vm-del", force_deletion=True).result()
    with pytest.raises(ResourceNotFoundError):
        client.virtual_machines.get(RG, "vm-del")
    with pytest.raises(ResourceNotFoundError):
        client.disks.get(RG, vm.storage_profile.os_disk.name)
    kept = client.disks.get(RG, "keep-data")  # data disks detach by default
    assert kept.disk_state == "Unattached" and kept.managed_by is None
    with pytest.raises(ResourceNotFoundError):
        network_client(emu).network_interfaces.get(RG, "nic-del")


def test_an_extension_installs_leaves_plugins_and_calls_its_handler(emu):
    from goldfleet.emulator.rp.compute.machines.extensions import register_extension_handler

    seen = []
    register_extension_handler(
        "Contoso.Tests.Probe", lambda world, vm, ext: seen.append((vm.id, ext.body["name"]))
    )
    client = machines(emu)
    vm = make_vm(emu, client, "vm-ext")
    ext = client.virtual_machine_extensions.begin_create_or_update(
        RG,
        "vm-ext",
        "probe",
        {
            "location": "westeurope",
            "properties": {
                "publisher": "Contoso.Tests",
                "type": "Probe",
                "typeHandlerVersion": "1.0",
                "settings": {"a": 1},
                "protectedSettings": {"secret": PASSWORD},
            },
        },
    ).result()
    assert ext.provisioning_state == "Succeeded"
    assert ext.protected_settings is None
    assert seen == [(vm.id, "probe")]
    assert guest(emu, vm.storage_profile.os_disk.managed_disk.id)["packages_plugin"] is True
    listed = client.virtual_machine_extensions.list(RG, "vm-ext")
    assert [e.name for e in listed.value] == ["probe"]
    client.virtual_machine_extensions.begin_delete(RG, "vm-ext", "probe").result()
    assert client.virtual_machine_extensions.list(RG, "vm-ext").value == []


def test_a_scenario_seeds_a_running_master_with_its_guest(emu):
    post_scenario(
        emu,
        """machines:
  - id: /subscriptions/provider-sub/resourceGroups/rg-images/providers/Microsoft.Compute/virtualMachines/vm-seeded
    location: westeurope
    size: Standard_D4as_v5
    powerState: deallocated
    image: {publisher: MicrosoftWindowsDesktop, offer: windows-11, sku: win11-24h2-avd, version: latest}
    guest: {apps: [Clio Launcher], pendingReboot: true, perUserAppx: [Contoso.Notes]}
""",
    )
    client = machines(emu)
    vm = client.virtual_machines.get(RG, "vm-seeded")
    assert vm.provisioning_state == "Succeeded"
    assert power(client, "vm-seeded") == "PowerState/deallocated"
    contents = guest(emu, vm.storage_profile.os_disk.managed_disk.id)
    assert contents["apps"] == ["Clio Launcher"]
    assert contents["pending_reboot"] is True
    assert contents["per_user_appx"] == ["Contoso.Notes"]


def test_a_bad_machine_in_a_scenario_names_file_line_and_field():
    from goldfleet.emulator.scenario import ScenarioError, parse_scenario

    text = "machines:\n  - id: /x\n    location: uksouth\n    size: Standard_D2as_v5\n    powerState: sleeping\n    image: {id: /y}\n"
    with pytest.raises(ScenarioError) as bad:
        parse_scenario(text, "estate.yaml")
    assert bad.value.problems[0].startswith("estate.yaml:5:17: machines[0].powerState:")


def test_a_vm_being_created_survives_a_snapshot_and_restore(emu):
    client = machines(emu, advance_by=10)
    client.virtual_machines.begin_create_or_update(RG, "vm-snapshot", vm_body(nic(emu, "nic-s")))
    state = emu.control("GET", "/state")
    emu.control("PUT", "/state", state)
    assert client.virtual_machines.get(RG, "vm-snapshot").provisioning_state == "Creating"
    emu.control("PUT", "/clock", {"advanceSeconds": 300})
    assert client.virtual_machines.get(RG, "vm-snapshot").provisioning_state == "Succeeded"
    assert power(client, "vm-snapshot") == "PowerState/running"
