"""Credentials: one per (application, tenant), built from a reference, never from a stored secret.

A credential for tenant A is never used for tenant B: :class:`CredentialPool` keys them by both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from azure.core.credentials_async import AsyncTokenCredential
from azure.identity.aio import (
    AzureCliCredential,
    CertificateCredential,
    ClientSecretCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)

from goldfleet.azure.cloud import Cloud
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.tenancy import CredentialKind, CredentialRef


def client_secret(client_id: str, secret_env: str) -> CredentialRef:
    return CredentialRef(CredentialKind.CLIENT_SECRET, client_id=client_id, secret_env=secret_env)


def make_credential(cloud: Cloud, tenant_id: str, ref: CredentialRef) -> AsyncTokenCredential:
    common: dict[str, Any] = {"authority": cloud.authority_host}
    if cloud.ca_bundle is not None:
        common["disable_instance_discovery"] = True
        common["connection_verify"] = str(cloud.ca_bundle)
    client_id = ref.client_id or ""
    if ref.kind is CredentialKind.CLIENT_SECRET:
        secret = os.environ.get(ref.secret_env or "")
        if not secret:
            raise UserInputError(
                f"the client secret for application {client_id} is not set",
                hint=f"export {ref.secret_env}=<secret> (goldfleet never stores secrets)",
            )
        return ClientSecretCredential(tenant_id, client_id, secret, **common)
    if ref.kind is CredentialKind.CERTIFICATE:
        path = Path(ref.certificate_path or "")
        if not path.is_file():
            raise UserInputError(
                f"certificate file {path} for application {client_id} not found",
                hint="point the credential reference at a PEM file holding the private key",
            )
        return CertificateCredential(tenant_id, client_id, str(path), **common)
    if ref.kind is CredentialKind.MANAGED_IDENTITY:
        return ManagedIdentityCredential(client_id=ref.client_id)
    if ref.kind is CredentialKind.WORKLOAD_IDENTITY:
        token_file = ref.token_file or os.environ.get("AZURE_FEDERATED_TOKEN_FILE")
        return WorkloadIdentityCredential(
            tenant_id=tenant_id, client_id=client_id, token_file_path=token_file, **common
        )
    return AzureCliCredential(tenant_id=tenant_id)


class CredentialPool:
    """Credentials by (credential reference, tenant id); closed together."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self._items: dict[tuple[CredentialRef, str], AsyncTokenCredential] = {}

    def get(self, tenant_id: str, ref: CredentialRef) -> AsyncTokenCredential:
        key = (ref, tenant_id.lower())
        found = self._items.get(key)
        if found is None:
            found = self._items[key] = make_credential(self.cloud, tenant_id, ref)
        return found

    async def close(self) -> None:
        for credential in self._items.values():
            await credential.close()
        self._items.clear()
