"""ARM throttling: token buckets in simulated time, ARM's headers, 429 with Retry-After, and the
SDK honouring it."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import PROVIDER_SUB, mint, raw, resource_client

LIST = f"/subscriptions/{PROVIDER_SUB}/resourcegroups?api-version=2021-04-01"


def test_bucket_empties_then_429_with_retry_after(emu):
    emu.control("PUT", "/throttling", {"reads": {"burst": 3, "refillPerSecond": 1}})
    token = mint(emu)
    remaining = [
        int(
            raw(emu, "GET", LIST, token=token).headers[
                "x-ms-ratelimit-remaining-subscription-reads"
            ]
        )
        for _ in range(3)
    ]
    assert remaining == [2, 1, 0]
    throttled = raw(emu, "GET", LIST, token=token)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert int(throttled.headers["Retry-After"]) >= 1
    # Writes have their own bucket.
    write = raw(
        emu,
        "PUT",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-w?api-version=2021-04-01",
        token=token,
        body={"location": "uksouth"},
    )
    assert write.status_code == 201
    # Simulated time refills the bucket.
    emu.control("PUT", "/clock", {"advanceSeconds": 2})
    assert raw(emu, "GET", LIST, token=token).status_code == 200


def test_buckets_are_per_principal(emu):
    from tests.conftest import READER_APP

    emu.control("PUT", "/throttling", {"reads": {"burst": 1, "refillPerSecond": 0.001}})
    assert raw(emu, "GET", LIST, token=mint(emu)).status_code == 200
    assert raw(emu, "GET", LIST, token=mint(emu)).status_code == 429
    assert raw(emu, "GET", LIST, token=mint(emu, app_id=READER_APP)).status_code == 200


def test_the_sdk_honours_retry_after(emu):
    emu.control("PUT", "/clock", {"speed": 1})
    emu.control("PUT", "/throttling", {"reads": {"burst": 1, "refillPerSecond": 1}})
    client = resource_client(emu)
    for _ in range(3):
        assert client.resource_groups.get("rg-images").name == "rg-images"
    log = [e for e in emu.control("GET", "/requests")["value"] if e["path"].endswith("rg-images")]
    statuses = [e["status"] for e in log]
    assert 429 in statuses and statuses[-1] == 200
    emu.control("PUT", "/clock", {"speed": 0})


def test_throttling_surfaces_when_retries_are_off(emu):
    emu.control("PUT", "/throttling", {"reads": {"burst": 1, "refillPerSecond": 0.001}})
    client = resource_client(emu, retry_total=0)
    client.resource_groups.get("rg-images")
    with pytest.raises(HttpResponseError) as caught:
        client.resource_groups.get("rg-images")
    assert caught.value.status_code == 429
