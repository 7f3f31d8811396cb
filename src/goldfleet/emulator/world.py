"""The whole emulated world in one object: directory, subscriptions, resources, operations, time.

Resource providers keep their state here (in the resource store or in their own sections) so
that one snapshot captures everything and one restore brings it all back. Handlers run on the
emulator's event loop one at a time, so a request sees and leaves the world consistent.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator.arm.clock import SimClock, parse_instant
from goldfleet.emulator.arm.faults import FaultSet
from goldfleet.emulator.arm.lro import Operations
from goldfleet.emulator.arm.requestlog import RequestLog
from goldfleet.emulator.arm.scheduler import Scheduler
from goldfleet.emulator.arm.store import ResourceStore, StoredResource
from goldfleet.emulator.arm.throttling import Throttler
from goldfleet.emulator.entra.directory import Directory

DEFAULT_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

# Providers a new subscription has registered, as in Azure (Microsoft.Resources and
# Microsoft.Authorization are always available and cannot be unregistered).
ALWAYS_REGISTERED = ("Microsoft.Resources", "Microsoft.Authorization")


@dataclass
class Subscription:
    subscription_id: str
    tenant_id: str
    display_name: str
    state: str = "Enabled"
    regions: list[str] = field(default_factory=list)
    # lower-case namespace -> [namespace as spelled, registrationState]
    providers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"/subscriptions/{self.subscription_id}"

    def registration_state(self, namespace: str) -> str:
        if namespace.lower() in (n.lower() for n in ALWAYS_REGISTERED):
            return "Registered"
        entry = self.providers.get(namespace.lower())
        return entry[1] if entry else "NotRegistered"


class World:
    """Everything the emulator knows. Not thread-safe: touch it only on the emulator's loop."""

    def __init__(self, start: datetime = DEFAULT_START, speed: float = 1.0, seed: int = 0) -> None:
        self.clock = SimClock(start, speed)
        self.seed = seed
        self.rng = random.Random(seed)
        self.directory = Directory()
        self.subscriptions: dict[str, Subscription] = {}
        self.store = ResourceStore()
        self.operations = Operations()
        self.scheduler = Scheduler()
        self.faults = FaultSet(seed)
        self.throttler = Throttler()
        self.log = RequestLog()
        self.sections: dict[str, Any] = {}  # resource providers' own JSON-able state
        self.caches: dict[str, Any] = {}  # derived indexes; never snapshotted, dropped on restore
        # resource type (lower-case) -> callbacks run after a resource of that type is deleted
        self.deletion_hooks: dict[str, list[Callable[[World, StoredResource], None]]] = {}
        self.max_body_bytes = 4 * 1024 * 1024
        self._as_of: float | None = None

    # --- time -----------------------------------------------------------------------------
    def now(self) -> float:
        """Simulated POSIX seconds; while a transition runs, the instant it was due (so what it
        stamps - an operation's end, a run command's end time - is when it happened, however
        late the next request made it run)."""
        if self._as_of is not None:
            return self._as_of
        return self.clock.timestamp()

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance_to_now(self) -> int:
        """Run the state transitions that are due at the current simulated time, each at the
        instant it was due."""
        return self.scheduler.run_due(self, self.clock.timestamp(), self._run_as_of)

    def _run_as_of(self, due: float, run: Callable[[], None]) -> None:
        self._as_of = due
        try:
            run()
        finally:
            self._as_of = None

    def delete_resource(self, resource_id: str) -> StoredResource | None:
        """Remove a resource and run what its provider must do when it goes (e.g. principals)."""
        removed = self.store.delete(resource_id)
        if removed is not None:
            for hook in self.deletion_hooks.get(str(removed.body.get("type", "")).lower(), ()):
                hook(self, removed)
        return removed

    def on_delete(self, resource_type: str, hook: Callable[[World, StoredResource], None]) -> None:
        self.deletion_hooks.setdefault(resource_type.lower(), []).append(hook)

    # --- identity helpers -----------------------------------------------------------------
    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def subscription(self, subscription_id: str) -> Subscription | None:
        return self.subscriptions.get(subscription_id.lower())

    def add_subscription(self, sub: Subscription) -> None:
        self.subscriptions[sub.subscription_id.lower()] = sub

    # --- snapshot -------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "format": "goldfleet-emulator-state/1",
            "clock": {"now": self.now_dt().isoformat(), "speed": self.clock.speed},
            "seed": self.seed,
            "rngState": _rng_state(self.rng),
            "directory": self.directory.to_json(),
            "subscriptions": [asdict(s) for s in self.subscriptions.values()],
            "resources": self.store.to_json(),
            "operations": self.operations.to_json(),
            "scheduled": self.scheduler.to_json(),
            "faults": self.faults.to_json(),
            "throttling": self.throttler.to_json(),
            "sections": self.sections,
        }

    def restore(self, data: dict[str, Any]) -> None:
        if data.get("format") != "goldfleet-emulator-state/1":
            raise ValueError("not a goldfleet emulator state document")
        clock = data.get("clock", {})
        if "now" in clock:
            self.clock.set(parse_instant(clock["now"]))
        if "speed" in clock:
            self.clock.set_speed(float(clock["speed"]))
        self.seed = int(data.get("seed", self.seed))
        self.rng = random.Random(self.seed)
        if "rngState" in data:
            self.rng.setstate(_rng_from_json(data["rngState"]))
        self.directory = Directory.from_json(data.get("directory", {}))
        self.subscriptions = {}
        for s in data.get("subscriptions", []):
            self.add_subscription(Subscription(**s))
        self.store = ResourceStore.from_json(data.get("resources", []))
        self.operations.load_json(data.get("operations", []))
        self.scheduler.load_json(data.get("scheduled", []))
        self.faults.load_json(data.get("faults", []))
        self.throttler.load_json(data.get("throttling", {}))
        self.sections = data.get("sections", {})
        self.caches = {}


def _rng_state(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _rng_from_json(state: list[Any]) -> tuple[Any, ...]:
    return (state[0], tuple(state[1]), state[2])
