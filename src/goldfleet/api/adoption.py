"""``goldfleet adopt``: hand a resource goldfleet did not make to an object of the configuration,
explicitly, with a reason, in the audit trail. Until then goldfleet never changes or deletes it
(``goldfleet.azure.ownership``); a resource another goldfleet object or installation owns moves
only with ``take_over``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from goldfleet.api.coordination import holding
from goldfleet.api.images import client_factory
from goldfleet.api.session import Target, actor, clock_for
from goldfleet.azure import adoption
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.ownership import Owner, OwnerKind, owner_in_tags
from goldfleet.store import audit
from goldfleet.store.db import shared_database

ADOPTABLE = (
    OwnerKind.TENANT,
    OwnerKind.GALLERY,
    OwnerKind.DEFINITION,
    OwnerKind.PIPELINE,
    OwnerKind.POOL,
    OwnerKind.WORKSPACE,
)


def _objects(configuration: Configuration, kind: OwnerKind) -> list[str]:
    if kind is OwnerKind.TENANT:
        return [t.name for t in configuration.tenants]
    if kind is OwnerKind.GALLERY:
        return [g.name for g in configuration.galleries]
    if kind is OwnerKind.DEFINITION:
        return [d.name for d in configuration.image_definitions]
    if kind is OwnerKind.PIPELINE:
        return [p.name for p in configuration.pipelines]
    if kind is OwnerKind.POOL:
        return [p.name for p in configuration.host_pools]
    return sorted({p.desktop.workspace for p in configuration.host_pools if p.desktop.workspace})


def owner_named(configuration: Configuration, text: str) -> Owner:
    """``kind/name`` of an object the configuration declares, as its owner."""
    kinds = ", ".join(k.value for k in ADOPTABLE)
    kind_text, _, name = text.partition("/")
    try:
        kind = OwnerKind(kind_text)
    except ValueError:
        kind = None
    if kind not in ADOPTABLE or not name:
        raise UserInputError(
            f"--as {text!r} is not KIND/NAME", hint=f"KIND is one of {kinds}, e.g. pool/contoso"
        )
    assert kind is not None
    names = _objects(configuration, kind)
    if name not in names:
        raise UserInputError(
            f"the configuration has no {kind.value} {name!r}",
            hint=f"{kind.value}s: {', '.join(names) or 'none'}",
        )
    return configuration.owner(kind, name)


def adopt(
    config_path: Path,
    target: Target,
    resource_id: str,
    as_owner: str,
    reason: str,
    *,
    take_over: bool = False,
) -> dict[str, Any]:
    """Tag ``resource_id`` as ``as_owner``'s (``kind/name``); audited with ``reason``."""
    if not reason.strip():
        raise UserInputError("adopting needs a reason (--reason '...'): it goes in the audit")
    configuration = load_configuration(config_path).configuration
    owner = owner_named(configuration, as_owner)
    try:
        rid = ResourceId(resource_id)
        tenant, _ = configuration.subscription(rid.subscription_id)
    except (ValueError, KeyError):
        raise UserInputError(
            f"{resource_id} is not in a subscription of the configuration",
            hint="give the full ARM id of a resource in a declared subscription",
        ) from None
    adoption.api_version_for(resource_id)

    async def run(write: bool, tags: dict[str, str]) -> dict[str, str]:
        factory = client_factory(target)
        try:
            if write:
                return await adoption.set_owner(
                    factory, tenant.tenant_id, tenant.credential, resource_id, owner, tags
                )
            return await adoption.current_tags(
                factory, tenant.tenant_id, tenant.credential, resource_id
            )
        finally:
            await factory.close()

    database = shared_database()
    with holding([owner.tag], f"goldfleet adopt {resource_id}"):
        tags = asyncio.run(run(False, {}))
        previous = owner_in_tags(tags)
        if previous == owner.tag:
            if audit.count_of(database, "resource.adopted", resource_id):
                return {"resource": resource_id, "owner": owner.tag, "adopted": False}
            # tagged by a command that died before its audit entry: record it now, once
            previous = None
        elif previous is not None and not take_over:
            raise UserInputError(
                f"{resource_id} belongs to {previous}, not to nobody",
                hint="adopting it takes it from its owner: add --take-over if that is meant "
                "(goldfleet will no longer treat it as the other owner's)",
            )
        else:
            asyncio.run(run(True, tags))
        audit.append(
            database,
            at=clock_for(target).now().isoformat(),
            actor=actor(),
            action="resource.adopted",
            subject=resource_id,
            details={"owner": owner.tag, "previous": previous, "reason": reason},
        )
    return {"resource": resource_id, "owner": owner.tag, "previous": previous, "adopted": True}
