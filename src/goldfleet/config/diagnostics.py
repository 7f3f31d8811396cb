"""Problems found in a configuration, and the one format every one of them is printed in:

    tenants.yaml:14:5: Tenant/contoso: spec.maintenanceWindows[0].start: expected HH:MM, got "25:00"

``file:line:column`` is where the offending value starts (or the key, for an unknown key, or the
mapping, for a missing key); ``Kind/name`` is the document; then the field path and what was
expected. Parts that do not apply (a YAML syntax error has no document) are left out.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from goldfleet.config.limits import MAX_SHOWN_CHARACTERS
from goldfleet.domain.errors import UserInputError

Path = tuple[str | int, ...]  # a field path: mapping keys and list indices


def format_path(path: Path) -> str:
    """``("spec", "subscriptions", 0, "regions", 1)`` → ``spec.subscriptions[0].regions[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def shown(value: Any) -> str:
    """A value as it appears in a message: strings quoted (cut to ``MAX_SHOWN_CHARACTERS``),
    YAML's words for the rest."""
    if isinstance(value, str):
        if len(value) > MAX_SHOWN_CHARACTERS:
            cut = json.dumps(value[:MAX_SHOWN_CHARACTERS], ensure_ascii=False)
            return f'{cut[:-1]}..." ({len(value)} characters)'
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    text = str(value)
    return text if len(text) <= MAX_SHOWN_CHARACTERS else text[:MAX_SHOWN_CHARACTERS] + "..."


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` when a choice is close to ``word``, else an empty string.

    Remembered per word and choices: a generated configuration repeats one mistake in thousands
    of documents, and comparing a word with the 600 time zones takes milliseconds."""
    return _did_you_mean(word, tuple(choices))


@lru_cache(maxsize=4096)
def _did_you_mean(word: str, options: tuple[str, ...]) -> str:
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return f" (did you mean {shown(lowered[word.lower()])}?)"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {shown(close[0])}?)" if close else ""


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 1-based; 0 when the problem is about the file or directory as a whole
    column: int
    message: str
    subject: str | None = None  # Kind/name of the document
    field: str | None = None  # dotted path inside the document

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}:{self.column}" if self.line else self.file]
        parts += [p for p in (self.subject, self.field) if p]
        return ": ".join([*parts, self.message])

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "document": self.subject,
            "field": self.field,
            "message": self.message,
            "text": str(self),
        }


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.column, p.field or "", p.message))


class ConfigurationError(UserInputError):
    """The configuration is invalid; ``problems`` lists every problem found, in file order."""

    exit_code = 1

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sort_problems(problems))
        files = {p.file for p in self.problems}
        count = len(self.problems)
        self.summary = (
            f"the configuration has {count} problem{'s' if count != 1 else ''}"
            f" in {len(files)} file{'s' if len(files) != 1 else ''}"
        )
        super().__init__(
            self.summary + ":\n" + "\n".join(f"  {p}" for p in self.problems),
            hint="fix the lines above; docs/config.md describes every kind and field",
        )
