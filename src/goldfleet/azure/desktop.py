"""Azure Virtual Desktop's control plane through the official SDK: observing a subscription's
host pools, application groups and workspaces (list calls only), and creating, updating and
deleting them. Every write is idempotent (PUT with the same name; "already gone" is success).
Registration tokens are never read or planned here: they are secrets, issued only when session
hosts are created."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.desktopvirtualization import models

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.observed import (
    ObservedApplicationGroup,
    ObservedHostPool,
    ObservedWorkspace,
)
from goldfleet.domain.tenancy import CredentialRef

Observed = tuple[list[ObservedHostPool], list[ObservedApplicationGroup], list[ObservedWorkspace]]


def _text(value: Any, default: str = "") -> str:
    if value is None:
        return default
    return str(getattr(value, "value", value))


def _group_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[4] if len(parts) > 4 else ""


def _tags(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((value or {}).items()))


async def observe_desktop(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef
) -> Observed:
    """The subscription's host pools, application groups and workspaces: three list calls."""
    client = factory.desktop_virtualization(tenant_id, subscription_id, ref)
    try:
        async with client:
            pools = [
                ObservedHostPool(
                    resource_id=p.id or "",
                    name=p.name or "",
                    resource_group=_group_of(p.id or ""),
                    location=(p.location or "").replace(" ", "").lower(),
                    host_pool_type=_text(p.host_pool_type),
                    load_balancer_type=_text(p.load_balancer_type),
                    max_session_limit=p.max_session_limit,
                    start_vm_on_connect=bool(p.start_vm_on_connect),
                    custom_rdp_property=p.custom_rdp_property or "",
                    validation_environment=bool(p.validation_environment),
                    preferred_app_group_type=_text(p.preferred_app_group_type),
                    friendly_name=p.friendly_name or "",
                    tags=_tags(p.tags),
                )
                async for p in client.host_pools.list()
            ]
            groups = [
                ObservedApplicationGroup(
                    resource_id=g.id or "",
                    name=g.name or "",
                    resource_group=_group_of(g.id or ""),
                    location=(g.location or "").replace(" ", "").lower(),
                    host_pool_id=g.host_pool_arm_path or "",
                    group_type=_text(g.application_group_type),
                    friendly_name=g.friendly_name or "",
                    tags=_tags(g.tags),
                )
                async for g in client.application_groups.list_by_subscription()
            ]
            workspaces = [
                ObservedWorkspace(
                    resource_id=w.id or "",
                    name=w.name or "",
                    resource_group=_group_of(w.id or ""),
                    location=(w.location or "").replace(" ", "").lower(),
                    application_groups=tuple(w.application_group_references or ()),
                    tags=_tags(w.tags),
                )
                async for w in client.workspaces.list_by_subscription()
            ]
    except Exception as exc:
        raise translate(
            exc, "reading the AVD host pools of", f"/subscriptions/{subscription_id}"
        ) from exc
    return pools, groups, workspaces


def _parts(resource_id: str) -> tuple[str, str]:
    """(resource group, name) of a DesktopVirtualization resource id."""
    parts = resource_id.split("/")
    return parts[4], parts[-1]


async def put_host_pool(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    resource_id: str,
    after: dict[str, Any],
) -> None:
    """Create or update the pool. An update PATCHes (so the registration token, session hosts
    and settings goldfleet does not manage stay as they are); a create PUTs."""
    group, name = _parts(resource_id)
    client = factory.desktop_virtualization(tenant_id, subscription_id, ref)
    settings: dict[str, Any] = {
        "friendly_name": after["friendlyName"] or None,
        "max_session_limit": after["maxSessionLimit"],
        "start_vm_on_connect": after["startVMOnConnect"],
        "custom_rdp_property": after["customRdpProperty"] or None,
        "validation_environment": after["validationEnvironment"],
        "preferred_app_group_type": after["preferredAppGroupType"],
        "load_balancer_type": after["loadBalancerType"],
        "tags": after["tags"],
    }
    try:
        async with client:
            try:
                await client.host_pools.get(group, name)
            except ResourceNotFoundError:
                personal = after["hostPoolType"] == "Personal"
                body = models.HostPool(
                    location=after["location"],
                    host_pool_type=after["hostPoolType"],
                    personal_desktop_assignment_type="Automatic" if personal else None,
                    **settings,
                )
                await client.host_pools.create_or_update(group, name, body)
                return
            await client.host_pools.update(group, name, models.HostPoolPatch(**settings))
    except Exception as exc:
        raise translate(exc, "creating or updating host pool", resource_id) from exc


async def put_application_group(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    resource_id: str,
    after: dict[str, Any],
) -> None:
    group, name = _parts(resource_id)
    client = factory.desktop_virtualization(tenant_id, subscription_id, ref)
    body = models.ApplicationGroup(
        location=after["location"],
        tags=after["tags"],
        host_pool_arm_path=after["hostPoolId"],
        application_group_type=after["applicationGroupType"],
        friendly_name=after["friendlyName"] or None,
    )
    try:
        async with client:
            await client.application_groups.create_or_update(group, name, body)
    except Exception as exc:
        raise translate(exc, "creating or updating application group", resource_id) from exc


async def put_workspace(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    resource_id: str,
    after: dict[str, Any],
) -> None:
    group, name = _parts(resource_id)
    client = factory.desktop_virtualization(tenant_id, subscription_id, ref)
    body = models.Workspace(
        location=after["location"],
        tags=after["tags"],
        application_group_references=after["applicationGroups"],
    )
    try:
        async with client:
            await client.workspaces.create_or_update(group, name, body)
    except Exception as exc:
        raise translate(exc, "creating or updating workspace", resource_id) from exc


async def delete_desktop_resource(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    resource_id: str,
) -> None:
    """Delete a host pool (never with ``force``: Azure refuses while session hosts or
    application groups remain, and goldfleet does not log users off to tidy up), an application
    group or a workspace. Already gone is success."""
    group, name = _parts(resource_id)
    kind = resource_id.split("/")[-2].lower()
    client = factory.desktop_virtualization(tenant_id, subscription_id, ref)
    operations: Any = {
        "hostpools": client.host_pools,
        "applicationgroups": client.application_groups,
        "workspaces": client.workspaces,
    }[kind]
    try:
        async with client:
            await operations.delete(group, name)
    except ResourceNotFoundError:
        return
    except Exception as exc:
        raise translate(exc, "deleting", resource_id) from exc
