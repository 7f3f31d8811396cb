"""The gallery provider's part of the control API (``/_emulator/compute/...``, no token, like
the rest of ``/_emulator``): replication faults and limits. Documented in
docs/emulator/control-api.md."""

from __future__ import annotations

import json
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.http import Response, empty_response, json_response
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.rp.compute import settings

PREFIX = "/_emulator/compute"


def _body(ctx: Ctx) -> dict[str, Any]:
    try:
        data = json.loads(ctx.request.body or b"{}")
    except ValueError as exc:
        raise ArmError(400, "InvalidRequestContent", f"The body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ArmError(400, "InvalidRequestContent", "The body must be a JSON object.")
    return data


def get_faults(ctx: Ctx) -> Response:
    return json_response({"value": settings.replication_faults(ctx.world)})


def add_fault(ctx: Ctx) -> Response:
    try:
        rule = settings.add_replication_fault(ctx.world, _body(ctx))
    except ValueError as exc:
        raise ArmError(400, "InvalidFault", str(exc)) from exc
    return json_response(rule, 201)


def clear_faults(ctx: Ctx) -> Response:
    settings.clear_replication_faults(ctx.world)
    return empty_response(204)


def get_limits(ctx: Ctx) -> Response:
    return json_response(settings.limits(ctx.world))


def put_limits(ctx: Ctx) -> Response:
    try:
        return json_response(settings.set_limits(ctx.world, _body(ctx)))
    except ValueError as exc:
        raise ArmError(400, "InvalidLimits", str(exc)) from exc


def register(router: Router) -> None:
    options: dict[str, Any] = {"authenticated": False, "rbac": False, "api_version": False}
    router.add("GET", f"{PREFIX}/replicationFaults", get_faults, **options)
    router.add("POST", f"{PREFIX}/replicationFaults", add_fault, **options)
    router.add("DELETE", f"{PREFIX}/replicationFaults", clear_faults, **options)
    router.add("GET", f"{PREFIX}/limits", get_limits, **options)
    router.add("PUT", f"{PREFIX}/limits", put_limits, **options)
