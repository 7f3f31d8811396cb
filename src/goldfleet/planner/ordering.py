"""The order changes run in: grouped by tenant and subscription, dependencies first, and a
stable order otherwise, so that the same changes always come out the same way."""

from __future__ import annotations

from collections.abc import Iterable

from goldfleet.planner.model import KIND_ORDER, Action, Change


def _sort_key(change: Change) -> tuple[str, str, int, int, str]:
    deleting = 1 if change.action is Action.DELETE else 0
    kind = KIND_ORDER[change.kind]
    # Deletions go after creations and in reverse kind order (assignments before their group).
    return (
        change.tenant,
        change.subscription_id.lower(),
        deleting,
        -kind if deleting else kind,
        change.key,
    )


def order_changes(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Topological order over ``depends_on`` (keys outside the plan are ignored), ties by key."""
    pending = sorted(changes, key=_sort_key)
    keys = {c.key for c in pending}
    done: set[str] = set()
    ordered: list[Change] = []
    while pending:
        progressed = False
        for change in list(pending):
            if all(d in done or d not in keys for d in change.depends_on):
                ordered.append(change)
                done.add(change.key)
                pending.remove(change)
                progressed = True
                break
        if not progressed:  # a cycle cannot come from the planner; keep the stable order
            ordered.extend(pending)
            break
    return tuple(ordered)
