"""Assembly of the emulator: the world, the routes of every resource provider, the front door,
and the ASGI application that serves them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from goldfleet.emulator import control, graph, storage
from goldfleet.emulator.access import (
    AccessPolicy,
    check_control_secret,
    new_control_secret,
    write_control_secret,
)
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.http import Request, Response
from goldfleet.emulator.arm.routing import Router
from goldfleet.emulator.entra import routes as entra_routes
from goldfleet.emulator.entra.keys import load_or_create_signing_key
from goldfleet.emulator.entra.tokens import TokenService
from goldfleet.emulator.frontdoor import FrontDoor, request_from_asgi
from goldfleet.emulator.rp.authorization import routes as authorization_routes
from goldfleet.emulator.rp.compute import routes as compute_routes
from goldfleet.emulator.rp.desktopvirtualization import routes as avd_routes
from goldfleet.emulator.rp.imagebuilder import routes as image_builder_routes
from goldfleet.emulator.rp.managedidentity import routes as identity_routes
from goldfleet.emulator.rp.network import routes as network_routes
from goldfleet.emulator.rp.resources import routes as resource_routes
from goldfleet.emulator.world import World

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class EmulatorApp:
    """The ASGI application. One instance owns one world.

    It answers only to Host headers naming ``host:port`` (or a loopback name with that port) and
    serves the control API only to callers holding ``control_secret`` - a fresh random one unless
    given, written to ``<state_dir>/control-secret`` (see :mod:`goldfleet.emulator.access`).
    """

    def __init__(
        self,
        world: World,
        state_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 443,
        control_secret: str | None = None,
    ) -> None:
        self.world = world
        self.state_dir = state_dir
        self.control_secret = check_control_secret(control_secret or new_control_secret())
        self.control_secret_path = write_control_secret(state_dir, self.control_secret)
        self.access = AccessPolicy.serving(host, port, self.control_secret)
        self.signing_key = load_or_create_signing_key(state_dir)
        self.tokens = TokenService(self.signing_key)
        self.router = Router()
        entra_routes.register(self.router, self.tokens, self.signing_key)
        graph.register(self.router, self.tokens)
        resource_routes.register(self.router)
        authorization_routes.register(self.router)
        identity_routes.register(self.router)
        compute_routes.register(self.router)
        network_routes.register(self.router)
        avd_routes.register(self.router)
        image_builder_routes.register(self.router)
        storage.register(self.router)
        control.register(self.router, self)
        resource_routes.register_events(world.scheduler)
        identity_routes.install(world)
        authorization_routes.install(world)
        compute_routes.install(world)
        network_routes.install(world)
        avd_routes.install(world)
        image_builder_routes.install(world)
        self.front_door = FrontDoor(world, self.router, self.tokens, self.access)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body, too_large = await _read_body(scope, receive, self.world.max_body_bytes)
        request = request_from_asgi(scope, body)
        if too_large:
            error = ArmError(
                413,
                "RequestEntityTooLarge",
                f"The request content size exceeds the maximum allowed size of "
                f"{self.world.max_body_bytes} bytes.",
            )
            response = Response(status=413, body=error.body())
        else:
            response = await self.front_door.handle(request)
        await _send(send, response, head=request.method == "HEAD")

    async def handle(self, request: Request) -> Response:
        """Serve one request without HTTP (for in-process tests of the front door)."""
        return await self.front_door.handle(request)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(scope: dict[str, Any], receive: Receive, limit: int) -> tuple[bytes, bool]:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                if int(value) > limit:
                    return b"", True
            except ValueError:
                pass
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks), False


async def _send(send: Send, response: Response, *, head: bool) -> None:
    payload = response.encoded()
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
    ]
    if payload or response.status not in (204, 304):
        headers.append((b"content-type", response.content_type.encode()))
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else payload})
