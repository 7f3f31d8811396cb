"""The marketplace image catalog through the real azure-mgmt-compute client: publishers,
offers, skus, versions (one more after each simulated Patch Tuesday) and version details."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from goldfleet.emulator.rp.compute.marketplace import catalog as marketplace
from tests.emulator.compute.support import advance, compute_client

LOC = "uksouth"
DESKTOP = "MicrosoftWindowsDesktop"


def test_publishers_offers_and_skus(emu: Any) -> None:
    images = compute_client(emu).virtual_machine_images
    publishers = [p.name for p in images.list_publishers(LOC)]
    assert publishers == ["MicrosoftWindowsDesktop", "MicrosoftWindowsServer"]
    assert sorted(o.name for o in images.list_offers(LOC, DESKTOP)) == [
        "office-365",
        "windows-10",
        "windows-11",
    ]
    assert sorted(s.name for s in images.list_skus(LOC, DESKTOP, "windows-10")) == [
        "win10-22h2-avd",
        "win10-22h2-avd-g2",
    ]
    server = images.list_skus(LOC, "MicrosoftWindowsServer", "WindowsServer")
    assert [s.name for s in server] == ["2022-datacenter-azure-edition"]
    assert server[0].location == LOC


def test_names_are_case_insensitive(emu: Any) -> None:
    images = compute_client(emu).virtual_machine_images
    skus = images.list_skus(LOC, "microsoftwindowsdesktop", "OFFICE-365")
    assert [s.name for s in skus] == ["win11-24h2-avd-m365"]


def test_versions_follow_windows_numbering_and_patch_tuesday(emu: Any) -> None:
    images = compute_client(emu).virtual_machine_images
    versions = [v.name for v in images.list(LOC, DESKTOP, "windows-11", "win11-24h2-avd")]
    # clock: 2026-11-23; January 2025 to November 2026 = 23 Patch Tuesdays
    assert len(versions) == 23
    assert versions[0] == "26100.2894.250114"
    assert versions[5] == "26100.4349.250610"
    assert versions[-1] == "26100.9296.261110"
    newest = images.list(LOC, DESKTOP, "windows-11", "win11-24h2-avd", orderby="name desc", top=1)
    assert [v.name for v in newest] == ["26100.9296.261110"]


def test_a_new_version_appears_after_the_next_patch_tuesday(emu: Any) -> None:
    images = compute_client(emu).virtual_machine_images
    before = [v.name for v in images.list(LOC, DESKTOP, "office-365", "win11-24h2-avd-m365")]
    advance(emu, (15 * 24 + 9) * 3600)  # 2026-12-08 17:00, an hour before publication
    assert len(images.list(LOC, DESKTOP, "office-365", "win11-24h2-avd-m365")) == len(before)
    advance(emu, 3600)  # 18:00 UTC on the second Tuesday of December
    after = [v.name for v in images.list(LOC, DESKTOP, "office-365", "win11-24h2-avd-m365")]
    assert after[:-1] == before
    assert after[-1] == "26100.9587.261208"


def test_version_details_show_generation_os_and_features(emu: Any) -> None:
    images = compute_client(emu).virtual_machine_images
    gen2 = images.get(LOC, DESKTOP, "windows-10", "win10-22h2-avd-g2", "19045.5371.250114")
    assert gen2.hyper_v_generation == "V2"
    assert gen2.os_disk_image.operating_system == "Windows"
    assert gen2.architecture == "x64"
    features = {f.name: f.value for f in gen2.features}
    assert features["SecurityType"] == "TrustedLaunchSupported"
    gen1 = images.get(LOC, DESKTOP, "windows-10", "win10-22h2-avd", "19045.5371.250114")
    assert gen1.hyper_v_generation == "V1"
    assert "SecurityType" not in {f.name for f in gen1.features}


def test_unknown_versions_and_skus_are_not_found(emu: Any) -> None:
    images = compute_client(emu).virtual_machine_images
    with pytest.raises(ResourceNotFoundError):
        images.get(LOC, DESKTOP, "windows-11", "win11-24h2-avd", "26100.1.250101")
    with pytest.raises(ResourceNotFoundError):
        images.list(LOC, DESKTOP, "windows-11", "win99")


def test_a_region_the_subscription_lacks_is_refused(emu: Any) -> None:
    images = compute_client(emu).virtual_machine_images
    with pytest.raises(HttpResponseError) as excinfo:
        images.list_publishers("australiaeast")
    assert excinfo.value.status_code == 400


def test_find_image_resolves_latest_and_gives_contents(emu: Any) -> None:
    world = emu.world
    latest = emu.call(
        marketplace.find_image, world, LOC, DESKTOP, "office-365", "win11-24h2-avd-m365", "LATEST"
    )
    assert latest is not None
    assert latest.urn == f"{DESKTOP}:office-365:win11-24h2-avd-m365:26100.9296.261110"
    contents = latest.contents()
    assert contents.base_image == latest.urn
    assert contents.os == "Windows 11 Enterprise multi-session 24H2"
    assert "Microsoft 365 Apps for enterprise" in contents.apps
    assert contents.avd_agent_installed is False
    plain = emu.call(
        marketplace.find_image, world, LOC, DESKTOP, "windows-11", "win11-24h2-avd", "latest"
    )
    assert plain is not None and plain.contents().apps == []
    assert emu.call(marketplace.find_image, world, LOC, DESKTOP, "x", "y", "latest") is None


def test_patch_tuesday_is_the_second_tuesday() -> None:
    assert marketplace.patch_tuesday(2026, 12).isoformat() == "2026-12-08T18:00:00+00:00"
    assert marketplace.patch_tuesday(2025, 7).isoformat() == "2025-07-08T18:00:00+00:00"
    assert marketplace.patch_tuesday(2026, 9).isoformat() == "2026-09-08T18:00:00+00:00"
    assert marketplace.patch_tuesday(2025, 4).day == 8
