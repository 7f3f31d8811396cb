"""Rule 8 for image pipelines, across documents: pipelines that build from each other's output
(a cycle, reported whole, or a pipeline that builds from its own), targets whose definitions
cannot hold the same version (another OS type or generation, or Specialized while builds and
captures make Generalized versions), Windows built-ins in a Linux image, and ``promotion: copy``
without a staging target to copy from in the production gallery's region.
"""

from __future__ import annotations

from typing import Any

from goldfleet.config.catalog import BUILTIN_CUSTOMIZATIONS
from goldfleet.config.diagnostics import Path, Problem
from goldfleet.config.entries import Valid
from goldfleet.config.lookup import Documents, Owner, of_kind, subscription_of
from goldfleet.config.models.documents import (
    GalleryDocument,
    ImageDefinitionDocument,
    ImagePipelineDocument,
    TenantDocument,
)
from goldfleet.config.models.images import GalleryVersionSource
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.images import GalleryRole, OsState, OsType, PromotionMode
from goldfleet.domain.tenancy import TenantRole

_SOURCE_DEFINITION: Path = ("spec", "source", "definition")


def pipeline_problems(documents: Documents) -> list[Problem]:
    pipelines = of_kind(documents, "ImagePipeline", ImagePipelineDocument)
    problems = _cycles(documents, pipelines)
    for pipeline in pipelines:
        problems += _targets(documents, pipeline)
        problems += _copy_promotion(documents, pipeline)
    return problems


# --- pipelines that build from each other ------------------------------------------------------


def _definition_by_id(documents: Documents, image_id: str) -> str | None:
    """The ImageDefinition a gallery image (or version) id names, if the configuration has it."""
    parts = [p.lower() for p in ResourceId(image_id).parts]
    if "galleries" not in parts or "images" not in parts:
        return None
    gallery_name = parts[parts.index("galleries") + 1]
    image_name = parts[parts.index("images") + 1]
    sub_id, group = parts[1], parts[3]
    for definition in of_kind(documents, "ImageDefinition", ImageDefinitionDocument):
        gallery = documents.get("Gallery", {}).get(definition.doc.spec.gallery)
        if gallery is None:
            continue
        gspec = gallery.doc.spec
        sub = subscription_of(documents, gspec.tenant, gspec.subscription)
        if (
            sub is not None
            and sub.id == sub_id
            and gspec.resource_group.lower() == group
            and (gspec.name or gallery.name).lower() == gallery_name
            and (definition.doc.spec.name or definition.name).lower() == image_name
        ):
            return definition.name
    return None


def _source(
    documents: Documents, pipeline: Valid[ImagePipelineDocument]
) -> tuple[str, Path] | None:
    """The configured definition a pipeline builds from, and the field that names it."""
    source = pipeline.doc.spec.source
    if not isinstance(source, GalleryVersionSource):
        return None
    if source.definition is not None:
        return source.definition, _SOURCE_DEFINITION
    found = _definition_by_id(documents, source.id) if source.id else None
    return (found, ("spec", "source", "id")) if found else None


def _cycles(documents: Documents, pipelines: list[Valid[ImagePipelineDocument]]) -> list[Problem]:
    made_by: dict[str, Valid[ImagePipelineDocument]] = {}
    for pipeline in pipelines:
        for target in pipeline.doc.spec.distribution.targets:
            made_by.setdefault(target.definition, pipeline)
    sources = {p.name: s for p in pipelines if (s := _source(documents, p)) is not None}
    by_name = {p.name: p for p in pipelines}
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    for start in sorted(sources):
        chain: list[str] = []
        name: str | None = start
        while name is not None and name not in chain:
            chain.append(name)
            source = sources.get(name)
            maker = made_by.get(source[0]) if source else None
            name = maker.name if maker is not None else None
        if name is None or name != start or frozenset(chain) in reported:
            continue
        reported.add(frozenset(chain))
        first = by_name[start]
        if len(chain) == 1:
            definition, path = sources[start]
            problems.append(
                first.problem(
                    path,
                    f"the pipeline builds from ImageDefinition/{definition}, which it distributes"
                    " itself: it would build from its own output, and could never make a first"
                    " version",
                )
            )
            continue
        steps = []
        for i, member in enumerate(chain):
            following = chain[(i + 1) % len(chain)]
            made = (
                f"ImagePipeline/{start}"
                if following == start
                else str(Owner(by_name[following], sources[following][1]))
            )
            steps.append(f"builds from ImageDefinition/{sources[member][0]}, made by {made}")
        problems.append(
            first.problem(
                sources[start][1],
                "pipelines that build from each other's output, so none of them could make a"
                " first version: this pipeline " + ", which ".join(steps),
            )
        )
    return problems


# --- targets ----------------------------------------------------------------------------------


def _targets(documents: Documents, pipeline: Valid[ImagePipelineDocument]) -> list[Problem]:
    spec = pipeline.doc.spec
    definitions: dict[str, Valid[Any]] = documents.get("ImageDefinition", {})
    found: list[Problem] = []
    first: Valid[ImageDefinitionDocument] | None = None
    for t, target in enumerate(spec.distribution.targets):
        definition = definitions.get(target.definition)
        if definition is None:
            continue
        where = ("spec", "distribution", "targets", t, "definition")
        dspec = definition.doc.spec
        if dspec.os_state is OsState.SPECIALIZED:
            found.append(
                pipeline.problem(
                    where,
                    f"ImageDefinition/{definition.name} is Specialized, but builds and captures"
                    " make Generalized versions (sysprep runs before the image is taken)",
                )
            )
        if first is None:
            first = definition
            continue
        mine = (dspec.os_type.value, dspec.hyper_v_generation.value)
        theirs = (first.doc.spec.os_type.value, first.doc.spec.hyper_v_generation.value)
        if mine != theirs:
            found.append(
                pipeline.problem(
                    where,
                    f"ImageDefinition/{definition.name} is {' '.join(mine)} and ImageDefinition/"
                    f"{first.name} (the first target) is {' '.join(theirs)}: one version cannot"
                    " be in both",
                )
            )
    if first is not None and first.doc.spec.os_type is OsType.LINUX:
        for i, step in enumerate(spec.customizations):
            if step.builtin in BUILTIN_CUSTOMIZATIONS:
                found.append(
                    pipeline.problem(
                        ("spec", "customizations", i, "builtin"),
                        f"{step.builtin} is a Windows (PowerShell) customization, and"
                        f" ImageDefinition/{first.name} is a Linux image",
                    )
                )
    return found


def _copy_promotion(documents: Documents, pipeline: Valid[ImagePipelineDocument]) -> list[Problem]:
    """``promotion: copy`` copies a promoted version from a non-production target in the
    provider's tenant that has a replica in the production gallery's region."""
    spec = pipeline.doc.spec
    if spec.promotion is not PromotionMode.COPY:
        return []
    provider = next(
        (
            t.name
            for t in of_kind(documents, "Tenant", TenantDocument)
            if t.doc.spec.role is TenantRole.PROVIDER
        ),
        None,
    )
    placed: list[tuple[int, GalleryDocument, set[str]]] = []
    for t, target in enumerate(spec.distribution.targets):
        definition = documents.get("ImageDefinition", {}).get(target.definition)
        if definition is None or definition.doc.spec.gallery not in documents.get("Gallery", {}):
            return []  # reported as an undefined reference
        gallery: GalleryDocument = documents["Gallery"][definition.doc.spec.gallery].doc
        placed.append((t, gallery, {r.name for r in target.regions}))
    ours = [p for p in placed if p[1].spec.tenant == provider]
    found = []
    for t, production, _ in ours:
        if production.spec.role is not GalleryRole.PRODUCTION:
            continue
        home = production.spec.location
        if not any(
            other.spec.role is not GalleryRole.PRODUCTION and home in regions
            for _, other, regions in ours
        ):
            found.append(
                pipeline.problem(
                    ("spec", "distribution", "targets", t, "definition"),
                    f"promotion: copy copies each promoted version from a staging target with a"
                    f" replica in {home}, the production gallery's region, and no staging target"
                    f" of this pipeline replicates to {home}",
                )
            )
    return found
