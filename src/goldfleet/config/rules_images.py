"""Rules inside one ImagePipeline document: a script needs its checksum, a built-in takes only its
own parameters, ``newSourceVersion`` needs a source whose version is ``latest``, a cron schedule
must fire, pinned versions are names Azure accepts, and settings that only one kind of build
reads are refused on the others (a captured master VM runs no customizations)."""

from __future__ import annotations

from collections.abc import Iterator

from goldfleet.config.catalog import BUILTIN_CUSTOMIZATIONS
from goldfleet.config.cron import never_fires
from goldfleet.config.diagnostics import Path, Problem, did_you_mean, shown
from goldfleet.config.entries import Valid
from goldfleet.config.models.documents import ImagePipelineDocument
from goldfleet.config.models.images import (
    CronSchedule,
    Customization,
    GalleryVersionSource,
    MarketplaceSource,
    MasterVmSource,
    NewSourceVersionSchedule,
)
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.releases import check_version_name


def version_problem(version: str) -> str | None:
    """Why ``version`` is not ``latest`` or a version name Azure accepts (Major.Minor.Patch,
    each part a 32-bit integer), or None."""
    if version == "latest":
        return None
    try:
        check_version_name(version)
    except UserInputError:
        return (
            'expected "latest" or a version Major.Minor.Patch whose parts are whole numbers'
            f" from 0 to 2147483647 (Azure's rule), got {shown(version)}"
        )
    return None


def pipeline_rules(valid: Valid[ImagePipelineDocument]) -> Iterator[Problem]:
    spec = valid.doc.spec
    source = spec.source
    if isinstance(source, GalleryVersionSource) and (source.definition is None) == (
        source.id is None
    ):
        yield valid.problem(
            ("spec", "source"), "expected exactly one of definition (a name) or id (a resource id)"
        )
    yield from _versions(valid)
    yield from _build_kind(valid)
    for i, step in enumerate(spec.customizations):
        yield from _customization(valid, ("spec", "customizations", i), step)
    for i, step in enumerate(spec.build.pre_sysprep_scripts):
        yield from _customization(valid, ("spec", "build", "preSysprepScripts", i), step)
    if isinstance(spec.schedule, CronSchedule) and never_fires(spec.schedule.cron):
        yield valid.problem(
            ("spec", "schedule", "cron"),
            f"{shown(spec.schedule.cron)} never fires: no date matches it, so the pipeline would"
            " never be built on schedule",
        )
    if isinstance(spec.schedule, NewSourceVersionSchedule):
        version = getattr(source, "version", None)
        if not isinstance(source, MarketplaceSource | GalleryVersionSource):
            yield valid.problem(
                ("spec", "schedule", "type"),
                "newSourceVersion needs a marketplace or galleryVersion source"
                f" (this pipeline's source is {shown(source.type)})",
            )
        elif version != "latest":
            yield valid.problem(
                ("spec", "schedule", "type"),
                "newSourceVersion needs the source's version to be latest"
                f" (it is pinned to {shown(version)})",
            )
    targets = spec.distribution.targets
    yield from valid.duplicates(
        "distribution target",
        [
            (("spec", "distribution", "targets", t, "definition"), target.definition)
            for t, target in enumerate(targets)
        ],
    )
    for t, target in enumerate(targets):
        yield from valid.duplicates(
            "region",
            [
                (("spec", "distribution", "targets", t, "regions", r), region.name)
                for r, region in enumerate(target.regions)
            ],
        )


def _versions(valid: Valid[ImagePipelineDocument]) -> Iterator[Problem]:
    """Every version the pipeline names: a marketplace or gallery source's pinned version, and
    the version at the end of a gallery source's id."""
    source = valid.doc.spec.source
    if isinstance(source, MarketplaceSource | GalleryVersionSource):
        problem = version_problem(source.version)
        if problem:
            yield valid.problem(("spec", "source", "version"), problem)
    if isinstance(source, GalleryVersionSource) and source.id is not None:
        parts = [p.lower() for p in ResourceId(source.id).parts]
        if "versions" in parts[:-1]:
            pinned = ResourceId(source.id).parts[parts.index("versions") + 1]
            problem = version_problem(pinned)
            if problem:
                yield valid.problem(("spec", "source", "id"), f"its version: {problem}")


def _build_kind(valid: Valid[ImagePipelineDocument]) -> Iterator[Problem]:
    """A masterVm source is captured (no customizations, no Image Builder); any other source is
    built, by Image Builder or directly."""
    spec = valid.doc.spec
    build = spec.build
    captured = isinstance(spec.source, MasterVmSource)
    if captured:
        for i, _ in enumerate(spec.customizations):
            yield valid.problem(
                ("spec", "customizations", i),
                "a masterVm source is captured as it is: customizations do not run; put what"
                " must run on the clone in build.preSysprepScripts",
            )
    image_builder_only = {
        "stagingResourceGroup": build.staging_resource_group,
        "identity": build.identity,
    }
    if captured or build.builder != "imageBuilder":
        why = "a masterVm source is captured" if captured else "this build is direct"
        for name, value in image_builder_only.items():
            if value is not None:
                yield valid.problem(
                    ("spec", "build", name),
                    f"only an Image Builder build takes it ({why})",
                    at_key=True,
                )
    if not captured:
        capture_only = {
            "backupMaster": build.backup_master,
            "preSysprepScripts": bool(build.pre_sysprep_scripts),
        }
        for name, used in capture_only.items():
            if used:
                yield valid.problem(
                    ("spec", "build", name),
                    "only a capture (a masterVm source) takes it",
                    at_key=True,
                )


def _customization(
    valid: Valid[ImagePipelineDocument], where: Path, step: Customization
) -> Iterator[Problem]:
    if (step.builtin is None) == (step.script is None):
        yield valid.problem(where, "expected exactly one of builtin (a name) or script (a URI)")
        return
    if step.script is not None:
        if step.sha256 is None:
            yield valid.problem(
                (*where, "sha256"),
                "required field is missing: a script runs only with the SHA-256 of its content"
                " (sha256: <64 hexadecimal digits>)",
            )
        return
    builtin = BUILTIN_CUSTOMIZATIONS.get(step.builtin or "")
    if builtin is None:
        yield valid.problem(
            (*where, "builtin"),
            f"unknown built-in customization {shown(step.builtin)}"
            f"{did_you_mean(step.builtin or '', BUILTIN_CUSTOMIZATIONS)}",
        )
        return
    if step.sha256 is not None:
        yield valid.problem((*where, "sha256"), "only a script takes a sha256")
    for name in step.parameters:
        if name not in builtin.parameters:
            accepted = ", ".join(sorted(builtin.parameters)) or "none"
            yield valid.problem(
                (*where, "parameters", name),
                f"unknown parameter {shown(name)} of {builtin.name}; expected: {accepted}",
                at_key=True,
            )
    for name in sorted(builtin.required - set(step.parameters)):
        yield valid.problem((*where, "parameters", name), f"required parameter of {builtin.name}")
