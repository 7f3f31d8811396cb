"""The /_emulator/ control API: clock, snapshot and restore, reset, faults, request log."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import PROVIDER_SUB, mint, raw, resource_client

LIST = f"/subscriptions/{PROVIDER_SUB}/resourcegroups?api-version=2021-04-01"


def test_clock_can_be_read_set_and_advanced(emu):
    clock = emu.control("GET", "/clock")
    assert clock["now"].startswith("2026-11-23T08:00:00") and clock["speed"] == 0
    emu.control("PUT", "/clock", {"now": "2026-12-08T02:00:00+11:00"})
    assert emu.control("GET", "/clock")["now"].startswith("2026-12-07T15:00:00")
    advanced = emu.control("PUT", "/clock", {"advanceSeconds": 3600})
    assert advanced["now"].startswith("2026-12-07T16:00:00")


def test_snapshot_and_restore_bring_back_everything(emu):
    client = resource_client(emu)
    snapshot = emu.control("GET", "/state")
    client.resource_groups.create_or_update("rg-temp", {"location": "uksouth"})
    assert client.resource_groups.check_existence("rg-temp")
    emu.control("PUT", "/state", snapshot)
    assert not client.resource_groups.check_existence("rg-temp")
    assert client.resource_groups.check_existence("rg-images")


def test_reset_empties_the_world(emu):
    emu.control("POST", "/reset")
    info = emu.control("GET", "")
    assert info["tenants"] == 0 and info["resources"] == 0


def test_fault_with_a_count_fires_that_many_times(emu):
    emu.control(
        "POST",
        "/faults",
        {
            "path": "/resourcegroups/rg-images$",
            "method": "GET",
            "count": 2,
            "status": 503,
            "code": "ServiceUnavailable",
            "message": "try later",
        },
    )
    token = mint(emu)
    path = f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-images?api-version=2021-04-01"
    first, second, third = (raw(emu, "GET", path, token=token) for _ in range(3))
    assert first.status_code == second.status_code == 503
    assert first.json()["error"] == {"code": "ServiceUnavailable", "message": "try later"}
    assert third.status_code == 200
    assert emu.control("GET", "/faults")["value"][0]["fired"] == 2


def test_sdk_sees_injected_conflict(emu):
    emu.control(
        "POST",
        "/faults",
        {
            "path": "rg-conflict",
            "method": "PUT",
            "status": 409,
            "code": "Conflict",
            "message": "injected",
        },
    )
    with pytest.raises(HttpResponseError) as caught:
        resource_client(emu).resource_groups.create_or_update(
            "rg-conflict", {"location": "uksouth"}
        )
    assert caught.value.error.code == "Conflict"


def test_bad_fault_is_rejected(emu):
    response = raw(emu, "POST", "/_emulator/faults", body={"path": "([", "status": 500})
    assert response.status_code == 400


def test_request_log_records_who_did_what_when(emu):
    emu.control("DELETE", "/requests")
    raw(emu, "GET", LIST, token=mint(emu))
    raw(emu, "GET", LIST)
    entries = emu.control("GET", "/requests")["value"]
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 200), ("GET", 401)]
    assert entries[0]["principal"] and entries[0]["tenant"]
    assert entries[1]["principal"] is None
    assert entries[0]["simulatedTime"] > 0 and entries[0]["durationMs"] >= 0
    counters = emu.control("GET", "/counters")
    assert counters["status:401"] == 1


def test_scenario_can_be_posted(emu):
    response = raw(
        emu,
        "POST",
        "/_emulator/scenario",
        content=b"tenants:\n  - {id: 33333333-0000-4000-8000-000000000003, name: T3, domain: t3.example}\n",
    )
    assert response.status_code == 200
    assert emu.control("GET", "")["tenants"] == 3
    invalid = raw(emu, "POST", "/_emulator/scenario", content=b"tenants: [{id: nope}]\n")
    assert invalid.status_code == 400
    assert "tenants[0].id" in invalid.json()["error"]["message"]
