"""Fetching a user's script: the emulator cloud rewrites blob URIs to its path-style endpoint, a
matching SHA-256 gives the exact bytes, and a different hash, a missing blob or a URI that is not
a blob are clear errors that say nothing was created."""

from __future__ import annotations

import asyncio

import pytest

from goldfleet.azure.blobs import (
    ScriptUnavailableError,
    fetch_checked_script,
    fetch_script,
    render_script_step,
)
from goldfleet.azure.cloud import PUBLIC, US_GOVERNMENT, emulator_cloud
from goldfleet.domain.customizations import ScriptChecksumMismatch, sha256_hex
from goldfleet.domain.images import Customization, CustomizationKind
from tests.conftest import raw

URI = "https://stnorthwindbuild.blob.core.windows.net/scripts/lob/install-lob-apps.ps1"
CONTENT = b"msiexec.exe /i C:\\install\\NorthwindLob.msi /quiet\r\nWrite-Output 'done'\r\n"


def put(emu, path: str, content: bytes) -> None:
    response = raw(
        emu, "PUT", f"/_storage/{path}", content=content, headers={"x-ms-blob-type": "BlockBlob"}
    )
    assert response.status_code == 201


def test_blob_urls_are_rewritten_only_for_the_emulator(tmp_path):
    cloud = emulator_cloud("https://127.0.0.1:8443/", tmp_path / "ca.pem")
    assert cloud.blob_url(URI) == (
        "https://127.0.0.1:8443/_storage/stnorthwindbuild/scripts/lob/install-lob-apps.ps1"
    )
    assert PUBLIC.blob_url(URI) == URI
    assert US_GOVERNMENT.blob_suffix == "blob.core.usgovcloudapi.net"
    with pytest.raises(ValueError, match="the emulator serves only blobs"):
        cloud.blob_url("https://example.com/scripts/x.ps1")


def test_a_script_with_its_hash_is_fetched_exactly(emu):
    put(emu, "stnorthwindbuild/scripts/lob/install-lob-apps.ps1", CONTENT)
    cloud = emulator_cloud(emu.endpoint, emu.ca_path)
    assert asyncio.run(fetch_checked_script(cloud, URI, sha256_hex(CONTENT).upper())) == CONTENT
    step = asyncio.run(
        render_script_step(
            cloud,
            Customization(
                CustomizationKind.SCRIPT,
                "Northwind line-of-business apps",
                script_uri=URI,
                sha256=sha256_hex(CONTENT),
            ),
        )
    )
    assert (step.script, step.sha256, step.uri) == (CONTENT.decode(), sha256_hex(CONTENT), URI)


def test_a_different_hash_is_refused_with_both_hashes(emu):
    put(emu, "stnorthwindbuild/scripts/lob/install-lob-apps.ps1", CONTENT + b"# changed\r\n")
    cloud = emulator_cloud(emu.endpoint, emu.ca_path)
    with pytest.raises(ScriptChecksumMismatch) as caught:
        asyncio.run(fetch_checked_script(cloud, URI, sha256_hex(CONTENT)))
    actual = sha256_hex(CONTENT + b"# changed\r\n")
    assert str(caught.value) == (
        f"the script {URI} has SHA-256 {actual}, but the configuration expects"
        f" {sha256_hex(CONTENT)}; nothing was created"
    )


def test_a_missing_blob_says_so(emu):
    cloud = emulator_cloud(emu.endpoint, emu.ca_path)
    missing = "https://stnorthwindbuild.blob.core.windows.net/scripts/none.ps1"
    with pytest.raises(ScriptUnavailableError) as caught:
        asyncio.run(fetch_script(cloud, missing))
    assert str(caught.value) == (
        f"fetching the script {missing}: 404 BlobNotFound: The specified blob does not exist.;"
        " nothing was created"
    )
    assert caught.value.exit_code == 2


def test_a_uri_that_is_not_a_blob_is_refused_in_the_emulator(emu):
    cloud = emulator_cloud(emu.endpoint, emu.ca_path)
    with pytest.raises(ScriptUnavailableError, match="not a blob URI"):
        asyncio.run(fetch_script(cloud, "https://scripts.example.com/x.ps1"))
