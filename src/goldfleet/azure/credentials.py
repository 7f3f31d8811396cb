"""Credentials: one per (application, tenant), built from a reference, never from a stored secret.

A credential for tenant A is never used for tenant B: :class:`CredentialPool` keys them by both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from azure.core.credentials_async import AsyncTokenCredential
from azure.identity.aio import CertificateCredential, ClientSecretCredential

from goldfleet.azure.cloud import Cloud
from goldfleet.domain.errors import UserInputError


@dataclass(frozen=True)
class ClientSecretRef:
    """A client secret read from an environment variable at the moment it is needed."""

    client_id: str
    secret_env: str


@dataclass(frozen=True)
class CertificateRef:
    client_id: str
    certificate_path: str


CredentialRef = ClientSecretRef | CertificateRef


def make_credential(cloud: Cloud, tenant_id: str, ref: CredentialRef) -> AsyncTokenCredential:
    common = {
        "authority": cloud.authority_host,
        "disable_instance_discovery": cloud.ca_bundle is not None,
    }
    if cloud.ca_bundle is not None:
        common["connection_verify"] = str(cloud.ca_bundle)
    if isinstance(ref, ClientSecretRef):
        secret = os.environ.get(ref.secret_env)
        if not secret:
            raise UserInputError(
                f"the client secret for application {ref.client_id} is not set",
                hint=f"export {ref.secret_env}=<secret> (goldfleet never stores secrets)",
            )
        return ClientSecretCredential(tenant_id, ref.client_id, secret, **common)
    if not os.path.exists(ref.certificate_path):
        raise UserInputError(
            f"certificate file {ref.certificate_path} for application {ref.client_id} not found",
            hint="point the credential reference at a PEM file with the private key",
        )
    return CertificateCredential(tenant_id, ref.client_id, ref.certificate_path, **common)


class CredentialPool:
    """Credentials by (client id, tenant id); closed together."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self._items: dict[tuple[str, str], AsyncTokenCredential] = {}

    def get(self, tenant_id: str, ref: CredentialRef) -> AsyncTokenCredential:
        key = (ref.client_id.lower(), tenant_id.lower())
        found = self._items.get(key)
        if found is None:
            found = self._items[key] = make_credential(self.cloud, tenant_id, ref)
        return found

    async def close(self) -> None:
        for credential in self._items.values():
            await credential.close()
        self._items.clear()
