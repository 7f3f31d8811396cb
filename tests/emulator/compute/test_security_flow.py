"""Trusted Launch and the disk metadata that travels with it, through the real SDK: a Trusted
Launch VM's OS disk, its snapshots, gallery versions made from them and VMs made from those;
Azure's refusals where a source does not fit a definition's security type; tier, hibernation
and ownership times on disks; the VM's tags staying on the VM; VHD-backed managed images."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.compute.machine_support import machines, make_vm, nic, vm_body
from tests.emulator.compute.support import (
    HOUR,
    IMAGE_GEN2,
    RG,
    error_of,
    make_definition,
    make_gallery,
    version_body,
)

TRUSTED = {
    "securityType": "TrustedLaunch",
    "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
}
TL_FEATURE = [{"name": "SecurityType", "value": "TrustedLaunch"}]


@pytest.fixture
def client(emu: Any) -> Any:
    return machines(emu, advance_by=6 * HOUR)


def trusted_vm(emu: Any, client: Any, name: str = "vm-tl", **extra: Any) -> Any:
    return make_vm(emu, client, name, f"{name}-nic", securityProfile=TRUSTED, **extra)


def snapshot_of(client: Any, disk_id: str, name: str = "snap-tl") -> Any:
    body = {
        "location": "westeurope",
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": disk_id}},
    }
    return client.snapshots.begin_create_or_update(RG, name, body).result()


def version_from(client: Any, definition: str, source: dict[str, Any], name: str = "1.0.0") -> Any:
    body = version_body()
    body["properties"]["storageProfile"] = source
    return client.gallery_image_versions.begin_create_or_update(
        RG, "gal", definition, name, body
    ).result()


def refusal(call: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.status_code, error_of(caught)


def test_a_trusted_launch_vms_os_disk_says_so_and_keeps_its_own_tags(emu, client):
    body = vm_body(nic(emu, "nic-tags"), securityProfile=TRUSTED)
    body["tags"] = {"owner": "goldfleet", "ring": "0"}
    vm = client.virtual_machines.begin_create_or_update(RG, "vm-tl", body).result()
    assert vm.tags == {"owner": "goldfleet", "ring": "0"}
    disk = client.disks.get(RG, vm.storage_profile.os_disk.name)
    assert disk.security_profile.security_type == "TrustedLaunch"
    assert disk.tags == {}  # Azure does not copy a VM's tags onto the disks it makes
    assert disk.tier == "P10"  # Premium_LRS, 127 GiB
    assert disk.last_ownership_update_time is not None
    assert disk.disk_state == "Attached"


def test_snapshots_and_copies_carry_security_and_hibernation(emu, client):
    vm = trusted_vm(emu, client, additionalCapabilities={"hibernationEnabled": True})
    os_disk = client.disks.get(RG, vm.storage_profile.os_disk.name)
    assert os_disk.supports_hibernation is True
    snapshot = snapshot_of(client, os_disk.id)
    assert snapshot.security_profile.security_type == "TrustedLaunch"
    assert snapshot.supports_hibernation is True
    copy = client.disks.begin_create_or_update(
        RG,
        "disk-copy",
        {
            "location": "westeurope",
            "sku": {"name": "Premium_LRS"},
            "properties": {
                "creationData": {"createOption": "Copy", "sourceResourceId": snapshot.id}
            },
        },
    ).result()
    assert copy.security_profile.security_type == "TrustedLaunch"
    assert copy.supports_hibernation is True
    assert copy.tier == "P10" and copy.last_ownership_update_time is None  # never attached


def test_a_disk_update_keeps_tier_hibernation_and_ownership_time(emu, client):
    made = client.disks.begin_create_or_update(
        RG,
        "disk-data",
        {
            "location": "westeurope",
            "sku": {"name": "Premium_LRS"},
            "properties": {
                "creationData": {"createOption": "Empty"},
                "diskSizeGB": 100,
                "supportsHibernation": True,
            },
        },
    ).result()
    assert made.tier == "P10" and made.supports_hibernation is True
    grown = client.disks.begin_update(RG, "disk-data", {"properties": {"diskSizeGB": 200}}).result()
    assert grown.tier == "P15"  # a default tier follows the size
    assert grown.supports_hibernation is True
    pinned = client.disks.begin_update(RG, "disk-data", {"properties": {"tier": "P30"}}).result()
    assert pinned.tier == "P30"
    again = client.disks.begin_update(RG, "disk-data", {"tags": {"a": "b"}}).result()
    assert again.tier == "P30" and again.supports_hibernation is True


def test_a_trusted_launch_snapshot_becomes_a_trusted_launch_version_and_vm(emu, client):
    make_gallery(client)
    make_definition(client, name="tl", sku="tl", features=TL_FEATURE)
    make_definition(client, name="std", sku="std")
    vm = trusted_vm(emu, client)
    snapshot = snapshot_of(client, client.disks.get(RG, vm.storage_profile.os_disk.name).id)
    source = {"osDiskImage": {"source": {"id": snapshot.id}}}
    status, error = refusal(lambda: version_from(client, "std", source))
    assert (status, error["code"]) == (400, "InvalidParameter")
    assert "'TrustedLaunch'" in error["message"] and "'Standard'" in error["message"]
    version = version_from(client, "tl", source)
    assert version.provisioning_state == "Succeeded"
    # A VM from it must be Trusted Launch (Azure's 400), and its disk then is.
    status, error = refusal(
        lambda: client.virtual_machines.begin_create_or_update(
            RG, "vm-std", vm_body(nic(emu, "nic-std"), image={"id": version.id})
        ).result()
    )
    assert (status, error["code"]) == (400, "BadRequest")
    assert error["message"] == (
        "The provided gallery image only supports creation of VMs and VM Scale Sets with "
        "'TrustedLaunch' security type."
    )
    second = client.virtual_machines.begin_create_or_update(
        RG,
        "vm-tl2",
        vm_body(nic(emu, "nic-tl2"), image={"id": version.id}, securityProfile=TRUSTED),
    ).result()
    disk = client.disks.get(RG, second.storage_profile.os_disk.name)
    assert disk.security_profile.security_type == "TrustedLaunch"
    assert disk.creation_data.gallery_image_reference.id.lower() == version.id.lower()


def test_a_managed_image_cannot_feed_a_trusted_launch_definition(emu, client):
    make_gallery(client)
    make_definition(client, name="tl", sku="tl", features=TL_FEATURE)
    status, error = refusal(lambda: version_from(client, "tl", {"source": {"id": IMAGE_GEN2}}))
    assert (status, error["code"]) == (400, "InvalidParameter")
    assert error["message"].startswith(
        f"The security type 'TrustedLaunch' is not supported for the source id '{IMAGE_GEN2}'."
    )
    # A generic Gen2 definition takes it, and refuses a Trusted Launch snapshot.
    make_definition(
        client,
        name="generic",
        sku="generic",
        features=[{"name": "SecurityType", "value": "TrustedLaunchSupported"}],
    )
    assert version_from(client, "generic", {"source": {"id": IMAGE_GEN2}}).name == "1.0.0"
    vm = trusted_vm(emu, client)
    snapshot = snapshot_of(client, client.disks.get(RG, vm.storage_profile.os_disk.name).id)
    status, error = refusal(
        lambda: version_from(
            client, "generic", {"osDiskImage": {"source": {"id": snapshot.id}}}, "2.0.0"
        )
    )
    assert (status, error["code"]) == (400, "InvalidParameter")
    assert "Currently only Vhd Blob, User Image and Gallery Image Version" in error["message"]


def test_a_trusted_launch_vm_cannot_become_a_managed_image(emu, client):
    vm = trusted_vm(emu, client)
    client.virtual_machines.begin_power_off(RG, vm.name).result()
    status, error = refusal(
        lambda: client.images.begin_create_or_update(
            RG,
            "img-tl",
            {"location": "westeurope", "properties": {"sourceVirtualMachine": {"id": vm.id}}},
        ).result()
    )
    assert (status, error["code"]) == (409, "OperationNotAllowed")
    assert error["message"] == (
        "Creation of managed images are not supported for virtual machine with TrustedLaunch "
        "security type."
    )


def test_a_managed_image_from_a_vhd_blob(emu, client):
    uri = "https://goldfleetvhds.blob.core.windows.net/vhds/win11-golden.vhd"
    image = client.images.begin_create_or_update(
        RG,
        "img-vhd",
        {
            "location": "westeurope",
            "properties": {
                "hyperVGeneration": "V2",
                "storageProfile": {
                    "osDisk": {
                        "osType": "Windows",
                        "osState": "Generalized",
                        "blobUri": uri,
                        "diskSizeGB": 127,
                    }
                },
            },
        },
    ).result()
    os_disk = image.storage_profile.os_disk
    assert image.provisioning_state == "Succeeded"
    assert (os_disk.blob_uri, os_disk.os_state, os_disk.caching) == (
        uri,
        "Generalized",
        "ReadWrite",
    )
    assert os_disk.storage_account_type == "Standard_LRS" and os_disk.snapshot is None
    status, error = refusal(
        lambda: client.images.begin_create_or_update(
            RG,
            "img-bad",
            {
                "location": "westeurope",
                "properties": {
                    "storageProfile": {
                        "osDisk": {
                            "osType": "Windows",
                            "osState": "Generalized",
                            "blobUri": "not a blob",
                        }
                    }
                },
            },
        ).result()
    )
    assert (status, error["code"]) == (400, "InvalidParameter")
