"""Carrying out one planned change in Azure. Every function is idempotent: it creates or updates
with deterministic names, and "already exists" or "already gone" count as success, so a step
that is interrupted can simply run again."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import models as compute_models

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.tenancy import CredentialRef


async def put_resource_group(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    after: dict[str, Any],
) -> None:
    client = factory.resources(tenant_id, subscription_id, ref)
    name = after["name"]
    try:
        async with client:
            await client.resource_groups.create_or_update(
                name, {"location": after["location"], "tags": after["tags"]}
            )
    except Exception as exc:
        raise translate(
            exc, "creating or updating resource group", _rg(subscription_id, name)
        ) from exc


async def delete_resource_group(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef, name: str
) -> None:
    client = factory.resources(tenant_id, subscription_id, ref)
    try:
        async with client:
            poller = await client.resource_groups.begin_delete(name)
            await poller.result()
    except ResourceNotFoundError:
        return
    except Exception as exc:
        raise translate(exc, "deleting resource group", _rg(subscription_id, name)) from exc


async def create_role_assignment(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    name: str,
    after: dict[str, Any],
) -> None:
    client = factory.authorization(tenant_id, subscription_id, ref)
    scope = after["scope"]
    role_id = (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{after['roleDefinitionGuid']}"
    )
    try:
        async with client:
            await client.role_assignments.create(
                scope,
                name,
                {
                    "role_definition_id": role_id,
                    "principal_id": after["principalId"],
                    "principal_type": "ServicePrincipal",
                    "description": after.get("description"),
                },
            )
    except HttpResponseError as exc:
        if exc.error is not None and exc.error.code == "RoleAssignmentExists":
            return
        raise translate(exc, "assigning role", f"{after['role']} at {scope}") from exc
    except Exception as exc:
        raise translate(exc, "assigning role", f"{after['role']} at {scope}") from exc


async def delete_role_assignment(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    resource_id: str,
) -> None:
    scope, _, name = resource_id.partition("/providers/Microsoft.Authorization/roleAssignments/")
    client = factory.authorization(tenant_id, subscription_id, ref)
    try:
        async with client:
            await client.role_assignments.delete(scope, name)
    except ResourceNotFoundError:
        return
    except Exception as exc:
        raise translate(exc, "removing role assignment", resource_id) from exc


async def put_gallery(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    after: dict[str, Any],
) -> None:
    client = factory.compute(tenant_id, subscription_id, ref)
    group = _rg(subscription_id, after["resourceGroup"])
    rid = f"{group}/providers/Microsoft.Compute/galleries/{after['name']}"
    body = compute_models.Gallery(
        location=after["location"],
        tags=after["tags"],
        properties=compute_models.GalleryProperties(description=after["description"]),
    )
    try:
        async with client:
            poller = await client.galleries.begin_create_or_update(
                after["resourceGroup"], after["name"], body
            )
            await poller.result()
    except Exception as exc:
        raise translate(exc, "creating or updating gallery", rid) from exc


async def put_image_definition(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    resource_id: str,
    after: dict[str, Any],
) -> None:
    parts = resource_id.split("/")
    group, gallery = parts[4], parts[8]
    client = factory.compute(tenant_id, subscription_id, ref)
    features = []
    if after["securityType"] != "Standard":
        features.append(
            compute_models.GalleryImageFeature(name="SecurityType", value=after["securityType"])
        )
    body = compute_models.GalleryImage(
        location=after["location"],
        tags=after["tags"],
        properties=compute_models.GalleryImageProperties(
            description=after["description"],
            os_type=after["osType"],
            os_state=after["osState"],
            hyper_v_generation=after["hyperVGeneration"],
            identifier=compute_models.GalleryImageIdentifier(**after["identifier"]),
            features=features,
        ),
    )
    try:
        async with client:
            poller = await client.gallery_images.begin_create_or_update(
                group, gallery, after["name"], body
            )
            await poller.result()
    except Exception as exc:
        raise translate(exc, "creating or updating image definition", resource_id) from exc


def _version_parts(resource_id: str) -> tuple[str, str, str, str]:
    parts = resource_id.split("/")  # /subscriptions/s/resourceGroups/g/providers/
    return parts[4], parts[8], parts[10], parts[12]  # Microsoft.Compute/galleries/x/images/y/...


async def delete_image_version(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    resource_id: str,
) -> None:
    """Delete one image version and wait until it is gone; already gone is success."""
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            poller = await client.gallery_image_versions.begin_delete(*_version_parts(resource_id))
            await poller.result()
    except ResourceNotFoundError:
        return
    except Exception as exc:
        raise translate(exc, "deleting image version", resource_id) from exc


async def set_image_version_end_of_life(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    resource_id: str,
    end_of_life: str,
) -> None:
    """PATCH the version's ``publishingProfile.endOfLifeDate`` (nothing else changes)."""
    client = factory.compute(tenant_id, subscription_id, ref)
    # No targetRegions: a PATCH without them leaves every replicated region as it is.
    patch = compute_models.GalleryImageVersionUpdate(
        {"properties": {"publishingProfile": {"endOfLifeDate": end_of_life}}}
    )
    try:
        async with client:
            poller = await client.gallery_image_versions.begin_update(
                *_version_parts(resource_id), patch
            )
            await poller.result()
    except Exception as exc:
        raise translate(exc, "setting the end of life of image version", resource_id) from exc


def refuse_replace(resource_id: str, reason: str) -> UserInputError:
    return UserInputError(
        f"the plan replaces {resource_id}: {reason}",
        hint="goldfleet does not delete a resource group to move it; move its contents or "
        "change the configuration's location back",
    )


def _rg(subscription_id: str, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{name}"
