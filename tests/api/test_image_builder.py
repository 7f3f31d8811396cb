"""Building the monthly image with Azure VM Image Builder end to end, through the CLI against the
emulator: built-in and custom scripts producing a replicated version with provenance, a failing
customization reported with its log, a build time-out, a checksum mismatch and a staging group
that is not empty refused before anything is created, and a new marketplace version that
triggers a scheduled build."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.api.estate import (
    CONFIG,
    FAST,
    PROVIDER_SUB,
    applied_estate,
    environment,
    provider_compute,
    provider_credential,
    provider_groups,
    requests_to,
    runner,
)
from tests.conftest import sdk_kwargs

PIPELINE = "win11-avd-monthly"
STAGING = ("rg-goldfleet-images", "gal_northwind_staging", "win11-24h2-avd-m365")


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    with applied_estate(
        tmp_path_factory.mktemp("estate"), tmp_path_factory.mktemp("applied")
    ) as emu:
        emu.applied = emu.control("GET", "/state")  # type: ignore[attr-defined]
        yield emu


@pytest.fixture
def goldfleet(estate, tmp_path):
    yield runner(environment(estate, tmp_path / "state"))
    estate.control("PUT", "/state", estate.applied)
    estate.control("DELETE", "/guest/failures")


def compute(estate):
    return provider_compute(estate)


def templates(estate) -> list[str]:
    from azure.mgmt.imagebuilder import ImageBuilderClient

    client = ImageBuilderClient(provider_credential(estate), PROVIDER_SUB, **sdk_kwargs(estate))
    return [t.name for t in client.virtual_machine_image_templates.list()]


def groups(estate) -> list[str]:
    return sorted(provider_groups(estate))


def staging_versions(estate) -> list[str]:
    return [v.name for v in compute(estate).gallery_image_versions.list_by_gallery_image(*STAGING)]


def config_with(tmp_path, old: str, new: str):
    """A copy of the example configuration with one edit."""
    copy = tmp_path / "config"
    shutil.copytree(CONFIG, copy)
    images = copy / "images.yaml"
    text = images.read_text()
    assert old in text
    images.write_text(text.replace(old, new, 1))
    return copy


def build(goldfleet, *args: str, check: bool = True):
    config = () if "-c" in args else ("-c", str(CONFIG))
    return goldfleet("image", "build", PIPELINE, "-o", "json", *config, *args, check=check)


def test_a_build_with_builtin_and_custom_scripts_gives_a_replicated_version_with_provenance(
    goldfleet, estate
):
    before = groups(estate)
    result = json.loads(build(goldfleet).stdout)
    assert result["state"] == "succeeded", result
    assert result["stage"] == "replicated"
    version = result["version"]
    assert staging_versions(estate) == [version]
    made = compute(estate).gallery_image_versions.get(*STAGING, version)
    assert made.tags["gf-builder"] == "imageBuilder"
    assert made.tags["gf-source"].startswith(
        "marketplace:MicrosoftWindowsDesktop:office-365:win11-24h2-avd-m365:"
    )
    assert not made.tags["gf-source"].endswith(":latest")  # the exact version
    assert made.tags["gf-steps"].startswith("11:")
    # the steps ran, in order, on the build VM: their effects are in the version's contents
    contents = estate.control("GET", "/state")["sections"]["guest"]["contents"][made.id.lower()]
    ran = [c["name"] for c in contents["customizations"]]
    assert "Northwind line-of-business apps" in ran
    assert {"Northwind.Dispatch", "Northwind.Timesheets"} <= set(contents["apps"])
    assert contents["sysprep"] == "generalized"
    # provenance in the store: every step with its hash, a duration and exit code 0
    shown = json.loads(
        goldfleet(
            "image", "version", "show", f"{PIPELINE}:{version}", "-c", str(CONFIG), "-o", "json"
        ).stdout
    )
    steps = shown["provenance"]["provenance"]["steps"]
    assert len(steps) == 11
    assert all(len(s["sha256"]) == 64 and s["exitCode"] == 0 for s in steps), steps
    assert all(s["durationSeconds"] and s["durationSeconds"] > 0 for s in steps)
    lob = next(s for s in steps if s["name"] == "Northwind line-of-business apps")
    assert lob["uri"].endswith("/install-lob-apps.ps1")
    # nothing temporary is left: no template, no staging group; goldfleet's identity stays
    assert templates(estate) == []
    assert groups(estate) == before


def test_a_failing_customization_is_reported_with_its_log(goldfleet, estate):
    estate.control(
        "POST",
        "/guest/failures",
        {
            "match": "teamsbootstrapper.exe",
            "exitCode": 5,
            "stderr": "Teams bootstrapper: 0x80070005",
        },
    )
    done = build(goldfleet, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["state"] == "failed"
    assert "Packer build command has failed" in result["error"]
    failed = [s for s in result["steps"] if s["exitCode"] not in (0, None)]
    assert [(s["name"], s["exitCode"]) for s in failed] == [("teamsOptimization", 5)]
    shown = goldfleet("image", "build-log", result["build"]).stdout
    assert "0x80070005" in shown
    assert "Script exited with non-zero exit status: 5" in shown
    assert staging_versions(estate) == []
    assert templates(estate) == []


def test_a_build_that_exceeds_its_timeout_fails(goldfleet, estate, tmp_path):
    config = config_with(tmp_path, "timeoutMinutes: 240", "timeoutMinutes: 20")
    done = build(goldfleet, "-c", str(config), check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert "context deadline exceeded" in result["error"]
    assert staging_versions(estate) == []
    assert templates(estate) == []


def test_a_checksum_mismatch_is_refused_before_anything_is_created(goldfleet, estate, tmp_path):
    config = config_with(
        tmp_path,
        "sha256: 74718b3b66c591e91068c2003b49752d94b6b3940b918fe8c654b060514fd6f7",
        "sha256: " + "0" * 64,
    )
    estate.control("DELETE", "/requests")
    done = build(goldfleet, "-c", str(config), check=False)
    assert done.returncode != 0
    assert "install-lob-apps.ps1" in done.stderr and "0" * 64 in done.stderr
    writes = [
        e
        for e in estate.control("GET", "/requests")["value"]
        if e["method"] in ("PUT", "POST", "PATCH", "DELETE")
    ]
    assert writes == []


def test_a_staging_group_that_is_not_empty_is_refused(goldfleet, estate, tmp_path):
    # A declared group is refused by validation (rule 2: one owner per name); a group that the
    # configuration does not declare, but that holds something in Azure, is refused at build time.
    from azure.mgmt.resource.resources import ResourceManagementClient

    groups_client = ResourceManagementClient(
        provider_credential(estate), PROVIDER_SUB, **sdk_kwargs(estate)
    )
    groups_client.resource_groups.create_or_update("rg-left-overs", {"location": "uksouth"})
    compute(estate).disks.begin_create_or_update(
        "rg-left-overs",
        "disk-left-over",
        {
            "location": "uksouth",
            "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 8},
        },
    ).result()
    config = config_with(
        tmp_path,
        "    timeoutMinutes: 240\n",
        "    timeoutMinutes: 240\n    stagingResourceGroup: rg-left-overs\n",
    )
    done = build(goldfleet, "-c", str(config), check=False)
    assert done.returncode != 0
    assert "stagingResourceGroup 'rg-left-overs' holds" in done.stderr
    assert "nothing was created" in done.stderr
    assert templates(estate) == []


MONTHLY = """  schedule:
    type: monthlyWeekday
    week: 2
    weekday: Tue
    offsetDays: 1
    at: "06:00"
    timeZone: Europe/London
"""
ON_NEW_SOURCE = """  schedule:
    type: newSourceVersion
    checkEvery: 60
"""


def test_a_new_marketplace_version_triggers_a_scheduled_build(goldfleet, estate, tmp_path):
    config = str(config_with(tmp_path, MONTHLY, ON_NEW_SOURCE))

    def tick() -> dict:
        return json.loads(goldfleet("image", "schedule", "-c", config, "-o", "json").stdout)

    first = tick()  # never built: the source's latest version is new to it
    assert [d["pipeline"] for d in first["due"]] == [PIPELINE]
    assert [b["state"] for b in first["builds"]] == ["succeeded"]
    november = first["due"][0]["sourceVersion"]
    assert november.endswith(".261110")  # November 2026's Patch Tuesday
    assert tick()["due"] == []  # nothing new: nothing to build
    # December's Patch Tuesday publishes a new version of the marketplace image
    estate.control("PUT", "/clock", {"now": "2026-12-08T19:00:00Z"})
    third = tick()
    assert [d["pipeline"] for d in third["due"]] == [PIPELINE]
    december = third["due"][0]["sourceVersion"]
    assert december.endswith(".261208") and december != november
    assert f"last built from {november}" in third["due"][0]["reason"]
    built = third["builds"][0]
    assert built["state"] == "succeeded", built.get("error") or built
    made = compute(estate).gallery_image_versions.get(*STAGING, built["version"])
    assert made.tags["gf-source"].endswith(f":{december}")
    assert tick()["due"] == []


def test_the_direct_builder_builds_on_goldfleets_own_vm(goldfleet, estate, tmp_path):
    config = config_with(
        tmp_path, "    timeoutMinutes: 240\n", "    timeoutMinutes: 240\n    builder: direct\n"
    )
    before = groups(estate)
    result = json.loads(build(goldfleet, "-c", str(config)).stdout)
    assert result["state"] == "succeeded", result
    assert result["builder"] == "direct" and result["stage"] == "replicated"
    made = compute(estate).gallery_image_versions.get(*STAGING, result["version"])
    assert made.tags["gf-builder"] == "direct"
    contents = estate.control("GET", "/state")["sections"]["guest"]["contents"][made.id.lower()]
    assert {"Northwind.Dispatch", "Northwind.Timesheets"} <= set(contents["apps"])
    assert contents["sysprep"] == "generalized" and not contents["pending_reboot"]
    ran = [s["name"] for s in result["steps"]]
    assert ran[-1] == "windowsRestart" and len(ran) == 11
    assert all(s["exitCode"] == 0 for s in result["steps"])
    assert groups(estate) == before  # the temporary group is gone
    assert templates(estate) == []  # Image Builder was not used


def test_a_schedule_that_keeps_failing_is_reported_and_stays_scheduled(goldfleet, estate, tmp_path):
    config = str(config_with(tmp_path, MONTHLY, ON_NEW_SOURCE))
    estate.control("POST", "/guest/failures", {"match": "teamsbootstrapper.exe", "exitCode": 3})

    def tick() -> dict:
        done = goldfleet("image", "schedule", "-c", config, "-o", "json")
        return json.loads(done.stdout)

    first = tick()
    assert [b["state"] for b in first["builds"]] == ["failed"] and first["failing"] == {}
    estate.control("PUT", "/clock", {"advanceSeconds": 3700})  # past checkEvery: retried
    second = tick()
    assert [b["state"] for b in second["builds"]] == ["failed"]
    assert PIPELINE in second["failing"]  # alertAfterFailures: 2 (the default)
    estate.control("PUT", "/clock", {"advanceSeconds": 3700})
    third = tick()
    assert [d["pipeline"] for d in third["due"]] == [PIPELINE]  # still scheduled
    assert third["due"][0]["warning"]


@pytest.mark.parametrize(
    "step", [("PUT", "/imagetemplates/it-goldfleet-"), ("POST", "/run")], ids=["submit", "run"]
)
def test_a_crash_mid_build_resumes_the_same_build_with_one_run(goldfleet, estate, step):
    method, fragment = step
    estate.control("DELETE", "/requests")
    estate.control("PUT", "/clock", {"speed": 200})  # slow enough to be caught at the step
    process = subprocess.Popen(
        [sys.executable, "-m", "goldfleet", "image", "build", PIPELINE, "-c", str(CONFIG)],
        env=goldfleet.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not requests_to(estate, method, fragment) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert requests_to(estate, method, fragment), f"the build never reached {fragment}"
    estate.control("PUT", "/clock", {"speed": FAST})
    result = json.loads(build(goldfleet).stdout)  # the same command resumes the same build
    assert result["state"] == "succeeded", result
    assert staging_versions(estate) == [result["version"]]
    runs = [e for e in requests_to(estate, "POST", "/run") if e["status"] < 300]
    assert len(runs) == 1  # the template ran once
    assert templates(estate) == []
