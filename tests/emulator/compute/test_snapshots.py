"""Snapshots through the real SDK: full and incremental copies of a disk (an attached one too,
as in Azure), an incremental snapshot Succeeded only after its simulated copy, contents carried
along, update, list and delete."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.compute.machine_support import guest, machines, make_vm
from tests.emulator.compute.support import RG, advance, error_of


def snapshot_body(source: str, incremental: bool = False) -> dict:
    return {
        "location": "westeurope",
        "properties": {
            "incremental": incremental,
            "creationData": {"createOption": "Copy", "sourceResourceId": source},
        },
    }


def test_a_full_snapshot_of_an_attached_os_disk_carries_its_contents(emu):
    client = machines(emu)
    vm = make_vm(emu, client, "vm-snap")
    disk = vm.storage_profile.os_disk.managed_disk.id
    snap = client.snapshots.begin_create_or_update(RG, "snap-full", snapshot_body(disk)).result()
    assert snap.provisioning_state == "Succeeded"
    assert snap.incremental is False
    assert (snap.os_type, snap.hyper_v_generation, snap.disk_size_gb) == ("Windows", "V2", 127)
    assert snap.managed_by is None
    assert guest(emu, snap.id) == guest(emu, disk)


def test_an_incremental_snapshot_succeeds_after_its_copy(emu):
    client = machines(emu, advance_by=5)
    vm = make_vm(emu, machines(emu), "vm-inc")
    poller = client.snapshots.begin_create_or_update(
        RG, "snap-inc", snapshot_body(vm.storage_profile.os_disk.managed_disk.id, True)
    )
    pending = client.snapshots.get(RG, "snap-inc")
    assert pending.provisioning_state == "Updating"
    assert pending.completion_percent == 0
    advance(emu, 300)
    done = poller.result()
    assert done.provisioning_state == "Succeeded"
    assert done.incremental is True
    assert done.completion_percent == 100


def test_snapshots_are_listed_updated_and_deleted(emu):
    client = machines(emu)
    vm = make_vm(emu, client, "vm-snap2")
    disk = vm.storage_profile.os_disk.managed_disk.id
    client.snapshots.begin_create_or_update(RG, "snap-a", snapshot_body(disk)).result()
    assert "snap-a" in {s.name for s in client.snapshots.list_by_resource_group(RG)}
    assert "snap-a" in {s.name for s in client.snapshots.list()}
    tagged = client.snapshots.begin_update(RG, "snap-a", {"tags": {"stage": "capture"}}).result()
    assert tagged.tags == {"stage": "capture"}
    client.snapshots.begin_delete(RG, "snap-a").result()
    with pytest.raises(ResourceNotFoundError):
        client.snapshots.get(RG, "snap-a")


def test_a_snapshot_of_a_missing_disk_is_refused(emu):
    with pytest.raises(HttpResponseError) as refused:
        machines(emu).snapshots.begin_create_or_update(
            RG,
            "snap-x",
            snapshot_body(
                "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/rg-images"
                "/providers/Microsoft.Compute/disks/nope"
            ),
        )
    assert error_of(refused)["code"] == "NotFound"
