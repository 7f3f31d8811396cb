"""Handing an existing resource to goldfleet (``goldfleet adopt``): read its owner tag, then set
the new one with a tags-only PATCH - the one write the ownership policy lets through on a
resource goldfleet does not own (``ownership.adopting``). The caller audits it."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.resource.resources.models import GenericResource

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.azure.ownership import acting_as, adopting, parse_write
from goldfleet.domain.errors import NotFoundError, UserInputError
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.ownership import MANAGED_TAG, OWNER_TAG, Owner, owner_in_tags
from goldfleet.domain.tenancy import CredentialRef

# The api-versions goldfleet's own clients use for each type it can adopt.
API_VERSIONS = {
    "resourcegroups": "2025-04-01",
    "microsoft.compute/galleries": "2024-03-03",
    "microsoft.compute/galleries/images": "2024-03-03",
    "microsoft.compute/galleries/images/versions": "2024-03-03",
    "microsoft.compute/virtualmachines": "2024-11-01",
    "microsoft.compute/virtualmachinescalesets": "2024-11-01",
    "microsoft.network/networkinterfaces": "2024-05-01",
    "microsoft.desktopvirtualization/hostpools": "2024-04-03",
    "microsoft.desktopvirtualization/applicationgroups": "2024-04-03",
    "microsoft.desktopvirtualization/workspaces": "2024-04-03",
    "microsoft.virtualmachineimages/imagetemplates": "2024-02-01",
    "microsoft.managedidentity/userassignedidentities": "2023-01-31",
}


def api_version_for(resource_id: str) -> str:
    """The api-version to read and tag ``resource_id`` with; a clear error for other types."""
    write = parse_write(resource_id)
    kind = write.target.type if write is not None else ""
    if write is None or write.action is not None or kind not in API_VERSIONS:
        kinds = ", ".join(sorted(API_VERSIONS))
        raise UserInputError(
            f"goldfleet cannot adopt {resource_id}: not a resource of a type it manages",
            hint=f"give the full id of one of: {kinds}",
        )
    return API_VERSIONS[kind]


async def current_tags(
    factory: ClientFactory, tenant_id: str, ref: CredentialRef, resource_id: str
) -> dict[str, str]:
    """The resource's tags as Azure has them."""
    version = api_version_for(resource_id)
    rid = ResourceId(resource_id)
    client = factory.resources(tenant_id, rid.subscription_id, ref)
    try:
        async with client:
            if "/providers/" not in resource_id:
                group = await client.resource_groups.get(
                    ResourceId(resource_id).resource_group or ""
                )
                return dict(group.tags or {})
            found = await client.resources.get_by_id(resource_id, api_version=version)
    except ResourceNotFoundError as exc:
        raise NotFoundError(
            "adopting", resource_id, "it does not exist", hint="check the resource id"
        ) from exc
    except Exception as exc:
        raise translate(exc, "reading, to adopt it,", resource_id) from exc
    return dict(found.tags or {})


async def set_owner(
    factory: ClientFactory,
    tenant_id: str,
    ref: CredentialRef,
    resource_id: str,
    owner: Owner,
    tags: dict[str, str],
) -> dict[str, str]:
    """Write ``owner``'s tag (and goldfleet's marker) among the resource's ``tags``."""
    version = api_version_for(resource_id)
    merged = {k: v for k, v in tags.items() if k.lower() != OWNER_TAG}
    merged[MANAGED_TAG[0]] = MANAGED_TAG[1]
    merged[OWNER_TAG] = owner.tag
    rid = ResourceId(resource_id)
    client = factory.resources(tenant_id, rid.subscription_id, ref)
    try:
        with acting_as(owner), adopting(resource_id):
            async with client:
                if "/providers/" not in resource_id:
                    group: Any = await client.resource_groups.update(
                        rid.resource_group or "", {"tags": merged}
                    )
                    result = dict(group.tags or {})
                else:
                    poller = await client.resources.begin_update_by_id(
                        resource_id, GenericResource(tags=merged), api_version=version
                    )
                    result = dict((await poller.result()).tags or {})
    except Exception as exc:
        raise translate(exc, "adopting", resource_id) from exc
    if owner_in_tags(result) != owner.tag:
        raise UserInputError(f"Azure did not keep the owner tag on {resource_id}")
    return result
