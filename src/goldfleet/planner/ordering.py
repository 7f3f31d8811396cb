"""The order changes run in: grouped by tenant and subscription, dependencies first, and a
stable order otherwise, so that the same changes always come out the same way."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from goldfleet.planner.model import KIND_ORDER, Action, Change

SortKey = tuple[str, str, int, int, str]


def _sort_key(change: Change) -> SortKey:
    deleting = 1 if change.action is Action.DELETE else 0
    kind = KIND_ORDER[change.kind]
    # Deletions go after creations and in reverse kind order (assignments before their group).
    kind_rank = -kind if deleting else kind
    return (change.tenant, change.subscription_id.lower(), deleting, kind_rank, change.key)


def order_changes(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Topological order over ``depends_on`` (Kahn's algorithm; among the changes ready to go,
    the smallest sort key first). Dependencies on keys outside the plan are ignored."""
    items = {c.key: c for c in changes}
    waiting_on: dict[str, int] = {}
    dependants: dict[str, list[str]] = {}
    for change in items.values():
        needs = [d for d in change.depends_on if d in items and d != change.key]
        waiting_on[change.key] = len(needs)
        for dependency in needs:
            dependants.setdefault(dependency, []).append(change.key)
    ready = [(_sort_key(c), c.key) for c in items.values() if waiting_on[c.key] == 0]
    heapq.heapify(ready)
    ordered: list[Change] = []
    while ready:
        _, key = heapq.heappop(ready)
        ordered.append(items[key])
        for follower in dependants.get(key, ()):
            waiting_on[follower] -= 1
            if waiting_on[follower] == 0:
                heapq.heappush(ready, (_sort_key(items[follower]), follower))
    if len(ordered) < len(items):  # a cycle cannot come from the planner; keep the rest stable
        done = {c.key for c in ordered}
        ordered += sorted((c for c in items.values() if c.key not in done), key=_sort_key)
    return tuple(ordered)
