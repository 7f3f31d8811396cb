"""Loading a configuration: one YAML file (documents separated by ``---``) or a directory of
them → a validated ``Configuration``, or a ``ConfigurationError`` listing every problem of every
file at once (syntax, inline secrets, apiVersion and kind, types and unknown keys, rules inside a
document, references across documents)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from goldfleet.config import secrets
from goldfleet.config.convert import to_configuration
from goldfleet.config.diagnostics import ConfigurationError, Path, Problem, did_you_mean, shown
from goldfleet.config.entries import Entry, Valid
from goldfleet.config.limits import MAX_FIELD_PROBLEMS
from goldfleet.config.messages import error_path, field_error
from goldfleet.config.models.base import API_VERSION
from goldfleet.config.models.documents import DOCUMENT_CLASSES
from goldfleet.config.references import CrossChecks
from goldfleet.config.rules import check_document
from goldfleet.config.yaml_source import (
    SourceDocument,
    SourceFile,
    configuration_files,
    read_documents,
    read_file,
)
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import UserInputError

KINDS = sorted(DOCUMENT_CLASSES)


@dataclass(frozen=True)
class LoadedConfiguration:
    configuration: Configuration
    files: tuple[str, ...]  # as shown in messages, in the order read
    documents: int


def load_configuration(path: FilePath) -> LoadedConfiguration:
    """Load the file or directory ``path``. A missing path is a ``UserInputError`` (usage, exit
    code 2); an invalid configuration a ``ConfigurationError`` (exit code 1)."""
    try:
        exists = path.exists()
        files = configuration_files(path) if exists else []
    except OSError as exc:  # a name too long, a directory that cannot be listed...
        problem = Problem(os.fspath(path), 0, 0, f"cannot be read: {exc.strerror or exc}")
        raise ConfigurationError([problem]) from exc
    if not exists:
        raise UserInputError(
            f"{path} does not exist",
            hint="give a configuration file, or a directory of *.yaml files such as"
            " examples/goldfleet",
        )
    if not files:
        raise ConfigurationError(
            [Problem(os.fspath(path), 0, 0, "expected *.yaml or *.yml files in this directory")]
        )
    return _validate([read_file(f) for f in files])


def load_configuration_text(text: str, filename: str = "<config>") -> Configuration:
    """A configuration from YAML text (one or more documents); for tests and tools."""
    return _validate([read_documents(text, filename)]).configuration


def _validate(sources: list[SourceFile]) -> LoadedConfiguration:
    problems: list[Problem] = []
    entries: list[Entry[Any]] = []
    for source in sources:
        problems += source.problems
        if source.complete and not source.documents:
            problems.append(
                Problem(
                    source.file,
                    1,
                    1,
                    f"empty file: expected at least one document (apiVersion: {API_VERSION},"
                    " kind, metadata, spec)",
                )
            )
        for document in source.documents:
            entry, document_problems = _validate_document(document)
            problems += document_problems
            if entry is not None:
                entries.append(entry)
    checks = CrossChecks(entries, complete=all(s.complete for s in sources))
    problems += checks.run()
    if problems:
        raise ConfigurationError(problems)
    return LoadedConfiguration(
        to_configuration(checks.valid),
        tuple(s.file for s in sources),
        sum(len(s.documents) for s in sources),
    )


def _validate_document(source: SourceDocument) -> tuple[Entry[Any] | None, list[Problem]]:
    data = source.data
    if not isinstance(data, dict):
        return None, [
            source.problem(
                (),
                "expected a document (a mapping with apiVersion, kind, metadata and spec),"
                f" got {shown(data)}",
                subject=None,
            )
        ]
    kind = data.get("kind")
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    known_kind = isinstance(kind, str) and kind in DOCUMENT_CLASSES
    subject = None
    if known_kind:
        subject = f"{kind}/{name}" if isinstance(name, str) else f"{kind} #{source.index + 1}"
    problems = _header_problems(source, data, subject)
    secret_paths = list(secrets.inline_secrets(data))
    listed = _Listed(source, subject)
    for path in secret_paths:
        listed.add(path, secrets.MESSAGE, at_key=True)
    if not known_kind:
        return None, problems + listed.problems()
    assert isinstance(kind, str)
    model = None
    try:
        model = DOCUMENT_CLASSES[kind].model_validate(data)
    except ValidationError as exc:
        hidden = set(secret_paths)
        for error in exc.errors(include_url=False):
            path, _ = error_path(error, data)
            if path[:1] in (("apiVersion",), ("kind",)):
                continue  # reported above, in words of our own
            if secrets.under(path, hidden):
                continue  # reported above, without the value
            if listed.full():
                listed.skip()  # not worth the message
            else:
                error_in_words = field_error(error, kind, data)
                listed.add(
                    error_in_words.path, error_in_words.message, at_key=error_in_words.at_key
                )
    problems += listed.problems()
    if not isinstance(name, str):
        return None, problems
    entry = Entry(source, kind, name, model if not problems else None)
    if entry.model is not None:
        problems += check_document(Valid(entry, entry.model))
    return entry, problems


def _header_problems(
    source: SourceDocument, data: dict[Any, Any], subject: str | None
) -> list[Problem]:
    problems = []
    api = data.get("apiVersion")
    if "apiVersion" not in data:
        problems.append(
            source.problem(
                ("apiVersion",),
                f"required field is missing; expected {shown(API_VERSION)}",
                subject=subject,
            )
        )
    elif api != API_VERSION:
        problems.append(
            source.problem(
                ("apiVersion",), f"expected {shown(API_VERSION)}, got {shown(api)}", subject=subject
            )
        )
    kind = data.get("kind")
    expected = "expected one of " + ", ".join(KINDS)
    if "kind" not in data:
        problems.append(
            source.problem(("kind",), f"required field is missing; {expected}", subject=subject)
        )
    elif not (isinstance(kind, str) and kind in DOCUMENT_CLASSES):
        hint = did_you_mean(kind, KINDS) if isinstance(kind, str) else ""
        problems.append(
            source.problem(("kind",), f"{expected}, got {shown(kind)}{hint}", subject=subject)
        )
    return problems


class _Listed:
    """A document's problems of secrets, types and keys: the first ``MAX_FIELD_PROBLEMS`` with
    their positions, then one line counting the rest (finding a position costs a walk)."""

    def __init__(self, source: SourceDocument, subject: str | None) -> None:
        self.source = source
        self.subject = subject
        self.listed: list[Problem] = []
        self.unlisted = 0

    def full(self) -> bool:
        return len(self.listed) >= MAX_FIELD_PROBLEMS

    def skip(self) -> None:
        self.unlisted += 1

    def add(self, path: Path, message: str, *, at_key: bool = False) -> None:
        if self.full():
            self.skip()
        else:
            self.listed.append(
                self.source.problem(path, message, subject=self.subject, at_key=at_key)
            )

    def problems(self) -> list[Problem]:
        if not self.unlisted:
            return self.listed
        more = self.source.problem(
            (),
            f"{self.unlisted} more problem{'s' if self.unlisted != 1 else ''} in this document"
            f" (only the first {MAX_FIELD_PROBLEMS} are listed)",
            subject=self.subject,
        )
        return [*self.listed, more]
