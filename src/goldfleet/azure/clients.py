"""One factory for the async management clients goldfleet uses, per (tenant, subscription).

Clients point at the chosen cloud (or the emulator, trusting its CA). The SDK's own silent
retry of throttled calls is turned off so that throttling is visible to goldfleet.
"""

from __future__ import annotations

from typing import Any

from azure.mgmt.authorization.aio import AuthorizationManagementClient
from azure.mgmt.resource.resources.aio import ResourceManagementClient
from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

from goldfleet.azure.cloud import Cloud
from goldfleet.azure.credentials import CredentialPool, CredentialRef


class ClientFactory:
    def __init__(self, cloud: Cloud, credentials: CredentialPool | None = None) -> None:
        self.cloud = cloud
        self.credentials = credentials or CredentialPool(cloud)

    def _common(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "base_url": self.cloud.resource_manager,
            "credential_scopes": [self.cloud.arm_scope],
            "retry_total": 3,
            "retry_status": 0,
        }
        if self.cloud.ca_bundle is not None:
            kwargs["connection_verify"] = str(self.cloud.ca_bundle)
            kwargs["polling_interval"] = 1
        return kwargs

    def subscriptions(self, tenant_id: str, ref: CredentialRef) -> SubscriptionClient:
        return SubscriptionClient(self.credentials.get(tenant_id, ref), **self._common())

    def resources(
        self, tenant_id: str, subscription_id: str, ref: CredentialRef
    ) -> ResourceManagementClient:
        return ResourceManagementClient(
            self.credentials.get(tenant_id, ref), subscription_id, **self._common()
        )

    def authorization(
        self, tenant_id: str, subscription_id: str, ref: CredentialRef
    ) -> AuthorizationManagementClient:
        return AuthorizationManagementClient(
            self.credentials.get(tenant_id, ref), subscription_id, **self._common()
        )

    async def close(self) -> None:
        await self.credentials.close()
