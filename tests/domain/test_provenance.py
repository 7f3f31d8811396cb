"""Provenance: a version's exact source and steps as a record, as at most 15 Azure tags that read
back as far as tags can carry, and the differences between two versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goldfleet.domain.builtins import builtin_text
from goldfleet.domain.customizations import render
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.images import (
    Customization,
    CustomizationKind,
    GalleryVersionSource,
    MarketplaceSource,
    MasterVmSource,
)
from goldfleet.domain.provenance import (
    MAX_TAGS,
    BuilderKind,
    DifferenceKind,
    Provenance,
    SourceKind,
    SourceRecord,
    StepRecord,
    check_tags,
    diff,
    from_tags,
    source_record,
    step_record,
    steps_hash,
    to_tags,
)

B, S = CustomizationKind.BUILTIN, CustomizationKind.SCRIPT
SHA = "3f5b9c1e7a2d4f6081b3c5e7d9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4"
URI = "https://stnorthwindbuild.blob.core.windows.net/scripts/install-lob-apps.ps1"
MASTER = "/subscriptions/5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01/resourceGroups/rg-goldfleet-build/providers/Microsoft.Compute/virtualMachines/vm-legal-master"


def sha(n: int) -> str:
    return f"{n:064x}"


def example_steps() -> tuple[StepRecord, ...]:
    """The example pipeline's eleven steps, rendered from the real built-ins."""
    configured = [
        ("installLanguagePacks", (("languages", ("en-GB", "en-AU", "de-DE")),)),
        ("setDefaultLanguage", (("language", "en-GB"),)),
        ("timeZoneRedirection", ()),
        ("fslogix", ()),
        ("teamsOptimization", ()),
        ("rdpShortpath", ()),
        ("removeAppxPackages", (("packages", ("Microsoft.XboxApp", "Microsoft.GamingApp")),)),
        ("disableStorageSense", ()),
    ]
    steps = [
        step_record(render(Customization(B, name, parameters=params), builtin_text(name)), 30.0, 0)
        for name, params in configured
    ]
    steps.append(
        StepRecord("Northwind line-of-business apps", S, SHA, uri=URI, duration_seconds=200.0)
    )
    for name, params in [("windowsUpdate", (("updateLimit", 40),)), ("windowsRestart", ())]:
        custom = Customization(B, name, parameters=params)
        steps.append(step_record(render(custom, builtin_text(name)), 900.0, 0))
    return tuple(steps)


def provenance(**changes) -> Provenance:
    base = Provenance(
        source=source_record(
            MarketplaceSource("MicrosoftWindowsDesktop", "office-365", "win11-24h2-avd-m365"),
            "26100.2314.241107",
        ),
        steps=example_steps(),
        builder=BuilderKind.IMAGE_BUILDER,
        build_id="win11-avd-monthly:2026.1111.0600",
        goldfleet_version="0.1.0",
        template_id="/subscriptions/aaaa/resourceGroups/rg-goldfleet-build/providers/Microsoft.VirtualMachineImages/imageTemplates/gf-win11-avd-monthly-2026-1111-0600",
        started=datetime(2026, 11, 11, 6, 0, tzinfo=UTC),
        finished=datetime(2026, 11, 11, 7, 42, 10, tzinfo=UTC),
        pipeline="win11-avd-monthly",
    )
    return replace(base, **changes)


def test_sources_are_exact():
    marketplace = MarketplaceSource("MicrosoftWindowsDesktop", "office-365", "win11-24h2-avd-m365")
    assert source_record(marketplace, "26100.2314.241107") == SourceRecord(
        SourceKind.MARKETPLACE,
        "MicrosoftWindowsDesktop:office-365:win11-24h2-avd-m365:26100.2314.241107",
    )
    version_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d/versions/1.0.3"
    assert source_record(GalleryVersionSource("win11-avd"), version_id).reference == version_id
    capture = source_record(MasterVmSource("northwind", ResourceId(MASTER)), snapshot_id="/snap")
    assert (capture.kind, capture.snapshot_id) == (SourceKind.MASTER_VM, "/snap")


def test_tags_are_few_valid_and_stable():
    p = provenance()
    tags = to_tags(p)
    assert len(tags) <= MAX_TAGS
    check_tags(tags)
    assert tags == to_tags(provenance())
    assert tags["gf-source"] == (
        "marketplace:MicrosoftWindowsDesktop:office-365:win11-24h2-avd-m365:26100.2314.241107"
    )
    assert tags["gf-builder"] == "imageBuilder"
    assert tags["gf-build"] == "win11-avd-monthly:2026.1111.0600"
    assert tags["gf-template"] == "gf-win11-avd-monthly-2026-1111-0600"
    assert tags["gf-built"] == "2026-11-11T06:00:00Z/2026-11-11T07:42:10Z"
    assert tags["gf-steps"] == f"11:{steps_hash(p.steps)}"
    first = p.steps[0]
    assert tags["gf-step-01"] == f"b:installLanguagePacks@{first.sha256[:12]}"
    # 7 fixed tags leave 8 slots for 11 steps: they share, in order, none lost.
    step_values = [v for k, v in sorted(tags.items()) if k.startswith("gf-step-")]
    entries = ",".join(step_values).split(",")
    assert len(entries) == 11
    assert entries[8] == f"s:Northwind line-of-business apps@{SHA[:12]}"


def test_tags_read_back_as_far_as_they_carry():
    p = provenance()
    back = from_tags(to_tags(p))
    assert back.complete is False
    assert (back.source, back.builder, back.build_id) == (p.source, p.builder, p.build_id)
    assert (back.started, back.finished, back.goldfleet_version) == (
        p.started,
        p.finished,
        "0.1.0",
    )
    assert [(s.name, s.kind, s.sha256) for s in back.steps] == [
        (s.name, s.kind, s.sha256[:12]) for s in p.steps
    ]
    assert diff(p, back) == []  # a short hash is the same hash; parameters are not compared


def test_a_long_source_id_spans_two_tags_and_a_capture_names_its_snapshot():
    long_id = (
        "/subscriptions/5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01/resourceGroups/"
        + ("rg-" + "x" * 87)
        + "/providers/Microsoft.Compute/galleries/"
        + "g" * 80
        + "/images/"
        + "d" * 80
        + "/versions/2026.1111.0600"
    )
    p = provenance(source=SourceRecord(SourceKind.GALLERY_VERSION, long_id))
    tags = to_tags(p)
    assert "gf-source-2" in tags and len(tags) <= MAX_TAGS
    assert from_tags(tags).source.reference == long_id
    capture = provenance(
        source=SourceRecord(
            SourceKind.MASTER_VM, MASTER, MASTER.replace("virtualMachines", "snapshots") + "-os"
        ),
        builder=BuilderKind.CAPTURE,
        steps=(),
        template_id=None,
    )
    tags = to_tags(capture)
    assert tags["gf-snapshot"].endswith("/snapshots/vm-legal-master-os")
    assert tags["gf-steps"].startswith("0:")
    assert from_tags(tags).source == capture.source


def test_many_steps_still_fit_and_the_count_covers_all():
    steps = tuple(StepRecord(f"step number {i} with a long label", B, sha(i)) for i in range(60))
    tags = to_tags(provenance(steps=steps))
    assert len(tags) == MAX_TAGS
    check_tags(tags)
    assert tags["gf-steps"].startswith("60:")
    back = from_tags(tags)
    assert 0 < len(back.steps) < 60
    assert [s.name for s in back.steps] == [s.name for s in steps[: len(back.steps)]]


@settings(max_examples=100, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=40), min_size=0, max_size=8),
    kinds=st.lists(st.sampled_from([B, S]), min_size=8, max_size=8),
)
def test_any_step_names_round_trip_through_tags(names, kinds):
    steps = tuple(StepRecord(n, kinds[i], sha(i + 1)) for i, n in enumerate(names))
    tags = to_tags(provenance(steps=steps))
    check_tags(tags)
    assert [(s.name, s.kind) for s in from_tags(tags).steps] == [(s.name, s.kind) for s in steps]


def test_json_round_trip():
    p = provenance()
    assert Provenance.from_json(p.to_json()) == p


def test_tags_without_provenance_are_refused():
    with pytest.raises(ValueError, match="no goldfleet provenance"):
        from_tags({"managed-by": "goldfleet"})


# --- diff --------------------------------------------------------------------------------------


def test_identical_versions_have_no_differences():
    assert diff(provenance(), provenance()) == []


def test_a_new_marketplace_version_and_a_changed_script():
    a = provenance()
    steps = list(a.steps)
    steps[8] = replace(steps[8], sha256=sha(99))
    b = provenance(
        source=source_record(
            MarketplaceSource("MicrosoftWindowsDesktop", "office-365", "win11-24h2-avd-m365"),
            "26100.2605.241207",
        ),
        steps=tuple(steps),
    )
    assert [(d.kind, d.subject, d.before, d.after) for d in diff(a, b)] == [
        (
            DifferenceKind.SOURCE,
            "source",
            "marketplace MicrosoftWindowsDesktop:office-365:win11-24h2-avd-m365:26100.2314.241107",
            "marketplace MicrosoftWindowsDesktop:office-365:win11-24h2-avd-m365:26100.2605.241207",
        ),
        (
            DifferenceKind.STEP_HASH,
            "step 9 Northwind line-of-business apps",
            SHA[:12],
            sha(99)[:12],
        ),
    ]


def test_steps_added_removed_and_parameters_changed():
    a = provenance()
    steps = [s for s in a.steps if s.name != "rdpShortpath"]
    language = render(
        Customization(B, "installLanguagePacks", parameters=(("languages", ("en-GB", "fr-FR")),)),
        builtin_text("installLanguagePacks"),
    )
    steps[0] = step_record(language)
    steps.insert(3, StepRecord("screenCaptureProtection", B, sha(7)))
    b = provenance(steps=tuple(steps), builder=BuilderKind.DIRECT, goldfleet_version="0.2.0")
    found = diff(a, b)
    assert [(d.kind, d.subject) for d in found] == [
        (DifferenceKind.BUILDER, "builder"),
        (DifferenceKind.STEP_HASH, "step 1 installLanguagePacks"),
        (DifferenceKind.STEP_PARAMETERS, "step 1 installLanguagePacks"),
        (DifferenceKind.STEP_ADDED, "step 4 screenCaptureProtection"),
        (DifferenceKind.STEP_REMOVED, "step 6 rdpShortpath"),
        (DifferenceKind.GOLDFLEET, "goldfleet"),
    ]
    assert found[2].details == ('languages: ["en-GB", "en-AU", "de-DE"] -> ["en-GB", "fr-FR"]',)
    assert (found[0].before, found[0].after) == ("imageBuilder", "direct")
