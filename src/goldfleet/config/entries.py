"""A document as the loader tracks it: where it came from, its kind and name, and its validated
model (None when it did not validate, so that later checks skip it without cascading)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from goldfleet.config.diagnostics import Path, Problem, shown
from goldfleet.config.models.documents import AnyDocument
from goldfleet.config.yaml_source import SourceDocument

Model = TypeVar("Model", bound=AnyDocument)


@dataclass(frozen=True)
class Entry(Generic[Model]):
    source: SourceDocument
    kind: str
    name: str  # metadata.name as written (may be invalid when ``model`` is None)
    model: Model | None

    @property
    def subject(self) -> str:
        return f"{self.kind}/{self.name}"

    def problem(self, path: Path, message: str, *, at_key: bool = False) -> Problem:
        return self.source.problem(path, message, subject=self.subject, at_key=at_key)


@dataclass(frozen=True)
class Valid(Generic[Model]):
    """An entry whose model validated."""

    entry: Entry[Model]
    doc: Model

    @property
    def name(self) -> str:
        return self.doc.metadata.name

    def problem(self, path: Path, message: str, *, at_key: bool = False) -> Problem:
        return self.entry.problem(path, message, at_key=at_key)

    def duplicates(self, what: str, items: Iterable[tuple[Path, str]]) -> Iterator[Problem]:
        """A problem at each item whose key an earlier item of this document has."""
        first: dict[str, Path] = {}
        for path, key in items:
            if key in first:
                line, _ = self.entry.source.position(first[key])
                yield self.problem(
                    path, f"duplicate {what} {shown(key)}; the first is on line {line}"
                )
            else:
                first[key] = path
