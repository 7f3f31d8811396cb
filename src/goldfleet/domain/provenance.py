"""Where an image version came from: its exact source, every customization with its hash and
parameters, which builder made it and when - as a frozen record, as Azure tags, and compared.

The store keeps the whole record (``to_json``); the version's tags carry a compact, stable
summary (``to_tags``) within Azure's limits - at most ``MAX_TAGS`` (15 of the 50 a resource may
have, leaving the rest to others), names of at most 512 characters without ``<>%&\\?/``, values of
at most 256. ``from_tags`` reads back what tags can carry: the source, builder, build id,
template name, times, goldfleet's version and each step's kind, name and the first 12 digits of
its hash (not parameters, durations or exit codes: ``complete`` is then False). ``diff`` says how
two versions' provenance differ. Pure: no I/O, no clock.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from goldfleet.domain.customizations import RenderedStep
from goldfleet.domain.images import (
    CustomizationKind,
    GalleryVersionSource,
    ImageSource,
    ManagedImageSource,
    MarketplaceSource,
    MasterVmSource,
    ParameterValue,
)

MAX_TAGS = 15
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256
FORBIDDEN_IN_TAG_NAMES = set("<>%&\\?/")
SHORT_HASH = 12


class BuilderKind(StrEnum):
    IMAGE_BUILDER = "imageBuilder"  # Azure VM Image Builder ran an image template
    DIRECT = "direct"  # a build VM customized through Run Commands, then captured
    CAPTURE = "capture"  # a clone of a master VM, sysprepped and captured


class SourceKind(StrEnum):
    MARKETPLACE = "marketplace"
    GALLERY_VERSION = "galleryVersion"
    MANAGED_IMAGE = "managedImage"
    MASTER_VM = "masterVm"


@dataclass(frozen=True)
class SourceRecord:
    """``reference`` is the marketplace URN with the resolved version
    (``publisher:offer:sku:version``) or a resource id (gallery version, managed image, master
    VM); a capture also names the snapshot it was cloned from."""

    kind: SourceKind
    reference: str
    snapshot_id: str | None = None

    def describe(self) -> str:
        snapshot = f" (snapshot {self.snapshot_id})" if self.snapshot_id else ""
        return f"{self.kind.value} {self.reference}{snapshot}"


@dataclass(frozen=True)
class StepRecord:
    name: str
    kind: CustomizationKind
    sha256: str  # the full hash; 12 digits when read from tags
    uri: str | None = None
    builtin: str | None = None
    parameters: tuple[tuple[str, ParameterValue], ...] = ()
    duration_seconds: float | None = None
    exit_code: int | None = None

    def identity(self) -> dict[str, Any]:
        """What makes two steps the same step (not how long it took)."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "builtin": self.builtin,
            "uri": self.uri,
            "sha256": self.sha256,
            "parameters": [[k, _json_value(v)] for k, v in self.parameters],
        }


@dataclass(frozen=True)
class Provenance:
    source: SourceRecord
    steps: tuple[StepRecord, ...]
    builder: BuilderKind
    build_id: str
    goldfleet_version: str
    template_id: str | None = None
    started: datetime | None = None
    finished: datetime | None = None
    pipeline: str | None = None
    complete: bool = True  # False when read back from tags

    def to_json(self) -> dict[str, Any]:
        return {
            "source": {
                "kind": self.source.kind.value,
                "reference": self.source.reference,
                "snapshotId": self.source.snapshot_id,
            },
            "steps": [
                {
                    **step.identity(),
                    "durationSeconds": step.duration_seconds,
                    "exitCode": step.exit_code,
                }
                for step in self.steps
            ],
            "stepsHash": steps_hash(self.steps),
            "builder": self.builder.value,
            "buildId": self.build_id,
            "templateId": self.template_id,
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "goldfleetVersion": self.goldfleet_version,
            "pipeline": self.pipeline,
            "complete": self.complete,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Provenance:
        source = data["source"]
        return cls(
            source=SourceRecord(
                SourceKind(source["kind"]), source["reference"], source.get("snapshotId")
            ),
            steps=tuple(
                StepRecord(
                    name=s["name"],
                    kind=CustomizationKind(s["kind"]),
                    sha256=s["sha256"],
                    uri=s.get("uri"),
                    builtin=s.get("builtin"),
                    parameters=tuple((k, _parameter(v)) for k, v in s.get("parameters", [])),
                    duration_seconds=s.get("durationSeconds"),
                    exit_code=s.get("exitCode"),
                )
                for s in data.get("steps", [])
            ),
            builder=BuilderKind(data["builder"]),
            build_id=data["buildId"],
            goldfleet_version=data["goldfleetVersion"],
            template_id=data.get("templateId"),
            started=_parse_time(data.get("started")),
            finished=_parse_time(data.get("finished")),
            pipeline=data.get("pipeline"),
            complete=data.get("complete", True),
        )


def _json_value(value: ParameterValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _parameter(value: Any) -> ParameterValue:
    return tuple(value) if isinstance(value, list) else value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def source_record(
    source: ImageSource, resolved: str | None = None, snapshot_id: str | None = None
) -> SourceRecord:
    """The exact source of a build: ``resolved`` is the marketplace version ``latest`` resolved
    to, or the gallery version id a gallery source resolved to."""
    if isinstance(source, MarketplaceSource):
        version = resolved or source.version
        urn = f"{source.publisher}:{source.offer}:{source.sku}:{version}"
        return SourceRecord(SourceKind.MARKETPLACE, urn)
    if isinstance(source, GalleryVersionSource):
        reference = resolved or str(source.image_id or source.definition)
        return SourceRecord(SourceKind.GALLERY_VERSION, reference)
    if isinstance(source, ManagedImageSource):
        return SourceRecord(SourceKind.MANAGED_IMAGE, str(source.image_id))
    assert isinstance(source, MasterVmSource)
    return SourceRecord(SourceKind.MASTER_VM, str(source.vm_id), snapshot_id)


def step_record(
    step: RenderedStep, duration_seconds: float | None = None, exit_code: int | None = None
) -> StepRecord:
    return StepRecord(
        name=step.name,
        kind=step.kind,
        sha256=step.sha256,
        uri=step.uri,
        builtin=step.builtin,
        parameters=step.parameters,
        duration_seconds=duration_seconds,
        exit_code=exit_code,
    )


def steps_hash(steps: tuple[StepRecord, ...]) -> str:
    """16 hex digits over the ordered steps' identities (canonical JSON)."""
    canonical = json.dumps(
        [s.identity() for s in steps], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


# --- tags -------------------------------------------------------------------------------------

_KIND_LETTER = {CustomizationKind.BUILTIN: "b", CustomizationKind.SCRIPT: "s"}
_LETTER_KIND = {v: k for k, v in _KIND_LETTER.items()}
_ESCAPED = "%,@"  # what separates entries in a value; escaped as %XX in names


def _escape(name: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in name)


def _unescape(text: str) -> str:
    return re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


def _split(tags: dict[str, str], name: str, value: str, parts: int = 2) -> None:
    chunks = [value[i : i + MAX_TAG_VALUE] for i in range(0, len(value), MAX_TAG_VALUE)]
    if len(chunks) > parts:
        raise ValueError(f"{name}: {len(value)} characters do not fit {parts} tags")
    for i, chunk in enumerate(chunks):
        tags[name if i == 0 else f"{name}-{i + 1}"] = chunk


def _joined(tags: dict[str, str], name: str, parts: int = 2) -> str | None:
    if name not in tags:
        return None
    return tags[name] + "".join(tags.get(f"{name}-{i}", "") for i in range(2, parts + 1))


def _entry(step: StepRecord) -> str:
    return f"{_KIND_LETTER[step.kind]}:{_escape(step.name)}@{step.sha256[:SHORT_HASH]}"


def _pack(entries: list[str], slots: int) -> list[str]:
    """Entries into at most ``slots`` values of at most 256 characters: one entry a value when
    they fit that way, else spread evenly (the last values take the extra entries,
    comma-separated), else as many as fit in order."""
    if len(entries) <= slots:
        return entries
    base, extra = divmod(len(entries), slots)
    sizes = [base + (1 if i >= slots - extra else 0) for i in range(slots)]
    values, at = [], 0
    for size in sizes:
        values.append(",".join(entries[at : at + size]))
        at += size
    if all(len(v) <= MAX_TAG_VALUE for v in values):
        return values
    values = []
    for entry in entries:
        if values and len(values[-1]) + 1 + len(entry) <= MAX_TAG_VALUE:
            values[-1] += "," + entry
        elif len(values) < slots:
            values.append(entry)
        else:
            break  # gf-steps still counts and hashes them all
    return values


def to_tags(p: Provenance) -> dict[str, str]:
    """The tags an image version carries (at most ``MAX_TAGS``), stable for the same record."""
    tags: dict[str, str] = {}
    _split(tags, "gf-source", f"{p.source.kind.value}:{p.source.reference}")
    if p.source.snapshot_id:
        _split(tags, "gf-snapshot", p.source.snapshot_id)
    tags["gf-builder"] = p.builder.value
    tags["gf-build"] = p.build_id[:MAX_TAG_VALUE]
    if p.template_id:
        tags["gf-template"] = p.template_id.rstrip("/").rsplit("/", 1)[-1][:MAX_TAG_VALUE]
    if p.started or p.finished:
        tags["gf-built"] = f"{_iso(p.started) or ''}/{_iso(p.finished) or ''}"
    tags["gf-goldfleet"] = p.goldfleet_version[:MAX_TAG_VALUE]
    tags["gf-steps"] = f"{len(p.steps)}:{steps_hash(p.steps)}"
    slots = MAX_TAGS - len(tags)
    for i, value in enumerate(_pack([_entry(s) for s in p.steps], slots), start=1):
        tags[f"gf-step-{i:02d}"] = value
    check_tags(tags)
    return tags


def check_tags(tags: dict[str, str]) -> None:
    """``ValueError`` when ``tags`` break goldfleet's share of Azure's tag limits."""
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags; goldfleet uses at most {MAX_TAGS}")
    for name, value in tags.items():
        if len(name) > MAX_TAG_NAME or FORBIDDEN_IN_TAG_NAMES & set(name):
            raise ValueError(f"tag name {name!r} is not allowed by Azure")
        if len(value) > MAX_TAG_VALUE:
            raise ValueError(f"tag {name}: {len(value)} characters (at most {MAX_TAG_VALUE})")


def has_provenance(tags: dict[str, str]) -> bool:
    return "gf-source" in tags and "gf-builder" in tags


def from_tags(tags: dict[str, str]) -> Provenance:
    """What the tags carry of a version's provenance (``complete`` is False); ``ValueError``
    when they carry none."""
    lower = {k.lower(): v for k, v in tags.items()}
    source_text = _joined(lower, "gf-source")
    if source_text is None or "gf-builder" not in lower:
        raise ValueError("these tags carry no goldfleet provenance (gf-source, gf-builder)")
    kind, _, reference = source_text.partition(":")
    started = finished = None
    if "gf-built" in lower:
        start_text, _, end_text = lower["gf-built"].partition("/")
        started, finished = _parse_time(start_text or None), _parse_time(end_text or None)
    steps: list[StepRecord] = []
    for i in range(1, MAX_TAGS + 1):
        value = lower.get(f"gf-step-{i:02d}")
        if value is None:
            break
        for entry in value.split(","):
            letter, _, rest = entry.partition(":")
            name, _, short = rest.rpartition("@")
            steps.append(StepRecord(_unescape(name), _LETTER_KIND[letter], short))
    return Provenance(
        source=SourceRecord(SourceKind(kind), reference, _joined(lower, "gf-snapshot")),
        steps=tuple(steps),
        builder=BuilderKind(lower["gf-builder"]),
        build_id=lower.get("gf-build", ""),
        goldfleet_version=lower.get("gf-goldfleet", ""),
        template_id=lower.get("gf-template"),
        started=started,
        finished=finished,
        complete=False,
    )


# --- comparing two versions -------------------------------------------------------------------


class DifferenceKind(StrEnum):
    SOURCE = "source"
    BUILDER = "builder"
    STEP_ADDED = "stepAdded"
    STEP_REMOVED = "stepRemoved"
    STEP_HASH = "stepHash"
    STEP_PARAMETERS = "stepParameters"
    GOLDFLEET = "goldfleet"


@dataclass(frozen=True)
class Difference:
    kind: DifferenceKind
    subject: str  # "source", "builder", "step 3 windowsUpdate", ...
    before: str | None = None
    after: str | None = None
    details: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "subject": self.subject,
            "before": self.before,
            "after": self.after,
            "details": list(self.details),
        }


def _same_hash(a: str, b: str) -> bool:
    short = min(len(a), len(b))
    return a[:short].lower() == b[:short].lower()


def _parameter_changes(a: StepRecord, b: StepRecord) -> tuple[str, ...]:
    before, after = dict(a.parameters), dict(b.parameters)
    changes = []
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            old = json.dumps(_json_value(before[name])) if name in before else "(unset)"
            new = json.dumps(_json_value(after[name])) if name in after else "(unset)"
            changes.append(f"{name}: {old} -> {new}")
    return tuple(changes)


def _step_differences(a: Provenance, b: Provenance) -> list[Difference]:
    found: list[Difference] = []
    matcher = difflib.SequenceMatcher(
        a=[s.name for s in a.steps], b=[s.name for s in b.steps], autojunk=False
    )
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for i, j in zip(range(a1, a2), range(b1, b2), strict=True):
                x, y = a.steps[i], b.steps[j]
                subject = f"step {j + 1} {y.name}"
                if not _same_hash(x.sha256, y.sha256):
                    found.append(
                        Difference(
                            DifferenceKind.STEP_HASH,
                            subject,
                            x.sha256[:SHORT_HASH],
                            y.sha256[:SHORT_HASH],
                        )
                    )
                if a.complete and b.complete and (changes := _parameter_changes(x, y)):
                    found.append(
                        Difference(DifferenceKind.STEP_PARAMETERS, subject, details=changes)
                    )
            continue
        for i in range(a1, a2):
            step = a.steps[i]
            found.append(
                Difference(
                    DifferenceKind.STEP_REMOVED,
                    f"step {i + 1} {step.name}",
                    f"{step.name}@{step.sha256[:SHORT_HASH]}",
                )
            )
        for j in range(b1, b2):
            step = b.steps[j]
            found.append(
                Difference(
                    DifferenceKind.STEP_ADDED,
                    f"step {j + 1} {step.name}",
                    None,
                    f"{step.name}@{step.sha256[:SHORT_HASH]}",
                )
            )
    return found


def diff(a: Provenance, b: Provenance) -> list[Difference]:
    """How ``b`` differs from ``a``: source, builder, steps (added, removed, changed hash or
    parameters; parameters only when both records are complete), goldfleet's version."""
    found: list[Difference] = []
    if a.source != b.source:
        found.append(
            Difference(DifferenceKind.SOURCE, "source", a.source.describe(), b.source.describe())
        )
    if a.builder != b.builder:
        found.append(Difference(DifferenceKind.BUILDER, "builder", a.builder, b.builder))
    found.extend(_step_differences(a, b))
    if a.goldfleet_version != b.goldfleet_version:
        found.append(
            Difference(
                DifferenceKind.GOLDFLEET, "goldfleet", a.goldfleet_version, b.goldfleet_version
            )
        )
    return found


__all__ = [
    "MAX_TAGS",
    "BuilderKind",
    "Difference",
    "DifferenceKind",
    "Provenance",
    "SourceKind",
    "SourceRecord",
    "StepRecord",
    "check_tags",
    "diff",
    "from_tags",
    "has_provenance",
    "source_record",
    "step_record",
    "steps_hash",
    "to_tags",
]
