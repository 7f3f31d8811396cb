"""HTTP surface of session hosts and user sessions (children of a host pool): read, list,
patch and delete hosts; list, read, log off, disconnect and message user sessions. Hosts have
no PUT - they register through the agent (``session_hosts.register_session_host``)."""

from __future__ import annotations

from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.routing import Ctx, Handler, Router
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import host_pools, session_hosts, sessions
from goldfleet.emulator.rp.desktopvirtualization.handling import app_id, flag, handled, listing


def _host(ctx: Ctx) -> StoredResource:
    return session_hosts.get_host(
        ctx.world,
        ctx.param("subscriptionId"),
        ctx.param("resourceGroupName"),
        ctx.param("hostPoolName"),
        ctx.param("sessionHostName"),
    )


def _session(ctx: Ctx) -> StoredResource:
    return sessions.get_session(ctx.world, _host(ctx), ctx.param("userSessionId"))


@handled
def get_host(ctx: Ctx) -> Response:
    """SessionHosts_Get"""
    return json_response(session_hosts.view(ctx.world, _host(ctx)))


@handled
def list_hosts(ctx: Ctx) -> Response:
    """SessionHosts_List"""
    pool = host_pools.get_pool(
        ctx.world,
        ctx.param("subscriptionId"),
        ctx.param("resourceGroupName"),
        ctx.param("hostPoolName"),
    )
    hosts = session_hosts.hosts_of(ctx.world, pool)
    return listing(ctx, [session_hosts.view(ctx.world, h) for h in hosts])


@handled
def patch_host(ctx: Ctx) -> Response:
    """SessionHosts_Update (allowNewSession, assignedUser, friendlyName; ``force`` to reassign)"""
    host = session_hosts.patch_host(
        ctx.world,
        _host(ctx),
        ctx.request.json_object(),
        force=flag(ctx, "force"),
        app_id=app_id(ctx),
    )
    return json_response(session_hosts.view(ctx.world, host))


@handled
def delete_host(ctx: Ctx) -> Response:
    """SessionHosts_Delete (``force`` logs users off)"""
    pool = host_pools.get_pool(
        ctx.world,
        ctx.param("subscriptionId"),
        ctx.param("resourceGroupName"),
        ctx.param("hostPoolName"),
    )
    host = ctx.world.store.get(session_hosts.session_host_id(pool.id, ctx.param("sessionHostName")))
    if host is None:
        return empty_response(204)
    session_hosts.delete_host(ctx.world, host, force=flag(ctx, "force"))
    return empty_response(200)


@handled
def list_pool_sessions(ctx: Ctx) -> Response:
    """UserSessions_ListByHostPool (``$filter``)"""
    pool = host_pools.get_pool(
        ctx.world,
        ctx.param("subscriptionId"),
        ctx.param("resourceGroupName"),
        ctx.param("hostPoolName"),
    )
    found = sessions.matching(
        sessions.sessions_of_pool(ctx.world, pool), ctx.request.query.get("$filter")
    )
    return listing(ctx, [s.body for s in found])


@handled
def list_host_sessions(ctx: Ctx) -> Response:
    """UserSessions_List"""
    return listing(ctx, [s.body for s in sessions.sessions_of_host(ctx.world, _host(ctx))])


@handled
def get_session(ctx: Ctx) -> Response:
    """UserSessions_Get"""
    return json_response(_session(ctx).body)


@handled
def delete_session(ctx: Ctx) -> Response:
    """UserSessions_Delete (log off; ``force``)"""
    host = _host(ctx)
    item = ctx.world.store.get(f"{host.id}/userSessions/{ctx.param('userSessionId')}")
    if item is None:
        return empty_response(204)
    sessions.end_session(ctx.world, item.id, forced=flag(ctx, "force"), reason="adminLogoff")
    return empty_response(200)


@handled
def disconnect(ctx: Ctx) -> Response:
    """UserSessions_Disconnect"""
    sessions.disconnect(ctx.world, _session(ctx))
    return empty_response(200)


@handled
def send_message(ctx: Ctx) -> Response:
    """UserSessions_SendMessage"""
    body = ctx.request.json_object()
    sessions.send_message(
        ctx.world, _session(ctx), body.get("messageTitle"), body.get("messageBody")
    )
    return empty_response(200)


def register(router: Router, pool_path: str) -> None:
    hosts = f"{pool_path}/sessionHosts"
    host = f"{hosts}/{{sessionHostName}}"
    session = f"{host}/userSessions/{{userSessionId}}"
    routes: list[tuple[str, str, Handler]] = [
        ("GET", host, get_host),
        ("PATCH", host, patch_host),
        ("DELETE", host, delete_host),
        ("GET", hosts, list_hosts),
        ("GET", f"{pool_path}/userSessions", list_pool_sessions),
        ("GET", f"{host}/userSessions", list_host_sessions),
        ("GET", session, get_session),
        ("DELETE", session, delete_session),
        ("POST", f"{session}/disconnect", disconnect),
        ("POST", f"{session}/sendMessage", send_message),
    ]
    for method, path, handler in routes:
        router.add(method, path, handler)
