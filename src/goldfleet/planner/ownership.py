"""Ownership in a plan: every change names the owner it acts for, and a change to an existing
resource that is not that owner's becomes a conflict the user must resolve, never a write.

* A resource group declared in the configuration that exists but is not goldfleet's is used as
  it is (goldfleet creates resources in it, never changes or deletes it) when it already carries
  the declared tags; otherwise it is a conflict.
* Anything else goldfleet manages (galleries, definitions, host pools, application groups,
  workspaces) that exists and is not the owner's is a conflict: the plan says whose it is and
  what to do (``goldfleet adopt``), and apply refuses a plan with conflicts.
* A role assignment granting the same access that someone else made is used as it is; an
  image version retention keeps is left as it is, whoever made it.
* Only what carries this installation's owner tag is ever deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from goldfleet.domain.ownership import (
    MANAGED_TAG,
    OWNER_TAG,
    Owner,
    adoption_hint,
    may_change,
    owner_in_description,
    owner_in_tags,
    parse_owner,
)
from goldfleet.planner.model import Action, Change, Kind

_LEFT_ALONE = (Kind.ROLE_ASSIGNMENT, Kind.IMAGE_VERSION)  # kept as they are: no conflict
MARKER_TAGS = frozenset({MANAGED_TAG[0], OWNER_TAG})


def owned_tags(owner: Owner, observed: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Tags goldfleet writes: what Azure has, plus goldfleet's marker and the owner."""
    merged = {k: v for k, v in observed if k.lower() not in MARKER_TAGS}
    merged[MANAGED_TAG[0]] = MANAGED_TAG[1]
    merged[OWNER_TAG] = owner.tag
    return dict(sorted(merged.items()))


def is_ours(tags: Iterable[tuple[str, str]], installation: str) -> str | None:
    """The owner tag, when it names this installation (what goldfleet may delete)."""
    found = owner_in_tags(dict(tags))
    owner = parse_owner(found)
    if owner is None or owner.installation.lower() != installation.lower():
        return None
    return found


def _found_owner(change: Change) -> str | None:
    before = change.before or {}
    if change.kind is Kind.ROLE_ASSIGNMENT:
        return owner_in_description(before.get("description"))
    tags = before.get("tags") or {}
    return owner_in_tags(tags if isinstance(tags, dict) else dict(tags))


def _declared_tags_present(change: Change) -> bool:
    before = (change.before or {}).get("tags") or {}
    after = (change.after or {}).get("tags") or {}
    return all(
        before.get(key) == value for key, value in after.items() if key.lower() not in MARKER_TAGS
    ) and all(
        (change.before or {}).get(k) == v for k, v in (change.after or {}).items() if k != "tags"
    )


def claim(changes: Iterable[Change]) -> tuple[list[Change], list[str]]:
    """The changes with conflicts turned into no-ops, and the conflicts as problems."""
    out: list[Change] = []
    problems: list[str] = []
    for change in changes:
        if change.before is None or not change.owner:
            out.append(change)
            continue
        found = _found_owner(change)
        owner = parse_owner(change.owner)
        assert owner is not None, f"a change with an invalid owner: {change.owner}"
        if may_change(found, owner).allowed:
            out.append(change)
            continue
        if change.action is Action.NOOP and change.kind in _LEFT_ALONE:
            out.append(change)  # the same grant someone else made; a version kept as it is
            continue
        if change.kind is Kind.RESOURCE_GROUP and found is None and _declared_tags_present(change):
            out.append(
                replace(
                    change,
                    action=Action.NOOP,
                    after=change.before,
                    reason="exists and is not goldfleet's: used as it is (goldfleet creates "
                    "in it, never changes or deletes it)",
                )
            )
            continue
        reason = may_change(found, owner).reason
        problems.append(
            f"conflict: {change.kind.value} {change.resource_id} exists and goldfleet does not "
            f"own it ({reason}); the configuration makes it {owner.tag}'s. To resolve: "
            + adoption_hint(change.resource_id, owner)
        )
        out.append(
            replace(
                change,
                action=Action.NOOP,
                after=change.before,
                reason=f"conflict: not goldfleet's ({reason})",
            )
        )
    return out, problems
