"""Session hosts through the real SDK: registered by the agent hook (no PUT), read with the
composite name, listed, patched (only allowNewSession, assignedUser, friendlyName), and deleted
with Azure's ``force`` semantics; heartbeats move lastHeartBeat and status."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.desktopvirtualization.support import (
    RG,
    VMS,
    advance,
    avd_client,
    control,
    error_of,
    host_id,
    make_pool,
    records,
    register_host,
    start_session,
)

FQDN = "avd-0.contoso.local"


def test_a_registered_host_reads_as_azure_answers_it(emu):
    client = avd_client(emu)
    make_pool(client)
    register_host(emu, agentVersion="1.0.9000.1")
    host = client.session_hosts.get(RG, "hp1", FQDN)
    assert host.name == f"hp1/{FQDN}" and host.id.endswith(f"/sessionHosts/{FQDN}")
    assert host.type == "Microsoft.DesktopVirtualization/hostPools/sessionHosts"
    assert host.status == "Available" and host.allow_new_session is True and host.sessions == 0
    assert host.agent_version == "1.0.9000.1" and host.resource_id == f"{VMS}/avd-0"
    assert host.virtual_machine_id and host.update_state == "Succeeded"
    checks = {
        c.health_check_name: c.health_check_result for c in host.session_host_health_check_results
    }
    assert checks["DomainJoinedCheck"] == "HealthCheckSucceeded"
    register_host(emu, fqdn="avd-1.contoso.local")
    assert [h.name for h in client.session_hosts.list(RG, "hp1")] == [
        f"hp1/{FQDN}",
        "hp1/avd-1.contoso.local",
    ]


def test_hosts_cannot_be_created_by_put(emu):
    from tests.conftest import mint, raw

    make_pool(avd_client(emu))
    path = host_id("hp1", FQDN) + "?api-version=2024-04-03"
    response = raw(emu, "PUT", path, token=mint(emu), body={"properties": {}})
    assert response.status_code == 501 and response.json()["error"]["code"] == "NotImplemented"


def test_heartbeat_moves_last_heartbeat_status_and_health(emu):
    client = avd_client(emu)
    make_pool(client)
    register_host(emu)
    before = client.session_hosts.get(RG, "hp1", FQDN)
    advance(emu, 300)
    emu.control(
        "POST",
        "/desktopvirtualization/heartbeats",
        {
            "sessionHostId": host_id("hp1", FQDN),
            "status": "NeedsAssistance",
            "healthChecks": [
                {"healthCheckName": "FSLogixHealthCheck", "healthCheckResult": "HealthCheckFailed"}
            ],
        },
    )
    after = client.session_hosts.get(RG, "hp1", FQDN)
    assert (after.last_heart_beat - before.last_heart_beat).total_seconds() == 300
    assert after.status == "NeedsAssistance" and after.status_timestamp > before.status_timestamp
    assert [
        (c.health_check_name, c.health_check_result)
        for c in after.session_host_health_check_results
    ] == [("FSLogixHealthCheck", "HealthCheckFailed")]


def test_patch_changes_only_the_three_patchable_fields(emu):
    client = avd_client(emu)
    make_pool(client)
    register_host(emu)
    patched = client.session_hosts.update(
        RG,
        "hp1",
        FQDN,
        session_host={
            "properties": {
                "allowNewSession": False,
                "friendlyName": "drained",
                "status": "Shutdown",
                "agentVersion": "9",
            }
        },
    )
    assert patched.allow_new_session is False and patched.friendly_name == "drained"
    assert patched.status == "Available" and patched.agent_version != "9"
    assert client.session_hosts.get(RG, "hp1", FQDN).allow_new_session is False


def test_assigned_user_only_on_personal_hosts_and_reassignment_needs_force(emu):
    client = avd_client(emu)
    make_pool(client)
    register_host(emu)
    with pytest.raises(HttpResponseError) as excinfo:
        client.session_hosts.update(
            RG, "hp1", FQDN, session_host={"properties": {"assignedUser": "ann@contoso.com"}}
        )
    assert "Pooled SessionHostPool" in error_of(excinfo)["message"]
    make_pool(
        client,
        "hpp",
        pool_type="Personal",
        balancer="Persistent",
        personalDesktopAssignmentType="Direct",
    )
    register_host(emu, "hpp", "p-0.contoso.local")
    register_host(emu, "hpp", "p-1.contoso.local")
    host = client.session_hosts.update(
        RG,
        "hpp",
        "p-0.contoso.local",
        session_host={"properties": {"assignedUser": "ann@contoso.com"}},
    )
    assert host.assigned_user == "ann@contoso.com"
    with pytest.raises(HttpResponseError) as excinfo:
        client.session_hosts.update(
            RG,
            "hpp",
            "p-0.contoso.local",
            session_host={"properties": {"assignedUser": "bob@contoso.com"}},
        )
    assert "Use the force flag" in error_of(excinfo)["message"]
    with pytest.raises(HttpResponseError) as excinfo:
        client.session_hosts.update(
            RG,
            "hpp",
            "p-1.contoso.local",
            session_host={"properties": {"assignedUser": "ann@contoso.com"}},
        )
    assert "already assigned" in error_of(excinfo)["message"]
    moved = client.session_hosts.update(
        RG,
        "hpp",
        "p-0.contoso.local",
        session_host={"properties": {"assignedUser": "bob@contoso.com"}},
        force=True,
    )
    assert moved.assigned_user == "bob@contoso.com"


def test_deleting_a_host_with_sessions_needs_force_which_logs_users_off(emu):
    client = avd_client(emu)
    make_pool(client)
    register_host(emu)
    start_session(emu, "hp1", FQDN, "ann@contoso.com")
    with pytest.raises(HttpResponseError) as excinfo:
        client.session_hosts.delete(RG, "hp1", FQDN)
    assert "still has UserSessions" in error_of(excinfo)["message"]
    assert client.session_hosts.get(RG, "hp1", FQDN).sessions == 1
    client.session_hosts.delete(RG, "hp1", FQDN, force=True)
    with pytest.raises(ResourceNotFoundError):
        client.session_hosts.get(RG, "hp1", FQDN)
    [logoff] = records(emu)["logoffs"]
    assert logoff["forced"] is True and logoff["userPrincipalName"] == "ann@contoso.com"
    assert logoff["reason"] == "sessionHostDeleted" and logoff["messaged"] is False


def test_a_host_without_sessions_deletes_without_force(emu):
    client = avd_client(emu)
    make_pool(client)
    register_host(emu)
    client.session_hosts.delete(RG, "hp1", FQDN)
    assert list(client.session_hosts.list(RG, "hp1")) == []
    client.session_hosts.delete(RG, "hp1", FQDN)  # 204


def test_registration_needs_an_existing_pool(emu):
    status, body = control(
        emu,
        "POST",
        "/desktopvirtualization/sessionHosts",
        {
            "hostPoolId": host_id("nope", "x")[: -len("/sessionHosts/x")],
            "fqdn": "x",
            "vmResourceId": "/vm",
        },
    )
    assert status == 409 and body["error"]["code"] == "RegistrationRefused"


def test_patch_ignores_other_properties_sent_on_the_wire(emu):
    from tests.conftest import mint, raw

    make_pool(avd_client(emu))
    register_host(emu)
    body = {"properties": {"status": "Shutdown", "sessions": 7, "allowNewSession": False}}
    path = host_id("hp1", FQDN) + "?api-version=2024-04-03"
    answer = raw(emu, "PATCH", path, token=mint(emu), body=body).json()["properties"]
    assert (answer["status"], answer["sessions"], answer["allowNewSession"]) == (
        "Available",
        0,
        False,
    )
