"""The AVD provider's part of the control API (``/_emulator/desktopvirtualization/...``, no
token, like the rest of ``/_emulator``): register a session host, send its heartbeat, start and
end user sessions without an agent or a user simulation, and read the records of logoffs,
disconnects and messages. Documented in docs/emulator/desktopvirtualization.md."""

from __future__ import annotations

import json
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.desktopvirtualization import (
    autoscale,
    errors,
    session_hosts,
    sessions,
    tokens,
    users,
)

PREFIX = "/_emulator/desktopvirtualization"


def _body(ctx: Ctx) -> dict[str, Any]:
    try:
        data = json.loads(ctx.request.body or b"{}")
    except ValueError as exc:
        raise ArmError(400, "InvalidRequestContent", f"The body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ArmError(400, "InvalidRequestContent", "The body must be a JSON object.")
    return data


def _field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ArmError(400, "InvalidParameter", f"'{name}' is required (a string).")
    return value


def register_host(ctx: Ctx) -> Response:
    body = _body(ctx)
    pool_id = body.get("hostPoolId")
    token = body.get("registrationToken")
    if token is not None:
        pool_id = tokens.validate_token(ctx.world, str(token))
        if pool_id is None:
            raise ArmError(400, "InvalidRegistrationToken", "The registration token is not valid.")
    if not isinstance(pool_id, str):
        raise ArmError(400, "InvalidParameter", "'hostPoolId' or 'registrationToken' is required.")
    try:
        item = session_hosts.register_session_host(
            ctx.world,
            pool_id,
            _field(body, "fqdn"),
            _field(body, "vmResourceId"),
            status=str(body.get("status", "Available")),
            agent_version=str(body.get("agentVersion", session_hosts.DEFAULT_AGENT_VERSION)),
            health=body.get("healthChecks"),
        )
    except session_hosts.RegistrationRefused as exc:
        raise ArmError(409, "RegistrationRefused", str(exc)) from exc
    return json_response(session_hosts.view(ctx.world, item), 201)


def heartbeat(ctx: Ctx) -> Response:
    body = _body(ctx)
    try:
        item = session_hosts.heartbeat(
            ctx.world, _field(body, "sessionHostId"), body.get("status"), body.get("healthChecks")
        )
    except errors.AvdError as exc:
        raise ArmError(400, "InvalidParameter", exc.text) from exc
    return json_response(session_hosts.view(ctx.world, item))


def start_session(ctx: Ctx) -> Response:
    body = _body(ctx)
    try:
        item = sessions.start_session(
            ctx.world,
            _field(body, "sessionHostId"),
            _field(body, "userPrincipalName"),
            application_type=str(body.get("applicationType", "Desktop")),
        )
    except sessions.SessionRefused as exc:
        raise ArmError(409, "SessionRefused", str(exc)) from exc
    except errors.AvdError as exc:
        raise ArmError(400, "InvalidParameter", exc.text) from exc
    return json_response(item.body, 201)


def end_session(ctx: Ctx) -> Response:
    body = _body(ctx)
    ended = sessions.end_session(ctx.world, _field(body, "sessionId"), reason="userLogoff")
    if not ended:
        raise ArmError(404, "SessionNotFound", "No such user session.")
    return json_response({"ended": True})


def records(ctx: Ctx) -> Response:
    world = ctx.world
    return json_response(
        {
            "logoffs": sessions.logoffs(world),
            "disconnects": sessions.disconnects(world),
            "messages": sessions.messages(world),
            "autoscale": autoscale.actions(world),
        }
    )


def put_population(ctx: Ctx) -> Response:
    body = _body(ctx)
    try:
        found = users.set_population(ctx.world, _field(body, "hostPoolId"), body)
    except ValueError as exc:
        raise ArmError(400, "InvalidParameter", str(exc)) from exc
    return json_response({**found, "users": len(found["users"])})


def get_metrics(ctx: Ctx) -> Response:
    return json_response(users.metrics(ctx.world, ctx.request.query.get("hostpoolid")))


def reset_metrics(ctx: Ctx) -> Response:
    users.reset_metrics(ctx.world)
    return json_response(users.metrics(ctx.world))


def register(router: Router) -> None:
    options: dict[str, Any] = {"authenticated": False, "rbac": False, "api_version": False}
    router.add("POST", f"{PREFIX}/sessionHosts", register_host, **options)
    router.add("POST", f"{PREFIX}/heartbeats", heartbeat, **options)
    router.add("POST", f"{PREFIX}/userSessions", start_session, **options)
    router.add("POST", f"{PREFIX}/logoffs", end_session, **options)
    router.add("GET", f"{PREFIX}/records", records, **options)
    router.add("PUT", f"{PREFIX}/populations", put_population, **options)
    router.add("GET", f"{PREFIX}/metrics", get_metrics, **options)
    router.add("DELETE", f"{PREFIX}/metrics", reset_metrics, **options)
