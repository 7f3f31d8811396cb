"""The blob store for script blobs: Put Blob and Get Blob path-style, Storage's XML 404, the
scenario's ``blobs:`` section, and the guest-failure control route."""

from __future__ import annotations

from tests.conftest import raw
from tests.emulator.compute.support import post_scenario


def test_a_published_blob_reads_back_and_a_missing_one_is_blob_not_found(emu):
    put = raw(
        emu,
        "PUT",
        "/_storage/acct/scripts/dir/install.ps1",
        content=b"Write-Output 'hi'",
        headers={"x-ms-blob-type": "BlockBlob"},
    )
    assert put.status_code == 201 and put.headers["ETag"]
    got = raw(emu, "GET", "/_storage/acct/scripts/dir/install.ps1")
    assert (got.status_code, got.content) == (200, b"Write-Output 'hi'")
    missing = raw(emu, "GET", "/_storage/acct/scripts/nope.ps1")
    assert missing.status_code == 404
    assert missing.headers["x-ms-error-code"] == "BlobNotFound"
    assert "<Code>BlobNotFound</Code>" in missing.text
    assert "The specified blob does not exist." in missing.text


def test_put_blob_with_if_none_match_star_refuses_an_existing_blob(emu):
    headers = {"x-ms-blob-type": "BlockBlob", "If-None-Match": "*"}
    path = "/_storage/acct/audit/export.json?sv=2024-11-04&sp=cw&sig=x"
    assert raw(emu, "PUT", path, content=b"first", headers=headers).status_code == 201
    again = raw(emu, "PUT", path, content=b"second", headers=headers)
    assert again.status_code == 409
    assert again.headers["x-ms-error-code"] == "BlobAlreadyExists"
    assert "The specified blob already exists." in again.text
    assert raw(emu, "GET", "/_storage/acct/audit/export.json").content == b"first"


def test_put_blob_needs_the_blob_type(emu):
    response = raw(emu, "PUT", "/_storage/acct/scripts/x.ps1", content=b"x")
    assert response.status_code == 400
    assert response.headers["x-ms-error-code"] == "MissingRequiredHeader"


def test_a_scenario_seeds_blobs_by_their_https_uri(emu):
    post_scenario(
        emu,
        "blobs:\n  - {uri: 'https://Acct.blob.core.windows.net/c/a/b.ps1', content: 'exit 0'}\n",
    )
    got = raw(emu, "GET", "/_storage/acct/c/a/b.ps1")
    assert (got.status_code, got.text) == (200, "exit 0")


def test_guest_failures_are_added_listed_and_cleared(emu):
    added = emu.control("POST", "/guest/failures", {"match": "teams", "exitCode": 7, "count": 1})
    assert added["exit_code"] == 7
    assert emu.control("GET", "/guest/failures")["value"][0]["match"] == "teams"
    emu.control("DELETE", "/guest/failures")
    assert emu.control("GET", "/guest/failures")["value"] == []
