"""Resource groups through the real SDK: create, read, tag, list with paging, and deletion as a
long-running operation that takes the group's contents (and their principals) with it."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.conftest import PROVIDER_SUB, mint, raw, resource_client, sdk_kwargs, secret_credential


def test_create_read_update_tags(emu):
    client = resource_client(emu)
    created = client.resource_groups.create_or_update(
        "rg-new", {"location": "West Europe", "tags": {"a": "1"}}
    )
    assert created.location == "westeurope"
    assert created.properties.provisioning_state == "Succeeded"
    client.resource_groups.update("rg-new", {"tags": {"b": "2"}})
    assert client.resource_groups.get("RG-NEW").tags == {"b": "2"}
    assert client.resource_groups.check_existence("rg-new") is True
    assert client.resource_groups.check_existence("rg-missing") is False


def test_missing_group_is_arm_404(emu):
    with pytest.raises(ResourceNotFoundError) as caught:
        resource_client(emu).resource_groups.get("rg-missing")
    assert caught.value.error.code == "ResourceGroupNotFound"
    assert caught.value.error.message == "Resource group 'rg-missing' could not be found."


def test_location_cannot_change_and_must_be_offered(emu):
    client = resource_client(emu)
    with pytest.raises(HttpResponseError) as moved:
        client.resource_groups.create_or_update("rg-images", {"location": "northeurope"})
    assert moved.value.error.code == "InvalidResourceGroupLocation"
    with pytest.raises(HttpResponseError) as unknown:
        client.resource_groups.create_or_update("rg-far", {"location": "australiaeast"})
    assert unknown.value.error.code == "LocationNotAvailableForResourceGroup"


def test_delete_is_a_long_running_operation_that_removes_contents(emu):
    from azure.mgmt.msi import ManagedServiceIdentityClient

    client = resource_client(emu)
    msi = ManagedServiceIdentityClient(secret_credential(emu), PROVIDER_SUB, **sdk_kwargs(emu))
    client.resource_groups.create_or_update("rg-doomed", {"location": "uksouth"})
    identity = msi.user_assigned_identities.create_or_update(
        "rg-doomed", "id-doomed", {"location": "uksouth"}
    )
    poller = client.resource_groups.begin_delete("rg-doomed")
    # The clock is frozen: the group is Deleting until simulated time moves on.
    assert client.resource_groups.get("rg-doomed").properties.provisioning_state == "Deleting"
    with pytest.raises(HttpResponseError) as busy:
        client.resource_groups.create_or_update("rg-doomed", {"location": "uksouth"})
    assert busy.value.error.code == "ResourceGroupBeingDeleted"
    emu.control("PUT", "/clock", {"advanceSeconds": 60})
    poller.result()
    assert client.resource_groups.check_existence("rg-doomed") is False
    assert emu.call(lambda: emu.world.directory.principal(identity.principal_id)) is None
    log = emu.control("GET", "/requests")["value"]
    polls = [e for e in log if "/operationresults/" in e["path"]]
    assert polls and polls[-1]["status"] == 200


def test_delete_operation_headers_follow_arm(emu):
    client = resource_client(emu)
    client.resource_groups.create_or_update("rg-headers", {"location": "uksouth"})
    response = raw(
        emu,
        "DELETE",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-headers?api-version=2021-04-01",
        token=mint(emu),
    )
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.startswith(f"{emu.endpoint}/subscriptions/{PROVIDER_SUB}/operationresults/")
    assert int(response.headers["Retry-After"]) >= 1
    poll = raw(emu, "GET", location.removeprefix(emu.endpoint), token=mint(emu))
    assert poll.status_code == 202


def test_lists_page_with_next_link(emu):
    client = resource_client(emu)
    for i in range(120):
        client.resource_groups.create_or_update(f"rg-page-{i:03d}", {"location": "uksouth"})
    first = raw(
        emu,
        "GET",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups?api-version=2021-04-01",
        token=mint(emu),
    ).json()
    assert len(first["value"]) == 100 and first["nextLink"].startswith(emu.endpoint)
    names = [g.name for g in client.resource_groups.list()]
    assert len(names) == 122 and len(set(names)) == 122


def test_tag_filter(emu):
    client = resource_client(emu)
    found = list(
        client.resource_groups.list(filter="tagName eq 'purpose' and tagValue eq 'images'")
    )
    assert [g.name for g in found] == ["rg-images"]
