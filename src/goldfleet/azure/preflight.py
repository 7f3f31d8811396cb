"""What a release needs to know from Azure before it changes anything: the regions each target
subscription offers (one list call per subscription) and the shape of the release's source (its
OS state and Hyper-V generation), so that a wrong region or a generation mismatch is refused
before any version exists."""

from __future__ import annotations

from dataclasses import dataclass

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.tenancy import CredentialRef


def _text(value: object, default: str = "") -> str:
    if value is None:
        return default
    return str(getattr(value, "value", value))


async def offered_regions(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef
) -> set[str]:
    """The region names (``uksouth``) the subscription offers."""
    client = factory.subscriptions(tenant_id, ref)
    try:
        async with client:
            return {
                (location.name or "").lower()
                async for location in client.subscriptions.list_locations(subscription_id)
            }
    except Exception as exc:
        raise translate(exc, "listing the regions of", f"/subscriptions/{subscription_id}") from exc


@dataclass(frozen=True)
class SourceShape:
    resource_id: str
    os_state: str  # Generalized | Specialized
    hyper_v_generation: str  # V1 | V2


async def source_shape(
    factory: ClientFactory, tenant_id: str, ref: CredentialRef, source_id: str
) -> SourceShape | None:
    """The OS state and generation of a managed image or a gallery image version (that of its
    definition); None for any other kind of source, which Azure checks itself."""
    try:
        rid = ResourceId(source_id)
    except ValueError:
        return None  # Azure refuses it with its own words
    parts = rid.parts
    if len(parts) < 8 or rid.resource_group is None or parts[4].lower() != "providers":
        return None
    kind = "/".join([parts[5], *parts[6::2]]).lower()
    group = rid.resource_group
    client = factory.compute(tenant_id, rid.subscription_id, ref)
    try:
        async with client:
            if kind == "microsoft.compute/images":
                image = await client.images.get(group, rid.name)
                disk = image.storage_profile.os_disk if image.storage_profile else None
                return SourceShape(
                    source_id,
                    _text(disk.os_state if disk else None, "Generalized"),
                    _text(image.hyper_v_generation, "V1"),
                )
            if kind == "microsoft.compute/galleries/images/versions":
                definition = await client.gallery_images.get(group, parts[7], parts[9])
                return SourceShape(
                    source_id,
                    _text(definition.os_state, "Generalized"),
                    _text(definition.hyper_v_generation, "V1"),
                )
    except Exception as exc:
        raise translate(exc, "reading the release's source", source_id) from exc
    return None
