"""Names shared by the DesktopVirtualization provider: resource types, ids, enums, the
provider's section of the world, and the bits every tracked resource gets (systemData, tags,
location). No HTTP and no rules of any one resource here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import errors
from goldfleet.emulator.world import World

NAMESPACE = "Microsoft.DesktopVirtualization"
HOST_POOL = f"{NAMESPACE}/hostPools"
SESSION_HOST = f"{NAMESPACE}/hostPools/sessionHosts"
USER_SESSION = f"{NAMESPACE}/hostPools/sessionHosts/userSessions"
APPLICATION_GROUP = f"{NAMESPACE}/applicationGroups"
WORKSPACE = f"{NAMESPACE}/workspaces"
SCALING_PLAN = f"{NAMESPACE}/scalingPlans"
POOLED_SCHEDULE = f"{NAMESPACE}/scalingPlans/pooledSchedules"
PERSONAL_SCHEDULE = f"{NAMESPACE}/scalingPlans/personalSchedules"
SECTION = "desktopvirtualization"

# Enums of the 2025-10-10 REST reference (a superset of what SDK 2.0.0 knows).
HOST_POOL_TYPES = ("Personal", "Pooled", "BYODesktop")
LOAD_BALANCER_TYPES = ("BreadthFirst", "DepthFirst", "Persistent", "MultiplePersistent")
ASSIGNMENT_TYPES = ("Automatic", "Direct")
PREFERRED_APP_GROUP_TYPES = ("None", "Desktop", "RailApplications")
TOKEN_OPERATIONS = ("Delete", "None", "Update")
PUBLIC_NETWORK_ACCESS = (
    "Enabled",
    "Disabled",
    "EnabledForSessionHostsOnly",
    "EnabledForClientsOnly",
)
SSO_SECRET_TYPES = ("SharedKey", "Certificate", "SharedKeyInKeyVault", "CertificateInKeyVault")
AGENT_UPDATE_TYPES = ("Default", "Scheduled")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
APPLICATION_GROUP_TYPES = ("RemoteApp", "Desktop")
APPLICATION_TYPES = ("RemoteApp", "Desktop")
SESSION_HOST_STATUSES = (
    "Available",
    "Unavailable",
    "Shutdown",
    "Disconnected",
    "Upgrading",
    "UpgradeFailed",
    "NoHeartbeat",
    "NotJoinedToDomain",
    "DomainTrustRelationshipLost",
    "SxSStackListenerNotReady",
    "FSLogixNotHealthy",
    "NeedsAssistance",
)
SESSION_STATES = (
    "Unknown",
    "Active",
    "Disconnected",
    "Pending",
    "LogOff",
    "UserProfileDiskMounted",
)
UPDATE_STATES = ("Initial", "Pending", "Started", "Succeeded", "Failed")
HEALTH_CHECK_NAMES = (
    "DomainJoinedCheck",
    "DomainTrustCheck",
    "FSLogixHealthCheck",
    "SxSStackListenerCheck",
    "UrlsAccessibleCheck",
    "MonitoringAgentCheck",
    "DomainReachable",
    "WebRTCRedirectorCheck",
    "SupportedEncryptionCheck",
    "MetaDataServiceCheck",
    "AppAttachHealthCheck",
)
HEALTH_CHECK_RESULTS = (
    "Unknown",
    "HealthCheckSucceeded",
    "HealthCheckFailed",
    "SessionHostShutdown",
)


def provider_id(subscription_id: str, group: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{NAMESPACE}"


def host_pool_id(subscription_id: str, group: str, name: str) -> str:
    return f"{provider_id(subscription_id, group)}/hostPools/{name}"


def section(world: World) -> dict[str, Any]:
    """The provider's JSON-able state in ``world.sections`` (records of logoffs, messages...)."""
    data: dict[str, Any] = world.sections.setdefault(SECTION, {})
    for key in ("logoffs", "messages", "disconnects"):
        data.setdefault(key, [])
    return data


def stamp(world: World, body: dict[str, Any], app_id: str) -> None:
    """``systemData`` for a write: created* once, lastModified* every time."""
    now = iso(world.now_dt())
    data = body.setdefault("systemData", {})
    if "createdAt" not in data:
        data.update(createdBy=app_id, createdByType="Application", createdAt=now)
    data.update(lastModifiedBy=app_id, lastModifiedByType="Application", lastModifiedAt=now)


def choice(value: Any, allowed: tuple[str, ...], field: str) -> str:
    """``value`` spelled as the enum spells it (enums are case-insensitive), else Azure's 400."""
    if isinstance(value, str):
        for option in allowed:
            if option.lower() == value.lower():
                return option
    raise errors.invalid_value(field, value, allowed)


def optional_choice(value: Any, allowed: tuple[str, ...], field: str) -> str | None:
    return None if value is None else choice(value, allowed, field)


def properties_of(body: dict[str, Any]) -> dict[str, Any]:
    """The request's ``properties`` object (absent is empty; anything else is a 400)."""
    properties = body.get("properties", {})
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise errors.invalid_value("properties", properties, ())
    return properties


def tags_of(body: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    tags = body.get("tags", current if current is not None else {})
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise errors.invalid_value("tags", tags, ())
    return {str(k): str(v) for k, v in tags.items()}


def require_location(body: dict[str, Any]) -> str:
    location = body.get("location")
    if not isinstance(location, str) or not location.strip():
        raise errors.location_required()
    return location.replace(" ", "").lower()


def name_of(item: StoredResource) -> str:
    """The last segment of a (possibly composite) name: ``pool/host.fqdn`` -> ``host.fqdn``."""
    return str(item.body["name"]).rsplit("/", 1)[-1]


HostListener = Callable[[World, str], None]
_HOST_LISTENERS: list[HostListener] = []


def on_host_change(listener: HostListener) -> None:
    """Call ``listener(world, host_pool_id)`` after anything changes what a pool's session hosts
    can serve: a host registered, removed, its ``status`` or ``allowNewSession`` changed, its VM
    started or stopped. Listeners are code, registered at import time, not state."""
    _HOST_LISTENERS.append(listener)


def host_changed(world: World, host_pool_id: str) -> None:
    """Tell the listeners that a session host of ``host_pool_id`` changed."""
    for listener in _HOST_LISTENERS:
        listener(world, host_pool_id)
