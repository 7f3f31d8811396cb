"""Observed state, read from Azure with list calls only (never one GET per resource where a
list exists): per subscription, its resource groups, role assignments and role definitions."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.observed import (
    ObservedResourceGroup,
    ObservedRoleAssignment,
    ObservedState,
    ObservedSubscription,
)
from goldfleet.domain.tenancy import CredentialRef


async def observe_subscription(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef
) -> ObservedSubscription:
    self_id = await factory.object_id(tenant_id, ref)
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
            definitions = [
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
        role_definitions=tuple(sorted(definitions)),
    )


async def observe(
    factory: ClientFactory,
    targets: Sequence[tuple[str, str, CredentialRef]],
    concurrency: int = 16,
) -> ObservedState:
    """Observe every (tenant, subscription, credential) target, a bounded number at a time."""
    limit = asyncio.Semaphore(concurrency)

    async def one(tenant_id: str, subscription_id: str, ref: CredentialRef) -> ObservedSubscription:
        async with limit:
            return await observe_subscription(factory, tenant_id, subscription_id, ref)

    subs = await asyncio.gather(*(one(*t) for t in targets))
    return ObservedState(subscriptions=tuple(subs))
