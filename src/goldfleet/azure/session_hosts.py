"""A host pool's session hosts and their users, through the official SDK: the registration
token (issued or rotated only when needed, returned to the caller and never logged), session
hosts as goldfleet sees them, draining, messages, log-offs and removal.

Session host names are composite in Azure (``pool/host.fqdn``); these functions take and return
the host's own name (the last segment). Every write is idempotent: draining a drained host,
logging off a session that ended or deleting a host that is gone all succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.desktopvirtualization import models

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.tenancy import CredentialRef

TOKEN_LIFETIME = timedelta(days=1)  # Azure allows one hour to 30 days
TOKEN_MARGIN = timedelta(hours=2)  # a token that ends sooner is rotated


@dataclass(frozen=True)
class HealthCheck:
    name: str
    result: str
    message: str


@dataclass(frozen=True)
class SessionHostView:
    name: str  # host.fqdn
    vm_id: str  # the VM's ARM id ("" when Azure does not say)
    status: str
    allow_new_session: bool
    sessions: int
    assigned_user: str | None
    health: tuple[HealthCheck, ...]
    last_heartbeat: str | None

    @property
    def healthy(self) -> bool:
        """Available, and no health check failed."""
        return self.status == "Available" and all(
            h.result != "HealthCheckFailed" for h in self.health
        )

    @property
    def vm_name(self) -> str:
        return self.vm_id.rstrip("/").rsplit("/", 1)[-1] if self.vm_id else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "vmId": self.vm_id,
            "status": self.status,
            "allowNewSession": self.allow_new_session,
            "sessions": self.sessions,
            "assignedUser": self.assigned_user,
            "healthy": self.healthy,
            "failedChecks": [h.name for h in self.health if h.result == "HealthCheckFailed"],
        }


@dataclass(frozen=True)
class UserSessionView:
    host: str  # host.fqdn
    session_id: str
    user: str
    state: str


def _text(value: Any) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def _host(h: Any) -> SessionHostView:
    checks = tuple(
        HealthCheck(
            _text(c.health_check_name),
            _text(c.health_check_result),
            (c.additional_failure_details.message or "") if c.additional_failure_details else "",
        )
        for c in (h.session_host_health_check_results or [])
    )
    beat = h.last_heart_beat
    return SessionHostView(
        name=(h.name or "").rsplit("/", 1)[-1],
        vm_id=h.resource_id or "",
        status=_text(h.status),
        allow_new_session=h.allow_new_session is not False,
        sessions=h.sessions or 0,
        assigned_user=h.assigned_user,
        health=checks,
        last_heartbeat=beat.isoformat() if beat is not None else None,
    )


class PoolClient:
    """The SDK calls for one host pool (its resource group and name come from its id)."""

    def __init__(
        self,
        factory: ClientFactory,
        tenant_id: str,
        subscription_id: str,
        ref: CredentialRef,
        pool_id: str,
    ) -> None:
        self.factory, self.tenant_id, self.subscription_id, self.ref = (
            factory,
            tenant_id,
            subscription_id,
            ref,
        )
        rid = ResourceId(pool_id)
        self.pool_id = pool_id
        self.group = rid.resource_group or ""
        self.pool = rid.name

    def _client(self) -> Any:
        return self.factory.desktop_virtualization(self.tenant_id, self.subscription_id, self.ref)

    async def registration_token(self, now: datetime) -> str:
        """A token that stays valid for at least ``TOKEN_MARGIN``: the current one, or a new
        one (valid ``TOKEN_LIFETIME``). A secret: callers pass it straight to the VM."""
        client = self._client()
        try:
            async with client:
                current = await client.host_pools.retrieve_registration_token(self.group, self.pool)
                ends = current.expiration_time
                if current.token and ends is not None and ends - now > TOKEN_MARGIN:
                    return str(current.token)
                patch = models.HostPoolPatch(
                    registration_info=models.RegistrationInfoPatch(
                        expiration_time=now + TOKEN_LIFETIME,
                        registration_token_operation="Update",
                    )
                )
                updated = await client.host_pools.update(self.group, self.pool, patch)
                info = updated.registration_info
                if info is not None and info.token:
                    return str(info.token)
                issued = await client.host_pools.retrieve_registration_token(self.group, self.pool)
                return str(issued.token)
        except Exception as exc:
            raise translate(exc, "issuing a registration token for", self.pool_id) from exc

    async def hosts(self) -> list[SessionHostView]:
        client = self._client()
        try:
            async with client:
                found = [_host(h) async for h in client.session_hosts.list(self.group, self.pool)]
        except Exception as exc:
            raise translate(exc, "listing the session hosts of", self.pool_id) from exc
        return sorted(found, key=lambda h: h.name)

    async def sessions(self) -> list[UserSessionView]:
        client = self._client()
        try:
            async with client:
                found = [
                    UserSessionView(
                        host=(s.name or "").split("/")[1] if (s.name or "").count("/") >= 2 else "",
                        session_id=(s.name or "").rsplit("/", 1)[-1],
                        user=s.user_principal_name or "",
                        state=_text(s.session_state),
                    )
                    async for s in client.user_sessions.list_by_host_pool(self.group, self.pool)
                ]
        except Exception as exc:
            raise translate(exc, "listing the user sessions of", self.pool_id) from exc
        return found

    async def set_allow_new_sessions(self, host: str, allow: bool) -> None:
        client = self._client()
        try:
            async with client:
                await client.session_hosts.update(
                    self.group,
                    self.pool,
                    host,
                    session_host=models.SessionHostPatch(allow_new_session=allow),
                )
        except Exception as exc:
            doing = "allowing new sessions on" if allow else "draining"
            raise translate(exc, doing, f"{self.pool_id}/sessionHosts/{host}") from exc

    async def assign(self, host: str, user: str) -> None:
        client = self._client()
        try:
            async with client:
                await client.session_hosts.update(
                    self.group,
                    self.pool,
                    host,
                    force=True,
                    session_host=models.SessionHostPatch(assigned_user=user),
                )
        except Exception as exc:
            raise translate(
                exc, f"assigning {user} to", f"{self.pool_id}/sessionHosts/{host}"
            ) from exc

    async def message(self, session: UserSessionView, title: str, body: str) -> None:
        client = self._client()
        try:
            async with client:
                await client.user_sessions.send_message(
                    self.group,
                    self.pool,
                    session.host,
                    session.session_id,
                    send_message=models.SendMessage(message_title=title, message_body=body),
                )
        except ResourceNotFoundError:
            return  # the user signed out meanwhile
        except Exception as exc:
            raise translate(
                exc, f"sending a message to {session.user} on", self._at(session)
            ) from exc

    async def log_off(self, session: UserSessionView) -> None:
        """Log the user off (the session is closed; unsaved work is lost: only after the grace
        period, and only when the policy says Force)."""
        client = self._client()
        try:
            async with client:
                await client.user_sessions.delete(
                    self.group, self.pool, session.host, session.session_id, force=True
                )
        except ResourceNotFoundError:
            return
        except Exception as exc:
            raise translate(exc, f"logging off {session.user} on", self._at(session)) from exc

    async def remove(self, host: str) -> None:
        """Unregister a session host (never with ``force``: a host with sessions is refused)."""
        client = self._client()
        try:
            async with client:
                await client.session_hosts.delete(self.group, self.pool, host)
        except ResourceNotFoundError:
            return
        except Exception as exc:
            raise translate(
                exc, "removing session host", f"{self.pool_id}/sessionHosts/{host}"
            ) from exc

    def _at(self, session: UserSessionView) -> str:
        return f"{self.pool_id}/sessionHosts/{session.host}"
