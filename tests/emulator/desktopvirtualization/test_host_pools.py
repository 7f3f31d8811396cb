"""Host pools through the real SDK: create, read, update, list, delete with and without
``force``, Azure's validation, and the registration token (hidden on GET, retrieved by POST,
expiry rules, JWT-shaped, accepted by agent registration until it expires or is deleted)."""

from __future__ import annotations

import base64
import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.desktopvirtualization.support import (
    RG,
    advance,
    avd_client,
    control,
    error_of,
    expiry,
    make_pool,
    pool_body,
    pool_id,
    register_host,
)


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_create_read_update_list_delete_a_pooled_host_pool(emu):
    client = avd_client(emu)
    created = make_pool(
        client,
        friendlyName="Pool one",
        maxSessionLimit=8,
        startVMOnConnect=True,
        customRdpProperty="audiomode:i:0;",
        vmTemplate='{"imageType":"Gallery"}',
        validationEnvironment=True,
        agentUpdate={
            "type": "Scheduled",
            "maintenanceWindowTimeZone": "W. Europe Standard Time",
            "maintenanceWindows": [{"hour": 2, "dayOfWeek": "Saturday"}],
        },
    )
    assert created.host_pool_type == "Pooled" and created.max_session_limit == 8
    assert created.agent_update.maintenance_windows[0].day_of_week == "Saturday"
    got = client.host_pools.get(RG, "hp1")
    assert got.start_vm_on_connect is True and got.vm_template == '{"imageType":"Gallery"}'
    assert got.object_id == created.object_id
    updated = client.host_pools.update(
        RG, "hp1", {"properties": {"maxSessionLimit": 12}, "tags": {"ring": "1"}}
    )
    assert updated.max_session_limit == 12 and updated.friendly_name == "Pool one"
    assert updated.tags == {"ring": "1"}
    make_pool(
        client,
        "hp2",
        pool_type="Personal",
        balancer="Persistent",
        personalDesktopAssignmentType="Direct",
    )
    assert [p.name for p in client.host_pools.list_by_resource_group(RG)] == ["hp1", "hp2"]
    assert [
        p.name
        for p in client.host_pools.list_by_resource_group(RG, is_descending=True, page_size=1)
    ] == ["hp2", "hp1"]
    assert {p.name for p in client.host_pools.list()} == {"hp1", "hp2"}
    client.host_pools.delete(RG, "hp1")
    with pytest.raises(ResourceNotFoundError):
        client.host_pools.get(RG, "hp1")
    client.host_pools.delete(RG, "hp1")  # 204: already gone


@pytest.mark.parametrize(
    ("properties", "fragment"),
    [
        ({"hostPoolType": "Shared"}, "hostPoolType"),
        ({"loadBalancerType": "RoundRobin"}, "loadBalancerType"),
        ({"loadBalancerType": "Persistent"}, "valid only for a Personal HostPool"),
        ({"hostPoolType": "Personal"}, "not valid for a Personal HostPool"),
        ({"maxSessionLimit": 0}, "maxSessionLimit"),
        ({"agentUpdate": {"type": "Scheduled"}}, "at least one maintenance window"),
        (
            {
                "agentUpdate": {
                    "type": "Default",
                    "maintenanceWindows": [{"hour": 25, "dayOfWeek": "Monday"}],
                }
            },
            "hour",
        ),
        ({"preferredAppGroupType": None}, "preferredAppGroupType field is required"),
    ],
)
def test_bad_host_pool_values_are_refused_with_the_providers_400(emu, properties, fragment):
    client = avd_client(emu)
    body = pool_body()
    body["properties"].update(properties)
    with pytest.raises(HttpResponseError) as excinfo:
        client.host_pools.create_or_update(RG, "bad", body)
    error = error_of(excinfo)
    assert excinfo.value.status_code == 400 and error["code"] == "400"
    assert error["message"].startswith("ActivityId: ") and fragment in error["message"]
    with pytest.raises(ResourceNotFoundError):
        client.host_pools.get(RG, "bad")


def test_host_pool_type_cannot_change(emu):
    client = avd_client(emu)
    make_pool(client)
    with pytest.raises(HttpResponseError) as excinfo:
        make_pool(client, pool_type="Personal", balancer="Persistent")
    assert "hostPoolType cannot be changed" in error_of(excinfo)["message"]


def test_the_registration_token_is_returned_by_the_write_hidden_on_get_and_retrieved_by_post(emu):
    client = avd_client(emu)
    when = expiry(emu, 24)
    created = make_pool(
        client, registrationInfo={"expirationTime": when, "registrationTokenOperation": "Update"}
    )
    token = created.registration_info.token
    assert token.count(".") == 2
    claims = _payload(token)
    assert claims["HostPoolArmPath"].lower() == pool_id().lower()
    assert claims["exp"] - claims["iat"] == 24 * 3600
    assert client.host_pools.get(RG, "hp1").registration_info is None
    assert all(p.registration_info is None for p in client.host_pools.list_by_resource_group(RG))
    retrieved = client.host_pools.retrieve_registration_token(RG, "hp1")
    assert retrieved.token == token and retrieved.registration_token_operation == "Update"
    listed = client.host_pools.list_registration_tokens(RG, "hp1")
    assert [t.token for t in listed.value] == [token]
    rotated = client.host_pools.update(
        RG,
        "hp1",
        {
            "properties": {
                "registrationInfo": {
                    "expirationTime": expiry(emu, 2),
                    "registrationTokenOperation": "Update",
                }
            }
        },
    )
    assert rotated.registration_info.token != token
    client.host_pools.update(
        RG, "hp1", {"properties": {"registrationInfo": {"registrationTokenOperation": "Delete"}}}
    )
    assert client.host_pools.retrieve_registration_token(RG, "hp1").token is None
    assert client.host_pools.list_registration_tokens(RG, "hp1").value == []


@pytest.mark.parametrize("hours", [0.5, 24 * 30 + 1, -1])
def test_token_expiry_must_be_between_one_hour_and_30_days(emu, hours):
    client = avd_client(emu)
    info = {"expirationTime": expiry(emu, hours), "registrationTokenOperation": "Update"}
    with pytest.raises(HttpResponseError) as excinfo:
        make_pool(client, registrationInfo=info)
    assert error_of(excinfo)["message"].endswith(
        "Error: ExpirationTime value must be between one hour and 30 days from now"
    )
    with pytest.raises(ResourceNotFoundError):
        client.host_pools.get(RG, "hp1")


def test_a_token_registers_hosts_until_it_expires_or_is_replaced(emu):
    client = avd_client(emu)
    info = {"expirationTime": expiry(emu, 2), "registrationTokenOperation": "Update"}
    token = make_pool(client, registrationInfo=info).registration_info.token
    body = {
        "fqdn": "a.contoso.local",
        "vmResourceId": "/subscriptions/x/vm/a",
        "registrationToken": token,
    }
    status, host = control(emu, "POST", "/desktopvirtualization/sessionHosts", body)
    assert status == 200 and host["name"] == "hp1/a.contoso.local"
    status, error = control(
        emu,
        "POST",
        "/desktopvirtualization/sessionHosts",
        {**body, "registrationToken": token[:-2] + "xx"},
    )
    assert status == 400 and error["error"]["code"] == "InvalidRegistrationToken"
    advance(emu, 2 * 3600 + 1)
    status, _ = control(emu, "POST", "/desktopvirtualization/sessionHosts", body)
    assert status == 400
    assert client.host_pools.retrieve_registration_token(RG, "hp1").token == token  # still readable


def test_deleting_a_pool_with_session_hosts_needs_force(emu):
    client = avd_client(emu)
    make_pool(client)
    register_host(emu)
    with pytest.raises(HttpResponseError) as excinfo:
        client.host_pools.delete(RG, "hp1")
    assert "still has SessionHosts" in error_of(excinfo)["message"]
    assert client.host_pools.get(RG, "hp1").name == "hp1"
    client.host_pools.delete(RG, "hp1", force=True)
    with pytest.raises(ResourceNotFoundError):
        client.host_pools.get(RG, "hp1")
    with pytest.raises(ResourceNotFoundError):
        client.session_hosts.get(RG, "hp1", "avd-0.contoso.local")


def test_deleting_a_pool_with_application_groups_needs_force_and_force_takes_them(emu):
    client = avd_client(emu)
    make_pool(client)
    client.application_groups.create_or_update(
        RG,
        "dag",
        {
            "location": "westeurope",
            "properties": {"hostPoolArmPath": pool_id(), "applicationGroupType": "Desktop"},
        },
    )
    assert (
        client.host_pools.get(RG, "hp1")
        .application_group_references[0]
        .endswith("/applicationGroups/dag")
    )
    with pytest.raises(HttpResponseError) as excinfo:
        client.host_pools.delete(RG, "hp1")
    assert error_of(excinfo)["message"].endswith(
        "Error: The SessionHostPool hp1 could not be deleted because it still has ApplicationGroups "
        "associated with it. Please remove all ApplicationGroups from the SessionHostPool and retry the operation."
    )
    client.host_pools.delete(RG, "hp1", force=True)
    assert list(client.application_groups.list_by_resource_group(RG)) == []
