"""One factory for the async management clients goldfleet uses, per (tenant, subscription).

Clients point at the chosen cloud (or the emulator, trusting its CA). Every call passes the ARM
gate (token buckets sized like ARM's; 429s absorbed), and transient failures are retried with
jittered backoff. The SDK's own retry never sees a 429 the gate could absorb.

Every wait the SDK makes (polling a long-running operation after its ``Retry-After``, backing off
before a retry) runs on the gate's clock: the machine's against Azure, the simulated one against
the emulator, so that at any ``--speed`` a client waits what it would wait on Azure, no more.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
from azure.core.pipeline.transport import AioHttpTransport
from azure.mgmt.core.policies import AsyncAuxiliaryAuthenticationPolicy

from goldfleet.azure.cloud import Cloud
from goldfleet.azure.credentials import CredentialPool
from goldfleet.azure.gate import ArmGate, GateClock
from goldfleet.azure.ownership import OwnershipGuard
from goldfleet.azure.retry import JitteredRetryPolicy
from goldfleet.domain.tenancy import CredentialRef

if TYPE_CHECKING:  # each SDK is imported when its first client is made: a command loads its own
    from azure.mgmt.authorization.aio import AuthorizationManagementClient
    from azure.mgmt.compute.aio import ComputeManagementClient
    from azure.mgmt.desktopvirtualization.aio import DesktopVirtualizationMgmtClient
    from azure.mgmt.imagebuilder.aio import ImageBuilderClient
    from azure.mgmt.msi.aio import ManagedServiceIdentityClient
    from azure.mgmt.network.aio import NetworkManagementClient
    from azure.mgmt.resource.resources.aio import ResourceManagementClient
    from azure.mgmt.resource.subscriptions.aio import SubscriptionClient


class ClockedTransport(AioHttpTransport):  # type: ignore[misc]
    """azure-core's aiohttp transport whose ``sleep`` (the one the LRO poller and the retry
    policy call) waits on ``clock``."""

    def __init__(self, *, clock: GateClock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._clock = clock

    async def sleep(self, duration: float) -> None:
        await self._clock.wait(duration)


class ClientFactory:
    """Clients for one cloud. Every client it makes shares one HTTP session (so connections and
    TLS sessions are reused across calls) and one credential per (tenant, app); the factory
    belongs to one event loop, and :meth:`close` ends both."""

    def __init__(
        self,
        cloud: Cloud,
        credentials: CredentialPool | None = None,
        gate: ArmGate | None = None,
    ) -> None:
        self.cloud = cloud
        self.credentials = credentials or CredentialPool(cloud)
        self.gate = gate or ArmGate()
        self.ownership = OwnershipGuard()
        self._session: aiohttp.ClientSession | None = None

    def _transport(self) -> ClockedTransport:
        """A transport over the factory's shared session; closing a client leaves it open."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(  # as the SDK makes its own
                trust_env=True, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
            )
        verify: dict[str, Any] = {}
        if self.cloud.ca_bundle is not None:
            verify["connection_verify"] = str(self.cloud.ca_bundle)
        return ClockedTransport(
            clock=self.gate.clock, session=self._session, session_owner=False, **verify
        )

    def _common(
        self, tenant_id: str, auxiliary: Sequence[tuple[str, CredentialRef]] = ()
    ) -> dict[str, Any]:
        """Client options; ``auxiliary`` (tenant, credential) pairs add the
        ``x-ms-authorization-auxiliary`` tokens a cross-tenant reference needs (at most 3)."""
        kwargs: dict[str, Any] = {
            "base_url": self.cloud.resource_manager,
            "credential_scopes": [self.cloud.arm_scope],
            "retry_policy": JitteredRetryPolicy(),
            # every write is checked against its resource's owner before it leaves
            "per_call_policies": [self.ownership.policy()],
            "per_retry_policies": [self.gate.policy(tenant_id)],
            "transport": self._transport(),
        }
        if auxiliary:
            if len(auxiliary) > 3:
                raise ValueError("ARM accepts at most three auxiliary tokens")
            credentials = [self.credentials.get(tid, ref) for tid, ref in auxiliary]
            kwargs["per_call_policies"].append(
                AsyncAuxiliaryAuthenticationPolicy(credentials, self.cloud.arm_scope)
            )
        if self.cloud.ca_bundle is not None:
            kwargs["connection_verify"] = str(self.cloud.ca_bundle)
        return kwargs

    def subscriptions(self, tenant_id: str, ref: CredentialRef) -> SubscriptionClient:
        from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

        return SubscriptionClient(self.credentials.get(tenant_id, ref), **self._common(tenant_id))

    def resources(
        self,
        tenant_id: str,
        subscription_id: str,
        ref: CredentialRef,
        auxiliary: Sequence[tuple[str, CredentialRef]] = (),
    ) -> ResourceManagementClient:
        from azure.mgmt.resource.resources.aio import ResourceManagementClient

        return ResourceManagementClient(
            self.credentials.get(tenant_id, ref),
            subscription_id,
            **self._common(tenant_id, auxiliary),
        )

    def authorization(
        self, tenant_id: str, subscription_id: str, ref: CredentialRef
    ) -> AuthorizationManagementClient:
        from azure.mgmt.authorization.aio import AuthorizationManagementClient

        return AuthorizationManagementClient(
            self.credentials.get(tenant_id, ref), subscription_id, **self._common(tenant_id)
        )

    def compute(
        self,
        tenant_id: str,
        subscription_id: str,
        ref: CredentialRef,
        auxiliary: Sequence[tuple[str, CredentialRef]] = (),
    ) -> ComputeManagementClient:
        from azure.mgmt.compute.aio import ComputeManagementClient

        return ComputeManagementClient(
            self.credentials.get(tenant_id, ref),
            subscription_id,
            **self._common(tenant_id, auxiliary),
        )

    def network(
        self, tenant_id: str, subscription_id: str, ref: CredentialRef
    ) -> NetworkManagementClient:
        from azure.mgmt.network.aio import NetworkManagementClient

        return NetworkManagementClient(
            self.credentials.get(tenant_id, ref), subscription_id, **self._common(tenant_id)
        )

    def desktop_virtualization(
        self, tenant_id: str, subscription_id: str, ref: CredentialRef
    ) -> DesktopVirtualizationMgmtClient:
        from azure.mgmt.desktopvirtualization.aio import DesktopVirtualizationMgmtClient

        return DesktopVirtualizationMgmtClient(
            self.credentials.get(tenant_id, ref), subscription_id, **self._common(tenant_id)
        )

    def managed_identities(
        self, tenant_id: str, subscription_id: str, ref: CredentialRef
    ) -> ManagedServiceIdentityClient:
        from azure.mgmt.msi.aio import ManagedServiceIdentityClient

        return ManagedServiceIdentityClient(
            self.credentials.get(tenant_id, ref), subscription_id, **self._common(tenant_id)
        )

    def image_builder(
        self,
        tenant_id: str,
        subscription_id: str,
        ref: CredentialRef,
        auxiliary: Sequence[tuple[str, CredentialRef]] = (),
    ) -> ImageBuilderClient:
        from azure.mgmt.imagebuilder.aio import ImageBuilderClient

        return ImageBuilderClient(
            self.credentials.get(tenant_id, ref),
            subscription_id,
            **self._common(tenant_id, auxiliary),
        )

    async def object_id(self, tenant_id: str, ref: CredentialRef) -> str:
        """goldfleet's own service principal in ``tenant_id`` (the ``oid`` of its ARM token)."""
        token = await self.credentials.get(tenant_id, ref).get_token(self.cloud.arm_scope)
        payload = token.token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["oid"])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        await self.credentials.close()
