"""Observed state, read from Azure with list calls only (never one GET per resource where a
list exists): per subscription, its resource groups, role assignments and role definitions, and
where the configuration needs them its galleries (with their definitions and versions) and its
AVD host pools, application groups and workspaces."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.desktop import observe_desktop
from goldfleet.azure.errors import translate
from goldfleet.domain.observed import (
    ObservedGallery,
    ObservedImageDefinition,
    ObservedImageVersion,
    ObservedResourceGroup,
    ObservedRoleAssignment,
    ObservedState,
    ObservedSubscription,
)
from goldfleet.domain.tenancy import CredentialRef


def _text(value: Any, default: str = "") -> str:
    """An SDK enum or string as Azure spells it (``str()`` of an SDK enum is its Python name)."""
    if value is None:
        return default
    return str(getattr(value, "value", value))


def _security_type(features: Any) -> str:
    for feature in features or ():
        if (feature.name or "").lower() == "securitytype":
            return _text(feature.value, "Standard")
    return "Standard"


def _version(v: Any, definition_id: str) -> ObservedImageVersion:
    publishing = v.publishing_profile
    safety = v.safety_profile
    storage = v.storage_profile
    source = storage.source if storage is not None else None
    end_of_life = publishing.end_of_life_date if publishing is not None else None
    return ObservedImageVersion(
        resource_id=v.id or "",
        definition_id=definition_id,
        name=v.name or "",
        provisioning_state=_text(v.provisioning_state),
        source_id=(source.id or "") if source is not None else "",
        end_of_life=end_of_life.isoformat() if end_of_life is not None else "",
        blocks_deletion_before_end_of_life=bool(
            safety is not None and safety.block_deletion_before_end_of_life
        ),
        exclude_from_latest=bool(publishing is not None and publishing.exclude_from_latest),
        tags=tuple(sorted((v.tags or {}).items())),
    )


async def observe_galleries(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    with_versions: bool = False,
) -> tuple[list[ObservedGallery], list[ObservedImageDefinition], list[ObservedImageVersion]]:
    """The subscription's galleries (one list call), each gallery's image definitions (one list
    call per gallery) and, ``with_versions``, each definition's versions (one list call each)."""
    compute = factory.compute(tenant_id, subscription_id, ref)
    galleries: list[ObservedGallery] = []
    definitions: list[ObservedImageDefinition] = []
    versions: list[ObservedImageVersion] = []
    try:
        async with compute:
            async for g in compute.galleries.list():
                rid = g.id or ""
                group = rid.split("/")[4] if rid.count("/") >= 4 else ""
                galleries.append(
                    ObservedGallery(
                        rid,
                        g.name or "",
                        group,
                        g.location,
                        g.description or "",
                        tuple(sorted((g.tags or {}).items())),
                    )
                )
                async for d in compute.gallery_images.list_by_gallery(group, g.name or ""):
                    ident = d.identifier
                    definitions.append(
                        ObservedImageDefinition(
                            resource_id=d.id or "",
                            gallery_id=rid,
                            name=d.name or "",
                            location=d.location,
                            os_type=_text(d.os_type),
                            os_state=_text(d.os_state),
                            hyper_v_generation=_text(d.hyper_v_generation, "V1"),
                            security_type=_security_type(d.features),
                            publisher=ident.publisher if ident else "",
                            offer=ident.offer if ident else "",
                            sku=ident.sku if ident else "",
                            description=d.description or "",
                            tags=tuple(sorted((d.tags or {}).items())),
                        )
                    )
                    if with_versions:
                        versions += [
                            _version(v, d.id or "")
                            async for v in compute.gallery_image_versions.list_by_gallery_image(
                                group, g.name or "", d.name or ""
                            )
                        ]
    except Exception as exc:
        raise translate(
            exc, "reading the galleries of", f"/subscriptions/{subscription_id}"
        ) from exc
    return galleries, definitions, versions


async def observe_subscription(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    with_galleries: bool = False,
    with_versions: bool = False,
    with_desktop: bool = False,
) -> ObservedSubscription:
    self_id = await factory.object_id(tenant_id, ref)
    galleries, definitions, versions = (
        await observe_galleries(factory, tenant_id, subscription_id, ref, with_versions)
        if with_galleries
        else ([], [], [])
    )
    pools, application_groups, workspaces = (
        await observe_desktop(factory, tenant_id, subscription_id, ref)
        if with_desktop
        else ([], [], [])
    )
    resources = factory.resources(tenant_id, subscription_id, ref)
    authorization = factory.authorization(tenant_id, subscription_id, ref)
    scope = f"/subscriptions/{subscription_id}"
    try:
        async with resources, authorization:
            groups = [
                ObservedResourceGroup(
                    resource_id=g.id or f"{scope}/resourceGroups/{g.name}",
                    name=g.name or "",
                    location=g.location,
                    tags=tuple(sorted((g.tags or {}).items())),
                    provisioning_state=(g.properties.provisioning_state if g.properties else None)
                    or "Succeeded",
                )
                async for g in resources.resource_groups.list()
            ]
            assignments = [
                ObservedRoleAssignment(
                    resource_id=a.id or "",
                    name=a.name or "",
                    scope=a.scope or "",
                    role_definition_guid=(a.role_definition_id or "").rsplit("/", 1)[-1].lower(),
                    principal_id=a.principal_id or "",
                    description=a.description,
                )
                async for a in authorization.role_assignments.list_for_subscription()
            ]
            roles = [
                ((d.role_name or "").lower(), (d.name or "").lower())
                async for d in authorization.role_definitions.list(scope)
            ]
    except Exception as exc:
        raise translate(exc, "reading subscription", scope) from exc
    return ObservedSubscription(
        subscription_id=subscription_id,
        tenant_id=tenant_id,
        self_object_id=self_id,
        resource_groups=tuple(groups),
        role_assignments=tuple(assignments),
        role_definitions=tuple(sorted(roles)),
        galleries=tuple(galleries),
        image_definitions=tuple(definitions),
        image_versions=tuple(versions),
        host_pools=tuple(pools),
        application_groups=tuple(application_groups),
        workspaces=tuple(workspaces),
    )


# tenant, subscription, credential, galleries?, AVD host pools?
Target = tuple[str, str, CredentialRef, bool, bool]


async def observe(
    factory: ClientFactory,
    targets: Sequence[Target],
    concurrency: int = 16,
    with_versions: bool = False,
) -> ObservedState:
    """Observe every target, a bounded number at a time; ``with_versions`` adds the image
    versions of every observed definition (retention needs them)."""
    limit = asyncio.Semaphore(concurrency)

    async def one(
        tenant_id: str, subscription_id: str, ref: CredentialRef, galleries: bool, desktop: bool
    ) -> ObservedSubscription:
        async with limit:
            return await observe_subscription(
                factory,
                tenant_id,
                subscription_id,
                ref,
                galleries,
                galleries and with_versions,
                desktop,
            )

    subs = await asyncio.gather(*(one(*t) for t in targets))
    return ObservedState(subscriptions=tuple(subs))
