"""What every gallery handler does around its backend call: find the subscription, name the
caller, count the request against Compute's throttling policies (headers on every answer,
errors included), and answer a long-running write with the caps-operation headers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from goldfleet.emulator.arm.errors import ArmError, subscription_not_found
from goldfleet.emulator.arm.http import Response
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.routing import Ctx, Handler
from goldfleet.emulator.rp.compute import operations
from goldfleet.emulator.rp.compute.galleries import throttling
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.world import Subscription

API_VERSION = "2026-03-03"


def subscription(ctx: Ctx) -> Subscription:
    sub = ctx.world.subscription(ctx.param("subscriptionId"))
    if sub is None:
        raise subscription_not_found(ctx.param("subscriptionId"))
    return sub


def caller(ctx: Ctx) -> Caller:
    assert ctx.principal is not None
    return Caller(ctx.principal.tenant_id, ctx.principal.object_id, ctx.principal.app_id)


def throttled(operation: str, group: str) -> Callable[[Handler], Handler]:
    """Count the request against Compute's policies before the handler runs, and put the
    remaining counts on its answer - an error answer too."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def counted(ctx: Ctx) -> Response:
            headers = throttling.take(ctx.world, ctx.param("subscriptionId"), operation, group)
            try:
                response = handler(ctx)
            except ArmError as exc:
                exc.headers = {**headers, **exc.headers}
                raise
            response.headers.update(headers)
            return response

        return counted

    return wrap


def accepted(ctx: Ctx, op: Operation, status: int, body: Any = None) -> Response:
    """The answer to a write that started ``op``: ``status`` with the caps-operation headers."""
    return operations.accepted(
        ctx.request.base_url, ctx.request.api_version or API_VERSION, op, status, body
    )
