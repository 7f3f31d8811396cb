"""What every DesktopVirtualization handler does around its backend call: name the caller,
read ``force`` and the list parameters (``pageSize``, ``isDescending``, ``initialSkip``), and
answer the provider's own errors with the ActivityId (the request id) in the message, as the
AVD provider does. Everything in this provider is synchronous (no long-running operations)."""

from __future__ import annotations

import functools
from typing import Any

from goldfleet.emulator.arm.errors import subscription_not_found
from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.paging import page
from goldfleet.emulator.arm.routing import Ctx, Handler
from goldfleet.emulator.rp.desktopvirtualization import errors
from goldfleet.emulator.world import Subscription


def handled(handler: Handler) -> Handler:
    """Put the ActivityId into the provider's error messages."""

    @functools.wraps(handler)
    def run(ctx: Ctx) -> Response:
        try:
            return handler(ctx)
        except errors.AvdError as exc:
            raise exc.with_activity(ctx.request_id) from None

    return run


def subscription(ctx: Ctx) -> Subscription:
    sub = ctx.world.subscription(ctx.param("subscriptionId"))
    if sub is None:
        raise subscription_not_found(ctx.param("subscriptionId"))
    return sub


def app_id(ctx: Ctx) -> str:
    return ctx.principal.app_id if ctx.principal is not None else "unknown"


def flag(ctx: Ctx, name: str) -> bool:
    """A boolean query parameter (``force=true``); absent is False."""
    value = ctx.request.query.get(name.lower())
    if value is None:
        return False
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise errors.invalid_value(name, value, ("true", "false"))


def _int(ctx: Ctx, name: str) -> int | None:
    value = ctx.request.query.get(name.lower())
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError as exc:
        raise errors.invalid_value(name, value, ()) from exc
    if number < 0:
        raise errors.invalid_value(name, value, ())
    return number


def listing(ctx: Ctx, items: list[Any]) -> Response:
    """A list answer: ``isDescending`` reverses creation order, ``initialSkip`` skips,
    ``pageSize`` sizes the pages (default 100), ``nextLink`` leads on."""
    if flag(ctx, "isDescending"):
        items = list(reversed(items))
    skip = _int(ctx, "initialSkip") or 0
    size = _int(ctx, "pageSize") or None
    return json_response(page(ctx.request, items[skip:], size))
