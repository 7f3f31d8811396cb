"""What a build needs, worked out - and checked - before anything is created: every step as the
exact text that will run (a user's script downloaded and its SHA-256 checked), the source
resolved to an exact version, the staging resource group empty, and the workflow specs of the
two builders (``lifecycle/image_builder.py``, ``lifecycle/direct_build.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from goldfleet.api.images import (
    client_factory,
)
from goldfleet.api.session import Target
from goldfleet.azure import blobs, imagebuilder, marketplace
from goldfleet.domain.builtins import builtin_text
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.customizations import RenderedStep, render, script_arguments
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import (
    Customization,
    CustomizationKind,
    GalleryVersionSource,
    ImagePipeline,
    ManagedImageSource,
    MarketplaceSource,
)
from goldfleet.domain.provenance import (
    Provenance,
    SourceRecord,
    source_record,
    to_tags,
)
from goldfleet.domain.releases import Stage, version_tags


def render_steps(target: Target, steps: tuple[Customization, ...]) -> list[RenderedStep]:
    """Every step as the exact text that will run; a user's script is downloaded and checked
    against its SHA-256 now, before anything is created."""

    async def fetch_all() -> list[RenderedStep]:
        rendered = []
        for step in steps:
            if step.kind is CustomizationKind.BUILTIN:
                try:
                    template = builtin_text(step.builtin_name)
                except KeyError:
                    raise UserInputError(
                        f"the step {step.name!r} names the built-in {step.builtin_name!r},"
                        " which does not exist; nothing was created",
                        hint="goldfleet config schema lists the built-in customizations",
                    ) from None
                rendered.append(render(step, template))
            else:
                rendered.append(await blobs.render_script_step(target.cloud, step))
        return rendered

    return asyncio.run(fetch_all())


def step_json(step: RenderedStep) -> dict[str, Any]:
    return {"name": step.name, "text": step.script, "sha256": step.sha256}


def source_spec(
    target: Target, configuration: Configuration, pipeline: ImagePipeline
) -> tuple[dict[str, Any], SourceRecord, str | None]:
    """Image Builder's ``source``, the exact source for provenance, and the source version
    (what a ``newSourceVersion`` schedule compares)."""
    source = pipeline.source
    settings = pipeline.build
    if isinstance(source, MarketplaceSource):
        version = source.version
        if version == "latest":
            tenant = configuration.tenant(settings.tenant)

            async def read() -> str | None:
                factory = client_factory(target)
                try:
                    return await marketplace.latest_version(
                        factory,
                        tenant.tenant_id,
                        settings.subscription_id,
                        tenant.credential,
                        settings.location,
                        source.publisher,
                        source.offer,
                        source.sku,
                    )
                finally:
                    await factory.close()

            found = asyncio.run(read())
            if found is None:
                raise UserInputError(
                    f"the marketplace image {source.publisher}:{source.offer}:{source.sku} has"
                    f" no version in {settings.location}; nothing was created",
                    hint="check the pipeline's source and build.location",
                )
            version = found
        spec = {
            "type": "PlatformImage",
            "publisher": source.publisher,
            "offer": source.offer,
            "sku": source.sku,
            "version": version,
        }
        return spec, source_record(source, version), version
    if isinstance(source, ManagedImageSource):
        image = str(source.image_id)
        return {"type": "ManagedImage", "imageId": image}, source_record(source), image
    if isinstance(source, GalleryVersionSource) and source.image_id is not None:
        version_id = str(source.image_id)
        spec = {"type": "SharedImageVersion", "imageVersionId": version_id}
        return spec, source_record(source, version_id), version_id
    raise UserInputError(
        f"the pipeline {pipeline.name!r} builds from a source Image Builder cannot start from"
        " here (a galleryVersion source needs its id); nothing was created",
        hint="give source.id (a gallery image version id)",
    )


def check_staging_group(
    target: Target, configuration: Configuration, pipeline: ImagePipeline
) -> None:
    """Image Builder adopts a staging resource group only when it is empty: refuse now, before
    anything is created, rather than after the template failed to provision."""
    settings = pipeline.build
    group = settings.staging_resource_group
    if not group:
        return
    tenant = configuration.tenant(settings.tenant)

    async def read() -> list[str] | None:
        factory = client_factory(target)
        try:
            return await imagebuilder.resources_in_group(
                factory, tenant.tenant_id, settings.subscription_id, tenant.credential, group
            )
        finally:
            await factory.close()

    found = asyncio.run(read())
    if found:
        raise UserInputError(
            f"the pipeline {pipeline.name!r}: build.stagingResourceGroup {group!r} holds"
            f" {len(found)} resource(s) (first: {found[0]}); Image Builder needs it empty;"
            " nothing was created",
            hint="name an empty resource group, or leave stagingResourceGroup out",
        )


def image_of(source_spec: dict[str, Any]) -> dict[str, str]:
    """A VM's image reference for Image Builder's ``source``."""
    if source_spec["type"] == "PlatformImage":
        return {k: source_spec[k] for k in ("publisher", "offer", "sku", "version")}
    return {"id": source_spec.get("imageId") or source_spec["imageVersionId"]}


def step_spec(step: RenderedStep) -> dict[str, Any]:
    return {
        "name": step.name,
        "kind": step.kind.value,
        "builtin": step.builtin,
        "uri": step.uri,
        "sha256": step.sha256,
        "text": step.script,
        "arguments": script_arguments(step.parameters) if step.uri else "",
        "parameters": dict(step.parameters),
        "restartAfter": step.restart_after,
    }


def image_builder_spec(
    spec: dict[str, Any],
    settings: Any,
    first: Any,
    pipeline: ImagePipeline,
    source: SourceRecord,
    draft: Provenance,
) -> Any:
    """Add what an Image Builder build needs to ``spec``; the workflow to run."""
    from goldfleet.lifecycle import image_builder

    spec.update(
        timeoutMinutes=int(settings.timeout.total_seconds() // 60),
        identityId=str(settings.identity_id) if settings.identity_id else None,
        stagingResourceGroup=settings.staging_resource_group,
        target={
            "galleryImageId": first.definition_id,
            "regions": [
                {
                    "name": r.name,
                    "replicas": r.replicas,
                    "storageAccountType": first.storage_account_type,
                }
                for r in first.regions
            ],
            "excludeFromLatest": first.exclude_from_latest,
        },
        tags={
            **version_tags(pipeline.name, spec["version"], Stage.BUILT, source.reference),
            **to_tags(draft),
        },
    )
    return image_builder.build_with_image_builder


def direct_spec(
    spec: dict[str, Any],
    configuration: Configuration,
    first: Any,
    source_spec: dict[str, Any],
    provider: Any,
    draft: Provenance,
) -> Any:
    """Add what a direct build needs to ``spec``; the workflow to run."""
    from goldfleet.lifecycle import capture as capturing
    from goldfleet.lifecycle import direct_build
    from goldfleet.lifecycle.distribute import target_to_json

    definition = configuration.image_definition(first.definition)
    spec.update(
        tempGroup=capturing.temporary_group(spec["buildId"]),
        machineRole="build VM",
        image=image_of(source_spec),
        securityType=str(definition.security_type.value),
        target=target_to_json(first),
        release={
            "pipeline": spec["pipeline"],
            "version": spec["version"],
            "providerTenant": provider.tenant_id,
            "extraTags": to_tags(draft),
            "endOfLife": None,
        },
    )
    return direct_build.build_direct


__all__ = [
    "check_staging_group",
    "direct_spec",
    "image_builder_spec",
    "image_of",
    "render_steps",
    "source_spec",
    "step_json",
    "step_spec",
]
