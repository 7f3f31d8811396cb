"""Checking the audit trail: every way it can differ from what goldfleet wrote, named.

A verdict lists *findings*, each with a kind and the entries it concerns:

- ``modified``: an entry's content does not match its own SHA-256 (changed in place);
- ``rehashed``: its SHA-256 chain is consistent but its MAC is not - rewritten by someone who
  recomputed the hashes without the audit key (plain SHA-256, or HMAC with another key);
- ``reordered``: an entry holds what was written under another number, or does not follow the
  entry before it;
- ``deleted``: numbers missing in the middle; ``truncated``: the newest entries are missing - the
  sealed head, a checkpoint or an export names entries the database no longer has;
- ``unkeyed``: an entry after the keyed chain began has no MAC (it was stripped);
- ``head``: the sealed head is missing, reset or altered; ``checkpoint``: a checkpoint's signature
  does not verify, or it was signed by another key; ``diverged``: an entry is not the one a
  checkpoint, the head or an export recorded;
- ``unsigned`` (exports only): entries after the last checkpoint, which anyone could have added;
- ``key``: the trail could not be checked with the audit key (missing, or another key).

``goldfleet audit reseal`` records findings in the trail (an ``audit.resealed`` entry, itself
MAC'd); a later finding of the same family within a recorded range is *acknowledged*: still
listed, no longer failing the verdict. Pure functions over rows, plus :func:`verify`, which reads
them in one consistent snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine

from goldfleet.store.audit_chain import (
    GENESIS,
    AuditEntry,
    Checkpoint,
    Head,
    content_hash,
    entry_mac,
    fields_of,
    head_seal,
    read_checkpoints,
    read_entries,
    read_head,
)
from goldfleet.store.audit_export import Export
from goldfleet.store.audit_keys import (
    AuditKeyError,
    AuditKeyMissing,
    AuditKeys,
    load_keys,
    signature_valid,
)

RESEALED = "audit.resealed"
KEYED = "audit.keyed"
_FAMILY = {"deleted": "missing", "truncated": "missing", "checkpoint": "diverged"}
_REORDER_WINDOW = 64
_REORDER_SEARCHES = 32


@dataclass(frozen=True)
class Finding:
    kind: str
    first: int
    last: int
    detail: str
    acknowledged: str | None = None

    @property
    def where(self) -> str:
        if self.first == 0:
            return "the trail"
        return (
            f"entry {self.first}"
            if self.first == self.last
            else f"entries {self.first}-{self.last}"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "first": self.first,
            "last": self.last,
            "detail": self.detail,
            "acknowledged": self.acknowledged,
        }


@dataclass(frozen=True)
class Verdict:
    entries: int
    legacy_until: int
    checkpoints: int
    macs_checked: bool
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.acknowledged is None]

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def broken_at(self) -> int | None:
        return min((f.first for f in self.problems), default=None)


def inferred_legacy_until(entries: list[AuditEntry]) -> int:
    """Where the legacy prefix ends, from the entries alone (when the head cannot be trusted)."""
    for entry in entries:
        if entry.action == KEYED and isinstance(entry.details.get("legacyEntries"), int):
            return int(entry.details["legacyEntries"])
    keyed = [e.seq for e in entries if e.mac is not None]
    return min(keyed) - 1 if keyed else (entries[-1].seq if entries else 0)


def check_chain(
    entries: list[AuditEntry], keys: AuditKeys | None, legacy_until: int
) -> tuple[list[Finding], set[int]]:
    """Walk the entries in order: numbering, SHA-256 links, and (with ``keys``) the MACs. Also
    returns the entries that cannot be vouched for (found, or after a gap they do not chain
    across: only goldfleet's reseal, holding the key, chains across a gap)."""
    found: list[Finding] = []
    suspect: set[int] = set()
    prev_hash, prev_mac, expected, prev_flagged = GENESIS, GENESIS, 1, False
    searches = 0
    for entry in entries:
        fields = fields_of(entry)
        seq = entry.seq
        linked = seq == expected
        link_ok = entry.prev_hash == prev_hash
        mac_ok = (
            entry_mac(keys, fields, prev_mac) == entry.mac
            if keys is not None and seq > legacy_until and entry.mac is not None
            else None
        )
        if not linked:
            found.append(
                Finding(
                    "deleted",
                    expected,
                    seq - 1,
                    f"the trail jumps from entry {expected - 1} to entry {seq}",
                )
            )
        flagged = True
        if content_hash(fields) != entry.hash:
            searches += 1
            was = _written_as(fields, seq) if searches <= _REORDER_SEARCHES else None
            found.append(
                Finding("reordered", seq, seq, f"entry {seq} holds what was written as entry {was}")
                if was is not None
                else Finding("modified", seq, seq, f"entry {seq} does not match its own SHA-256")
            )
        elif linked and not link_ok:
            if not prev_flagged:  # else the entry before it was changed: that is the finding
                found.append(
                    Finding("reordered", seq, seq, f"entry {seq} does not follow entry {seq - 1}")
                )
        elif seq > legacy_until and entry.mac is None:
            found.append(Finding("unkeyed", seq, seq, f"entry {seq} has had its MAC removed"))
        elif linked and mac_ok is False:
            found.append(
                Finding(
                    "rehashed",
                    seq,
                    seq,
                    f"entry {seq}'s SHA-256 chain is consistent but its MAC is not: it was"
                    " rewritten by someone without the audit key",
                )
            )
        else:
            flagged = not linked and not (link_ok and mac_ok is True)
        if flagged:
            suspect.add(seq)
        prev_hash, prev_mac, expected, prev_flagged = (
            entry.hash,
            entry.mac or GENESIS,
            seq + 1,
            flagged,
        )
    return found, suspect


def _written_as(fields: dict[str, Any], seq: int) -> int | None:
    for candidate in range(max(1, seq - _REORDER_WINDOW), seq + _REORDER_WINDOW + 1):
        if candidate != seq and content_hash(fields, seq=candidate) == fields["hash"]:
            return candidate
    return None


def check_head(
    head: Head | None, entries: list[AuditEntry], keys: AuditKeys | None
) -> list[Finding]:
    """The sealed head against the newest entry."""
    tail = entries[-1] if entries else None
    tail_seq = tail.seq if tail else 0
    if head is None:
        return [Finding("head", tail_seq, tail_seq, "the trail's head record was deleted")]
    keyed_entries = any(e.mac is not None or e.seq > head.legacy_until for e in entries)
    if not head.keyed:
        if keyed_entries:
            return [Finding("head", tail_seq, tail_seq, "the head was reset to before the key")]
        if head.seq > tail_seq:
            return [
                Finding(
                    "truncated",
                    tail_seq + 1,
                    head.seq,
                    f"the head recorded at the upgrade names entry {head.seq}; the newest is"
                    f" {tail_seq}",
                )
            ]
        return []
    if keys is not None and head.seal != head_seal(keys, head):
        return [Finding("head", head.seq, head.seq, "the head record was altered (bad seal)")]
    if head.seq > tail_seq:
        return [
            Finding(
                "truncated",
                tail_seq + 1,
                head.seq,
                f"the sealed head (written {head.updated_at}) names entry {head.seq}; the newest"
                f" entry is {tail_seq}",
            )
        ]
    if head.seq < tail_seq:
        return [
            Finding(
                "head",
                head.seq + 1,
                tail_seq,
                f"entries after {head.seq}, the sealed head, were added without goldfleet",
            )
        ]
    if tail is not None and (tail.hash, tail.mac) != (head.hash, head.mac):
        return [Finding("diverged", tail_seq, tail_seq, f"entry {tail_seq} is not the sealed head")]
    return []


def check_checkpoints(
    entries: list[AuditEntry],
    checkpoints: Iterable[Checkpoint],
    public_key: str | None,
    chain_key_id: str | None,
    label: str,
) -> list[Finding]:
    """Each checkpoint's signature (with ``public_key`` when given, else its own), and that the
    entry it names is here and is the one it signed."""
    by_seq = {e.seq: e for e in entries}
    tail = entries[-1].seq if entries else 0
    found: list[Finding] = []
    for number, checkpoint in enumerate(checkpoints, start=1):
        name = f"{label} #{checkpoint.id or number} (made {checkpoint.made_at})"
        seq = checkpoint.seq
        if public_key is not None and checkpoint.public_key != public_key:
            found.append(Finding("checkpoint", seq, seq, f"{name} was signed by another key"))
        elif not signature_valid(
            checkpoint.public_key, checkpoint.signature, checkpoint.statement()
        ):
            found.append(Finding("checkpoint", seq, seq, f"{name}: its signature does not verify"))
        elif chain_key_id is not None and checkpoint.chain_key_id != chain_key_id:
            found.append(Finding("checkpoint", seq, seq, f"{name} is of another trail"))
        elif seq > tail:
            found.append(
                Finding(
                    "truncated", tail + 1, seq, f"{name} names entry {seq}; the newest is {tail}"
                )
            )
        elif seq not in by_seq:
            found.append(Finding("deleted", seq, seq, f"entry {seq}, which {name} signed, is gone"))
        elif (by_seq[seq].hash, by_seq[seq].mac) != (checkpoint.hash, checkpoint.mac):
            found.append(Finding("diverged", seq, seq, f"entry {seq} is not the one {name} signed"))
    return found


def check_against(entries: list[AuditEntry], export: Export) -> list[Finding]:
    """The database's entries against a copy exported earlier."""
    by_seq = {e.seq: e for e in entries}
    tail = entries[-1].seq if entries else 0
    found: list[Finding] = []
    beyond = [e.seq for e in export.entries if e.seq > tail]
    for copy in export.entries:
        if copy.seq > tail:
            continue
        here = by_seq.get(copy.seq)
        if here is None:
            found.append(
                Finding(
                    "deleted", copy.seq, copy.seq, f"entry {copy.seq} of {export.source} is gone"
                )
            )
        elif here != copy:
            found.append(
                Finding(
                    "diverged",
                    copy.seq,
                    copy.seq,
                    f"entry {copy.seq} differs from its copy in {export.source}",
                )
            )
    if beyond:
        found.append(
            Finding(
                "truncated",
                tail + 1,
                max(beyond),
                f"{export.source} (exported {export.exported_at}) has entries up to"
                f" {max(beyond)}; the newest here is {tail}",
            )
        )
    return found


def acknowledge(
    findings: list[Finding], entries: list[AuditEntry], clean: set[int]
) -> list[Finding]:
    """Mark findings that an intact ``audit.resealed`` entry after them recorded."""
    ranges: list[tuple[int, str, int, int, str]] = []
    for entry in entries:
        if entry.action != RESEALED or entry.seq not in clean:
            continue
        how = f"recorded at entry {entry.seq} by {entry.actor}: {entry.details.get('reason', '')}"
        for item in entry.details.get("acknowledged", []):
            try:
                kind, first, last = str(item["kind"]), int(item["first"]), int(item["last"])
            except (KeyError, TypeError, ValueError):
                continue
            ranges.append((entry.seq, _FAMILY.get(kind, kind), first, last, how))
    marked = []
    for finding in findings:
        family = _FAMILY.get(finding.kind, finding.kind)
        how_found = next(
            (
                how
                for at, fam, first, last, how in ranges
                if fam == family
                and first <= finding.first
                and finding.last <= last
                and finding.first < at
            ),
            None,
        )
        marked.append(replace(finding, acknowledged=how_found) if how_found else finding)
    return marked


def merge(findings: list[Finding]) -> list[Finding]:
    """Consecutive findings of one kind from one walk, as one (a re-hash from entry 5 on
    breaks every MAC after it: one finding, entries 5-N)."""
    merged: list[Finding] = []
    for finding in findings:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.kind == finding.kind
            and last.kind in ("modified", "rehashed", "unkeyed", "reordered")
            and finding.first == last.last + 1
        ):
            merged[-1] = replace(last, last=finding.last)
        else:
            merged.append(finding)
    return merged


def judge(
    entries: list[AuditEntry],
    head: Head | None,
    checkpoints: list[Checkpoint],
    keys: AuditKeys | None,
    key_problem: str | None = None,
    against: Export | None = None,
) -> Verdict:
    """Everything wrong with a trail read from the database (pure)."""
    trusted_head = (
        head is not None and head.keyed and (keys is None or head.seal == head_seal(keys, head))
    )
    legacy_until = (
        head.legacy_until
        if head is not None and (trusted_head or not head.keyed)
        else inferred_legacy_until(entries)
    )
    walked, suspect = check_chain(entries, keys, legacy_until)
    chain = merge(walked)
    findings = [Finding("key", 0, 0, key_problem)] if key_problem else []
    findings += chain + check_head(head, entries, keys)
    public_key = keys.public_key if keys else None
    chain_key_id = keys.key_id if keys else None
    findings += check_checkpoints(entries, checkpoints, public_key, chain_key_id, "checkpoint")
    if against is not None:
        if public_key is not None and against.public_key != public_key:
            findings.append(
                Finding("checkpoint", 0, 0, f"{against.source} was signed by another key")
            )
        findings += check_checkpoints(
            entries,
            against.checkpoints,
            public_key or against.public_key,
            chain_key_id,
            f"the checkpoint in {against.source}",
        )
        findings += check_against(entries, against)
    clean = {e.seq for e in entries} - suspect if keys is not None else set()
    return Verdict(
        len(entries),
        legacy_until,
        len(checkpoints),
        keys is not None,
        acknowledge(findings, entries, clean),
    )


def judge_export(export: Export, public_key: str | None) -> Verdict:
    """An export checked on its own, with only the public key (no secret): its checkpoints'
    signatures, its SHA-256 chain, and that its newest entry is covered by a checkpoint."""
    pinned = public_key or export.public_key
    findings = []
    if export.public_key != pinned:
        findings.append(Finding("checkpoint", 0, 0, "the export names another public key"))
    findings += merge(check_chain(export.entries, None, export.legacy_until)[0])
    findings += check_checkpoints(
        export.entries, export.checkpoints, pinned, export.chain_key_id, "checkpoint"
    )
    newest = export.entries[-1].seq if export.entries else 0
    covered = max((c.seq for c in export.checkpoints), default=0)
    if newest > covered:
        findings.append(
            Finding(
                "unsigned",
                covered + 1,
                newest,
                f"entries after {covered} are covered by no signed checkpoint",
            )
        )
    return Verdict(
        len(export.entries), export.legacy_until, len(export.checkpoints), False, findings
    )


def verify(engine: Engine, against: Export | None = None) -> Verdict:
    """Read the trail, its head and checkpoints in one snapshot, and judge them."""
    keys: AuditKeys | None = None
    key_problem: str | None = None
    try:
        keys = load_keys(engine)
    except AuditKeyMissing as missing:
        key_problem = f"{missing.message}: MACs could not be checked"
    except AuditKeyError as error:
        key_problem = f"{error.message} ({error.hint})" if error.hint else error.message
    connection_engine = (
        engine.execution_options(isolation_level="REPEATABLE READ")
        if engine.dialect.name == "postgresql"
        else engine
    )
    with connection_engine.connect() as connection, connection.begin():
        entries = read_entries(connection)
        head = read_head(connection)
        checkpoints = read_checkpoints(connection)
    if (
        key_problem
        and not (head is not None and head.keyed)
        and all(e.mac is None for e in entries)
    ):
        key_problem = None  # nothing is keyed yet: there is nothing a key would check
    if keys is not None and head is not None and head.keyed and head.key_id != keys.key_id:
        key_problem = (
            f"the trail is keyed with audit key {head.key_id}; the key here ({keys.source}) is"
            f" {keys.key_id}: MACs could not be checked"
        )
        keys = None
    return judge(entries, head, checkpoints, keys, key_problem, against)


__all__ = [
    "KEYED",
    "RESEALED",
    "Finding",
    "Verdict",
    "acknowledge",
    "check_against",
    "check_chain",
    "check_checkpoints",
    "check_head",
    "inferred_legacy_until",
    "judge",
    "judge_export",
    "merge",
    "verify",
]
