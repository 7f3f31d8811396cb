"""VMs, scale sets and disks made in a customer subscription from a provider's direct-shared
(``sharedGalleryImageId``) or community (``communityGalleryImageId``) gallery images, through the
real SDK: the sharing rules, ``latest``, regions, and what reads show of the reference."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import CUSTOMER, CUSTOMER_SUB, PROVIDER_SUB
from tests.emulator.compute.machine_support import vm_body
from tests.emulator.compute.support import (
    HOUR,
    RG,
    compute_client,
    definition_body,
    error_of,
    grant,
    make_definition,
    make_gallery,
    make_version,
    share_with,
    version_body,
)
from tests.emulator.compute.test_scale_sets import scale_set_body
from tests.emulator.network.support import network_client, nic_body, vnet_body

UNIQUE = f"{PROVIDER_SUB}-GAL"
SHARED = f"/SharedGalleries/{UNIQUE}/Images/win11"
HOSTS = "rg-hosts"
HOSTS_NETWORK = f"/subscriptions/{CUSTOMER_SUB}/resourceGroups/{HOSTS}/providers/Microsoft.Network"
COMMUNITY_INFO = {
    "publisherUri": "https://contoso.example",
    "publisherContact": "images@contoso.example",
    "eula": "https://contoso.example/eula",
    "publicNamePrefix": "contoso",
}


@pytest.fixture
def owner(emu: Any) -> Any:
    """A provider gallery (Groups) with 1.0.0 in West and North Europe, 1.1.0 in West Europe
    excluded from latest, and 1.2.0 in North Europe only."""
    grant(emu, "Compute Gallery Sharing Admin", "/subscriptions/provider-sub")
    client = compute_client(emu, advance_on_accept=6 * HOUR)
    make_gallery(client, sharingProfile={"permissions": "Groups"})
    make_definition(client)
    make_version(client, regions=["westeurope", "northeurope"])
    make_version(client, name="1.1.0", excludeFromLatest=True)
    # 1.2.0 is excluded from West Europe's latest (per region).
    make_version(
        client,
        name="1.2.0",
        regions=["northeurope", {"name": "westeurope", "excludeFromLatest": True}],
    )
    emu.call(
        lambda: emu.world.subscription(CUSTOMER_SUB).regions.extend(["westeurope", "northeurope"])
    )
    return client


@pytest.fixture
def customer(emu: Any) -> Any:
    return compute_client(emu, tenant=CUSTOMER, subscription=CUSTOMER_SUB, advance_on_accept=HOUR)


def customer_subnet(emu: Any, location: str = "westeurope") -> str:
    client = network_client(emu, tenant=CUSTOMER, subscription=CUSTOMER_SUB)
    name = f"vnet-{location}"
    if name not in {v.name for v in client.virtual_networks.list(HOSTS)}:
        client.virtual_networks.begin_create_or_update(
            HOSTS, name, vnet_body(subnets={"default": "10.10.1.0/24"}, location=location)
        ).result()
    return f"{HOSTS_NETWORK}/virtualNetworks/{name}/subnets/default"


def customer_nic(emu: Any, name: str, location: str = "westeurope") -> str:
    client = network_client(emu, tenant=CUSTOMER, subscription=CUSTOMER_SUB)
    body = nic_body(customer_subnet(emu, location), location=location)
    return str(client.network_interfaces.begin_create_or_update(HOSTS, name, body).result().id)


def make_customer_vm(
    emu: Any, customer: Any, image: dict[str, Any], name: str = "vm-1", location: str = "westeurope"
) -> Any:
    body = vm_body(customer_nic(emu, f"{name}-nic", location), image=image, location=location)
    return customer.virtual_machines.begin_create_or_update(HOSTS, name, body).result()


def refusal(call: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value.status_code, error_of(caught)


def test_a_vm_from_a_direct_shared_image_resolves_latest_and_says_so(emu, owner, customer):
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB])
    reference = f"{SHARED}/Versions/latest"
    vm = make_customer_vm(emu, customer, {"sharedGalleryImageId": reference})
    assert vm.provisioning_state == "Succeeded"
    image = vm.storage_profile.image_reference
    assert image.shared_gallery_image_id == reference
    assert image.exact_version == "1.0.0"  # 1.1.0 excluded, 1.2.0 excluded in West Europe
    assert image.id is None
    disk = customer.disks.get(HOSTS, vm.storage_profile.os_disk.name)
    assert disk.creation_data.create_option == "FromImage"
    pinned = disk.creation_data.gallery_image_reference
    assert pinned.shared_gallery_image_id == f"{SHARED}/Versions/1.0.0"
    assert pinned.id is None  # the provider's resource id never reaches the consumer
    assert disk.hyper_v_generation == "V2" and disk.disk_size_gb == 127
    # In North Europe, 1.2.0 is the latest.
    north = make_customer_vm(
        emu, customer, {"sharedGalleryImageId": reference}, name="vm-2", location="northeurope"
    )
    assert north.storage_profile.image_reference.exact_version == "1.2.0"


def test_a_gallery_shared_with_the_tenant_serves_every_subscription_of_it(emu, owner, customer):
    share_with(owner, "gal", "AADTenants", [CUSTOMER])
    vm = make_customer_vm(emu, customer, {"sharedGalleryImageId": f"{SHARED}/Versions/1.0.0"})
    assert vm.storage_profile.image_reference.exact_version is None


def test_an_image_that_is_not_shared_is_not_found(emu, owner, customer):
    reference = f"{SHARED}/Versions/1.0.0"
    status, error = refusal(
        lambda: make_customer_vm(emu, customer, {"sharedGalleryImageId": reference})
    )
    assert status == 404 and error["code"] == "GalleryImageNotFound"
    assert error["target"] == "imageReference"
    assert error["message"] == (
        f'"The gallery image {reference} is not available in westeurope region. Please contact '
        'image owner to replicate to this region, or change your requested region."'
    )
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB])
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB], op="Remove")
    status, error = refusal(
        lambda: make_customer_vm(emu, customer, {"sharedGalleryImageId": reference}, name="vm-2")
    )
    assert (status, error["code"]) == (404, "GalleryImageNotFound")


def test_versions_must_be_replicated_to_the_region_and_exist(emu, owner, customer):
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB])
    only_west = f"{SHARED}/Versions/1.1.0"
    status, error = refusal(
        lambda: make_customer_vm(
            emu, customer, {"sharedGalleryImageId": only_west}, "vm-n", "northeurope"
        )
    )
    assert (status, error["code"]) == (404, "GalleryImageNotFound")
    assert "northeurope region" in error["message"]
    for missing in (f"{SHARED}/Versions/9.9.9", f"/SharedGalleries/{UNIQUE}/Images/nope"):
        status, error = refusal(
            lambda missing=missing: make_customer_vm(
                emu, customer, {"sharedGalleryImageId": missing}
            )
        )
        assert (status, error["code"]) == (404, "GalleryImageNotFound")
    # An explicit version excluded from latest is still usable.
    vm = make_customer_vm(emu, customer, {"sharedGalleryImageId": only_west}, name="vm-x")
    assert vm.provisioning_state == "Succeeded"


def test_a_malformed_reference_is_an_invalid_parameter(emu, owner, customer):
    status, error = refusal(
        lambda: make_customer_vm(
            emu, customer, {"sharedGalleryImageId": f"/SharedGalleries/{UNIQUE}/win11"}
        )
    )
    assert (status, error["code"]) == (400, "InvalidParameter")
    assert error["target"] == "imageReference.sharedGalleryImageId"


def test_a_disk_from_a_direct_shared_image(emu, owner, customer):
    """Disk_Create_FromAnAzureComputeGalleryDirectSharedImage."""
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB])
    reference = f"{SHARED}/Versions/1.0.0"
    body = {
        "location": "westeurope",
        "properties": {
            "osType": "Windows",
            "creationData": {
                "createOption": "FromImage",
                "galleryImageReference": {"sharedGalleryImageId": reference},
            },
        },
    }
    disk = customer.disks.begin_create_or_update(HOSTS, "disk-1", body).result()
    assert disk.provisioning_state == "Succeeded"
    assert disk.creation_data.gallery_image_reference.shared_gallery_image_id == reference
    assert disk.disk_size_gb == 127 and disk.hyper_v_generation == "V2"
    # 1.1.0 lives in West Europe only.
    body["location"] = "northeurope"
    body["properties"]["creationData"]["galleryImageReference"] = {
        "sharedGalleryImageId": f"{SHARED}/Versions/1.1.0"
    }
    status, error = refusal(
        lambda: customer.disks.begin_create_or_update(HOSTS, "disk-2", body).result()
    )
    assert (status, error["code"], error["target"]) == (
        404,
        "GalleryImageNotFound",
        "imageReference",
    )


def test_community_images_serve_any_subscription(emu, owner, customer):
    make_gallery(
        owner,
        name="pub",
        sharingProfile={"permissions": "Community", "communityGalleryInfo": COMMUNITY_INFO},
    )
    owner.gallery_images.begin_create_or_update(RG, "pub", "win11", definition_body()).result()
    owner.gallery_image_versions.begin_create_or_update(
        RG, "pub", "win11", "2.0.0", version_body()
    ).result()
    reference_before = "/CommunityGalleries/contoso-x/Images/win11/Versions/latest"
    status, error = refusal(
        lambda: make_customer_vm(emu, customer, {"communityGalleryImageId": reference_before})
    )
    assert (status, error["code"]) == (404, "GalleryImageNotFound")
    owner.gallery_sharing_profile.begin_update(
        RG, "pub", {"operationType": "EnableCommunity"}
    ).result()
    info = owner.galleries.get(RG, "pub").properties.sharing_profile.community_gallery_info
    public = info.public_names[0]
    reference = f"/CommunityGalleries/{public}/Images/win11"  # no version: the latest
    vm = make_customer_vm(emu, customer, {"communityGalleryImageId": reference}, name="vm-c")
    assert vm.storage_profile.image_reference.community_gallery_image_id == reference
    assert vm.storage_profile.image_reference.exact_version == "2.0.0"
    disk = customer.disks.get(HOSTS, vm.storage_profile.os_disk.name)
    assert disk.creation_data.gallery_image_reference.community_gallery_image_id == (
        f"/CommunityGalleries/{public}/Images/win11/Versions/2.0.0"
    )
    status, error = refusal(
        lambda: make_customer_vm(
            emu,
            customer,
            {"communityGalleryImageId": f"{reference}/Versions/2.0.0"},
            name="vm-n",
            location="northeurope",
        )
    )
    assert (status, error["code"]) == (404, "GalleryImageNotFound")


def test_a_scale_set_from_a_direct_shared_image(emu, owner, customer):
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB])
    reference = f"{SHARED}/Versions/latest"
    body = scale_set_body(emu, {"sharedGalleryImageId": reference}, 2)
    nic_config = body["properties"]["virtualMachineProfile"]["networkProfile"][
        "networkInterfaceConfigurations"
    ][0]
    nic_config["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"] = customer_subnet(
        emu
    )
    made = customer.virtual_machine_scale_sets.begin_create_or_update(
        HOSTS, "vmss-shared", body
    ).result()
    assert made.provisioning_state == "Succeeded"
    model = made.virtual_machine_profile.storage_profile.image_reference
    assert model.shared_gallery_image_id == reference
    vms = [v for v in customer.virtual_machines.list(HOSTS) if v.name.startswith("vmss-shared_")]
    assert len(vms) == 2
    for vm in vms:
        assert vm.storage_profile.image_reference.shared_gallery_image_id == reference
        assert vm.storage_profile.image_reference.exact_version == "1.0.0"
    # Not shared with another subscription's scale set: refused before anything is made.
    share_with(owner, "gal", "Subscriptions", [CUSTOMER_SUB], op="Remove")
    status, error = refusal(
        lambda: customer.virtual_machine_scale_sets.begin_create_or_update(
            HOSTS, "vmss-later", body
        ).result()
    )
    assert (status, error["code"]) == (404, "GalleryImageNotFound")
