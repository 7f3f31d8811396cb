"""Managed images, read-only through the real SDK: the images the scenario seeds can be read
and listed (Images_Get, Images_ListByResourceGroup, Images_List), a missing one is ARM's 404."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ResourceNotFoundError

from tests.emulator.compute.support import IMAGE_GEN1, IMAGE_GEN2, RG, compute_client


def test_a_seeded_image_reads_as_azure_returns_it(emu):
    client = compute_client(emu)
    image = client.images.get(RG, "img-win11-gen2")
    assert image.id.lower() == IMAGE_GEN2.lower()
    assert image.hyper_v_generation == "V2"
    assert image.storage_profile.os_disk.os_state == "Generalized"
    assert image.provisioning_state == "Succeeded"


def test_images_are_listed_by_group_and_by_subscription(emu):
    client = compute_client(emu)
    in_group = {i.id.lower() for i in client.images.list_by_resource_group(RG)}
    assert {IMAGE_GEN1.lower(), IMAGE_GEN2.lower()} <= in_group
    everywhere = {i.id.lower() for i in client.images.list()}
    assert in_group < everywhere  # rg-other holds one too


def test_a_missing_image_is_resource_not_found(emu):
    with pytest.raises(ResourceNotFoundError) as missing:
        compute_client(emu).images.get(RG, "img-nowhere")
    assert missing.value.error.code == "ResourceNotFound"
    assert "Microsoft.Compute/images/img-nowhere" in missing.value.error.message
