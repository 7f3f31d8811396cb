"""DR end to end, through the CLI against the emulator with the example estate: Fabrikam's pool
keeps a standby Flexible scale set in westus2 whose model follows each promoted version; a drill
scales it out, sees the instances register healthy in the DR host pool, scales back in and
reports; ``dr scale-out`` brings capacity up and back down without leaving ghosts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.estate import CONFIG, FAST, applied_estate, environment, runner
from tests.api.test_rollouts import PIPELINE, SOURCE, at

POOL = "fabrikam-pooled"
FABRIKAM_SUB = "5a1b7c3d-0003-4e8f-9a0b-1c2d3e4f5a03"
SCALE_SET = "vmss-fab-avd-dr"
DR_SPEED = 300


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    with applied_estate(
        tmp_path_factory.mktemp("estate"), tmp_path_factory.mktemp("applied")
    ) as emu:
        emu.control("PUT", "/clock", {"now": "2027-01-12T09:00:00Z"})
        yield emu


@pytest.fixture(scope="module")
def goldfleet(estate, tmp_path_factory):
    env = environment(estate, tmp_path_factory.mktemp("state"))
    env["FABRIKAM_DOMAIN_JOIN_PASSWORD"] = "test-join-Passw0rd!"
    return runner(env)


def cli(goldfleet, *args: str, check: bool = True) -> dict[str, Any]:
    done = goldfleet(*args, "-c", str(CONFIG), "-o", "json", check=False)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def release(goldfleet, version: str) -> dict[str, Any]:
    cli(goldfleet, "image", "version", "create", PIPELINE, "--source", SOURCE, "--version", version)
    return cli(
        goldfleet,
        "image",
        "version",
        "promote",
        f"{PIPELINE}:{version}",
        "--override-validation",
        "--reason",
        "test",
    )


def test_the_standby_model_follows_promotion_and_a_drill_passes(goldfleet, estate, tmp_path: Path):
    promoted = release(goldfleet, "2027.112.1")
    assert promoted["dr"][POOL]["state"] == "done", promoted["dr"]
    status = cli(goldfleet, "dr", "status", POOL)
    assert status["exists"] and status["capacity"] == 0 and status["hosts"] == []
    assert status["version"].endswith("/versions/2027.112.1")
    again = release(goldfleet, "2027.112.2")
    assert again["dr"][POOL]["version"].endswith("/versions/2027.112.2")
    assert cli(goldfleet, "dr", "status", POOL)["version"].endswith("/versions/2027.112.2")

    at(estate, _now(estate), DR_SPEED)
    report = cli(goldfleet, "dr", "drill", POOL, "--instances", "2")
    assert report["state"] == "passed", report
    assert report["problems"] == [] and len(report["hosts"]) == 2
    assert all(
        h["registered"] and h["healthy"] and h["status"] == "Available" for h in report["hosts"]
    )
    assert all(0 < h["readyAfterSeconds"] <= 1800 for h in report["hosts"])
    assert report["capacityBefore"] == 0 and report["capacityAfter"] == 0
    after = cli(goldfleet, "dr", "status", POOL)
    assert after["capacity"] == 0 and after["instances"] == [] and after["hosts"] == []


def test_scale_out_brings_capacity_up_and_back_down(goldfleet, estate):
    at(estate, _now(estate), DR_SPEED)
    up = cli(goldfleet, "dr", "scale-out", POOL, "3")
    assert up["state"] == "done" and up["capacity"] == 3, up
    status = cli(goldfleet, "dr", "status", POOL)
    assert len(status["hosts"]) == 3 and all(h["healthy"] for h in status["hosts"])
    down = cli(goldfleet, "dr", "scale-out", POOL, "0")
    assert down["state"] == "done" and down["capacity"] == 0, down
    assert len(down["ghostsRemoved"]) == 3
    assert cli(goldfleet, "dr", "status", POOL)["hosts"] == []
    estate.control("PUT", "/clock", {"speed": FAST})


def test_a_pool_without_dr_is_refused_with_the_pools_that_have_it(goldfleet):
    done = goldfleet("dr", "drill", "contoso-pooled", "-c", str(CONFIG), check=False)
    assert done.returncode == 2
    assert "has no DR region" in done.stderr and "fabrikam-pooled" in done.stderr


def _now(estate) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(estate.control("GET", "/clock")["now"].replace("Z", "+00:00"))
