"""Direct sharing (subscriptions and tenants, with the documented limits) read from the
consumer's side, and community galleries."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.conftest import CUSTOMER, CUSTOMER_SUB, PROVIDER_SUB, mint, raw
from tests.emulator.compute.support import (
    API,
    COMPUTE,
    HOUR,
    RG,
    compute_client,
    definition_body,
    error_of,
    gallery_body,
    grant,
    make_definition,
    make_gallery,
    make_version,
    share_with,
    version_body,
)

UNIQUE = f"{PROVIDER_SUB}-GAL"


@pytest.fixture
def owner(emu):
    grant(emu, "Compute Gallery Sharing Admin", "/subscriptions/provider-sub")
    client = compute_client(emu, advance_on_accept=6 * HOUR)
    make_gallery(client, sharingProfile={"permissions": "Groups"})
    make_definition(client)
    make_version(
        client, regions=["westeurope", "northeurope"], endOfLifeDate="2027-12-31T00:00:00Z"
    )
    return client


@pytest.fixture
def consumer(emu):
    return compute_client(emu, tenant=CUSTOMER, subscription=CUSTOMER_SUB)


def test_a_gallery_shared_with_a_subscription_is_readable_there(owner, consumer):
    assert list(consumer.shared_galleries.list("westeurope")) == []
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB])
    galleries = list(consumer.shared_galleries.list("westeurope"))
    assert [g.identifier.unique_id for g in galleries] == [f"/SharedGalleries/{UNIQUE}"]
    assert list(consumer.shared_galleries.list("westeurope", shared_to="tenant")) == []
    image = consumer.shared_gallery_images.get("northeurope", UNIQUE, "win11")
    assert image.properties.os_type == "Windows"
    assert image.properties.identifier.sku == "win11"
    versions = list(consumer.shared_gallery_image_versions.list("northeurope", UNIQUE, "win11"))
    assert [v.name for v in versions] == ["1.0.0"]
    version = consumer.shared_gallery_image_versions.get("westeurope", UNIQUE, "win11", "1.0.0")
    assert version.identifier.unique_id == f"/SharedGalleries/{UNIQUE}/Images/win11/Versions/1.0.0"
    assert version.properties.storage_profile.os_disk_image.disk_size_gb == 127
    assert version.properties.end_of_life_date is not None
    # Where nothing is replicated, consumers do not see the gallery at all.
    with pytest.raises(ResourceNotFoundError):
        consumer.shared_galleries.get("uksouth", UNIQUE)


def test_a_gallery_shared_with_a_tenant_is_listed_with_shared_to_tenant(owner, consumer):
    share_with(owner, "gal", "AADTenants", [CUSTOMER])
    assert list(consumer.shared_galleries.list("westeurope")) == []
    tenant_wide = list(consumer.shared_galleries.list("westeurope", shared_to="tenant"))
    assert [g.name for g in tenant_wide] == ["gal"]
    assert consumer.shared_galleries.get("westeurope", UNIQUE).name == "gal"


def test_removing_and_resetting_take_the_access_away(owner, consumer):
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB])
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB], op="Remove")
    with pytest.raises(ResourceNotFoundError):
        consumer.shared_galleries.get("westeurope", UNIQUE)
    share_with(owner, "gal", "AADTenants", [CUSTOMER])
    result = owner.gallery_sharing_profile.begin_update(
        RG, "gal", {"operationType": "Reset"}
    ).result()
    assert result.operation_type == "Reset"
    assert owner.galleries.get(RG, "gal").properties.sharing_profile.permissions == "Private"
    with pytest.raises(ResourceNotFoundError):
        consumer.shared_galleries.get("westeurope", UNIQUE)


def test_sharing_takes_effect_when_its_operation_completes(emu, owner, consumer):
    token = mint(emu)
    body = {"operationType": "Add", "groups": [{"type": "Subscriptions", "ids": [CUSTOMER_SUB]}]}
    response = raw(emu, "POST", f"{COMPUTE}/galleries/gal/share?{API}", token=token, body=body)
    assert response.status_code == 202
    assert response.json() == {"operationType": "Add", "groups": body["groups"]}
    assert "capsOperations" in response.headers["Location"]
    assert list(consumer.shared_galleries.list("westeurope")) == []
    emu.control("PUT", "/clock", {"advanceSeconds": 15})
    monitor = response.headers["Location"].split(emu.endpoint, 1)[1]
    assert raw(emu, "GET", monitor, token=token).json()["operationType"] == "Add"
    assert len(list(consumer.shared_galleries.list("westeurope"))) == 1


def test_sharing_limits(owner):
    subs = [str(uuid.UUID(int=i)) for i in range(1, 31)]
    share_with(owner, "gal", "Subscriptions", subs)
    with pytest.raises(HttpResponseError) as caught:
        share_with(owner, "gal", "Subscriptions", [str(uuid.UUID(int=99))])
    assert "at most 30 subscriptions" in error_of(caught)["message"]
    tenants = [str(uuid.UUID(int=i)) for i in range(100, 106)]
    with pytest.raises(HttpResponseError) as caught:
        share_with(owner, "gal", "AADTenants", tenants)
    assert "at most 5 tenants" in error_of(caught)["message"]


def test_only_a_groups_gallery_can_be_shared(emu, owner):
    make_gallery(owner, name="private")
    with pytest.raises(HttpResponseError) as caught:
        share_with(owner, "private", "Subscriptions", [CUSTOMER_SUB])
    assert error_of(caught)["code"] == "OperationNotAllowed"


def test_sharing_needs_the_share_action(emu):
    client = compute_client(emu, advance_on_accept=60)
    make_gallery(client, sharingProfile={"permissions": "Groups"})
    with pytest.raises(HttpResponseError) as caught:
        share_with(client, "gal", "Subscriptions", [CUSTOMER_SUB])
    assert caught.value.status_code == 403
    assert "Microsoft.Compute/galleries/share/action" in error_of(caught)["message"]


def test_a_community_gallery_is_public_once_enabled(emu, consumer):
    grant(emu, "Compute Gallery Sharing Admin", "/subscriptions/provider-sub")
    owner = compute_client(emu, advance_on_accept=6 * HOUR)
    info = {
        "publisherUri": "https://contoso.example",
        "publisherContact": "images@contoso.example",
        "eula": "https://contoso.example/eula",
        "publicNamePrefix": "contoso",
    }
    make_gallery(
        owner, name="pub", sharingProfile={"permissions": "Community", "communityGalleryInfo": info}
    )
    owner.gallery_images.begin_create_or_update(RG, "pub", "win11", definition_body()).result()
    owner.gallery_image_versions.begin_create_or_update(
        RG, "pub", "win11", "1.0.0", version_body()
    ).result()
    owner.gallery_sharing_profile.begin_update(
        RG, "pub", {"operationType": "EnableCommunity"}
    ).result()
    community = owner.galleries.get(RG, "pub").properties.sharing_profile.community_gallery_info
    assert community.community_gallery_enabled is True
    public = community.public_names[0]
    assert public.startswith("contoso-")
    gallery = consumer.community_galleries.get("westeurope", public)
    assert gallery.identifier.unique_id == f"/CommunityGalleries/{public}"
    assert gallery.properties.community_metadata.publisher_contact == "images@contoso.example"
    image = consumer.community_gallery_images.get("westeurope", public, "win11")
    assert image.properties.hyper_v_generation == "V2"
    versions = list(consumer.community_gallery_image_versions.list("westeurope", public, "win11"))
    assert [v.name for v in versions] == ["1.0.0"]
    # A community image is a source for another gallery's version (here the latest version).
    make_gallery(owner, name="copies")
    make_definition(owner, gallery="copies")
    body = version_body()
    body["properties"]["storageProfile"] = {
        "source": {"communityGalleryImageId": f"/communityGalleries/{public}/images/win11"}
    }
    copy = owner.gallery_image_versions.begin_create_or_update(
        RG, "copies", "win11", "1.0.0", body
    ).result()
    assert copy.properties.provisioning_state == "Succeeded"


def test_a_private_gallery_has_no_community_name(emu, consumer):
    with pytest.raises(ResourceNotFoundError):
        consumer.community_galleries.get("westeurope", "nobody-123")
    with pytest.raises(HttpResponseError) as caught:
        compute_client(emu).galleries.begin_create_or_update(
            RG, "pub", gallery_body(sharingProfile={"permissions": "Community"})
        )
    assert "communityGalleryInfo" in error_of(caught)["message"]
