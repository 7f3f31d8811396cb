"""What a rollout needs to know before it starts, read from Azure: free addresses in the pool's
subnet, the regional and family vCPU headroom for the size, and the target version's replication
state in the pool's region. The decisions are in ``goldfleet.domain.pool_checks``."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.pool_checks import PermissionBlock
from goldfleet.domain.tenancy import CredentialRef

AZURE_RESERVED_PER_SUBNET = 5  # network, broadcast and three addresses Azure keeps


@dataclass(frozen=True)
class SubnetRoom:
    subnet_id: str
    prefix: str
    size: int
    used: int

    @property
    def free(self) -> int:
        return max(0, self.size - AZURE_RESERVED_PER_SUBNET - self.used)


@dataclass(frozen=True)
class VcpuRoom:
    size: str
    cores: int  # per VM of the size (0: the region does not offer it)
    family: str
    family_free: int
    regional_free: int


async def subnet_room(
    factory: ClientFactory, tenant_id: str, ref: CredentialRef, subnet_id: str
) -> SubnetRoom:
    rid = ResourceId(subnet_id)
    parts = subnet_id.strip("/").split("/")
    vnet, subnet = parts[-3], parts[-1]
    client = factory.network(tenant_id, rid.subscription_id or "", ref)
    try:
        async with client:
            found = await client.subnets.get(rid.resource_group or "", vnet, subnet)
    except Exception as exc:
        raise translate(exc, "reading the free addresses of subnet", subnet_id) from exc
    prefix = found.address_prefix or (found.address_prefixes or [""])[0]
    size = ipaddress.ip_network(prefix, strict=False).num_addresses if prefix else 0
    return SubnetRoom(subnet_id, prefix, size, len(found.ip_configurations or []))


async def vcpu_room(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    location: str,
    size: str,
) -> VcpuRoom:
    client = factory.compute(tenant_id, subscription_id, ref)
    where = f"/subscriptions/{subscription_id}/providers/Microsoft.Compute/locations/{location}"
    try:
        async with client:
            cores = 0
            async for offered in client.virtual_machine_sizes.list(location):
                if (offered.name or "").lower() == size.lower():
                    cores = int(offered.number_of_cores or 0)
            usages: list[Any] = [u async for u in client.usage.list(location)]
    except Exception as exc:
        raise translate(exc, f"reading the vCPU quota for {size} in", where) from exc
    family, family_free, regional_free = _family_of(size), 0, 0
    for usage in usages:
        name = (usage.name.value or "") if usage.name else ""
        free = int(usage.limit or 0) - int(usage.current_value or 0)
        if name == "cores":
            regional_free = free
        elif name.lower() == family.lower():
            family_free = free
    return VcpuRoom(size, cores, family, family_free, regional_free)


def _family_of(size: str) -> str:
    """The quota family of a size as Azure names it: Standard_D8as_v5 -> standardDASv5Family."""
    body = size.split("_", 1)[-1]  # D8as_v5
    letters = "".join(c for c in body.split("_")[0] if not c.isdigit())  # Das
    version = body.split("_")[1] if "_" in body else ""
    return (
        f"standard{letters.upper()}{version}Family"
        if version
        else f"standard{letters.upper()}Family"
    )


async def permissions(
    factory: ClientFactory, tenant_id: str, ref: CredentialRef, subscription_id: str, group: str
) -> tuple[PermissionBlock, ...]:
    """What the caller may do in a resource group (``Permissions_ListForResourceGroup``: every
    role it holds there or above)."""
    client = factory.authorization(tenant_id, subscription_id, ref)
    try:
        async with client:
            found = [
                PermissionBlock(tuple(p.actions or ()), tuple(p.not_actions or ()))
                async for p in client.permissions.list_for_resource_group(group)
            ]
    except Exception as exc:
        raise translate(
            exc,
            "reading goldfleet's permissions in",
            f"/subscriptions/{subscription_id}/resourceGroups/{group}",
        ) from exc
    return tuple(found)
