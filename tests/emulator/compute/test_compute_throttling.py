"""Compute's own throttling on gallery operations: x-ms-ratelimit-remaining-resource on every
answer, and 429 OperationNotAllowed / TooManyRequests when a policy's window is used up."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import mint, raw
from tests.emulator.compute.support import (
    API,
    COMPUTE,
    advance,
    compute_client,
    gallery_body,
    post_scenario,
)

GALLERY = f"{COMPUTE}/galleries/gal?{API}"


def test_every_gallery_answer_carries_computes_remaining_counts(emu):
    token = mint(emu)
    created = raw(emu, "PUT", GALLERY, token=token, body=gallery_body())
    assert created.headers["x-ms-ratelimit-remaining-resource"] == (
        "Microsoft.Compute/CreateUpdateGallery3Min;149,"
        "Microsoft.Compute/CreateUpdateGallery30Min;999"
    )
    read = raw(emu, "GET", GALLERY, token=token)
    assert read.headers["x-ms-ratelimit-remaining-resource"] == (
        "Microsoft.Compute/GetGallery3Min;999,Microsoft.Compute/GetGallery30Min;7999"
    )
    assert "x-ms-ratelimit-remaining-subscription-reads" in read.headers  # ARM's, as well
    missing = raw(emu, "GET", f"{COMPUTE}/galleries/gal/images/none?{API}", token=token)
    assert missing.status_code == 404
    assert missing.headers["x-ms-ratelimit-remaining-resource"].startswith(
        "Microsoft.Compute/GetGalleryImage3Min;999"
    )


def test_an_exhausted_policy_answers_429_until_its_window_ends(emu):
    emu.control("PUT", "/throttling", {"compute": {"limits": {"GetGallery3Min": 2}}})
    token = mint(emu)
    raw(emu, "PUT", GALLERY, token=token, body=gallery_body())
    remaining = [
        raw(emu, "GET", GALLERY, token=token).headers["x-ms-ratelimit-remaining-resource"]
        for _ in range(2)
    ]
    assert [r.split(",")[0] for r in remaining] == [
        "Microsoft.Compute/GetGallery3Min;1",
        "Microsoft.Compute/GetGallery3Min;0",
    ]
    throttled = raw(emu, "GET", GALLERY, token=token)
    assert throttled.status_code == 429
    error = throttled.json()["error"]
    assert error["code"] == "OperationNotAllowed"
    assert error["message"] == (
        "The server rejected the request because too many requests have been received for "
        "this subscription."
    )
    detail = error["details"][0]
    assert (detail["code"], detail["target"]) == ("TooManyRequests", "GetGallery3Min")
    counts = json.loads(detail["message"])
    assert counts["operationGroup"] == "GetGallery3Min"
    assert (counts["allowedRequestCount"], counts["measuredRequestCount"]) == (2, 3)
    assert 1 <= int(throttled.headers["Retry-After"]) <= 180
    # Other operation groups are not affected; the next window is.
    assert raw(emu, "GET", f"{COMPUTE}/galleries?{API}", token=token).status_code == 429
    assert raw(emu, "GET", f"{COMPUTE}/galleries/gal/images?{API}", token=token).status_code == 200
    advance(emu, 180)
    assert raw(emu, "GET", GALLERY, token=token).status_code == 200


def test_the_sdk_surfaces_computes_429_when_retries_are_off(emu):
    post_scenario(emu, "throttling:\n  compute:\n    limits: {CreateUpdateGallery3Min: 1}\n")
    client = compute_client(emu, retry_total=0)
    client.galleries.begin_create_or_update("rg-images", "one", gallery_body())
    with pytest.raises(HttpResponseError) as caught:
        client.galleries.begin_create_or_update("rg-images", "two", gallery_body())
    assert caught.value.status_code == 429
    assert caught.value.error.code == "OperationNotAllowed"


def test_settings_are_validated_and_can_switch_throttling_off(emu):
    settings = emu.control("GET", "/throttling")["compute"]
    assert settings["enabled"] is True and settings["limits"]["GetGalleryImageVersion3Min"] == 1000
    emu.control(
        "PUT", "/throttling", {"compute": {"enabled": False, "limits": {"GetGallery3Min": 0}}}
    )
    token = mint(emu)
    raw(emu, "PUT", GALLERY, token=token, body=gallery_body())
    assert raw(emu, "GET", GALLERY, token=token).status_code == 200
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as caught:
        emu.control("PUT", "/throttling", {"compute": {"limits": {"NoSuchPolicy3Min": 1}}})
    assert caught.value.code == 400
