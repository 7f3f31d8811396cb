"""Retention: which image versions stay, which get an end-of-life date, which go - and why.

Pure rules, shared by ``goldfleet plan`` (retention as planned changes) and ``goldfleet image
version retire``. For each target image definition of a pipeline, given the versions Azure
holds there:

1. the newest ``keep`` versions that did not fail are kept;
2. every version in use (``in_use``: session hosts, scale-set and DR models, once those stages
   read them; no caller passes any yet) is kept, with what uses it;
3. the source of every kept version is kept too, transitively (a copy needs its source, e.g.
   to replicate to a new region) - so a tenant frozen on an older copy keeps its provider
   version alive;
4. in a frozen or opted-out tenant nothing is deleted, nor is a version goldfleet did not make
   (no ``goldfleet-owner`` tag naming the pipeline);
5. a version whose safety profile blocks deletion until its end of life, and whose end of life
   is still ahead, is kept until then (deleting it would fail);
6. everything else is deleted: failed versions (orphans of a failed replication) and versions
   older than the newest ``keep`` that nothing kept depends on.

A version kept only because something still uses it (rules 2-3) has been superseded: if it has
no end-of-life date and ``deprecate_after`` is set, it gets one ``deprecate_after`` from now,
so that its users see it is on its way out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from goldfleet.domain.releases import latest_first


class Fate(StrEnum):
    KEEP = "keep"
    DEPRECATE = "deprecate"  # kept, and given an end-of-life date
    DELETE = "delete"


@dataclass(frozen=True)
class HeldVersion:
    """One version Azure holds in a target definition."""

    target: str  # the ImageDefinition's name in the configuration
    version_id: str
    name: str
    source_id: str | None = None
    failed: bool = False
    end_of_life: datetime | None = None
    blocks_deletion_before_end_of_life: bool = False
    managed: bool = True  # made by goldfleet for this pipeline (its goldfleet-owner tag)


@dataclass(frozen=True)
class Verdict:
    version: HeldVersion
    fate: Fate
    why: str
    end_of_life: datetime | None = None  # for DEPRECATE: the date to set


def _short(version_id: str) -> str:
    return version_id.split("/galleries/", 1)[-1]


def decide(
    held: Sequence[HeldVersion],
    keep: int,
    now: datetime,
    *,
    in_use: Mapping[str, str] | None = None,
    frozen_targets: Mapping[str, str] | None = None,
    deprecate_after: timedelta | None = None,
) -> list[Verdict]:
    """The verdict on every held version, in target order then newest first (see the module
    docstring for the rules). ``in_use`` maps lower-case version ids to what uses them;
    ``frozen_targets`` maps target names to why nothing may change there."""
    if keep < 1:
        raise ValueError("retention keeps at least one version")
    in_use = {k.lower(): v for k, v in (in_use or {}).items()}
    frozen_targets = frozen_targets or {}
    by_target: dict[str, list[HeldVersion]] = {}
    for version in held:
        by_target.setdefault(version.target, []).append(version)
    by_id = {v.version_id.lower(): v for v in held}
    why: dict[str, str] = {}
    newest: set[str] = set()
    for versions in by_target.values():
        order = latest_first(v.name for v in versions if not v.failed)
        named = {v.name: v for v in versions}
        for name in order[:keep]:
            key = named[name].version_id.lower()
            why[key] = f"among the newest {keep}"
            newest.add(key)
    for key, user in sorted(in_use.items()):
        if key in by_id and key not in why:
            why[key] = f"in use by {user}"
    pending = sorted(why)
    while pending:  # the sources of kept versions are kept too, transitively
        child = by_id.get(pending.pop())
        source = (child.source_id or "").lower() if child else ""
        if child and source in by_id and source not in why:
            why[source] = f"the source of {_short(child.version_id)}, which is kept"
            pending.append(source)
    verdicts = []
    for target in sorted(by_target):
        named = {v.name: v for v in by_target[target]}
        for name in latest_first(named):
            version = named[name]
            key = version.version_id.lower()
            verdicts.append(
                _verdict(
                    version, why.get(key), key in newest, keep, now, frozen_targets, deprecate_after
                )
            )
    return verdicts


def _verdict(
    version: HeldVersion,
    kept_because: str | None,
    newest: bool,
    keep: int,
    now: datetime,
    frozen_targets: Mapping[str, str],
    deprecate_after: timedelta | None,
) -> Verdict:
    if kept_because is not None:
        superseded = not newest and version.managed and version.end_of_life is None
        if superseded and deprecate_after is not None:
            return Verdict(
                version,
                Fate.DEPRECATE,
                f"superseded, but {kept_because}: its end of life is set",
                now + deprecate_after,
            )
        return Verdict(version, Fate.KEEP, kept_because)
    if not version.managed:
        return Verdict(
            version,
            Fate.KEEP,
            "not made by goldfleet for this pipeline (no goldfleet-owner tag naming it):"
            " it is left alone",
        )
    if version.target in frozen_targets:
        return Verdict(version, Fate.KEEP, f"its tenant is {frozen_targets[version.target]}")
    protected = version.blocks_deletion_before_end_of_life and (
        version.end_of_life is None or version.end_of_life > now
    )
    if protected:
        until = version.end_of_life.date().isoformat() if version.end_of_life else "its end of life"
        return Verdict(version, Fate.KEEP, f"its safety profile blocks deletion until {until}")
    if version.failed:
        return Verdict(version, Fate.DELETE, "its replication failed and newer versions exist")
    return Verdict(
        version, Fate.DELETE, f"older than the newest {keep} and nothing kept comes from it"
    )


def deletion_order(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """The deletions, every copy before the version it was made from."""
    remaining = [v for v in verdicts if v.fate is Fate.DELETE]
    ordered: list[Verdict] = []
    while remaining:
        sources = {(v.version.source_id or "").lower() for v in remaining}
        leaves = [v for v in remaining if v.version.version_id.lower() not in sources]
        leaves = leaves or remaining  # a cycle cannot happen in Azure; never loop forever
        ordered += leaves
        remaining = [v for v in remaining if v not in leaves]
    return ordered
