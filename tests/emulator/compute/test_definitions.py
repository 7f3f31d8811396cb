"""Image definitions: required and immutable properties with Azure's errors, a unique
publisher/offer/sku per gallery, features (TrustedLaunch needs Generation 2), end of life."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.compute.support import (
    RG,
    compute_client,
    definition_body,
    error_of,
    make_definition,
    make_gallery,
    make_version,
)

TRUSTED_LAUNCH = [{"name": "SecurityType", "value": "TrustedLaunch"}]


@pytest.fixture
def client(emu):
    client = compute_client(emu, advance_on_accept=60)
    make_gallery(client)
    return client


def test_a_definition_is_created_with_defaults(client):
    definition = make_definition(client, features=TRUSTED_LAUNCH)
    props = definition.properties
    assert props.provisioning_state == "Succeeded"
    assert (props.os_type, props.os_state, props.hyper_v_generation) == (
        "Windows",
        "Generalized",
        "V2",
    )
    assert props.architecture == "x64"
    assert props.features[0].value == "TrustedLaunch"
    assert [d.name for d in client.gallery_images.list_by_gallery(RG, "gal")] == ["win11"]


@pytest.mark.parametrize(
    ("change", "prop"),
    [
        ({"osType": "Linux"}, "osType"),
        ({"osState": "Specialized"}, "osState"),
        ({"hyperVGeneration": "V1"}, "hyperVGeneration"),
        (
            {"identifier": {"publisher": "contoso", "offer": "avd", "sku": "other"}},
            "identifier.sku",
        ),
    ],
)
def test_immutable_properties_cannot_change(client, change, prop):
    make_definition(client)
    body = definition_body()
    body["properties"].update(change)
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_images.begin_create_or_update(RG, "gal", "win11", body)
    assert caught.value.status_code == 409
    assert error_of(caught) == {
        "code": "PropertyChangeNotAllowed",
        "message": f"Changing property 'galleryImage.properties.{prop}' is not allowed.",
        "target": f"galleryImage.properties.{prop}",
    }


def test_a_patch_must_repeat_the_required_properties(client):
    make_definition(client)
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_images.begin_update(
            RG, "gal", "win11", {"properties": {"description": "only this"}}
        )
    assert error_of(caught)["message"] == (
        "Changing property 'galleryImage.properties.osType' is not allowed."
    )
    body = definition_body()
    body["properties"]["description"] = "now described"
    updated = client.gallery_images.begin_update(RG, "gal", "win11", body).result()
    assert updated.properties.description == "now described"


def test_publisher_offer_sku_are_unique_in_a_gallery(client):
    make_definition(client)
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_images.begin_create_or_update(
            RG, "gal", "copy", definition_body(sku="WIN11")
        )
    assert error_of(caught)["message"] == (
        "Gallery image: copy identified by (publisher:contoso, offer:avd, sku:WIN11) already "
        "exists. Choose a different publisher, offer, sku combination."
    )


def test_trusted_launch_needs_generation_2(client):
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_images.begin_create_or_update(
            RG, "gal", "win11", definition_body(generation="V1", features=TRUSTED_LAUNCH)
        )
    error = error_of(caught)
    assert error["code"] == "InvalidParameter"
    assert (
        "'SecurityType' with value 'TrustedLaunch' requires hyperVGeneration 'V2'"
        in (error["message"])
    )


def test_features_change_only_with_allow_update_image(client):
    make_definition(client)
    body = definition_body(features=TRUSTED_LAUNCH)
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_images.begin_update(RG, "gal", "win11", body)
    assert error_of(caught)["target"] == "galleryImage.properties.features"
    body["properties"]["allowUpdateImage"] = True
    updated = client.gallery_images.begin_update(RG, "gal", "win11", body).result()
    assert updated.properties.features[0].name == "SecurityType"


def test_end_of_life_must_be_in_the_future(client):
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_images.begin_create_or_update(
            RG, "gal", "win11", definition_body(endOfLifeDate="2026-01-01T00:00:00Z")
        )
    assert error_of(caught)["message"] == "EndOfLifeDate must be set to a future date."


@pytest.mark.parametrize(
    ("identifier", "field"),
    [
        ({"publisher": "", "offer": "avd", "sku": "x"}, "publisher"),
        ({"publisher": "contoso", "offer": "a" * 65, "sku": "x"}, "offer"),
        ({"publisher": "contoso", "offer": "avd", "sku": "ends."}, "sku"),
    ],
)
def test_identifier_parts_follow_the_asset_name_rules(client, identifier, field):
    body = definition_body()
    body["properties"]["identifier"] = identifier
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_images.begin_create_or_update(RG, "gal", "win11", body)
    assert error_of(caught)["message"].startswith(
        f"Asset name galleryImage.properties.identifier.{field} is not valid."
    )


def test_a_definition_in_a_missing_gallery(emu):
    with pytest.raises(HttpResponseError) as caught:
        compute_client(emu).gallery_images.begin_create_or_update(
            RG, "nogallery", "win11", definition_body()
        )
    assert caught.value.status_code == 404
    assert error_of(caught) == {
        "code": "ParentResourceNotFound",
        "message": "Can not perform requested operation on nested resource. Parent resource "
        "'nogallery' not found.",
    }


def test_deleting_a_definition_with_versions_is_refused(emu, client):
    make_definition(client)
    versions = compute_client(emu, advance_on_accept=6 * 3600)
    make_version(versions)
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_images.begin_delete(RG, "gal", "win11")
    assert error_of(caught)["code"] == "CannotDeleteResource"
    versions.gallery_image_versions.begin_delete(RG, "gal", "win11", "1.0.0").result()
    client.gallery_images.begin_delete(RG, "gal", "win11").result()
    assert list(client.gallery_images.list_by_gallery(RG, "gal")) == []
