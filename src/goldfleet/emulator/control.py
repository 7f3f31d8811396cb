"""The control API under ``/_emulator/``: reset, snapshot and restore, seed a scenario, read and
set the clock, add and clear faults, read the request log and counters, tune throttling, and
mint tokens for tests. It never collides with ARM paths and needs no token (loopback only).
Documented in docs/emulator/control-api.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import yaml

from goldfleet.emulator.arm.clock import iso, parse_instant
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.guest import scripts as guest_scripts
from goldfleet.emulator.rp.compute.galleries import throttling as compute_throttling
from goldfleet.emulator.scenario import ScenarioError, parse_scenario, seed_world
from goldfleet.emulator.world import World

if TYPE_CHECKING:
    from goldfleet.emulator.app import EmulatorApp

PREFIX = "/_emulator"


def _body(ctx: Ctx) -> dict[str, Any]:
    text = ctx.request.body.decode("utf-8", "replace").strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ArmError(400, "InvalidRequestContent", f"The body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ArmError(400, "InvalidRequestContent", "The body must be a JSON object.")
    return data


def _clock(world: World) -> dict[str, Any]:
    return {"now": iso(world.now_dt()), "timestamp": world.now(), "speed": world.clock.speed}


def info(ctx: Ctx, app: EmulatorApp) -> Response:
    world = ctx.world
    return json_response(
        {
            "clock": _clock(world),
            "tenants": len(world.directory.tenants),
            "subscriptions": len(world.subscriptions),
            "resources": len(world.store),
            "pendingTransitions": len(world.scheduler),
            "stateDirectory": str(app.state_dir),
        }
    )


def reset(ctx: Ctx) -> Response:
    ctx.world.restore(World(seed=ctx.world.seed).snapshot())
    ctx.world.log.clear()
    return json_response({"reset": True, "clock": _clock(ctx.world)})


def get_state(ctx: Ctx) -> Response:
    return json_response(ctx.world.snapshot())


def put_state(ctx: Ctx) -> Response:
    try:
        ctx.world.restore(_body(ctx))
    except (KeyError, TypeError, ValueError) as exc:
        raise ArmError(400, "InvalidState", f"The state document is invalid: {exc}") from exc
    return json_response({"restored": True, "clock": _clock(ctx.world)})


def post_scenario(ctx: Ctx) -> Response:
    text = ctx.request.body.decode("utf-8", "replace")
    try:
        scenario = parse_scenario(text, "<posted scenario>")
        seed_world(ctx.world, scenario)
    except ScenarioError as exc:
        raise ArmError(400, "InvalidScenario", "; ".join(exc.problems)) from exc
    return json_response({"seeded": True, "clock": _clock(ctx.world)})


def get_clock(ctx: Ctx) -> Response:
    return json_response(_clock(ctx.world))


def put_clock(ctx: Ctx) -> Response:
    body = _body(ctx)
    clock = ctx.world.clock
    try:
        if "now" in body:
            clock.set(parse_instant(str(body["now"])))
        if "advanceSeconds" in body:
            clock.advance(float(body["advanceSeconds"]))
        if "speed" in body:
            clock.set_speed(float(body["speed"]))
    except (TypeError, ValueError) as exc:
        raise ArmError(400, "InvalidClock", str(exc)) from exc
    ran = ctx.world.advance_to_now()
    return json_response({**_clock(ctx.world), "transitionsRun": ran})


def get_faults(ctx: Ctx) -> Response:
    return json_response({"value": ctx.world.faults.to_json()})


def add_fault(ctx: Ctx) -> Response:
    try:
        rule = ctx.world.faults.add(_body(ctx), ctx.world.new_uuid())
    except (TypeError, ValueError) as exc:
        raise ArmError(400, "InvalidFault", str(exc)) from exc
    return json_response(rule.to_json(), 201)


def clear_faults(ctx: Ctx) -> Response:
    ctx.world.faults.clear()
    return empty_response(204)


def requests(ctx: Ctx) -> Response:
    try:
        since = int(ctx.request.query.get("since", "0"))
        limit = int(ctx.request.query.get("limit", "10000"))
    except ValueError as exc:
        raise ArmError(400, "InvalidParameter", str(exc)) from exc
    entries = ctx.world.log.since(since, limit)
    return json_response({"value": [e.to_json() for e in entries]})


def clear_requests(ctx: Ctx) -> Response:
    ctx.world.log.clear()
    return empty_response(204)


def counters(ctx: Ctx) -> Response:
    return json_response(dict(ctx.world.log.counters))


def get_throttling(ctx: Ctx) -> Response:
    return json_response(
        {
            **ctx.world.throttler.settings(),
            "compute": compute_throttling.current_settings(ctx.world),
        }
    )


def put_throttling(ctx: Ctx) -> Response:
    body = _body(ctx)
    compute = body.pop("compute", None)
    try:
        if compute is not None:
            compute_throttling.configure(ctx.world, compute)
        ctx.world.throttler.configure(body)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ArmError(400, "InvalidThrottling", str(exc)) from exc
    return get_throttling(ctx)


def get_guest_failures(ctx: Ctx) -> Response:
    return json_response({"value": [asdict(f) for f in guest_scripts.failures(ctx.world)]})


def add_guest_failure(ctx: Ctx) -> Response:
    """Make guest scripts fail: ``{"match", "exitCode", "stderr", "count"}`` (guest/scripts.py)."""
    body = _body(ctx)
    try:
        failure = guest_scripts.ScriptFailure(
            match=str(body["match"]),
            exit_code=int(body.get("exitCode", 1)),
            stderr=str(body.get("stderr", "The script failed (injected).")),
            count=None if body.get("count") is None else int(body["count"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ArmError(400, "InvalidFailure", f"The failure is invalid: {exc!r}") from exc
    guest_scripts.add_failure(ctx.world, failure)
    return json_response(asdict(failure), 201)


def clear_guest_failures(ctx: Ctx) -> Response:
    guest_scripts.clear_failures(ctx.world)
    return empty_response(204)


def mint_token(ctx: Ctx, app: EmulatorApp) -> Response:
    """Sign a token for a principal directly (tests: expired or foreign-audience tokens)."""
    body = _body(ctx)
    world = ctx.world
    try:
        tenant = world.directory.tenant(str(body["tenant"]))
        app_id = str(body["appId"])
    except KeyError as exc:
        raise ArmError(400, "InvalidParameter", f"missing {exc}") from exc
    sp = world.directory.service_principal_of(app_id, tenant.tenant_id) if tenant else None
    if tenant is None or sp is None:
        raise ArmError(404, "PrincipalNotFound", "No such service principal in that tenant.")
    token, lifetime = app.tokens.issue(
        tenant_id=tenant.tenant_id,
        object_id=sp.object_id,
        app_id=app_id,
        audience=str(body.get("audience", "https://management.azure.com/")),
        app_display_name=sp.display_name,
        credential_kind="secret",
        token_id=world.new_uuid(),
        lifetime=int(body.get("lifetimeSeconds", 3599)),
        not_before_offset=int(body.get("notBeforeOffsetSeconds", 0)),
    )
    return json_response({"access_token": token, "expires_in": lifetime})


def get_directory(ctx: Ctx) -> Response:
    text = yaml.safe_dump(ctx.world.snapshot()["directory"], sort_keys=False)
    return Response(status=200, raw=text.encode(), content_type="application/yaml")


def register(router: Router, app: EmulatorApp) -> None:
    def add(method: str, path: str, handler: Callable[[Ctx], Response]) -> None:
        router.add(
            method, PREFIX + path, handler, authenticated=False, rbac=False, api_version=False
        )

    add("GET", "", lambda ctx: info(ctx, app))
    add("POST", "/tokens", lambda ctx: mint_token(ctx, app))
    add("POST", "/reset", reset)
    add("GET", "/state", get_state)
    add("PUT", "/state", put_state)
    add("POST", "/scenario", post_scenario)
    add("GET", "/directory", get_directory)
    add("GET", "/clock", get_clock)
    add("PUT", "/clock", put_clock)
    add("GET", "/faults", get_faults)
    add("POST", "/faults", add_fault)
    add("DELETE", "/faults", clear_faults)
    add("GET", "/requests", requests)
    add("DELETE", "/requests", clear_requests)
    add("GET", "/counters", counters)
    add("GET", "/throttling", get_throttling)
    add("PUT", "/throttling", put_throttling)
    add("GET", "/guest/failures", get_guest_failures)
    add("POST", "/guest/failures", add_guest_failure)
    add("DELETE", "/guest/failures", clear_guest_failures)
