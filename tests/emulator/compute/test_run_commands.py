"""Run Commands through the real SDK, run by the simulated guest: the RunCommand action's
StdOut/StdErr, managed run commands' instance view (Pending, Running, Succeeded, Failed,
TimedOut), the VM that must be running, and the whole capture path a golden-image capture
takes: snapshot the master's OS disk, clone it, run commands on a temporary VM from the clone,
sysprep (which shuts it down), generalize, and capture into a managed image and a gallery
image version that carry the clone's contents."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.compute.machine_support import (
    attach_body,
    guest,
    machines,
    make_vm,
    nic,
    power,
)
from tests.emulator.compute.support import (
    RG,
    advance,
    error_of,
    make_definition,
    make_gallery,
)

SYSPREP = r"C:\Windows\System32\Sysprep\sysprep.exe /generalize /oobe /shutdown /quiet"


def run(client, vm: str, *lines: str):
    return client.virtual_machines.begin_run_command(
        RG, vm, {"commandId": "RunPowerShellScript", "script": list(lines)}
    ).result()


def managed(client, vm: str, name: str, script: str, **properties):
    return client.virtual_machine_run_commands.begin_create_or_update(
        RG,
        vm,
        name,
        {"location": "westeurope", "properties": {"source": {"script": script}, **properties}},
    ).result()


def view(client, vm: str, name: str):
    return client.virtual_machine_run_commands.get_by_virtual_machine(
        RG, vm, name, expand="instanceView"
    ).instance_view


def test_the_action_returns_stdout_and_stderr_and_changes_the_guest(emu):
    client = machines(emu)
    vm = make_vm(emu, client, "vm-run")
    result = run(
        client,
        "vm-run",
        'Write-Output "hello"',
        'Write-Error "careful"',
        "winget install Contoso.Legal",
    )
    assert [s.code for s in result.value] == [
        "ComponentStatus/StdOut/succeeded",
        "ComponentStatus/StdErr/succeeded",
    ]
    assert result.value[0].message == "hello\n"
    assert result.value[1].message == "careful\n"
    assert "Contoso.Legal" in guest(emu, vm.storage_profile.os_disk.managed_disk.id)["apps"]


def test_a_managed_run_command_goes_pending_running_succeeded(emu):
    client = machines(emu)
    make_vm(emu, client, "vm-m")
    poller = machines(emu, advance_by=1).virtual_machine_run_commands.begin_create_or_update(
        RG,
        "vm-m",
        "hello",
        {
            "location": "westeurope",
            "properties": {"source": {"script": 'Write-Output "hi"\nStart-Sleep -Seconds 60'}},
        },
    )
    assert view(client, "vm-m", "hello").execution_state == "Pending"
    advance(emu, 10)
    assert view(client, "vm-m", "hello").execution_state == "Running"
    advance(emu, 120)
    done = poller.result()
    assert done.provisioning_state == "Succeeded"
    iv = view(client, "vm-m", "hello")
    assert (iv.execution_state, iv.exit_code, iv.output) == ("Succeeded", 0, "hi\n")
    assert iv.start_time is not None and iv.end_time > iv.start_time
    assert [
        r.name for r in client.virtual_machine_run_commands.list_by_virtual_machine(RG, "vm-m")
    ] == ["hello"]
    client.virtual_machine_run_commands.begin_delete(RG, "vm-m", "hello").result()
    assert list(client.virtual_machine_run_commands.list_by_virtual_machine(RG, "vm-m")) == []


def test_a_failing_script_is_failed_with_its_exit_code(emu):
    client = machines(emu)
    make_vm(emu, client, "vm-f")
    managed(client, "vm-f", "boom", 'throw "no license server"')
    iv = view(client, "vm-f", "boom")
    assert (iv.execution_state, iv.exit_code, iv.error) == ("Failed", 1, "no license server\n")


def test_a_script_longer_than_its_timeout_times_out(emu):
    client = machines(emu)
    make_vm(emu, client, "vm-t")
    managed(client, "vm-t", "slow", "Start-Sleep -Seconds 600", timeoutInSeconds=60)
    assert view(client, "vm-t", "slow").execution_state == "TimedOut"


def test_a_script_uri_cannot_be_fetched(emu):
    client = machines(emu)
    make_vm(emu, client, "vm-u")
    client.virtual_machine_run_commands.begin_create_or_update(
        RG,
        "vm-u",
        "remote",
        {
            "location": "westeurope",
            "properties": {"source": {"scriptUri": "https://example.invalid/s.ps1"}},
        },
    ).result()
    iv = view(client, "vm-u", "remote")
    assert iv.execution_state == "Failed"
    assert "cannot download scripts" in iv.error


def test_the_vm_must_be_running(emu):
    client = machines(emu)
    make_vm(emu, client, "vm-off")
    client.virtual_machines.begin_deallocate(RG, "vm-off").result()
    with pytest.raises(HttpResponseError) as refused:
        run(client, "vm-off", 'Write-Output "x"')
    assert (
        error_of(refused)["message"]
        == "The operation requires the VM to be running (or set to run)."
    )


def test_sysprep_refuses_a_pending_reboot_and_the_vm_keeps_running(emu):
    client = machines(emu, advance_by=3600)
    make_vm(emu, client, "vm-pr")
    run(client, "vm-pr", "Install-WindowsUpdate")
    result = run(client, "vm-pr", SYSPREP)
    assert "pending reboot" in result.value[1].message
    assert power(client, "vm-pr") == "PowerState/running"


def test_capture_a_clone_of_the_master_without_touching_the_master(emu):
    client = machines(emu, advance_by=3600)
    master = make_vm(emu, client, "vm-master", "nic-master")
    run(client, "vm-master", "winget install Contoso.Legal", "Add-AppxPackage Contoso.Notes")
    master_disk = master.storage_profile.os_disk.managed_disk.id
    snapshot = client.snapshots.begin_create_or_update(
        RG,
        "snap-master",
        {
            "location": "westeurope",
            "properties": {
                "incremental": True,
                "creationData": {"createOption": "Copy", "sourceResourceId": master_disk},
            },
        },
    ).result()
    assert snapshot.provisioning_state == "Succeeded"
    clone = client.disks.begin_create_or_update(
        RG,
        "clone-os",
        {
            "location": "westeurope",
            "properties": {
                "creationData": {"createOption": "Copy", "sourceResourceId": snapshot.id}
            },
        },
    ).result()
    client.virtual_machines.begin_create_or_update(
        RG, "vm-capture", attach_body(clone.id, nic(emu, "nic-capture"))
    ).result()
    refused = run(client, "vm-capture", SYSPREP)  # a per-user AppX package blocks sysprep
    assert "Contoso.Notes" in refused.value[1].message
    run(client, "vm-capture", "Remove-AppxPackage Contoso.Notes")
    run(client, "vm-capture", SYSPREP)
    assert power(client, "vm-capture") == "PowerState/stopped"  # sysprep /shutdown
    client.virtual_machines.generalize(RG, "vm-capture")
    statuses = [s.code for s in client.virtual_machines.instance_view(RG, "vm-capture").statuses]
    assert "OSState/generalized" in statuses
    with pytest.raises(HttpResponseError) as start:
        client.virtual_machines.begin_start(RG, "vm-capture")
    assert error_of(start)["message"] == (
        "Operation 'Start VM' is not allowed on VM 'vm-capture' since the VM is generalized."
    )
    image = client.images.begin_create_or_update(
        RG,
        "img-capture",
        {
            "location": "westeurope",
            "properties": {
                "sourceVirtualMachine": {"id": f"{master.id.rsplit('/', 1)[0]}/vm-capture"}
            },
        },
    ).result()
    assert image.storage_profile.os_disk.os_state == "Generalized"
    assert image.hyper_v_generation == "V2"
    make_gallery(client)
    make_definition(client)
    version = client.gallery_image_versions.begin_create_or_update(
        RG,
        "gal",
        "win11",
        "1.0.0",
        {
            "location": "westeurope",
            "properties": {
                "publishingProfile": {"targetRegions": [{"name": "westeurope"}]},
                "storageProfile": {
                    "source": {"virtualMachineId": f"{master.id.rsplit('/', 1)[0]}/vm-capture"}
                },
            },
        },
    ).result()
    assert version.provisioning_state == "Succeeded"
    captured = guest(emu, version.id)
    assert captured["sysprep"] == "generalized"
    assert "Contoso.Legal" in captured["apps"]
    assert guest(emu, image.id) == captured
    master_now = guest(emu, master_disk)
    assert master_now["sysprep"] == "none" and "Contoso.Notes" in master_now["per_user_appx"]
    assert power(client, "vm-master") == "PowerState/running"
    from_image = client.gallery_image_versions.begin_create_or_update(
        RG,
        "gal",
        "win11",
        "1.0.1",
        {
            "location": "westeurope",
            "properties": {
                "publishingProfile": {"targetRegions": [{"name": "westeurope"}]},
                "storageProfile": {"source": {"id": image.id}},
            },
        },
    ).result()
    assert guest(emu, from_image.id)["apps"] == captured["apps"]


def test_a_managed_image_needs_a_generalized_vm(emu):
    client = machines(emu)
    vm = make_vm(emu, client, "vm-ng")
    with pytest.raises(HttpResponseError) as refused:
        client.images.begin_create_or_update(
            RG,
            "img-x",
            {"location": "westeurope", "properties": {"sourceVirtualMachine": {"id": vm.id}}},
        )
    assert error_of(refused) == {
        "code": "OperationNotAllowed",
        "message": "The operation 'Create Image' requires the Virtual Machine 'vm-ng' to be Generalized.",
    }
