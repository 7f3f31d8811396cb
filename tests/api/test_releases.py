"""Releases end to end, through the CLI (one process per command, as a user runs them) against
the emulator with the example estate: a version replicated to every region and copied into a
customer tenant, a region failure survived, promotion gated on validation, a crash resumed
without duplicate copies, retention that keeps what is in use, and bad input refused first."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.api.estate import (
    APP,
    CONFIG,
    FAST,
    PROVIDER,
    PROVIDER_SUB,
    SECRET,
    applied_estate,
    environment,
    provider_compute,
    runner,
)

PIPELINE = "win11-avd-monthly"
SOURCE = (
    f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-build/providers/"
    "Microsoft.Compute/images/img-win11-avd-2026-11"
)


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    """The example estate with the example configuration applied (galleries, definitions)."""
    with applied_estate(
        tmp_path_factory.mktemp("estate"), tmp_path_factory.mktemp("applied")
    ) as emu:
        # After Fabrikam's freeze (2026-11-20..2026-12-31), so its tenant takes the copy.
        emu.control("PUT", "/clock", {"now": "2027-01-12T09:00:00Z"})
        emu.applied = emu.control("GET", "/state")  # type: ignore[attr-defined]
        yield emu


@pytest.fixture
def goldfleet(estate, tmp_path):
    yield runner(environment(estate, tmp_path / "state"))
    estate.control("PUT", "/state", estate.applied)
    estate.control("DELETE", "/compute/replicationFaults")


def create(goldfleet, *extra: str, check: bool = True):
    done = goldfleet(
        "image",
        "version",
        "create",
        PIPELINE,
        "-c",
        str(CONFIG),
        "--source",
        SOURCE,
        "-o",
        "json",
        *extra,
        check=check,
    )
    return json.loads(done.stdout) if check else done


def create_from(goldfleet, config: Path, version: str) -> dict:
    done = goldfleet(
        "image",
        "version",
        "create",
        PIPELINE,
        "-c",
        str(config),
        "--source",
        SOURCE,
        "--version",
        version,
        "-o",
        "json",
    )
    return json.loads(done.stdout)


def version_puts(estate) -> list[str]:
    return [
        e["path"]
        for e in estate.control("GET", "/requests")["value"]
        if e["method"] == "PUT" and "/versions/" in e["path"]
    ]


def test_a_release_reaches_every_region_and_every_customer_tenant(goldfleet, estate):
    result = create(goldfleet, "--version", "2027.112.900")
    targets = result["targets"]
    assert result["stage"] == "replicated"
    assert {k: v["state"] for k, v in targets.items()} == {
        "win11-avd-staging": "Completed",
        "win11-avd": "Completed",
        "win11-avd-dr": "Completed",
        "win11-avd-fabrikam": "Completed",
        "win11-avd-contoso": "Completed",
        "win11-avd-adatum": "Completed",
    }
    assert {r.replace(" ", "").lower() for r in targets["win11-avd"]["regions"]} == {
        "uksouth",
        "westeurope",
        "northeurope",
        "australiaeast",
        "eastus",
        "germanywestcentral",
    }
    # Fabrikam's copy lives in Fabrikam's own subscription, made from the production version
    # replicated in its region (eastus), with an auxiliary token for the provider tenant.
    fabrikam = targets["win11-avd-fabrikam"]
    assert "/subscriptions/5a1b7c3d-0003-" in fabrikam["versionId"]
    assert fabrikam["sourceId"] == targets["win11-avd"]["versionId"]
    shown = json.loads(
        goldfleet("image", "version", "show", f"{PIPELINE}:2027.112.900", "-o", "json").stdout
    )
    assert shown["lineage"][fabrikam["versionId"]] == fabrikam["sourceId"]
    rows = json.loads(goldfleet("image", "version", "list", "-o", "json").stdout)
    assert {
        (r["tenant"], r["region"].replace(" ", "").lower())
        for r in rows
        if r["target"] == "win11-avd-fabrikam"
    } == {
        ("fabrikam", "eastus"),
        ("fabrikam", "westus2"),
    }
    assert all(r["state"] == "Completed" for r in rows)
    # Three customer tenants, each copy in its own tenant's subscription and regions.
    assert {
        r["target"]: r["tenant"]
        for r in rows
        if r["target"].startswith("win11-avd-")
        and r["target"] not in ("win11-avd-staging", "win11-avd-dr")
    } == {
        "win11-avd-fabrikam": "fabrikam",
        "win11-avd-contoso": "contoso",
        "win11-avd-adatum": "adatum",
    }
    assert "/subscriptions/5a1b7c3d-0002-" in targets["win11-avd-contoso"]["versionId"]
    assert "/subscriptions/5a1b7c3d-0004-" in targets["win11-avd-adatum"]["versionId"]


def test_a_failing_region_is_retried_and_the_release_survives(goldfleet, estate):
    estate.control(
        "POST", "/compute/replicationFaults", {"region": "westeurope", "count": 1, "atProgress": 40}
    )
    result = create(goldfleet, "--version", "2027.112.901")
    production = result["targets"]["win11-avd"]
    assert production["state"] == "Completed" and production["retries"] == 1
    assert result["stage"] == "replicated"


def test_promotion_needs_validation_or_an_audited_override(goldfleet, estate):
    create(goldfleet, "--version", "2027.112.902")
    release = f"{PIPELINE}:2027.112.902"
    refused = goldfleet("image", "version", "promote", release, "-c", str(CONFIG), check=False)
    assert refused.returncode == 2 and "not validated: it cannot be promoted" in refused.stderr
    promoted = json.loads(
        goldfleet(
            "image",
            "version",
            "promote",
            release,
            "-c",
            str(CONFIG),
            "--override-validation",
            "--reason",
            "emergency security fix",
            "-o",
            "json",
        ).stdout
    )
    assert len(promoted["promoted"]) == 4  # the production gallery and three customer copies
    trail = json.loads(goldfleet("audit", "list", "-o", "json").stdout)
    override = next(e for e in trail if e["action"] == "release.validation_override")
    assert override["details"]["reason"] == "emergency security fix"
    shown = json.loads(goldfleet("image", "version", "show", release, "-o", "json").stdout)
    assert (
        shown["stage"] == "promoted"
        and shown["validation"]["override"]["reason"] == "emergency security fix"
    )


def test_a_crash_mid_distribution_resumes_without_duplicate_copies(goldfleet, estate):
    estate.control("DELETE", "/requests")
    estate.control("PUT", "/clock", {"speed": 300})  # slow enough to be caught mid-flight
    command = [
        sys.executable,
        "-m",
        "goldfleet",
        "image",
        "version",
        "create",
        PIPELINE,
        "-c",
        str(CONFIG),
        "--source",
        SOURCE,
        "--version",
        "2027.112.903",
    ]
    process = subprocess.Popen(
        command, env=goldfleet.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while len(version_puts(estate)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(version_puts(estate)) >= 2  # killed with the release under way
    estate.control("PUT", "/clock", {"speed": FAST})
    result = create(goldfleet, "--version", "2027.112.903")  # same version: the same workflow
    assert result["stage"] == "replicated"
    puts = version_puts(estate)
    assert len(puts) == len(set(puts)) == 6  # each target's version sent exactly once


def test_retention_keeps_the_newest_and_what_kept_copies_come_from(goldfleet, estate):
    for version in ("2027.112.904", "2027.112.905"):
        create(goldfleet, "--version", version)
    retire = (
        "image",
        "version",
        "retire",
        PIPELINE,
        "-c",
        str(CONFIG),
        "--keep",
        "1",
        "-o",
        "json",
    )
    plan = json.loads(goldfleet(*retire, "--dry-run").stdout)
    by = {(r["target"], r["version"]): r for r in plan}
    assert by[("win11-avd-fabrikam", "2027.112.905")]["action"] == "keep"
    assert by[("win11-avd-fabrikam", "2027.112.904")]["action"] == "delete"
    # Production 905 is kept as the newest, and staging 905 because production 905 came from it.
    assert by[("win11-avd-staging", "2027.112.905")]["why"].startswith("among the newest 1") or by[
        ("win11-avd-staging", "2027.112.905")
    ]["why"].startswith("the source of")
    assert by[("win11-avd-staging", "2027.112.904")]["action"] == "delete"
    done = json.loads(goldfleet(*retire, "--yes").stdout)
    assert {(r["target"], r["version"]) for r in done if r["action"] == "delete"} == {
        (t, "2027.112.904")
        for t in (
            "win11-avd-staging",
            "win11-avd",
            "win11-avd-dr",
            "win11-avd-fabrikam",
            "win11-avd-contoso",
            "win11-avd-adatum",
        )
    }
    deletes = [
        e
        for e in estate.control("GET", "/requests")["value"]
        if e["method"] == "DELETE" and "/versions/" in e["path"]
    ]
    assert {e["path"].rsplit("/", 1)[-1] for e in deletes} == {"2027.112.904"}
    after = json.loads(goldfleet(*retire, "--dry-run").stdout)
    assert {r["version"] for r in after} == {"2027.112.905"}


def test_a_version_in_use_is_kept_and_a_blocked_deletion_is_a_clear_error(
    goldfleet, estate, monkeypatch
):
    create(goldfleet, "--version", "2027.112.910")  # Fabrikam gets its copy of 910
    estate.control("PUT", "/clock", {"now": "2026-12-15T09:00:00Z"})  # Fabrikam's freeze
    frozen = create(goldfleet, "--version", "2027.112.911")
    assert frozen["targets"]["win11-avd-fabrikam"]["state"] == "Skipped"
    plan = json.loads(
        goldfleet(
            "image",
            "version",
            "retire",
            PIPELINE,
            "-c",
            str(CONFIG),
            "--keep",
            "1",
            "--dry-run",
            "-o",
            "json",
        ).stdout
    )
    by = {(r["target"], r["version"]): r for r in plan}
    # Fabrikam's newest copy is 910, made from production 910, made from staging 910: in use.
    assert by[("win11-avd-fabrikam", "2027.112.910")]["action"] == "keep"
    # Superseded but still needed: kept, and given an end of life (deprecateAfterDays: 30).
    production = by[("win11-avd", "2027.112.910")]
    assert production["action"] == "deprecate"
    assert "the source of gal_fabrikam/" in production["why"]
    # 30 days after the (fast-running) clock's 2026-12-15
    assert "2027-01-14" <= production["endOfLife"] < "2027-01-31"
    assert "the source of gal_northwind_prod/" in by[("win11-avd-staging", "2027.112.910")]["why"]
    assert by[("win11-avd-dr", "2027.112.910")]["action"] == "delete"
    # The DR version is protected by its safety profile until its end of life.
    compute = provider_compute(estate)
    compute.gallery_image_versions.begin_update(
        "rg-goldfleet-dr",
        "gal_northwind_dr",
        "win11-24h2-avd-m365",
        "2027.112.910",
        {
            "properties": {
                "publishingProfile": {"endOfLifeDate": "2028-01-01T00:00:00Z"},
                "safetyProfile": {"blockDeletionBeforeEndOfLife": True},
            }
        },
    ).result()
    # Retention sees the protection and keeps the version until its end of life...
    verdicts = json.loads(
        goldfleet(
            "image",
            "version",
            "retire",
            PIPELINE,
            "-c",
            str(CONFIG),
            "--keep",
            "1",
            "--yes",
            "-o",
            "json",
        ).stdout
    )
    dr = next(
        r for r in verdicts if (r["target"], r["version"]) == ("win11-avd-dr", "2027.112.910")
    )
    assert dr["action"] == "keep"
    assert dr["why"] == "its safety profile blocks deletion until 2028-01-01"
    assert compute.gallery_image_versions.get(
        "rg-goldfleet-dr", "gal_northwind_dr", "win11-24h2-avd-m365", "2027.112.910"
    )
    # ...and a deletion Azure refuses all the same is a clear error naming the version.
    from goldfleet.azure.changes import delete_image_version
    from goldfleet.azure.clients import ClientFactory
    from goldfleet.azure.cloud import emulator_cloud
    from goldfleet.azure.credentials import client_secret
    from goldfleet.domain.errors import AzureCallError

    version_id = (
        f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-dr/providers/"
        "Microsoft.Compute/galleries/gal_northwind_dr/images/win11-24h2-avd-m365/versions/"
        "2027.112.910"
    )
    monkeypatch.setenv("GOLDFLEET_TEST_SECRET", SECRET)
    ref = client_secret(APP, "GOLDFLEET_TEST_SECRET")

    async def delete() -> None:
        factory = ClientFactory(emulator_cloud(estate.endpoint, estate.ca_path))
        try:
            await delete_image_version(factory, PROVIDER, PROVIDER_SUB, ref, version_id)
        finally:
            await factory.close()

    from goldfleet.azure.ownership import acting_as
    from goldfleet.domain.ownership import Owner, OwnerKind

    with (  # goldfleet's own version, as its pipeline
        pytest.raises(AzureCallError) as refused,
        acting_as(Owner("goldfleet", OwnerKind.PIPELINE, "win11-avd-monthly")),
    ):
        asyncio.run(delete())
    assert str(refused.value).startswith(f"deleting image version {version_id}: ")
    assert "cannot be deleted before its end of life date" in str(refused.value)


def test_bad_input_is_refused_before_any_change(goldfleet, estate, tmp_path):
    estate.control("DELETE", "/requests")
    bad_name = create(goldfleet, "--version", "1.0", check=False)
    assert bad_name.returncode == 2 and "is not Major(int).Minor(int).Patch(int)" in bad_name.stderr
    past = create(
        goldfleet, "--version", "2027.112.906", "--end-of-life", "2020-01-01", check=False
    )
    assert past.returncode == 2 and "is not in the future" in past.stderr
    wrong_generation = goldfleet(
        "image",
        "version",
        "create",
        PIPELINE,
        "-c",
        str(CONFIG),
        "--version",
        "2027.112.907",
        "--source",
        SOURCE.replace("img-win11-avd-2026-11", "img-win10-gen1"),
        check=False,
    )
    assert wrong_generation.returncode == 2 and "Traceback" not in wrong_generation.stderr
    assert "nothing was created" in wrong_generation.stderr
    assert "img-win10-gen1 is Hyper-V generation V1" in wrong_generation.stderr
    assert "win11-avd-staging:" in wrong_generation.stderr
    # A region Azure does not offer the subscription (the configuration believes it does).
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    tenants, images = config / "tenants.yaml", config / "images.yaml"
    tenants.write_text(
        tenants.read_text().replace(
            "regions: [eastus, westus2]", "regions: [eastus, westus2, brazilsouth]"
        )
    )
    images.write_text(
        images.read_text().replace(
            "regions: [{name: eastus, replicas: 2}, westus2]",
            "regions: [{name: eastus, replicas: 2}, westus2, brazilsouth]",
        )
    )
    unoffered = goldfleet(
        "image",
        "version",
        "create",
        PIPELINE,
        "-c",
        str(config),
        "--source",
        SOURCE,
        "--version",
        "2027.112.908",
        check=False,
    )
    assert unoffered.returncode == 2 and "Traceback" not in unoffered.stderr
    said = " ".join(unoffered.stderr.split())  # as printed, wrapped or not
    assert (
        "win11-avd-fabrikam: region brazilsouth is not offered by subscription "
        "5a1b7c3d-0003-4e8f-9a0b-1c2d3e4f5a03 (it offers eastus, westus2)"
    ) in said
    assert version_puts(estate) == []  # none of the four made anything


def test_a_tenant_without_consent_is_reported_with_the_fix_and_the_others_complete(
    goldfleet, estate
):
    app, fabrikam = "0e6a3f4b-9c2d-4e1a-8b7f-3d5c6a9e1b10", "9d4a2c81-1e6b-4f3a-8c07-5b2e9f1a3d03"
    directory = estate.world.directory
    principal = estate.call(lambda: directory.service_principal_of(app, fabrikam))
    estate.call(lambda: directory.remove_service_principal(principal.object_id))  # consent revoked
    result = create(goldfleet, "--version", "2027.112.920")
    copy = result["targets"]["win11-avd-fabrikam"]
    assert copy["state"] == "Unreachable" and "AADSTS700016" in copy["error"]
    assert copy["fix"] == (
        f"an administrator of tenant {fabrikam} must consent to application {app} "
        "(so that it has a service principal there)"
    )
    assert {k: v["state"] for k, v in result["targets"].items() if k != "win11-avd-fabrikam"} == {
        "win11-avd-staging": "Completed",
        "win11-avd": "Completed",
        "win11-avd-dr": "Completed",
        "win11-avd-contoso": "Completed",
        "win11-avd-adatum": "Completed",
    }
    # Consent given again: replicating the release reaches Fabrikam, and nothing else is re-sent.
    estate.call(lambda: directory.add_service_principal(principal))
    estate.control("DELETE", "/requests")
    again = json.loads(
        goldfleet(
            "image",
            "version",
            "replicate",
            f"{PIPELINE}:2027.112.920",
            "-c",
            str(CONFIG),
            "-o",
            "json",
        ).stdout
    )
    assert again["targets"]["win11-avd-fabrikam"]["state"] == "Completed"
    assert [p.rsplit("/versions/", 1)[0].split("/galleries/")[1] for p in version_puts(estate)] == [
        "gal_fabrikam/images/win11-24h2-avd-m365"
    ]


def test_retention_is_planned_with_why_and_applied_through_plan_and_apply(
    goldfleet, estate, tmp_path
):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    images = config / "images.yaml"
    images.write_text(
        images.read_text().replace(
            "retention: {keepLast: 3, deprecateAfterDays: 30}", "retention: {keepLast: 1}"
        )
    )
    for version in ("2027.112.930", "2027.112.931"):
        create_from(goldfleet, config, version)
    plan = json.loads(goldfleet("plan", "-c", str(config), "-o", "json").stdout)
    versions = [c for c in plan["changes"] if c["kind"] == "imageVersion"]
    by = {(c["before"]["target"], c["before"]["name"]): c for c in versions}
    targets = {t for t, _ in by}
    assert len(targets) == 6
    for target in targets:
        assert by[(target, "2027.112.931")]["action"] == "no-op"
        assert by[(target, "2027.112.931")]["reason"] == "among the newest 1"
        assert by[(target, "2027.112.930")]["action"] == "delete"
    # A copy goes before the provider version it came from.
    order = [c["key"] for c in plan["changes"]]
    fabrikam = by[("win11-avd-fabrikam", "2027.112.930")]
    production = by[("win11-avd", "2027.112.930")]
    assert fabrikam["key"] in production["dependsOn"]
    assert order.index(fabrikam["key"]) < order.index(production["key"])
    people = goldfleet("plan", "-c", str(config), "--show-unchanged").stdout
    assert "older than the newest 1" in people and "among the newest 1" in people
    assert "6 to delete" in people
    goldfleet("apply", "-c", str(config), "--yes")
    gone = {
        e["path"].lower()
        for e in estate.control("GET", "/requests")["value"]
        if e["method"] == "DELETE" and e["path"].endswith("/versions/2027.112.930")
    }
    assert len(gone) == 6
    again = json.loads(goldfleet("plan", "-c", str(config), "-o", "json").stdout)
    assert [
        c for c in again["changes"] if c["kind"] == "imageVersion" and c["action"] != "no-op"
    ] == []


def test_promotion_by_copy_fills_production_only_when_promoted(goldfleet, estate, tmp_path):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    images = config / "images.yaml"
    text = images.read_text().replace(
        "  retention: {keepLast: 3, deprecateAfterDays: 30}",
        "  retention: {keepLast: 3, deprecateAfterDays: 30}\n  promotion: copy",
    )
    # the DR copy needs a staging replica in its region, since production gets nothing yet
    text = text.replace(
        "      - definition: win11-avd-staging\n        regions: [uksouth]",
        "      - definition: win11-avd-staging\n        regions: [uksouth, northeurope]",
    )
    images.write_text(text)
    released = create_from(goldfleet, config, "2027.112.940")
    assert {k: v["state"] for k, v in released["targets"].items()} == {
        "win11-avd-staging": "Completed",
        "win11-avd-dr": "Completed",
    }
    assert released["stage"] == "replicated"
    estate.control("DELETE", "/requests")
    promoted = json.loads(
        goldfleet(
            "image",
            "version",
            "promote",
            f"{PIPELINE}:2027.112.940",
            "-c",
            str(config),
            "--override-validation",
            "--reason",
            "copy-mode test",
            "-o",
            "json",
        ).stdout
    )
    assert {k: v["state"] for k, v in promoted["targets"].items()} == {
        "win11-avd": "Completed",
        "win11-avd-fabrikam": "Completed",
        "win11-avd-contoso": "Completed",
        "win11-avd-adatum": "Completed",
    }
    assert len(promoted["promoted"]) == 4
    production = promoted["targets"]["win11-avd"]
    assert "/galleries/gal_northwind_staging/" in production["sourceId"]
    assert promoted["targets"]["win11-avd-contoso"]["sourceId"] == production["versionId"]
    puts = [
        e
        for e in estate.control("GET", "/requests")["value"]
        if e["method"] == "PUT" and "/galleries/" in e["path"]
    ]
    assert len(puts) == 4  # one copy per production target, nothing else re-sent
    # and Fabrikam's standby scale set now makes its DR hosts from the promoted copy
    assert promoted["dr"]["fabrikam-pooled"]["state"] == "done", promoted["dr"]
    assert promoted["dr"]["fabrikam-pooled"]["version"].endswith("/versions/2027.112.940")
    shown = json.loads(
        goldfleet("image", "version", "show", f"{PIPELINE}:2027.112.940", "-o", "json").stdout
    )
    assert shown["stage"] == "promoted"
    compute = provider_compute(estate)
    version = compute.gallery_image_versions.get(
        "rg-goldfleet-images", "gal_northwind_prod", "win11-24h2-avd-m365", "2027.112.940"
    )
    assert version.publishing_profile.exclude_from_latest is False
    assert version.tags["goldfleet-stage"] == "promoted"
