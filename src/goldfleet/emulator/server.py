"""Serving the emulator over HTTPS: in the foreground (``goldfleet emulator serve``) or in a
background thread of the current process (tests, benchmarks, ``goldfleet demo``).

It listens on loopback unless ``allow_remote`` is set (:func:`check_listen_address`), and its
control API needs the control secret, which :meth:`RunningEmulator.control` sends."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from goldfleet.emulator.access import CONTROL_SECRET_HEADER, check_control_secret, is_loopback
from goldfleet.emulator.app import EmulatorApp
from goldfleet.emulator.scenario import load_scenario, seed_world
from goldfleet.emulator.tls import ServerCertificate, issue_server_certificate
from goldfleet.emulator.world import World


@dataclass
class EmulatorOptions:
    host: str = "127.0.0.1"
    port: int = 0  # 0 = a free port
    speed: float | None = None
    scenario: Path | None = None
    state_file: Path | None = None
    state_dir: Path | None = None
    seed: int = 0
    log_level: str = "warning"
    allow_remote: bool = False  # listen on a non-loopback address (the LAN can reach it)
    control_secret: str | None = field(default=None, repr=False)  # None = a new random one


def check_listen_address(host: str, allow_remote: bool) -> None:
    """Refuse (``ValueError``) to listen beyond loopback unless ``allow_remote`` says so."""
    if not is_loopback(host) and not allow_remote:
        raise ValueError(
            f"refusing to listen on {host!r}: the emulator listens on loopback only (127.0.0.1, "
            "localhost, ::1) unless remote access is allowed on purpose (--allow-remote), as "
            "anything that can reach the address could drive it"
        )


def check_options(options: EmulatorOptions) -> None:
    """Refuse (``ValueError``, saying what to do) options the emulator must not start with."""
    check_listen_address(options.host, options.allow_remote)
    if options.control_secret is not None:
        try:
            check_control_secret(options.control_secret)
        except ValueError as exc:
            raise ValueError(f"the control secret is not usable: {exc}") from exc


@dataclass
class RunningEmulator:
    """A started emulator: where it listens and how to trust it."""

    endpoint: str  # https://127.0.0.1:PORT
    ca_path: Path
    app: EmulatorApp
    _server: uvicorn.Server = field(repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)

    @property
    def control_secret(self) -> str:
        """The secret the control API asks for (also in ``<state dir>/control-secret``)."""
        return self.app.control_secret

    @property
    def world(self) -> World:
        """The live world. Read it only through :meth:`call` while the server runs."""
        return self.app.world

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the emulator's event loop and return its result."""
        if self._loop is None:
            return fn(*args)

        async def run() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=30)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the control API (``path`` relative to ``/_emulator``), with the control secret."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.endpoint}/_emulator{path}",
            data=data,
            method=method,
            headers={
                "Content-Type": "application/json",
                CONTROL_SECRET_HEADER: self.control_secret,
            },
        )
        context = ssl.create_default_context(cafile=str(self.ca_path))
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None


def build_world(options: EmulatorOptions) -> World:
    world = World(seed=options.seed)
    if options.state_file is not None and options.state_file.exists():
        world.restore(json.loads(options.state_file.read_text()))
    elif options.scenario is not None:
        scenario, base_dir = load_scenario(options.scenario)
        seed_world(world, scenario, base_dir)
    if options.speed is not None:
        world.clock.set_speed(options.speed)
    return world


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _config(app: EmulatorApp, options: EmulatorOptions, cert: ServerCertificate) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        ssl_certfile=str(cert.cert_path),
        ssl_keyfile=str(cert.key_path),
        log_level=options.log_level,
        access_log=False,
        lifespan="off",
        loop="uvloop",
        http="httptools",
        timeout_keep_alive=30,
        timeout_graceful_shutdown=1,
        server_header=False,
        date_header=True,
    )


def prepare(options: EmulatorOptions) -> tuple[EmulatorApp, ServerCertificate, str]:
    check_options(options)
    state_dir = options.state_dir or Path(tempfile.mkdtemp(prefix="goldfleet-emulator-"))
    if options.port == 0:
        options.port = _free_port(options.host)
    cert = issue_server_certificate(state_dir, [options.host])
    app = EmulatorApp(
        build_world(options),
        state_dir,
        host=options.host,
        port=options.port,
        control_secret=options.control_secret,
    )
    host = f"[{options.host}]" if ":" in options.host else options.host
    return app, cert, f"https://{host}:{options.port}"


def serve_forever(options: EmulatorOptions, on_ready: Any = None) -> None:
    """Serve in the foreground until interrupted; save the state file on the way out.

    ``on_ready(endpoint, ca_path, app)`` is called once the socket accepts connections.
    """
    import uvloop

    app, cert, endpoint = prepare(options)
    server = uvicorn.Server(_config(app, options, cert))

    async def announce() -> None:
        while not server.started and not server.should_exit:
            await asyncio.sleep(0.01)
        if server.started and on_ready is not None:
            on_ready(endpoint, cert.ca_path, app)

    async def main() -> None:
        watcher = asyncio.ensure_future(announce())
        await server.serve()
        watcher.cancel()

    loop = uvloop.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
        if options.state_file is not None:
            options.state_file.write_text(json.dumps(app.world.snapshot()))


@contextmanager
def running_emulator(options: EmulatorOptions | None = None) -> Iterator[RunningEmulator]:
    """Serve on a free loopback port in a background thread for the duration of the block."""
    options = options or EmulatorOptions()
    app, cert, endpoint = prepare(options)
    server = uvicorn.Server(_config(app, options, cert))
    running = RunningEmulator(endpoint, cert.ca_path, app, server)
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        import uvloop

        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        running._loop = loop
        try:
            loop.run_until_complete(_serve(server, ready))
        except BaseException as exc:
            failure.append(exc)
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="goldfleet-emulator", daemon=True)
    thread.start()
    ready.wait(timeout=30)
    if failure or not server.started:
        raise RuntimeError(f"the emulator did not start: {failure[0] if failure else 'timeout'}")
    try:
        yield running
    finally:
        server.should_exit = True
        server.force_exit = True  # do not wait for clients' idle keep-alive connections
        thread.join(timeout=15)
        if options.state_file is not None:
            options.state_file.write_text(json.dumps(app.world.snapshot()))


async def _serve(server: uvicorn.Server, ready: threading.Event) -> None:
    async def watch() -> None:
        while not server.started and not server.should_exit:
            await asyncio.sleep(0.01)
        ready.set()

    watcher = asyncio.ensure_future(watch())
    await server.serve()
    watcher.cancel()
    ready.set()
