"""Builds through the real ImageBuilderClient, in simulated time: customizers applied to the
guest, a replicated gallery version, failures with their log (cleanup vs abort), time-out,
checksum mismatch, cancel, one run at a time, run outputs."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import resource_client
from tests.emulator.compute.support import (
    RG,
    RG_ID,
    advance,
    compute_client,
    error_of,
    make_definition,
    make_gallery,
)
from tests.emulator.imagebuilder.support import (
    create_template,
    customization_log,
    drive,
    ib_client,
    make_identity,
    publish,
    run_to_end,
    template_body,
)

DEFINITION = f"{RG_ID}/providers/Microsoft.Compute/galleries/gal/images/win11"


@pytest.fixture
def client(emu):
    make_identity(emu)
    return ib_client(emu)


def _guest(emu, resource_id):
    return emu.control("GET", "/state")["sections"]["guest"]["contents"][resource_id.lower()]


def _staging_types(emu, template):
    name = template.exact_staging_resource_group.rsplit("/", 1)[-1]
    return sorted(r.type for r in resource_client(emu).resources.list_by_resource_group(name))


def test_a_build_customizes_the_guest_and_publishes_a_replicated_gallery_version(emu, client):
    compute = compute_client(emu, advance_on_accept=10)
    make_gallery(compute)
    make_definition(compute)
    script = "Write-Output 'FSLogix'\nmsiexec /i FSLogixAppsSetup.msi /quiet\n"
    script_uri, script_sha = publish(emu, "fslogix.ps1", script)
    file_uri, file_sha = publish(emu, "config/settings.json", '{"a": 1}')
    customize = [
        {
            "type": "PowerShell",
            "name": "timezone",
            "inline": ['Set-TimeZone -Id "W. Europe Standard Time"'],
        },
        {
            "type": "PowerShell",
            "name": "fslogix",
            "scriptUri": script_uri,
            "sha256Checksum": script_sha,
            "runElevated": True,
        },
        {
            "type": "File",
            "name": "settings",
            "sourceUri": file_uri,
            "sha256Checksum": file_sha,
            "destination": "C:\\gf\\settings.json",
        },
        {
            "type": "WindowsUpdate",
            "name": "updates",
            "searchCriteria": "IsInstalled=0",
            "updateLimit": 5,
        },
        {"type": "WindowsRestart", "name": "restart", "restartTimeout": "10m"},
    ]
    distribute = [
        {
            "type": "SharedImage",
            "galleryImageId": DEFINITION,
            "runOutputName": "gallery",
            "versioning": {"scheme": "Latest", "major": 1},
            "targetRegions": [
                {"name": "westeurope", "replicaCount": 1},
                {"name": "northeurope", "replicaCount": 2, "storageAccountType": "Standard_ZRS"},
            ],
            "artifactTags": {"source": "aib"},
        }
    ]
    create_template(emu, client, "avd", template_body(customize, distribute))
    poller = client.virtual_machine_image_templates.begin_run(RG, "avd")
    advance(emu, 400)
    during = client.virtual_machine_image_templates.get(RG, "avd")
    assert during.last_run_status.run_state == "Running"
    assert during.last_run_status.run_sub_state == "Customizing"
    assert _staging_types(emu, during) == [
        "Microsoft.Compute/disks",
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Network/networkInterfaces",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Storage/storageAccounts",
    ]
    final = drive(emu, client, "avd")
    poller.result()
    assert final.last_run_status.run_state == "Succeeded"
    assert _staging_types(emu, final) == ["Microsoft.Storage/storageAccounts"]
    output = client.virtual_machine_image_templates.get_run_output(RG, "avd", "gallery")
    assert output.artifact_id == f"{DEFINITION}/versions/1.0.0"
    version = compute.gallery_image_versions.get(
        RG, "gal", "win11", "1.0.0", expand="ReplicationStatus"
    )
    assert version.provisioning_state == "Succeeded"
    assert version.tags == {"source": "aib"}
    assert {s.region: s.state for s in version.replication_status.summary} == {
        "West Europe": "Completed",
        "North Europe": "Completed",
    }
    guest = _guest(emu, version.id)
    steps = [c["name"] for c in guest["customizations"]]
    assert steps == [
        "timezone",
        "fslogix",
        "settings",
        "updates",
        "restart",
        "DeprovisioningScript",
    ]
    assert guest["time_zone"] == "W. Europe Standard Time"
    assert "FSLogixAppsSetup" in guest["apps"]
    assert guest["files"] == {"C:\\gf\\settings.json": file_sha}
    assert guest["updates_installed"] == 5 and guest["pending_reboot"] is False
    assert guest["sysprep"] == "generalized"
    log = customization_log(emu, final.id)
    assert "(telemetry) Starting provisioner windows-update" in log
    assert "    azure-arm: FSLogix" in log


def test_a_failing_customizer_fails_the_run_and_cleans_up_by_default(emu, client):
    emu.control(
        "POST",
        "/guest/failures",
        {"match": "Install-Teams", "exitCode": 5, "stderr": "teams failed"},
    )
    customize = [{"type": "PowerShell", "name": "teams", "inline": ["Install-Teams -Machine"]}]
    create_template(emu, client, "fails", template_body(customize))
    poller, final = run_to_end(emu, client, "fails")
    with pytest.raises(HttpResponseError):
        poller.result()
    status = final.last_run_status
    assert status.run_state == "Failed"
    assert "Packer build command has failed: exit status 1" in status.message
    assert "/customization.log" in status.message
    log = customization_log(emu, final.id)
    assert "Script exited with non-zero exit status: 5. Allowed exit codes are: [0]" in log
    assert "teams failed" in log
    assert _staging_types(emu, final) == ["Microsoft.Storage/storageAccounts"]
    assert list(client.virtual_machine_image_templates.list_run_outputs(RG, "fails")) == []
    blob = emu.control("GET", "/state")["sections"]["blobs"]
    assert any(key.endswith("/customization.log") for key in blob)


def test_abort_keeps_the_build_vm_and_valid_exit_codes_pass(emu, client):
    customize = [
        {"type": "PowerShell", "name": "ok", "inline": ["exit 3010"], "validExitCodes": [0, 3010]},
        {"type": "PowerShell", "name": "broken", "inline": ["throw 'boom'"]},
    ]
    body = template_body(customize, errorHandling={"onCustomizerError": "abort"})
    create_template(emu, client, "abort", body)
    _poller, final = run_to_end(emu, client, "abort")
    assert final.last_run_status.run_state == "Failed"
    assert "Microsoft.Compute/virtualMachines" in _staging_types(emu, final)
    assert "keeping the build VM" in customization_log(emu, final.id)


def test_a_build_longer_than_its_timeout_fails(emu, client):
    customize = [{"type": "PowerShell", "name": "slow", "inline": ["Start-Sleep -Seconds 7200"]}]
    create_template(emu, client, "slow", template_body(customize, buildTimeoutInMinutes=60))
    _poller, final = run_to_end(emu, client, "slow")
    assert final.last_run_status.run_state == "Failed"
    assert final.last_run_status.message.endswith(
        "Failed in building/customizing image: Failed while waiting for packerizer: Timeout "
        "waiting for microservice to complete: 'context deadline exceeded'"
    )


def test_a_script_whose_checksum_differs_is_refused(emu, client):
    uri, _sha = publish(emu, "tampered.ps1", "Write-Output 'changed'")
    customize = [{"type": "PowerShell", "name": "s", "scriptUri": uri, "sha256Checksum": "0" * 64}]
    create_template(emu, client, "sum", template_body(customize))
    _poller, final = run_to_end(emu, client, "sum")
    assert final.last_run_status.run_state == "Failed"
    log = customization_log(emu, final.id)
    assert "Checksums did not match for tampered.ps1." in log
    assert "Expected: " + "0" * 64 in log


def test_cancel_stops_a_running_build_and_only_one_build_runs_at_a_time(emu, client):
    customize = [{"type": "PowerShell", "name": "long", "inline": ["Start-Sleep -Seconds 3600"]}]
    create_template(emu, client, "cancel", template_body(customize))
    ops = client.virtual_machine_image_templates
    ops.begin_run(RG, "cancel")
    advance(emu, 600)
    with pytest.raises(HttpResponseError) as caught:
        ops.begin_run(RG, "cancel")
    assert caught.value.status_code == 409
    assert "already has a build in progress" in error_of(caught)["message"]
    canceling = ops.begin_cancel(RG, "cancel")
    assert ops.get(RG, "cancel").last_run_status.run_state == "Canceling"
    advance(emu, 120)
    canceling.result()
    final = ops.get(RG, "cancel")
    assert final.last_run_status.run_state == "Canceled"
    assert _staging_types(emu, final) == ["Microsoft.Storage/storageAccounts"]
    with pytest.raises(HttpResponseError) as caught:
        ops.begin_cancel(RG, "cancel")
    assert caught.value.status_code == 409


def test_a_failed_validation_can_still_distribute(emu, client):
    validate = {
        "continueDistributeOnFailure": True,
        "inVMValidations": [{"type": "PowerShell", "name": "probe", "inline": ["exit 2"]}],
    }
    create_template(emu, client, "val", template_body(validate=validate))
    _poller, final = run_to_end(emu, client, "val")
    assert final.last_run_status.run_state == "PartiallySucceeded"
    assert "Validation 'probe' failed" in final.last_run_status.message
    output = client.virtual_machine_image_templates.get_run_output(RG, "val", "managed")
    assert output.provisioning_state == "Succeeded"


def test_run_outputs_name_every_artifact(emu, client):
    distribute = [
        {
            "type": "ManagedImage",
            "imageId": f"{RG_ID}/providers/Microsoft.Compute/images/out-1",
            "location": "westeurope",
            "runOutputName": "mi",
        },
        {"type": "VHD", "runOutputName": "vhd"},
    ]
    create_template(emu, client, "outs", template_body(distribute=distribute))
    _poller, final = run_to_end(emu, client, "outs")
    assert final.last_run_status.run_state == "Succeeded"
    outputs = {
        o.name: o for o in client.virtual_machine_image_templates.list_run_outputs(RG, "outs")
    }
    assert outputs["mi"].artifact_id.endswith("/images/out-1")
    assert (
        outputs["vhd"].artifact_uri.startswith("https://") and "sig=" in outputs["vhd"].artifact_uri
    )
    image = compute_client(emu).images.get(RG, "out-1")
    assert image.storage_profile.os_disk.os_state == "Generalized"
    with pytest.raises(HttpResponseError) as caught:
        client.virtual_machine_image_templates.get_run_output(RG, "outs", "nope")
    assert caught.value.status_code == 404


def test_a_platform_image_source_resolves_latest_and_versions_by_source(emu, client):
    compute = compute_client(emu, advance_on_accept=10)
    make_gallery(compute)
    make_definition(compute)
    source = {
        "type": "PlatformImage",
        "publisher": "MicrosoftWindowsDesktop",
        "offer": "windows-11",
        "sku": "win11-24h2-avd",
        "version": "latest",
    }
    distribute = [
        {
            "type": "SharedImage",
            "galleryImageId": DEFINITION,
            "runOutputName": "gallery",
            "versioning": {"scheme": "Source"},
        }
    ]
    template = create_template(
        emu, client, "pir", template_body(source=source, distribute=distribute)
    )
    exact = template.source.exact_version
    assert exact and exact.count(".") == 2
    _poller, final = run_to_end(emu, client, "pir")
    assert final.last_run_status.run_state == "Succeeded"
    output = client.virtual_machine_image_templates.get_run_output(RG, "pir", "gallery")
    assert output.artifact_id == f"{DEFINITION}/versions/{exact}"
    guest = _guest(emu, output.artifact_id)
    assert guest["base_image"] == f"MicrosoftWindowsDesktop:windows-11:win11-24h2-avd:{exact}"


def test_a_build_resumes_from_a_snapshot_taken_mid_build(emu, client):
    customize = [{"type": "PowerShell", "name": "apps", "inline": ["winget install 7zip.7zip"]}]
    create_template(emu, client, "snap", template_body(customize))
    client.virtual_machine_image_templates.begin_run(RG, "snap")
    advance(emu, 400)
    state = emu.control("GET", "/state")
    first = drive(emu, client, "snap")
    emu.control("PUT", "/state", state)
    assert (
        client.virtual_machine_image_templates.get(RG, "snap").last_run_status.run_state
        == "Running"
    )
    second = drive(emu, client, "snap")
    assert first.last_run_status.run_state == second.last_run_status.run_state == "Succeeded"
    assert first.last_run_status.end_time == second.last_run_status.end_time
