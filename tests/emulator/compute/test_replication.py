"""Replication in simulated time: per-region progress under ``$expand=ReplicationStatus``,
injected failures and retries, adding and removing regions under the safety profile,
end-of-life protection, soft deletion, and which version ``latest`` means."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.conftest import mint, raw
from tests.emulator.compute.support import (
    API,
    COMPUTE,
    HOUR,
    RG,
    advance,
    compute_client,
    error_of,
    make_definition,
    make_gallery,
    make_version,
    post_scenario,
    version_body,
)

VERSION = f"{COMPUTE}/galleries/gal/images/win11/versions/1.0.0"
THREE_REGIONS = ["westeurope", {"name": "northeurope", "regionalReplicaCount": 3}, "uksouth"]


@pytest.fixture
def client(emu):
    client = compute_client(emu, advance_on_accept=60)
    make_gallery(client)
    make_definition(client)
    return client


def start(emu, name="1.0.0", **kwargs):
    """Begin creating a version without waiting: the test moves the clock itself."""
    return (
        compute_client(emu)
        .gallery_image_versions.begin_create_or_update(
            RG, "gal", "win11", name, version_body(**kwargs), polling=False
        )
        .result()
    )


def status(emu, name="1.0.0"):
    version = compute_client(emu).gallery_image_versions.get(
        RG, "gal", "win11", name, expand="ReplicationStatus"
    )
    summary = version.properties.replication_status.summary
    return (
        version.properties.provisioning_state,
        version.properties.replication_status.aggregated_state,
        {s.region: (s.state, s.progress, s.details) for s in summary},
    )


def test_replication_progresses_with_the_clock(emu, client):
    created = start(emu, regions=THREE_REGIONS)
    assert created.properties.provisioning_state == "Creating"
    state, aggregated, regions = status(emu)
    assert (state, aggregated) == ("Creating", "InProgress")
    assert regions["West Europe"] == ("Replicating", 0, "Queued")
    # 159 GB: about 159 x 20 s + replicas x 30 s, give or take 15 %, after up to 22 s queued.
    advance(emu, 60)
    _, _, regions = status(emu)
    assert all(state == "Replicating" and details == "" for state, _, details in regions.values())
    advance(emu, 1400)
    _, _, regions = status(emu)
    assert all(30 <= progress <= 60 for _, progress, _ in regions.values())
    advance(emu, 3 * HOUR)
    state, aggregated, regions = status(emu)
    assert (state, aggregated) == ("Succeeded", "Completed")
    assert set(regions.values()) == {("Completed", 100, "")}
    # Without $expand there is no replicationStatus.
    plain = client.gallery_image_versions.get(RG, "gal", "win11", "1.0.0")
    assert plain.properties.replication_status is None


def test_the_create_operation_finishes_when_every_region_has(emu, client):
    token = mint(emu)
    response = raw(
        emu, "PUT", f"{VERSION}?{API}", token=token, body=version_body(regions=THREE_REGIONS)
    )
    assert response.status_code == 201
    operation = response.headers["Azure-AsyncOperation"].split(emu.endpoint, 1)[1]
    advance(emu, 1800)
    assert raw(emu, "GET", operation, token=token).json()["status"] == "InProgress"
    advance(emu, 3 * HOUR)
    finished = raw(emu, "GET", operation, token=token).json()
    assert finished["status"] == "Succeeded" and "endTime" in finished


def test_timings_are_the_same_for_the_same_seed(emu, client):
    start(emu, regions=THREE_REGIONS)
    advance(emu, 900)
    first = status(emu)
    emu.control("PUT", "/state", emu.baseline)
    client2 = compute_client(emu, advance_on_accept=60)
    make_gallery(client2)
    make_definition(client2)
    start(emu, regions=THREE_REGIONS)
    advance(emu, 900)
    assert status(emu) == first


def test_an_injected_failure_fails_that_region_and_the_version(emu, client):
    rule = emu.control(
        "POST",
        "/compute/replicationFaults",
        {
            "region": "North Europe",
            "count": 1,
            "atProgress": 40,
            "code": "ReplicationTimeout",
            "reason": "The operation has timed out.",
        },
    )
    assert rule["region"] == "northeurope"
    waiting = compute_client(emu, advance_on_accept=3 * HOUR)
    poller = waiting.gallery_image_versions.begin_create_or_update(
        RG, "gal", "win11", "1.0.0", version_body(regions=THREE_REGIONS)
    )
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert caught.value.error.code == "ReplicationTimeout"
    state, aggregated, regions = status(emu)
    assert (state, aggregated) == ("Failed", "Failed")
    assert regions["North Europe"] == (
        "Failed",
        40,
        "Replication failed in this region due to 'The operation has timed out.'",
    )
    assert regions["West Europe"][0] == regions["UK South"][0] == "Completed"
    # Updating the version again retries the failed region (the fault fired its one time).
    retry = compute_client(emu, advance_on_accept=3 * HOUR)
    retried = retry.gallery_image_versions.begin_update(RG, "gal", "win11", "1.0.0", {"tags": {}})
    assert retried.result().properties.provisioning_state == "Succeeded"
    assert status(emu)[1] == "Completed"


def test_replication_faults_come_from_the_scenario_too(emu, client):
    post_scenario(emu, "compute:\n  replicationFaults:\n    - {region: uksouth, atProgress: 10}\n")
    start(emu, regions=THREE_REGIONS)
    advance(emu, 3 * HOUR)
    _, aggregated, regions = status(emu)
    assert aggregated == "Failed"
    assert regions["UK South"][0:2] == ("Failed", 10)
    assert "An internal execution error occurred." in regions["UK South"][2]


def test_a_source_over_2048_gb_fails_replication(emu, client):
    post_scenario(
        emu,
        f"""resources:
  - id: {COMPUTE}/images/huge
    location: westeurope
    properties:
      hyperVGeneration: V2
      storageProfile:
        osDisk: {{osType: Windows, osState: Generalized, diskSizeGB: 127}}
        dataDisks: [{{lun: 0, diskSizeGB: 4096}}]
""",
    )
    start(emu, source=f"{COMPUTE}/images/huge")
    advance(emu, 6 * HOUR)
    _, _, regions = status(emu)
    assert regions["West Europe"][2] == (
        "Replication failed in this region due to 'The GalleryImageVersion source resource size "
        "4096 exceeds the max size 2048 supported.'"
    )


def test_regions_are_added_and_removed_on_update(emu, client):
    versions = compute_client(emu, advance_on_accept=6 * HOUR)
    make_version(versions, regions=["westeurope", "northeurope"])
    body = {
        "properties": {
            "publishingProfile": {
                "targetRegions": [
                    {"name": "westeurope"},
                    {"name": "northeurope"},
                    {"name": "uksouth", "regionalReplicaCount": 2},
                ]
            }
        }
    }
    updating = client.gallery_image_versions.begin_update(
        RG, "gal", "win11", "1.0.0", body, polling=False
    ).result()
    assert updating.properties.provisioning_state == "Updating"
    _, aggregated, regions = status(emu)
    assert aggregated == "InProgress" and regions["North Europe"][0] == "Completed"
    assert regions["UK South"][0] == "Replicating"
    advance(emu, 6 * HOUR)
    assert status(emu)[:2] == ("Succeeded", "Completed")
    # Removing a replicated region is refused unless the safety profile allows it.
    shrink = {"properties": {"publishingProfile": {"targetRegions": [{"name": "westeurope"}]}}}
    with pytest.raises(HttpResponseError) as caught:
        client.gallery_image_versions.begin_update(RG, "gal", "win11", "1.0.0", shrink)
    assert caught.value.status_code == 400
    assert error_of(caught)["code"] == "BadRequest"
    assert error_of(caught)["message"].startswith(
        "Complete set of target locations not specified while updating gallery artifact "
        "'1.0.0' and type 'GalleryImageVersion'. Deletion of previously replicated locations "
        "is not allowed"
    )
    # Null or empty target regions leave the regions alone.
    client.gallery_image_versions.begin_update(
        RG, "gal", "win11", "1.0.0", {"properties": {"publishingProfile": {"targetRegions": []}}}
    ).result()
    assert len(status(emu)[2]) == 3
    shrink["properties"]["safetyProfile"] = {"allowDeletionOfReplicatedLocations": True}
    done = client.gallery_image_versions.begin_update(RG, "gal", "win11", "1.0.0", shrink).result()
    assert [r.name for r in done.properties.publishing_profile.target_regions] == ["West Europe"]
    assert list(status(emu)[2]) == ["West Europe"]


def test_changing_a_regions_replica_count_replicates_again(emu, client):
    versions = compute_client(emu, advance_on_accept=6 * HOUR)
    make_version(versions)
    body = {
        "properties": {
            "publishingProfile": {
                "targetRegions": [{"name": "westeurope", "regionalReplicaCount": 5}]
            }
        }
    }
    client.gallery_image_versions.begin_update(
        RG, "gal", "win11", "1.0.0", body, polling=False
    ).result()
    assert status(emu)[2]["West Europe"][0] == "Replicating"
    advance(emu, 600)
    assert status(emu)[2]["West Europe"] == ("Completed", 100, "")
    version = client.gallery_image_versions.get(RG, "gal", "win11", "1.0.0")
    assert version.properties.publishing_profile.target_regions[0].regional_replica_count == 5


def test_deletion_is_blocked_before_end_of_life(emu, client):
    versions = compute_client(emu, advance_on_accept=6 * HOUR)
    body = version_body(endOfLifeDate="2027-06-01T00:00:00Z")
    body["properties"]["safetyProfile"] = {"blockDeletionBeforeEndOfLife": True}
    versions.gallery_image_versions.begin_create_or_update(
        RG, "gal", "win11", "1.0.0", body
    ).result()
    with pytest.raises(HttpResponseError) as caught:
        versions.gallery_image_versions.begin_delete(RG, "gal", "win11", "1.0.0")
    assert error_of(caught)["code"] == "OperationNotAllowed"
    assert "2027-06-01T00:00:00Z" in error_of(caught)["message"]
    emu.control("PUT", "/clock", {"now": "2027-06-02T00:00:00Z"})
    versions.gallery_image_versions.begin_delete(RG, "gal", "win11", "1.0.0").result()
    with pytest.raises(ResourceNotFoundError):
        versions.gallery_image_versions.get(RG, "gal", "win11", "1.0.0")


def test_soft_deleted_versions_can_be_restored(emu, client):
    client.galleries.begin_update(
        RG, "gal", {"properties": {"softDeletePolicy": {"isSoftDeleteEnabled": True}}}
    ).result()
    versions = compute_client(emu, advance_on_accept=6 * HOUR)
    make_version(versions)
    versions.gallery_image_versions.begin_delete(RG, "gal", "win11", "1.0.0").result()
    with pytest.raises(ResourceNotFoundError):
        versions.gallery_image_versions.get(RG, "gal", "win11", "1.0.0")
    restored = versions.gallery_image_versions.begin_update(
        RG, "gal", "win11", "1.0.0", {"properties": {"restore": True, "storageProfile": {}}}
    ).result()
    assert restored.properties.provisioning_state == "Succeeded"
    # bypassSoftDelete deletes for good.
    versions.gallery_image_versions.begin_delete(
        RG, "gal", "win11", "1.0.0", bypass_soft_delete=True
    ).result()
    assert emu.call(lambda: emu.world.store.get(VERSION)) is None


def test_latest_honours_exclude_from_latest(emu, client):
    from goldfleet.emulator.rp.compute.galleries.retirement import latest_version

    versions = compute_client(emu, advance_on_accept=6 * HOUR)
    definition = f"{COMPUTE}/galleries/gal/images/win11"
    make_version(versions, name="1.0.0", regions=["westeurope", "northeurope"])
    make_version(
        versions,
        name="1.10.0",
        regions=["westeurope", {"name": "northeurope", "excludeFromLatest": True}],
    )
    make_version(versions, name="2.0.0", excludeFromLatest=True)

    def latest(region=None):
        return emu.call(lambda: latest_version(emu.world, definition, region).body["name"])

    assert latest() == "1.10.0"
    assert latest("westeurope") == "1.10.0"
    assert latest("northeurope") == "1.0.0"
    with pytest.raises(Exception, match="There is no latest image version exists"):
        latest("uksouth")


def test_replication_in_flight_survives_a_snapshot_and_restore(emu, client):
    start(emu, regions=THREE_REGIONS)
    advance(emu, 900)
    midway = emu.control("GET", "/state")
    assert any(e["kind"] == "compute.replication" for e in midway["scheduled"])
    advance(emu, 3 * HOUR)
    finished = status(emu)
    emu.control("PUT", "/state", midway)
    assert status(emu)[1] == "InProgress"
    advance(emu, 3 * HOUR)
    assert status(emu) == finished
