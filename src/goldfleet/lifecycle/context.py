"""What a step needs to reach Azure, as plain data that survives the engine's database: the
cloud, the credential reference per tenant (never a secret), who asked. Plus the process-wide
client factory built from it, so that every step of a worker shares one ARM gate."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

from goldfleet import engine
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.cloud import Cloud, find_emulator_secret
from goldfleet.azure.gate import ArmGate, GateClock, WallClock
from goldfleet.azure.ownership import acting_as
from goldfleet.domain.ownership import DEFAULT_INSTALLATION, Owner, OwnerKind
from goldfleet.domain.rate_limits import BucketStore, MemoryBuckets
from goldfleet.domain.tenancy import CredentialKind, CredentialRef
from goldfleet.engine.clock import EmulatorClock
from goldfleet.store.buckets import SqlBuckets
from goldfleet.store.db import shared_database


@dataclass(frozen=True)
class ApplyContext:
    cloud: dict[str, Any]
    credentials: dict[str, dict[str, Any]]  # tenant id (lower) -> CredentialRef fields
    actor: str
    installation: str = DEFAULT_INSTALLATION  # the name in goldfleet's ownership tags

    @classmethod
    def build(
        cls,
        cloud: Cloud,
        credentials: dict[str, CredentialRef],
        actor: str,
        installation: str = DEFAULT_INSTALLATION,
    ) -> ApplyContext:
        return cls(
            cloud={
                "name": cloud.name,
                "resource_manager": cloud.resource_manager,
                "authority_host": cloud.authority_host,
                "arm_scope": cloud.arm_scope,
                "ca_bundle": str(cloud.ca_bundle) if cloud.ca_bundle else None,
            },
            credentials={
                tid.lower(): {**asdict(ref), "kind": ref.kind.value}
                for tid, ref in sorted(credentials.items())
            },
            actor=actor,
            installation=installation,
        )

    def owner(self, kind: OwnerKind, name: str) -> Owner:
        """Whom a workflow's writes act for (see goldfleet.azure.ownership)."""
        return Owner(self.installation, kind, name)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApplyContext:
        return cls(**data)

    def cloud_value(self) -> Cloud:
        """The cloud; for the emulator, its control secret is found again here (env or the file
        beside its CA), as it is never stored with the context."""
        c = self.cloud
        ca = c.get("ca_bundle")
        return Cloud(
            c["name"],
            c["resource_manager"],
            c["authority_host"],
            c["arm_scope"],
            Path(ca) if ca else None,
            find_emulator_secret(Path(ca)) if ca else None,
        )

    def credential(self, tenant_id: str) -> CredentialRef:
        data = dict(self.credentials[tenant_id.lower()])
        data["kind"] = CredentialKind(data["kind"])
        return CredentialRef(**data)


F = TypeVar("F", bound=Callable[..., Any])


def acts_for(kind: OwnerKind, name_of: Callable[..., str]) -> Callable[[F], F]:
    """A workflow whose writes act for ``kind``/``name_of(*args)``; its first argument is the
    context's JSON (which names the installation). Put it under ``@engine.workflow``."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(context_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            context = ApplyContext.from_json(context_json)
            with acting_as(context.owner(kind, name_of(context_json, *args, **kwargs))):
                return fn(context_json, *args, **kwargs)

        return run  # type: ignore[return-value]

    return decorate


_gates: dict[str, ArmGate] = {}


def gate_for(cloud: Cloud) -> ArmGate:
    """The process's ARM gate for a cloud, counted on the emulator's simulated clock when that
    is the cloud. On PostgreSQL its buckets live in the database, shared by every worker; on
    SQLite (one worker process) they live in memory."""
    found = _gates.get(cloud.resource_manager)
    if found is None:
        clock: GateClock = WallClock()
        if cloud.ca_bundle is not None:  # the emulator: follow its simulated clock
            clock = EmulatorGateClock(
                EmulatorClock(
                    cloud.resource_manager, cloud.ca_bundle, control_secret=cloud.control_secret
                )
            )
        database = shared_database()
        buckets: BucketStore = (
            SqlBuckets(database) if database.dialect.name == "postgresql" else MemoryBuckets()
        )
        found = _gates[cloud.resource_manager] = ArmGate(buckets, clock)
    return found


# (cloud, id(loop)) -> (the loop, held so that its id is not reused, and its factory)
_factories: dict[tuple[str, int], tuple[asyncio.AbstractEventLoop, ClientFactory]] = {}


def factory_for(context: ApplyContext) -> ClientFactory:
    """The worker's client factory for a cloud: one per event loop (the engine runs async steps
    on one loop), kept for the process's life, so that steps share credentials (and their cached
    tokens), HTTP connections and the gate. Factories of loops that have closed are dropped."""
    cloud = context.cloud_value()
    loop = asyncio.get_running_loop()
    for key in [k for k, (old, _) in _factories.items() if old.is_closed()]:
        del _factories[key]
    found = _factories.get((cloud.resource_manager, id(loop)))
    if found is None:
        found = _factories[(cloud.resource_manager, id(loop))] = (
            loop,
            ClientFactory(cloud, gate=gate_for(cloud)),
        )
    return found[1]


def close_factories() -> None:
    """Close every factory's connections, on its own loop (an engine shutdown hook)."""
    for key, (loop, factory) in list(_factories.items()):
        del _factories[key]
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(factory.close(), loop).result(timeout=10)


engine.on_shutdown(close_factories)


class EmulatorGateClock:
    """The gate's view of the emulator's simulated clock: one reading, extrapolated, refreshed
    every ``refresh`` real seconds (reading it over HTTPS for every ARM call would be wasteful)."""

    def __init__(self, clock: Any, refresh: float = 1.0) -> None:
        self._clock = clock
        self._refresh = refresh
        self._read()

    def _read(self) -> None:
        reading = self._clock.read()
        self._sim0: float = reading.now.timestamp()
        self._speed: float = float(reading.speed)
        self._real0: float = time.monotonic()

    def seconds(self) -> float:
        if time.monotonic() - self._real0 > self._refresh:
            self._read()
        return self._sim0 + (time.monotonic() - self._real0) * self._speed

    async def wait(self, seconds: float) -> None:
        if self._speed > 0:
            await asyncio.sleep(seconds / self._speed)
        else:
            await self._clock.sleep_async(seconds)


__all__ = ["ApplyContext", "EmulatorGateClock", "acts_for", "factory_for", "gate_for"]
