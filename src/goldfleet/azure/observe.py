"""Observed state, read from Azure with list calls only (never one GET per resource where a
list exists): per subscription, its resource groups, role assignments and role definitions."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.observed import (
    ObservedGallery,
    ObservedImageDefinition,
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


async def observe_galleries(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef
) -> tuple[list[ObservedGallery], list[ObservedImageDefinition]]:
    """The subscription's galleries (one list call) and each gallery's image definitions (one
    list call per gallery)."""
    compute = factory.compute(tenant_id, subscription_id, ref)
    galleries: list[ObservedGallery] = []
    definitions: list[ObservedImageDefinition] = []
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
    except Exception as exc:
        raise translate(
            exc, "reading the galleries of", f"/subscriptions/{subscription_id}"
        ) from exc
    return galleries, definitions


async def observe_subscription(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    with_galleries: bool = False,
) -> ObservedSubscription:
    self_id = await factory.object_id(tenant_id, ref)
    galleries, definitions = (
        await observe_galleries(factory, tenant_id, subscription_id, ref)
        if with_galleries
        else ([], [])
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
    )


Target = tuple[str, str, CredentialRef, bool]  # tenant, subscription, credential, galleries?


async def observe(
    factory: ClientFactory, targets: Sequence[Target], concurrency: int = 16
) -> ObservedState:
    """Observe every target, a bounded number at a time."""
    limit = asyncio.Semaphore(concurrency)

    async def one(
        tenant_id: str, subscription_id: str, ref: CredentialRef, galleries: bool
    ) -> ObservedSubscription:
        async with limit:
            return await observe_subscription(factory, tenant_id, subscription_id, ref, galleries)

    subs = await asyncio.gather(*(one(*t) for t in targets))
    return ObservedState(subscriptions=tuple(subs))
