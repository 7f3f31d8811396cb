"""Which Azure to talk to, and the engine to run on: resolved once from options and the
environment, the same way for every command."""

from __future__ import annotations

import contextvars
import getpass
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from goldfleet.azure import cloud as azure_cloud
from goldfleet.azure.cloud import KNOWN_CLOUDS, PUBLIC, Cloud, emulator_cloud
from goldfleet.domain.errors import BusyError, UserInputError
from goldfleet.engine import EngineConfigError, EngineSettings
from goldfleet.engine.clock import Clock, EmulatorClock, SystemClock

EMULATOR_ENDPOINT_ENV = "GOLDFLEET_EMULATOR_ENDPOINT"
EMULATOR_CA_ENV = "GOLDFLEET_EMULATOR_CA"
EMULATOR_SECRET_ENV = azure_cloud.EMULATOR_SECRET_ENV
CLOUD_ENV = "GOLDFLEET_CLOUD"


@dataclass(frozen=True)
class Target:
    """Where goldfleet acts: a cloud, and goldfleet's state directory."""

    cloud: Cloud
    state_dir: Path | None = None

    @property
    def is_emulator(self) -> bool:
        return self.cloud.ca_bundle is not None


def resolve_cloud(
    name: str | None = None, emulator: str | None = None, emulator_ca: Path | None = None
) -> Cloud:
    """``--emulator URL --emulator-ca PEM`` (or their environment variables) win over
    ``--cloud NAME``; the default is the Azure public cloud. The emulator's control secret comes
    from ``GOLDFLEET_EMULATOR_SECRET`` or the ``control-secret`` file beside its CA."""
    endpoint = emulator or os.environ.get(EMULATOR_ENDPOINT_ENV)
    if endpoint:
        ca = emulator_ca or (
            Path(os.environ[EMULATOR_CA_ENV]) if os.environ.get(EMULATOR_CA_ENV) else None
        )
        if ca is None or not ca.is_file():
            raise UserInputError(
                f"the emulator's CA bundle is needed to talk to {endpoint}",
                hint=f"pass --emulator-ca PATH or set {EMULATOR_CA_ENV} (goldfleet emulator "
                "serve prints it)",
            )
        cloud = emulator_cloud(endpoint, ca)
        if cloud.control_secret is None:
            raise UserInputError(
                f"the emulator's control secret is needed to follow its clock at {endpoint}",
                hint=f"set {EMULATOR_SECRET_ENV} to the secret 'goldfleet emulator serve' "
                f"printed, or keep the {azure_cloud.EMULATOR_SECRET_FILE} file it writes beside "
                f"the CA (looked for {ca.parent / azure_cloud.EMULATOR_SECRET_FILE})",
            )
        return cloud
    chosen = (name or os.environ.get(CLOUD_ENV) or PUBLIC.name).lower()
    if chosen not in KNOWN_CLOUDS:
        raise UserInputError(
            f"unknown cloud {name!r}",
            hint=f"one of: {', '.join(c.name for c in KNOWN_CLOUDS.values())}",
        )
    return KNOWN_CLOUDS[chosen]


def clock_for(target: Target) -> Clock:
    """The clock goldfleet lives by: the emulator's simulated one when that is the cloud."""
    if target.is_emulator:
        cloud = target.cloud
        return EmulatorClock(
            cloud.resource_manager, cloud.ca_bundle, control_secret=cloud.control_secret
        )
    return SystemClock()


def emulator_clock(endpoint: str, emulator_ca: Path | None) -> Clock:
    """The simulated clock of the emulator at ``endpoint`` (for a worker that follows it),
    found the way :func:`resolve_cloud` finds the emulator's CA and control secret."""
    return clock_for(Target(resolve_cloud(emulator=endpoint, emulator_ca=emulator_ca)))


def actor() -> str:
    """Who is asking, for the audit trail."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def engine_settings(target: Target) -> EngineSettings:
    try:
        return EngineSettings.from_env(state_dir=target.state_dir)
    except EngineConfigError:
        raise
    except OSError as exc:
        raise UserInputError(f"cannot use goldfleet's state directory: {exc}") from exc


def _say(note: str) -> None:
    """Where commands tell the person at the terminal what they are waiting for (the CLI sets
    it; silent otherwise)."""
    if notes is not None:
        notes(note)


notes: Callable[[str], None] | None = None
ENGINE_WAIT_POLL_SECONDS = 0.5
COMMAND_QUEUE_POLL_SECONDS = 0.2  # a command's own worker: see running_engine
_waiting: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "goldfleet_wait", default=None
)


@contextmanager
def waiting(seconds: float | None) -> Iterator[None]:
    """In this block, a command waits up to ``seconds`` for what another command holds (its
    objects, or SQLite's one worker) instead of refusing: the CLI's ``--wait``."""
    token = _waiting.set(seconds)
    try:
        yield
    finally:
        _waiting.reset(token)


def waiting_for() -> float | None:
    return _waiting.get()


@contextmanager
def running_engine(target: Target) -> Iterator[str]:
    """An engine to run workflows on. On SQLite: a worker in this process, unless a
    ``goldfleet worker run`` process holds SQLite's single-worker lock - then a client that
    leaves the work to it; when another *command* holds it (it ends soon, and a workflow left
    on its queue would wait for the next command), this one waits for it, saying so. On
    PostgreSQL: a client; the workers share the queues. Yields "worker" or "client"."""
    from goldfleet.engine.dbos_engine import client_engine, worker_engine
    from goldfleet.engine.sqlite_mode import WorkerLockHeld

    settings = engine_settings(target)
    if settings.is_postgres:
        with client_engine(settings):
            yield "client"
        return
    clock = clock_for(target)
    # In a command, a failed workflow is the user's error message, not a logged traceback; and
    # someone is waiting: its worker takes child workflows off its queues within a fifth of a
    # second (a worker's default second cost every fan-out up to one, and every exit one too).
    quiet = replace(
        settings,
        log_level="CRITICAL",
        role="command",
        queue_poll_seconds=min(settings.queue_poll_seconds, COMMAND_QUEUE_POLL_SECONDS),
    )
    with ExitStack() as stack:
        wait = waiting_for()
        deadline = None if wait is None else time.monotonic() + wait
        said = False
        while True:
            try:
                stack.enter_context(worker_engine(quiet, clock=clock))
                mode = "worker"
            except WorkerLockHeld as held:
                if not held.by_command:
                    stack.enter_context(client_engine(settings))
                    mode = "client"
                    break
                if deadline is None or time.monotonic() > deadline:
                    raise BusyError(
                        f"another goldfleet command ({held.holder}) is running on this state "
                        "directory, and in SQLite mode commands run one at a time",
                        hint="add --wait to wait for it, run `goldfleet worker run` so that "
                        "commands share one worker, or use PostgreSQL (GOLDFLEET_DATABASE_URL)",
                    ) from None
                if not said:
                    _say(f"waiting for another goldfleet command ({held.holder}) to finish")
                    said = True
                time.sleep(ENGINE_WAIT_POLL_SECONDS)
                continue
            break
        yield mode
