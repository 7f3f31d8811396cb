"""Desired + observed -> changes for Azure Compute Galleries and their image definitions.

A definition's OS type, OS state, Hyper-V generation and identifier cannot change in Azure: a
difference there is a ``replace``, which apply refuses (the definition's versions would go with
it). Descriptions, tags and the security-type feature are updated in place. Image versions are
not planned here: releases create them (see ``goldfleet.lifecycle.distribute``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from goldfleet.domain.images import Gallery, ImageDefinition
from goldfleet.domain.observed import ObservedGallery, ObservedImageDefinition, ObservedState
from goldfleet.domain.ownership import Owner, OwnerKind
from goldfleet.domain.tenancy import Tenant
from goldfleet.planner.model import Action, Change, Kind
from goldfleet.planner.ownership import owned_tags

IMMUTABLE = ("osType", "osState", "hyperVGeneration", "identifier")


def _gallery_view(
    name: str, group: str, location: str, description: str, tags: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "resourceGroup": group,
        "location": location,
        "description": description,
        "tags": dict(sorted(tags)),
    }


def _definition_view(d: ObservedImageDefinition) -> dict[str, Any]:
    return {
        "name": d.name,
        "location": d.location,
        "osType": d.os_type,
        "osState": d.os_state,
        "hyperVGeneration": d.hyper_v_generation,
        "securityType": d.security_type,
        "identifier": {"publisher": d.publisher, "offer": d.offer, "sku": d.sku},
        "description": d.description,
        "tags": dict(sorted(d.tags)),
    }


def _desired_definition(d: ImageDefinition, location: str, owner: Owner) -> dict[str, Any]:
    return {
        "name": d.definition_name,
        "location": location,
        "osType": d.os_type.value,
        "osState": d.os_state.value,
        "hyperVGeneration": d.hyper_v_generation.value,
        "securityType": d.security_type.value,
        "identifier": {
            "publisher": d.identifier.publisher,
            "offer": d.identifier.offer,
            "sku": d.identifier.sku,
        },
        "description": d.description,
        "tags": owned_tags(owner),
    }


def gallery_changes(
    tenants: Mapping[str, Tenant],
    galleries: Sequence[Gallery],
    definitions: Sequence[ImageDefinition],
    observed: ObservedState,
    problems: list[str],
    installation: str,
) -> list[Change]:
    changes: list[Change] = []
    by_gallery: dict[str, list[ImageDefinition]] = {}
    for definition in definitions:
        by_gallery.setdefault(definition.gallery, []).append(definition)
    for gallery in sorted(galleries, key=lambda g: g.name):
        tenant = tenants[gallery.tenant]
        seen = observed.subscription(gallery.subscription_id)
        if seen is None:
            problems.append(
                f"Gallery/{gallery.name}: subscription {gallery.subscription_id} was not observed"
            )
            continue
        rid = str(gallery.resource_id)
        current = next((g for g in seen.galleries if g.resource_id.lower() == rid.lower()), None)
        owner = Owner(installation, OwnerKind.GALLERY, gallery.name)
        changes.append(_gallery_change(tenant, gallery, current, owner))
        present = [d for d in seen.image_definitions if d.gallery_id.lower() == rid.lower()]
        for definition in sorted(by_gallery.get(gallery.name, []), key=lambda d: d.name):
            owner = Owner(installation, OwnerKind.DEFINITION, definition.name)
            changes.append(_definition_change(tenant, gallery, definition, present, owner))
    return changes


def _gallery_change(
    tenant: Tenant, gallery: Gallery, current: ObservedGallery | None, owner: Owner
) -> Change:
    rid = str(gallery.resource_id)
    location = gallery.location.replace(" ", "").lower()
    after = _gallery_view(
        gallery.gallery_name,
        gallery.resource_group,
        location,
        gallery.description,
        owned_tags(owner).items(),
    )
    before = None
    if current is None:
        action, reason = Action.CREATE, "declared in the configuration, absent in Azure"
    else:
        before = _gallery_view(
            current.name,
            current.resource_group,
            current.location,
            current.description,
            current.tags,
        )
        after["tags"] = owned_tags(owner, current.tags)
        if current.location != location:
            action = Action.REPLACE
            reason = (
                f"exists in {current.location} but is declared in {location}; galleries cannot move"
            )
        elif before != after:
            action, reason = Action.UPDATE, "description or tags differ"
        else:
            action, reason = Action.NOOP, "matches"
    group = f"/subscriptions/{gallery.subscription_id}/resourcegroups/{gallery.resource_group}"
    return _change(
        tenant,
        gallery.subscription_id,
        Kind.GALLERY,
        rid,
        action,
        before,
        after,
        reason,
        (group.lower(),),
        owner,
    )


def _definition_change(
    tenant: Tenant,
    gallery: Gallery,
    definition: ImageDefinition,
    present: Sequence[ObservedImageDefinition],
    owner: Owner,
) -> Change:
    gallery_id = str(gallery.resource_id)
    rid = f"{gallery_id}/images/{definition.definition_name}"
    after = _desired_definition(definition, gallery.location.replace(" ", "").lower(), owner)
    current = next(
        (d for d in present if d.name.lower() == definition.definition_name.lower()), None
    )
    before = None
    if current is None:
        action, reason = Action.CREATE, "declared in the configuration, absent in Azure"
    else:
        before = _definition_view(current)
        after["tags"] = owned_tags(owner, current.tags)
        changed = [k for k in IMMUTABLE if before[k] != after[k]]
        if changed:
            action = Action.REPLACE
            reason = (
                f"{', '.join(changed)} cannot change on an image definition; replacing it would "
                "delete its versions: declare a new definition instead"
            )
        elif before != after:
            action, reason = Action.UPDATE, "description, tags or security type differ"
        else:
            action, reason = Action.NOOP, "matches"
    return _change(
        tenant,
        gallery.subscription_id,
        Kind.IMAGE_DEFINITION,
        rid,
        action,
        before,
        after,
        reason,
        (gallery_id.lower(),),
        owner,
    )


def _change(
    tenant: Tenant,
    subscription_id: str,
    kind: Kind,
    resource_id: str,
    action: Action,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str,
    depends_on: tuple[str, ...],
    owner: Owner,
) -> Change:
    return Change(
        key=resource_id.lower(),
        action=action,
        kind=kind,
        tenant=tenant.name,
        tenant_id=tenant.tenant_id,
        subscription_id=subscription_id,
        resource_id=resource_id,
        before=before,
        after=after,
        depends_on=depends_on,
        reason=reason,
        owner=owner.tag,
    )
