"""User sessions through the real SDK: list per host and per pool (``$filter`` as the SDK
passes it), read, log off (with and without ``force``), disconnect, send messages; every
logoff, disconnect and message recorded; the host's ``sessions`` count kept right; drained,
full and assigned hosts refuse new sessions."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.desktopvirtualization.support import (
    RG,
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

A = "a.contoso.local"
B = "b.contoso.local"


def _pool_with_sessions(emu, client):
    make_pool(client, maxSessionLimit=2)
    register_host(emu, fqdn=A)
    register_host(emu, fqdn=B)
    start_session(emu, "hp1", A, "ann@contoso.com")
    start_session(emu, "hp1", A, "bob@contoso.com")
    start_session(emu, "hp1", B, "ann@contoso.com")


def test_sessions_list_per_host_and_per_pool_with_filter(emu):
    client = avd_client(emu)
    _pool_with_sessions(emu, client)
    on_a = list(client.user_sessions.list(RG, "hp1", A))
    assert [s.name for s in on_a] == [f"hp1/{A}/1", f"hp1/{A}/2"]
    assert on_a[0].session_state == "Active" and on_a[0].application_type == "Desktop"
    assert on_a[0].active_directory_user_name == "CONTOSO\\ann" and on_a[0].create_time
    assert len(list(client.user_sessions.list_by_host_pool(RG, "hp1"))) == 3
    ann = list(
        client.user_sessions.list_by_host_pool(
            RG, "hp1", filter="userPrincipalName eq 'ann@contoso.com'"
        )
    )
    assert sorted(s.name for s in ann) == [f"hp1/{A}/1", f"hp1/{B}/1"]
    client.user_sessions.disconnect(RG, "hp1", A, "1")
    active = list(
        client.user_sessions.list_by_host_pool(
            RG, "hp1", filter="userPrincipalName eq 'ann@contoso.com' and sessionState eq 'Active'"
        )
    )
    assert [s.name for s in active] == [f"hp1/{B}/1"]
    with pytest.raises(HttpResponseError) as excinfo:
        list(
            client.user_sessions.list_by_host_pool(
                RG, "hp1", filter="startswith(userPrincipalName, 'a')"
            )
        )
    assert excinfo.value.status_code == 400 and "not supported" in error_of(excinfo)["message"]


def test_disconnect_keeps_the_session_and_is_recorded(emu):
    client = avd_client(emu)
    _pool_with_sessions(emu, client)
    client.user_sessions.disconnect(RG, "hp1", A, "2")
    assert client.user_sessions.get(RG, "hp1", A, "2").session_state == "Disconnected"
    assert client.session_hosts.get(RG, "hp1", A).sessions == 2
    [entry] = records(emu)["disconnects"]
    assert entry["sessionId"].endswith(f"/sessionHosts/{A}/userSessions/2")
    start_session(emu, "hp1", A, "bob@contoso.com")  # reconnects
    assert client.user_sessions.get(RG, "hp1", A, "2").session_state == "Active"


def test_messages_are_recorded_and_mark_the_logoff(emu):
    client = avd_client(emu)
    _pool_with_sessions(emu, client)
    advance(emu, 60)
    client.user_sessions.send_message(
        RG, "hp1", A, "1", {"messageTitle": "Maintenance", "messageBody": "Please save your work"}
    )
    [message] = records(emu)["messages"]
    assert (
        message["messageTitle"] == "Maintenance"
        and message["messageBody"] == "Please save your work"
    )
    assert message["userPrincipalName"] == "ann@contoso.com" and message["time"].startswith(
        "2026-11-23T08:01:00"
    )
    assert message["sessionHostId"].lower() == host_id("hp1", A).lower()
    client.user_sessions.delete(RG, "hp1", A, "1")
    client.user_sessions.delete(RG, "hp1", A, "2", force=True)
    first, second = records(emu)["logoffs"]
    assert (first["messaged"], first["forced"]) == (True, False)
    assert (second["messaged"], second["forced"]) == (False, True)
    assert client.session_hosts.get(RG, "hp1", A).sessions == 0
    with pytest.raises(ResourceNotFoundError):
        client.user_sessions.get(RG, "hp1", A, "1")
    client.user_sessions.delete(RG, "hp1", A, "1")  # 204: already logged off


def test_drained_and_full_hosts_refuse_new_sessions(emu):
    client = avd_client(emu)
    _pool_with_sessions(emu, client)
    body = {"sessionHostId": host_id("hp1", A), "userPrincipalName": "cat@contoso.com"}
    status, error = control(emu, "POST", "/desktopvirtualization/userSessions", body)
    assert status == 409 and "maxSessionLimit" in error["error"]["message"]
    client.session_hosts.update(
        RG, "hp1", B, session_host={"properties": {"allowNewSession": False}}
    )
    status, error = control(
        emu,
        "POST",
        "/desktopvirtualization/userSessions",
        {**body, "sessionHostId": host_id("hp1", B)},
    )
    assert status == 409 and "drain" in error["error"]["message"]
    assert client.session_hosts.get(RG, "hp1", B).sessions == 1


def test_a_personal_host_with_automatic_assignment_is_assigned_to_its_first_user(emu):
    client = avd_client(emu)
    make_pool(
        client,
        "hpp",
        pool_type="Personal",
        balancer="Persistent",
        personalDesktopAssignmentType="Automatic",
    )
    register_host(emu, "hpp", A)
    start_session(emu, "hpp", A, "ann@contoso.com")
    assert client.session_hosts.get(RG, "hpp", A).assigned_user == "ann@contoso.com"
    status, _ = control(
        emu,
        "POST",
        "/desktopvirtualization/userSessions",
        {"sessionHostId": host_id("hpp", A), "userPrincipalName": "bob@contoso.com"},
    )
    assert status == 409


def test_user_logoff_through_the_hook_is_recorded_unforced(emu):
    client = avd_client(emu)
    _pool_with_sessions(emu, client)
    session = client.user_sessions.get(RG, "hp1", B, "1")
    emu.control("POST", "/desktopvirtualization/logoffs", {"sessionId": session.id})
    [logoff] = records(emu)["logoffs"]
    assert logoff["reason"] == "userLogoff" and logoff["forced"] is False
    assert client.session_hosts.get(RG, "hp1", B).sessions == 0


def test_sessions_survive_a_snapshot(emu):
    client = avd_client(emu)
    _pool_with_sessions(emu, client)
    client.user_sessions.send_message(RG, "hp1", A, "1", {"messageTitle": "t", "messageBody": "b"})
    state = emu.control("GET", "/state")
    emu.control("POST", "/reset")
    emu.control("PUT", "/state", state)
    assert len(list(client.user_sessions.list_by_host_pool(RG, "hp1"))) == 3
    assert len(records(emu)["messages"]) == 1
    start_session(emu, "hp1", B, "cat@contoso.com")
    assert client.user_sessions.get(RG, "hp1", B, "2").user_principal_name == "cat@contoso.com"
