"""Creating image versions: every kind of source, checked against the definition (OS type, OS
state, Hyper-V generation) and against the version's region, and the publishing profile's rules
(Major.Minor.Patch names, offered regions, the source region included, 1-100 replicas)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import PROVIDER_SUB
from tests.emulator.compute.support import (
    COMPUTE,
    HOUR,
    IMAGE_GEN1,
    IMAGE_GEN2,
    IMAGE_LINUX,
    IMAGE_NORTH,
    IMAGE_SPECIALIZED,
    RG,
    SNAPSHOT_DATA,
    SNAPSHOT_OS,
    compute_client,
    error_of,
    make_definition,
    make_gallery,
    make_version,
    post_scenario,
    version_body,
)


@pytest.fixture
def client(emu):
    client = compute_client(emu, advance_on_accept=6 * HOUR)
    make_gallery(client)
    make_definition(client)
    return client


def create(client, name="1.0.0", **kwargs):
    return client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "win11", name, version_body(**kwargs)
    )


def test_a_version_from_a_managed_image_takes_its_disks(client):
    version = make_version(client, regions=["westeurope", "northeurope"])
    props = version.properties
    assert props.provisioning_state == "Succeeded"
    assert props.storage_profile.source.id == IMAGE_GEN2
    assert props.storage_profile.os_disk_image.size_in_gb == 127
    assert [(d.lun, d.size_in_gb) for d in props.storage_profile.data_disk_images] == [(1, 32)]
    regions = props.publishing_profile.target_regions
    assert [(r.name, r.regional_replica_count, r.storage_account_type) for r in regions] == [
        ("West Europe", 1, "Standard_LRS"),
        ("North Europe", 1, "Standard_LRS"),
    ]
    assert props.publishing_profile.published_date is not None
    assert props.safety_profile.allow_deletion_of_replicated_locations is False


def test_a_version_from_snapshots(client):
    body = {
        "location": "westeurope",
        "properties": {
            "storageProfile": {
                "osDiskImage": {"source": {"id": SNAPSHOT_OS}, "hostCaching": "ReadOnly"},
                "dataDiskImages": [{"lun": 0, "source": {"id": SNAPSHOT_DATA}}],
            }
        },
    }
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "win11", "1.0.0", body
    ).result()
    storage = version.properties.storage_profile
    assert storage.source is None
    assert storage.os_disk_image.source.id == SNAPSHOT_OS
    assert storage.data_disk_images[0].size_in_gb == 64
    # Without target regions a version replicates to its own region only.
    assert [r.name for r in version.properties.publishing_profile.target_regions] == ["West Europe"]


def test_a_version_from_a_generalized_virtual_machine(emu, client):
    vm = f"{COMPUTE}/virtualMachines/builder"
    post_scenario(
        emu,
        f"""resources:
  - id: {vm}
    location: westeurope
    properties:
      securityProfile: {{securityType: TrustedLaunch}}
      storageProfile: {{osDisk: {{osType: Windows, diskSizeGB: 127}}}}
      instanceView: {{statuses: [{{code: OSState/generalized}}]}}
""",
    )
    body = version_body()
    body["properties"]["storageProfile"] = {"source": {"virtualMachineId": vm}}
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "win11", "1.0.0", body
    ).result()
    assert version.properties.storage_profile.source.virtual_machine_id == vm


def test_a_version_copied_from_another_gallery_version(client):
    make_version(client)
    make_gallery(client, name="prod")
    client.gallery_images.begin_create_or_update(
        RG,
        "prod",
        "win11",
        {
            "location": "westeurope",
            "properties": {
                "osType": "Windows",
                "osState": "Generalized",
                "hyperVGeneration": "V2",
                "identifier": {"publisher": "contoso", "offer": "avd", "sku": "win11"},
            },
        },
    ).result()
    source = f"{COMPUTE}/galleries/gal/images/win11/versions/1.0.0"
    copy = client.gallery_image_versions.begin_create_or_update(
        RG, "prod", "win11", "1.0.0", version_body(source=source)
    ).result()
    assert copy.properties.storage_profile.source.id == source
    assert copy.properties.storage_profile.os_disk_image.size_in_gb == 127


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            IMAGE_GEN1,
            f"The resource with id '{IMAGE_GEN1}' has a different Hypervisor generation ['V1'] "
            "than the parent gallery image Hypervisor generation ['V2']",
        ),
        (
            IMAGE_SPECIALIZED,
            f"Cannot create Gallery Image Version from: {IMAGE_SPECIALIZED} since the OS State "
            "in the parent gallery image ('Generalized') is not 'Specialized'.",
        ),
        (
            IMAGE_LINUX,
            f"The resource with id '{IMAGE_LINUX}' has a different OS type ['Linux'] than the "
            "parent gallery image OS type generation ['Windows']",
        ),
    ],
)
def test_a_source_must_match_the_definition(client, source, message):
    with pytest.raises(HttpResponseError) as caught:
        create(client, source=source)
    assert caught.value.status_code == 400
    assert error_of(caught)["message"] == message
    assert list(client.gallery_image_versions.list_by_gallery_image(RG, "gal", "win11")) == []


@pytest.mark.parametrize("source", [f"{COMPUTE}/images/missing", IMAGE_NORTH])
def test_a_source_must_exist_in_the_versions_region(client, source):
    with pytest.raises(HttpResponseError) as caught:
        create(client, source=source)
    assert error_of(caught)["message"] == (
        f"Source {source} is not found. Please check source exists, and is in the same region "
        "as gallery image version being created."
    )


def test_a_snapshot_is_not_a_whole_image_source(client):
    with pytest.raises(HttpResponseError) as caught:
        create(client, source=SNAPSHOT_OS)
    assert error_of(caught)["message"] == (
        f"The source id: {SNAPSHOT_OS} must either be a managed image, virtual machine or "
        "another gallery image version"
    )


@pytest.mark.parametrize("name", ["1.0", "v1.0.0", "1.0.0.0", "1.2147483648.0", "latest"])
def test_version_names_are_major_minor_patch(client, name):
    with pytest.raises(HttpResponseError) as caught:
        create(client, name=name)
    error = error_of(caught)
    assert error["code"] == "InvalidParameter" and error["target"] == "galleryImageVersionName"
    assert error["message"].startswith(
        "The image version name is invalid. The image version name should follow "
        "Major(int).Minor(int).Patch(int) format"
    )


def test_target_regions_must_be_offered_by_the_subscription(client):
    with pytest.raises(HttpResponseError) as caught:
        create(client, regions=["westeurope", "australiaeast"])
    error = error_of(caught)
    assert error["code"] == "LocationNotAvailableForResourceType"
    assert error["message"].startswith(
        "The provided location 'australiaeast' is not available for resource type "
        "'Microsoft.Compute/galleries'."
    )


def test_target_regions_must_include_the_versions_region(client):
    with pytest.raises(HttpResponseError) as caught:
        create(client, regions=["northeurope", "uksouth"])
    assert error_of(caught)["message"] == (
        "Gallery image version publishing profile regions North Europe, UK South must contain "
        "the location of image version West Europe"
    )


def test_duplicate_target_regions_are_refused(client):
    with pytest.raises(HttpResponseError) as caught:
        create(client, regions=["westeurope", "West Europe"])
    assert error_of(caught)["message"] == (
        "Duplicate regions are not allowed in target publishing regions."
    )


def test_at_most_a_hundred_replicas_per_region(client):
    with pytest.raises(HttpResponseError) as caught:
        create(client, regions=[{"name": "westeurope", "regionalReplicaCount": 101}])
    assert error_of(caught)["message"] == (
        "The value 101 of parameter galleryImageVersion.properties.publishingProfile."
        "targetRegions.regionalReplicaCount is out of range. The value must be between 1 and "
        "100, inclusive."
    )
    version = create(client, regions=[{"name": "westeurope", "regionalReplicaCount": 100}])
    assert (
        version.result().properties.publishing_profile.target_regions[0].regional_replica_count
        == 100
    )


def test_end_of_life_in_the_past_is_refused(client):
    with pytest.raises(HttpResponseError) as caught:
        create(client, endOfLifeDate="2026-11-01T00:00:00Z")
    assert error_of(caught)["message"] == "EndOfLifeDate must be set to a future date."


def test_one_kind_of_source_only(client):
    body = version_body()
    body["properties"]["storageProfile"]["osDiskImage"] = {"source": {"id": SNAPSHOT_OS}}
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "win11", "1.0.0", body)
    assert error_of(caught)["message"].startswith(
        "The gallery artifact version source can only be specified either directly under "
        "storageProfile or within individual OS or data disks."
    )


def test_vhd_sources_are_not_implemented(client):
    body = version_body()
    body["properties"]["storageProfile"] = {
        "osDiskImage": {"source": {"uri": "https://x.blob.core.windows.net/vhds/os.vhd"}}
    }
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "win11", "1.0.0", body)
    assert caught.value.status_code == 501
    assert error_of(caught)["code"] == "NotImplemented"


def test_the_versions_per_region_limit(emu, client):
    emu.control("PUT", "/compute/limits", {"imageVersionsPerSubscriptionPerRegion": 2})
    make_version(client, name="1.0.0")
    make_version(client, name="1.0.1")
    with pytest.raises(HttpResponseError) as caught:
        create(client, name="1.0.2")
    assert "limit of 2 image versions per subscription per region" in error_of(caught)["message"]
    assert f"subscription '{PROVIDER_SUB}'" in error_of(caught)["message"]
