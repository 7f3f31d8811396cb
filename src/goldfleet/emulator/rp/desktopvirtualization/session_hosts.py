"""Session hosts: the machines of a host pool. They are not created by PUT - the RD agent on a
VM registers them (:func:`register_session_host`), reports heartbeats and health
(:func:`heartbeat`) and may leave (:func:`unregister`); these are the entry points of the AVD
agent simulation. Through ARM they are read, listed, patched (``allowNewSession``,
``assignedUser``, ``friendlyName`` only) and deleted (``force`` logs users off). No HTTP here.

Names are composite as the real service answers them (``pool/host.fqdn``); ids end in the FQDN.
"""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import errors, host_pools, sessions
from goldfleet.emulator.rp.desktopvirtualization.model import (
    HEALTH_CHECK_NAMES,
    HEALTH_CHECK_RESULTS,
    SESSION_HOST,
    SESSION_HOST_STATUSES,
    USER_SESSION,
    choice,
    host_changed,
    name_of,
    properties_of,
    stamp,
)
from goldfleet.emulator.world import World

DEFAULT_AGENT_VERSION = "1.0.9742.2300"
DEFAULT_OS_VERSION = "10.0.22631"
DEFAULT_SXS_VERSION = "rdp-sxs241017000"
DEFAULT_CHECKS = (
    "DomainJoinedCheck",
    "DomainTrustCheck",
    "SxSStackListenerCheck",
    "UrlsAccessibleCheck",
    "MetaDataServiceCheck",
)
PATCHABLE = ("allowNewSession", "assignedUser", "friendlyName")


class RegistrationRefused(Exception):
    """The agent could not register (no such pool, bad status)."""


def session_host_id(host_pool_id: str, fqdn: str) -> str:
    return f"{host_pool_id}/sessionHosts/{fqdn}"


def pool_of(world: World, host: StoredResource) -> StoredResource:
    pool = host_pools.pool_by_id(world, host.id.rsplit("/sessionHosts/", 1)[0])
    assert pool is not None, host.id
    return pool


def register_session_host(
    world: World,
    host_pool_id: str,
    fqdn: str,
    vm_resource_id: str,
    *,
    status: str = "Available",
    agent_version: str = DEFAULT_AGENT_VERSION,
    health: list[dict[str, Any]] | None = None,
    os_version: str = DEFAULT_OS_VERSION,
) -> StoredResource:
    """Register (or re-register) the host ``fqdn`` in the pool, as the RD agent does."""
    pool = host_pools.pool_by_id(world, host_pool_id)
    if pool is None:
        raise RegistrationRefused(f"no host pool {host_pool_id}")
    try:
        status = choice(status, SESSION_HOST_STATUSES, "status")
        checks = _health(world, health)
    except errors.AvdError as exc:
        raise RegistrationRefused(exc.text) from exc
    now = iso(world.now_dt())
    resource_id = session_host_id(pool.id, fqdn)
    existing = world.store.get(resource_id)
    vm = world.store.get(vm_resource_id)
    vm_id = (vm.body.get("properties", {}).get("vmId") if vm is not None else None) or (
        existing.body["properties"]["virtualMachineId"] if existing else world.new_uuid()
    )
    properties: dict[str, Any] = (
        existing.body["properties"]
        if existing
        else {
            "objectId": world.new_uuid(),
            "allowNewSession": True,
            "assignedUser": None,
            "friendlyName": None,
            "updateState": "Succeeded",
            "updateErrorMessage": "",
        }
    )
    properties.update(
        {
            "lastHeartBeat": now,
            "sessions": 0,
            "agentVersion": agent_version,
            "status": status,
            "statusTimestamp": now,
            "osVersion": os_version,
            "sxSStackVersion": DEFAULT_SXS_VERSION,
            "lastUpdateTime": now,
            "virtualMachineId": vm_id,
            "resourceId": vm_resource_id,
            "sessionHostHealthCheckResults": checks,
        }
    )
    body = {
        "id": resource_id,
        "name": f"{pool.body['name']}/{fqdn}",
        "type": SESSION_HOST,
        "properties": properties,
        **({"systemData": existing.body["systemData"]} if existing else {}),
    }
    item = world.store.put(body, existing.meta if existing else {"nextSession": 1})
    stamp(world, item.body, "RDAgent")
    host_changed(world, pool.id)
    return item


def heartbeat(
    world: World,
    session_host_id: str,
    status: str | None = None,
    health_checks: list[dict[str, Any]] | None = None,
) -> StoredResource:
    """The agent's heartbeat: ``lastHeartBeat`` now, optionally a new status and health."""
    item = _host_by_id(world, session_host_id)
    properties = item.body["properties"]
    now = iso(world.now_dt())
    properties["lastHeartBeat"] = now
    if status is not None:
        status = choice(status, SESSION_HOST_STATUSES, "status")
        if status != properties["status"]:
            properties["status"] = status
            properties["statusTimestamp"] = now
    if health_checks is not None:
        properties["sessionHostHealthCheckResults"] = _health(world, health_checks)
    host_changed(world, item.id.rsplit("/sessionHosts/", 1)[0])
    return item


def unregister(world: World, session_host_id: str) -> bool:
    """The agent leaves (VM deleted or re-imaged): its sessions end, the host goes."""
    item = world.store.get(session_host_id)
    if item is None:
        return False
    _remove(world, item, forced=True, reason="unregister")
    return True


def get_host(
    world: World, subscription_id: str, group: str, pool: str, name: str
) -> StoredResource:
    parent = host_pools.get_pool(world, subscription_id, group, pool)
    item = world.store.get(session_host_id(parent.id, name))
    if item is None:
        raise errors.session_host_not_found(f"{pool}/{name}")
    return item


def hosts_of(world: World, pool: StoredResource) -> list[StoredResource]:
    return world.store.children(pool.id, SESSION_HOST)


def patch_host(
    world: World,
    host: StoredResource,
    body: dict[str, Any],
    *,
    force: bool,
    app_id: str,
) -> StoredResource:
    """SessionHosts_Update: only the SessionHostPatch fields; any other property is ignored
    (the provider binds the body to SessionHostPatch)."""
    requested = {k: v for k, v in properties_of(body).items() if k in PATCHABLE}
    properties = host.body["properties"]
    allow = requested.get("allowNewSession", properties["allowNewSession"])
    if not isinstance(allow, bool):
        raise errors.invalid_value("allowNewSession", allow, ())
    friendly = requested.get("friendlyName", properties.get("friendlyName"))
    if friendly is not None and not isinstance(friendly, str):
        raise errors.invalid_value("friendlyName", friendly, ())
    if "assignedUser" in requested:
        _assign(world, host, requested["assignedUser"], force=force)
    properties["allowNewSession"] = allow
    properties["friendlyName"] = friendly
    stamp(world, host.body, app_id)
    host_changed(world, host.id.rsplit("/sessionHosts/", 1)[0])
    return host


def delete_host(world: World, host: StoredResource, *, force: bool) -> None:
    """SessionHosts_Delete: refused while user sessions remain, unless ``force`` (which logs
    them off, recorded as forced)."""
    if world.store.children(host.id, USER_SESSION) and not force:
        raise errors.host_has_sessions(name_of(host))
    _remove(world, host, forced=True, reason="sessionHostDeleted")


def view(world: World, host: StoredResource) -> dict[str, Any]:
    body = copy.deepcopy(host.body)
    body["properties"]["sessions"] = len(world.store.children(host.id, USER_SESSION))
    return body


def remove_hosts_of_pool(world: World, pool: StoredResource) -> None:
    """Deletion hook of host pools: a force-deleted pool takes its hosts and sessions along."""
    for host in world.store.children(pool.id, SESSION_HOST):
        _remove(world, host, forced=True, reason="hostPoolDeleted")


# --- internals -----------------------------------------------------------------------------------


def _host_by_id(world: World, session_host_id: str) -> StoredResource:
    item = world.store.get(session_host_id)
    if item is None or str(item.body.get("type", "")).lower() != SESSION_HOST.lower():
        raise errors.session_host_not_found(session_host_id)
    return item


def _remove(world: World, host: StoredResource, *, forced: bool, reason: str) -> None:
    for session in list(world.store.children(host.id, USER_SESSION)):
        sessions.end_session(world, session.id, forced=forced, reason=reason)
    world.delete_resource(host.id)
    host_changed(world, host.id.rsplit("/sessionHosts/", 1)[0])


def _assign(world: World, host: StoredResource, user: Any, *, force: bool) -> None:
    pool = pool_of(world, host)
    properties = host.body["properties"]
    current = properties.get("assignedUser") or None
    wanted = user or None
    if wanted is not None and not isinstance(wanted, str):
        raise errors.invalid_value("assignedUser", user, ())
    if wanted == current:
        return
    if pool.body["properties"]["hostPoolType"] != "Personal":
        raise errors.assigned_user_on_pooled(name_of(host))
    if current is not None and not force:
        raise errors.reassign_needs_force(name_of(host), current)
    if wanted is not None and pool.body["properties"]["loadBalancerType"] != "MultiplePersistent":
        for other in hosts_of(world, pool):
            other_user = other.body["properties"].get("assignedUser") or ""
            if other.id != host.id and other_user.lower() == wanted.lower():
                raise errors.user_assigned_elsewhere(wanted, name_of(other))
    properties["assignedUser"] = wanted


def _health(world: World, checks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    now = iso(world.now_dt())
    if checks is None:
        checks = [
            {"healthCheckName": n, "healthCheckResult": "HealthCheckSucceeded"}
            for n in DEFAULT_CHECKS
        ]
    out = []
    for check in checks:
        name = choice(check.get("healthCheckName"), HEALTH_CHECK_NAMES, "healthCheckName")
        result = choice(
            check.get("healthCheckResult", "HealthCheckSucceeded"),
            HEALTH_CHECK_RESULTS,
            "healthCheckResult",
        )
        details = check.get("additionalFailureDetails") or {}
        out.append(
            {
                "healthCheckName": name,
                "healthCheckResult": result,
                "additionalFailureDetails": {
                    "message": str(details.get("message", f"SessionHost {name}: {result}")),
                    "errorCode": int(details.get("errorCode", 0)),
                    "lastHealthCheckDateTime": now,
                },
            }
        )
    return out
