"""A version whose source is a version in another tenant's gallery: it needs that tenant's
auxiliary token and read permission there (linked authorization), as in Azure."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.core.policies import AuxiliaryAuthenticationPolicy

from tests.conftest import CUSTOMER, CUSTOMER_SUB, PROVIDER, PROVIDER_SUB, secret_credential
from tests.emulator.compute.support import (
    COMPUTE,
    HOUR,
    compute_client,
    definition_body,
    error_of,
    grant,
    make_definition,
    make_gallery,
    make_version,
    post_scenario,
    version_body,
)

DISTRIBUTOR = "0f0f0f0f-0000-4000-8000-0000000000f1"
SOURCE = f"{COMPUTE}/galleries/gal/images/win11/versions/1.0.0"
TARGET_RG = "rg-hosts"
READ = "Microsoft.Compute/galleries/images/versions/read"


@pytest.fixture
def world(emu):
    """A provider version in West Europe, and a customer gallery in West Europe too."""
    provider = compute_client(emu, advance_on_accept=6 * HOUR)
    make_gallery(provider)
    make_definition(provider)
    make_version(provider, regions=["westeurope", "northeurope"])
    emu.call(lambda: emu.world.subscription(CUSTOMER_SUB).regions.append("westeurope"))
    post_scenario(
        emu,
        f"""applications:
  - {{appId: {DISTRIBUTOR}, name: distributor, homeTenant: Provider, multiTenant: true,
     secrets: [{{value: "test-secret-value"}}], consentedIn: [Customer]}}
roleAssignments:
  - {{principal: distributor, role: Contributor, scope: /subscriptions/customer-sub}}
""",
    )
    customer = customer_client(emu)
    customer.galleries.begin_create_or_update(
        TARGET_RG, "copies", {"location": "westeurope"}
    ).result()
    customer.gallery_images.begin_create_or_update(
        TARGET_RG, "copies", "win11", definition_body()
    ).result()
    return emu


def customer_client(emu, *, aux=False):
    extra = {}
    if aux:
        provider_token = secret_credential(emu, DISTRIBUTOR, PROVIDER)
        extra["per_call_policies"] = [
            AuxiliaryAuthenticationPolicy([provider_token], f"{emu.endpoint}/.default")
        ]
    return compute_client(
        emu,
        app_id=DISTRIBUTOR,
        tenant=CUSTOMER,
        subscription=CUSTOMER_SUB,
        advance_on_accept=6 * HOUR,
        **extra,
    )


def copy(client):
    return client.gallery_image_versions.begin_create_or_update(
        TARGET_RG, "copies", "win11", "1.0.0", version_body(source=SOURCE)
    )


def test_without_an_auxiliary_token_the_linked_tenant_is_not_authorized(world):
    with pytest.raises(HttpResponseError) as caught:
        copy(customer_client(world))
    assert caught.value.status_code == 403
    assert error_of(caught) == {
        "code": "LinkedAuthorizationFailed",
        "message": f"The client has permission to perform action '{READ}' on scope "
        f"'{SOURCE}', however the current tenant '{CUSTOMER}' is not authorized to access "
        f"linked subscription '{PROVIDER_SUB}'.",
    }


def test_an_auxiliary_token_without_read_permission_is_refused(world):
    with pytest.raises(HttpResponseError) as caught:
        copy(customer_client(world, aux=True))
    error = error_of(caught)
    assert error["code"] == "LinkedAuthorizationFailed"
    assert (
        f"does not have permission to perform action '{READ}' on the linked scope(s) "
        in (error["message"])
    )


def test_an_auxiliary_token_and_gallery_image_reader_succeed(world):
    grant(
        world,
        "Compute Gallery Image Reader",
        "/subscriptions/provider-sub/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal",
        principal="distributor",
    )
    version = copy(customer_client(world, aux=True)).result()
    assert version.properties.provisioning_state == "Succeeded"
    assert version.properties.storage_profile.source.id == SOURCE
    assert version.id.startswith(f"/subscriptions/{CUSTOMER_SUB}/")


def test_the_source_must_be_replicated_to_the_copys_region(world):
    grant(
        world,
        "Compute Gallery Image Reader",
        "/subscriptions/provider-sub",
        principal="distributor",
    )
    world.call(lambda: world.world.subscription(CUSTOMER_SUB).regions.append("uksouth"))
    client = customer_client(world, aux=True)
    client.galleries.begin_create_or_update(TARGET_RG, "south", {"location": "uksouth"}).result()
    client.gallery_images.begin_create_or_update(
        TARGET_RG, "south", "win11", definition_body(location="uksouth")
    ).result()
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_image_versions.begin_create_or_update(
            TARGET_RG,
            "south",
            "win11",
            "1.0.0",
            version_body(source=SOURCE, location="uksouth", regions=["uksouth"]),
        )
    assert error_of(caught)["message"].startswith(f"Source {SOURCE} is not found.")
