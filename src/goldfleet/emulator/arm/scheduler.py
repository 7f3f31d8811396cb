"""Timed state transitions: the one mechanism by which the world changes as simulated time passes.

An event names a registered handler and carries JSON arguments, so pending transitions survive
a snapshot and a restore. Due events run, in order, before each request is handled.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EventHandler = Callable[[Any, dict[str, Any]], None]


@dataclass(order=True)
class Event:
    due: float
    seq: int
    kind: str = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)


class Scheduler:
    def __init__(self) -> None:
        self._queue: list[Event] = []
        self._seq = 0
        self._handlers: dict[str, EventHandler] = {}

    def register(self, kind: str, handler: EventHandler) -> None:
        self._handlers[kind] = handler

    def at(self, due: float, kind: str, args: dict[str, Any] | None = None) -> None:
        if kind not in self._handlers:
            raise KeyError(f"no handler registered for scheduled event '{kind}'")
        self._seq += 1
        heapq.heappush(self._queue, Event(due, self._seq, kind, args or {}))

    def next_due(self) -> float | None:
        return self._queue[0].due if self._queue else None

    def run_due(
        self,
        world: Any,
        now: float,
        as_of: Callable[[float, Callable[[], None]], None] | None = None,
    ) -> int:
        """Run every event due at or before ``now``, in order; ``as_of(due, run)`` runs each
        (the world uses it to read its clock as the event's due instant). Returns how many."""
        ran = 0
        while self._queue and self._queue[0].due <= now:
            event = heapq.heappop(self._queue)
            handler = self._handlers[event.kind]

            def run(event: Event = event, handler: Any = handler) -> None:
                handler(world, event.args)

            if as_of is None:
                run()
            else:
                as_of(event.due, run)
            ran += 1
        return ran

    def __len__(self) -> int:
        return len(self._queue)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"due": e.due, "seq": e.seq, "kind": e.kind, "args": e.args}
            for e in sorted(self._queue)
        ]

    def load_json(self, events: list[dict[str, Any]]) -> None:
        self._queue = [Event(e["due"], e["seq"], e["kind"], e["args"]) for e in events]
        heapq.heapify(self._queue)
        self._seq = max((e.seq for e in self._queue), default=0)
