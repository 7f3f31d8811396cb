"""Galleries through azure-mgmt-compute: Compute's long-running operations, name rules,
uniqueness, sharing-profile views, deletion rules and the per-region limit."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.conftest import PROVIDER_SUB, mint, raw
from tests.emulator.compute.support import (
    API,
    COMPUTE,
    RG,
    advance,
    compute_client,
    error_of,
    gallery_body,
    grant,
    make_definition,
    make_gallery,
    post_scenario,
    share_with,
)


def test_create_answers_201_with_caps_operation_headers_then_succeeds(emu):
    token = mint(emu)
    created = raw(emu, "PUT", f"{COMPUTE}/galleries/gal?{API}", token=token, body=gallery_body())
    assert created.status_code == 201
    assert created.json()["properties"]["provisioningState"] == "Creating"
    assert created.json()["properties"]["identifier"]["uniqueName"] == f"{PROVIDER_SUB}-GAL"
    status_url = created.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.Compute/locations/westeurope/capsOperations/" in status_url
    assert created.headers["Location"].startswith(status_url.split("?")[0] + "?monitor=true")
    assert created.headers["Retry-After"] == "10"  # simulated seconds
    path = status_url.split(emu.endpoint, 1)[1]
    assert raw(emu, "GET", path, token=token).json()["status"] == "InProgress"
    advance(emu, 10)
    assert raw(emu, "GET", path, token=token).json()["status"] == "Succeeded"
    gallery = raw(emu, "GET", f"{COMPUTE}/galleries/gal?{API}", token=token).json()
    assert gallery["properties"]["provisioningState"] == "Succeeded"


def test_sdk_creates_updates_lists_and_deletes_a_gallery(emu):
    client = compute_client(emu, advance_on_accept=60)
    gallery = make_gallery(client, description="first")
    assert gallery.properties.provisioning_state == "Succeeded"
    updated = client.galleries.begin_update(
        RG, "gal", {"properties": {"description": "second"}, "tags": {"env": "test"}}
    ).result()
    assert updated.properties.description == "second" and updated.tags == {"env": "test"}
    assert [g.name for g in client.galleries.list_by_resource_group(RG)] == ["gal"]
    assert [g.name for g in client.galleries.list()] == ["gal"]
    client.galleries.begin_delete(RG, "gal").result()
    with pytest.raises(ResourceNotFoundError):
        client.galleries.get(RG, "gal")


@pytest.mark.parametrize("name", ["my-gallery", "_gal", "gal.", "g" * 81])
def test_gallery_names_follow_azure_rules(emu, name):
    with pytest.raises(HttpResponseError) as caught:
        compute_client(emu).galleries.begin_create_or_update(RG, name, gallery_body())
    error = error_of(caught)
    assert error["code"] == "InvalidParameter"
    assert error["message"].startswith("Gallery name is invalid.")


def test_gallery_names_are_unique_within_a_subscription(emu):
    client = compute_client(emu, advance_on_accept=60)
    make_gallery(client)
    with pytest.raises(HttpResponseError) as caught:
        client.galleries.begin_create_or_update("rg-other", "GAL", gallery_body("northeurope"))
    assert error_of(caught)["message"] == (
        f"The gallery name 'GAL' is not unique within the subscription '{PROVIDER_SUB}'. "
        "Please pick another gallery name."
    )


def test_a_region_the_subscription_does_not_offer_is_refused(emu):
    with pytest.raises(HttpResponseError) as caught:
        compute_client(emu).galleries.begin_create_or_update(RG, "gal", gallery_body("eastus"))
    error = error_of(caught)
    assert error["code"] == "LocationNotAvailableForResourceType"
    assert "'Microsoft.Compute/galleries'" in error["message"]


def test_deleting_a_gallery_with_definitions_is_refused(emu):
    client = compute_client(emu, advance_on_accept=60)
    make_gallery(client)
    make_definition(client)
    with pytest.raises(HttpResponseError) as caught:
        client.galleries.begin_delete(RG, "gal")
    assert caught.value.status_code == 409
    assert error_of(caught) == {
        "code": "CannotDeleteResource",
        "message": "Can not delete resource before nested resources are deleted.",
    }


def test_deleting_a_missing_gallery_is_204(emu):
    response = raw(emu, "DELETE", f"{COMPUTE}/galleries/nothing?{API}", token=mint(emu))
    assert response.status_code == 204


def test_groups_show_only_with_select_or_expand(emu):
    client = compute_client(emu, advance_on_accept=60)
    grant(emu, "Compute Gallery Sharing Admin", "/subscriptions/provider-sub")
    make_gallery(client, sharingProfile={"permissions": "Groups"})
    share_with(client, "gal", "Subscriptions", [PROVIDER_SUB])
    plain = client.galleries.get(RG, "gal").properties.sharing_profile
    assert plain.permissions == "Groups" and plain.groups is None
    for kwargs in ({"select": "Permissions"}, {"expand": "SharingProfile/Groups"}):
        groups = client.galleries.get(RG, "gal", **kwargs).properties.sharing_profile.groups
        assert [(g.type, g.ids) for g in groups] == [("Subscriptions", [PROVIDER_SUB])]


def test_changing_the_location_of_an_existing_gallery_is_refused(emu):
    client = compute_client(emu, advance_on_accept=60)
    make_gallery(client)
    with pytest.raises(HttpResponseError) as caught:
        client.galleries.begin_create_or_update(RG, "gal", gallery_body("northeurope"))
    assert error_of(caught)["code"] == "InvalidResourceLocation"


def test_a_system_assigned_identity_gets_a_principal(emu):
    client = compute_client(emu, advance_on_accept=60)
    gallery = client.galleries.begin_create_or_update(
        RG, "gal", {**gallery_body(), "identity": {"type": "SystemAssigned"}}
    ).result()
    principal = gallery.identity.principal_id
    assert emu.call(lambda: emu.world.directory.service_principals.get(principal)) is not None
    client.galleries.begin_delete(RG, "gal").result()
    assert emu.call(lambda: emu.world.directory.service_principals.get(principal)) is None


def test_the_hundred_galleries_per_region_limit(emu):
    resources = "\n".join(
        f"  - {{id: /subscriptions/provider-sub/resourceGroups/rg-other/providers/"
        f"Microsoft.Compute/galleries/seeded{i}, location: westeurope}}"
        for i in range(100)
    )
    post_scenario(emu, f"resources:\n{resources}\n")
    with pytest.raises(HttpResponseError) as caught:
        compute_client(emu).galleries.begin_create_or_update(RG, "gal", gallery_body())
    error = error_of(caught)
    assert caught.value.status_code == 409 and error["code"] == "OperationNotAllowed"
    assert "limit of 100 galleries per subscription per region" in error["message"]
    # Another region still has room.
    compute_client(emu).galleries.begin_create_or_update(
        "rg-other", "north", gallery_body("northeurope")
    )
