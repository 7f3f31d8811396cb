"""The AVD agent and the directory joins through the real SDK: a VM given the DSC extension with
a valid registration token becomes a session host; an expired or rotated token never registers;
status follows the VM's power and its image's defects; a deleted VM leaves a ghost that goes
Unavailable; Entra and AD join fail on bad settings as their extensions do."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.compute.machine_support import machines, nic, vm_body
from tests.emulator.desktopvirtualization.support import RG, advance, avd_client, expiry, make_pool

AGENT_SETTINGS = {
    "modulesUrl": "https://wvdportalstorageblob.blob.core.windows.net/galleryartifacts/"
    "Configuration_1.0.02797.442.zip",
    "configurationFunction": "Configuration.ps1\\AddSessionHost",
    "properties": {"hostPoolName": "hp1", "aadJoin": True},
}


def pool_with_token(emu: Any) -> str:
    client = avd_client(emu)
    pool = make_pool(
        client,
        registrationInfo={"expirationTime": expiry(emu, 2), "registrationTokenOperation": "Update"},
    )
    return str(pool.registration_info.token)


def vm(emu: Any, compute: Any, name: str, identity: bool = True) -> Any:
    body = vm_body(nic(emu, f"{name}-nic"))
    body["properties"]["osProfile"]["computerName"] = name
    if identity:
        body["identity"] = {"type": "SystemAssigned"}
    return compute.virtual_machines.begin_create_or_update(RG, name, body).result()


def extension(compute: Any, name: str, ext: str, publisher: str, kind: str, **props: Any) -> Any:
    body = {
        "location": "westeurope",
        "properties": {
            "publisher": publisher,
            "type": kind,
            "typeHandlerVersion": "1.0",
            **props,
        },
    }
    return compute.virtual_machine_extensions.begin_create_or_update(RG, name, ext, body).result()


def entra_join(compute: Any, name: str) -> Any:
    return extension(
        compute, name, "AADLoginForWindows", "Microsoft.Azure.ActiveDirectory", "AADLoginForWindows"
    )


def add_session_host(compute: Any, name: str, token: str) -> Any:
    return extension(
        compute,
        name,
        "Microsoft.PowerShell.DSC",
        "Microsoft.Powershell",
        "DSC",
        settings=AGENT_SETTINGS,
        protectedSettings={"Items": {"RegistrationInfoToken": token}},
    )


def test_a_joined_vm_with_a_valid_token_registers_available(emu):
    token = pool_with_token(emu)
    compute = machines(emu)
    made = vm(emu, compute, "avd-0")
    entra_join(compute, "avd-0")
    ext = add_session_host(compute, "avd-0", token)
    assert ext.provisioning_state == "Succeeded" and ext.protected_settings is None
    host = avd_client(emu).session_hosts.get(RG, "hp1", "avd-0")
    assert host.status == "Available" and host.resource_id.lower() == made.id.lower()
    assert host.virtual_machine_id == made.vm_id
    results = {
        c.health_check_name: c.health_check_result for c in host.session_host_health_check_results
    }
    assert set(results.values()) == {"HealthCheckSucceeded"}


def test_an_expired_or_rotated_token_never_registers(emu):
    token = pool_with_token(emu)
    compute = machines(emu)
    vm(emu, compute, "avd-1")
    entra_join(compute, "avd-1")
    client = avd_client(emu)
    client.host_pools.update(
        RG,
        "hp1",
        {
            "registrationInfo": {
                "expirationTime": expiry(emu, 3),
                "registrationTokenOperation": "Update",
            }
        },
    )
    with pytest.raises(HttpResponseError) as failed:
        add_session_host(compute, "avd-1", token)  # the old token was rotated away
    assert "InvalidRegistrationToken" in str(failed.value)
    assert list(client.session_hosts.list(RG, "hp1")) == []
    fresh = str(client.host_pools.retrieve_registration_token(RG, "hp1").token)
    advance(emu, 4 * 3600)  # past its expiry
    with pytest.raises(HttpResponseError):
        add_session_host(compute, "avd-1", fresh)
    assert list(client.session_hosts.list(RG, "hp1")) == []


def test_status_follows_power_and_a_deleted_vm_leaves_a_ghost(emu):
    token = pool_with_token(emu)
    compute = machines(emu)
    vm(emu, compute, "avd-2")
    entra_join(compute, "avd-2")
    add_session_host(compute, "avd-2", token)
    client = avd_client(emu)
    compute.virtual_machines.begin_deallocate(RG, "avd-2").result()
    assert client.session_hosts.get(RG, "hp1", "avd-2").status == "Shutdown"
    compute.virtual_machines.begin_start(RG, "avd-2").result()
    assert client.session_hosts.get(RG, "hp1", "avd-2").status == "Available"
    compute.virtual_machines.begin_delete(RG, "avd-2").result()
    ghost = client.session_hosts.get(RG, "hp1", "avd-2")  # still listed, no VM behind it
    advance(emu, 400)
    assert client.session_hosts.get(RG, "hp1", "avd-2").status == "Unavailable"
    assert ghost.resource_id


def test_a_broken_image_registers_unhealthy(emu):
    token = pool_with_token(emu)
    compute = machines(emu)
    vm(emu, compute, "avd-3")
    entra_join(compute, "avd-3")
    compute.virtual_machines.begin_run_command(
        RG,
        "avd-3",
        {
            "commandId": "RunPowerShellScript",
            "script": ["Set-Service -Name RDAgentBootLoader -StartupType Disabled"],
        },
    ).result()
    add_session_host(compute, "avd-3", token)
    host = avd_client(emu).session_hosts.get(RG, "hp1", "avd-3")
    assert host.status == "Unavailable"
    failed = [
        c
        for c in host.session_host_health_check_results
        if c.health_check_result == "HealthCheckFailed"
    ]
    assert [c.health_check_name for c in failed] == ["SxSStackListenerCheck"]
    assert "RDAgentBootLoader" in failed[0].additional_failure_details.message


def test_unjoined_hosts_are_unavailable_and_joins_fail_on_bad_settings(emu):
    token = pool_with_token(emu)
    compute = machines(emu)
    vm(emu, compute, "avd-4", identity=False)
    with pytest.raises(HttpResponseError) as no_identity:
        entra_join(compute, "avd-4")
    assert "system-assigned managed identity" in str(no_identity.value)
    with pytest.raises(HttpResponseError) as no_password:
        extension(
            compute,
            "avd-4",
            "JsonADDomainExtension",
            "Microsoft.Compute",
            "JsonADDomainExtension",
            settings={"Name": "contoso.local", "User": "CONTOSO\\joiner", "Options": "3"},
            protectedSettings={"Password": ""},
        )
    assert "user name or password is incorrect" in str(no_password.value)
    add_session_host(compute, "avd-4", token)
    assert avd_client(emu).session_hosts.get(RG, "hp1", "avd-4").status == "Unavailable"
    extension(
        compute,
        "avd-4",
        "JsonADDomainExtension",
        "Microsoft.Compute",
        "JsonADDomainExtension",
        settings={"Name": "contoso.local", "User": "CONTOSO\\joiner", "Options": "3"},
        protectedSettings={"Password": "Joiner-Secret-1"},
    )
    assert avd_client(emu).session_hosts.get(RG, "hp1", "avd-4").status == "Available"
