"""Managed disks through the real SDK: empty, copied from a disk or snapshot, made from a
platform image or a gallery image version; sizes only grow; an attached disk cannot be deleted;
every disk made from a source carries a copy of its guest contents."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.compute.machine_support import WIN11, disk_id, guest, machines, make_vm
from tests.emulator.compute.support import (
    RG,
    SNAPSHOT_OS,
    error_of,
    make_definition,
    make_gallery,
    make_version,
)


def test_an_empty_disk_is_created_and_listed(emu):
    client = machines(emu)
    disk = client.disks.begin_create_or_update(
        RG,
        "data-1",
        {
            "location": "westeurope",
            "sku": {"name": "StandardSSD_LRS"},
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 64},
        },
    ).result()
    assert disk.provisioning_state == "Succeeded"
    assert disk.disk_size_gb == 64
    assert disk.disk_state == "Unattached"
    assert disk.sku.name == "StandardSSD_LRS"
    assert "data-1" in {d.name for d in client.disks.list_by_resource_group(RG)}
    assert "data-1" in {d.name for d in client.disks.list()}


def test_an_empty_disk_needs_a_size(emu):
    with pytest.raises(HttpResponseError) as refused:
        machines(emu).disks.begin_create_or_update(
            RG,
            "nosize",
            {"location": "westeurope", "properties": {"creationData": {"createOption": "Empty"}}},
        )
    assert error_of(refused)["message"] == "Required parameter 'diskSizeGB' is missing (null)."


def test_a_disk_from_a_platform_image_carries_the_images_contents(emu):
    client = machines(emu)
    platform = (
        f"/Subscriptions/x/Providers/Microsoft.Compute/Locations/westeurope/Publishers/"
        f"{WIN11['publisher']}/ArtifactTypes/VMImage/Offers/{WIN11['offer']}/Skus/{WIN11['sku']}"
        "/Versions/latest"
    )
    disk = client.disks.begin_create_or_update(
        RG,
        "os-from-image",
        {
            "location": "westeurope",
            "properties": {
                "creationData": {"createOption": "FromImage", "imageReference": {"id": platform}}
            },
        },
    ).result()
    assert disk.os_type == "Windows"
    assert disk.hyper_v_generation == "V2"
    assert disk.disk_size_gb == 127
    assert guest(emu, disk.id)["base_image"].startswith("MicrosoftWindowsDesktop:windows-11:")


def test_an_unknown_platform_image_is_platform_image_not_found(emu):
    platform = (
        "/Subscriptions/x/Providers/Microsoft.Compute/Locations/westeurope/Publishers/nope"
        "/ArtifactTypes/VMImage/Offers/none/Skus/zero/Versions/1.0.0"
    )
    with pytest.raises(ResourceNotFoundError) as missing:
        machines(emu).disks.begin_create_or_update(
            RG,
            "d",
            {
                "location": "westeurope",
                "properties": {
                    "creationData": {
                        "createOption": "FromImage",
                        "imageReference": {"id": platform},
                    }
                },
            },
        )
    assert missing.value.error.code == "PlatformImageNotFound"


def test_a_disk_copied_from_a_disk_copies_its_contents_and_cannot_shrink(emu):
    client = machines(emu)
    vm = make_vm(emu, client)
    os_disk = vm.storage_profile.os_disk.managed_disk.id
    copy = client.disks.begin_create_or_update(
        RG,
        "copy-1",
        {
            "location": "westeurope",
            "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": os_disk}},
        },
    ).result()
    assert copy.disk_size_gb == 127 and copy.hyper_v_generation == "V2"
    assert guest(emu, copy.id) == guest(emu, os_disk)
    with pytest.raises(HttpResponseError) as shrink:
        client.disks.begin_update(RG, "copy-1", {"properties": {"diskSizeGB": 64}})
    assert "Disk size reduction is not supported" in error_of(shrink)["message"]
    grown = client.disks.begin_update(RG, "copy-1", {"properties": {"diskSizeGB": 256}}).result()
    assert grown.disk_size_gb == 256


def test_a_disk_from_a_snapshot(emu):
    client = machines(emu)
    disk = client.disks.begin_create_or_update(
        RG,
        "from-snap",
        {
            "location": "westeurope",
            "properties": {
                "creationData": {"createOption": "Copy", "sourceResourceId": SNAPSHOT_OS}
            },
        },
    ).result()
    assert disk.os_type == "Windows" and disk.hyper_v_generation == "V2"
    assert disk.creation_data.source_resource_id.lower() == SNAPSHOT_OS.lower()


def test_a_disk_from_a_gallery_image_version_carries_the_versions_contents(emu):
    client = machines(emu, advance_by=3600)
    make_gallery(client)
    make_definition(client)
    version = make_version(client)
    disk = client.disks.begin_create_or_update(
        RG,
        "from-version",
        {
            "location": "westeurope",
            "properties": {
                "creationData": {
                    "createOption": "FromImage",
                    "galleryImageReference": {"id": version.id},
                }
            },
        },
    ).result()
    assert disk.hyper_v_generation == "V2"
    assert guest(emu, disk.id) == guest(emu, version.id)


def test_import_is_not_implemented(emu):
    with pytest.raises(HttpResponseError) as refused:
        machines(emu).disks.begin_create_or_update(
            RG,
            "imp",
            {
                "location": "westeurope",
                "properties": {
                    "creationData": {"createOption": "Import", "sourceUri": "https://x/y.vhd"},
                    "diskSizeGB": 10,
                },
            },
        )
    assert refused.value.status_code == 501


def test_an_attached_disk_cannot_be_deleted(emu):
    client = machines(emu)
    vm = make_vm(emu, client)
    os_disk = client.disks.get(RG, vm.storage_profile.os_disk.name)
    assert os_disk.disk_state == "Attached"
    assert os_disk.managed_by.lower() == vm.id.lower()
    with pytest.raises(HttpResponseError) as refused:
        client.disks.begin_delete(RG, os_disk.name)
    assert refused.value.status_code == 409
    assert error_of(refused) == {
        "code": "OperationNotAllowed",
        "message": f"Disk {os_disk.name} is attached to VM {vm.id}.",
    }


def test_a_deleted_disk_is_gone_with_its_contents(emu):
    client = machines(emu)
    client.disks.begin_create_or_update(
        RG,
        "gone",
        {
            "location": "westeurope",
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 8},
        },
    ).result()
    client.disks.begin_delete(RG, "gone").result()
    with pytest.raises(ResourceNotFoundError):
        client.disks.get(RG, "gone")
    client.disks.begin_delete(RG, "gone").result()  # 204: already gone
    assert (
        disk_id("gone").lower() not in emu.control("GET", "/state")["sections"]["guest"]["contents"]
    )
