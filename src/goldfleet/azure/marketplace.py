"""Marketplace (platform) images: what ``latest`` means today for a publisher/offer/sku in a
region - the exact version a build records in its provenance, and what a ``newSourceVersion``
schedule compares with the version the last build used."""

from __future__ import annotations

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.tenancy import CredentialRef


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


async def latest_version(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    location: str,
    publisher: str,
    offer: str,
    sku: str,
) -> str | None:
    """The newest version of the image in ``location`` (None if it has none there)."""
    urn = f"{publisher}:{offer}:{sku}"
    client = factory.compute(tenant_id, subscription_id, ref)
    try:
        async with client:
            found = await client.virtual_machine_images.list(location, publisher, offer, sku)
    except Exception as exc:
        raise translate(exc, "listing the versions of marketplace image", urn) from exc
    names = [v.name for v in found or [] if v.name]
    return max(names, key=_key) if names else None
