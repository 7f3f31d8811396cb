"""Reading configuration YAML so that every value keeps its position (file, line, column).

The files are parsed with PyYAML's composer, which keeps a start mark on every node, and a
stricter resolver than YAML 1.1's: only ``true``/``false`` are booleans (not ``yes``/``on``),
``02:00`` is the string "02:00" (not the sexagesimal number 120), and dates stay strings until
the models read them. Duplicate keys are reported instead of silently keeping the last one.

No input escapes as anything but a located ``Problem``: the nodes are composed without recursion
and within ``goldfleet.config.limits`` (``composer``); a tag the safe loader does not know
(``!!python/object``) or a value it cannot build (``!!int 1e``, a 5,000-digit number) is a problem
at that value; a byte that is not UTF-8, or a character YAML does not allow, is a problem at its
line and column; a file over the size limit is not parsed at all.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml

from goldfleet.config.composer import Composer, LimitExceeded
from goldfleet.config.diagnostics import Path, Problem, format_path
from goldfleet.config.limits import MAX_FILE_BYTES

# libyaml's parser (bundled with PyYAML's wheels) is about ten times faster than PyYAML's own.
_Parser: Any = yaml.SafeLoader
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    _Parser = CParser


class _ConfigLoader(_Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
    """A safe loader with YAML 1.2-like implicit types (see the module docstring)."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # PyYAML's class attribute

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's, with a value it cannot build (``!!int x``, ``!!timestamp 2026-13-45``, an
        integer of more digits than Python converts) reported at the value, as YAML errors are."""
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this {_tag_name(node.tag)} value: {exc}", node.start_mark
            ) from exc

    def construct_undefined(self, node: yaml.Node) -> Any:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"the tag {_tag_name(node.tag)} is not allowed: goldfleet reads plain YAML values"
            " (strings, numbers, true/false, null, lists and mappings)",
            node.start_mark,
        )


def _tag_name(tag: str) -> str:
    """``tag:yaml.org,2002:int`` → ``!!int``; other tags as written."""
    return tag.replace("tag:yaml.org,2002:", "!!", 1)


_ConfigLoader.add_constructor(None, _ConfigLoader.construct_undefined)


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
):
    _ConfigLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first)
    )


@dataclass(frozen=True)
class SourceDocument:
    """One YAML document: its data, its node tree (for positions) and where it came from."""

    file: str  # as shown in messages
    index: int  # 0-based position in the file
    node: yaml.Node
    data: Any
    _keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def position(self, path: Path, *, at_key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of ``path``'s value, or of its key with ``at_key``; of the
        deepest mapping or list that exists when the path goes further than the document."""
        node = self.node
        key_node: yaml.Node | None = None
        for part in path:
            child: tuple[yaml.Node | None, yaml.Node] | None = None
            if isinstance(node, yaml.MappingNode):
                child = self._pairs(node).get(part) if isinstance(part, str) else None
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                child = (None, node.value[part])
            if child is None:
                key_node = None
                break
            key_node, node = child
        mark = (key_node if at_key and key_node is not None else node).start_mark
        return mark.line + 1, mark.column + 1

    def _pairs(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """A mapping's (key node, value node) by key, the first of duplicates; built once, so
        that locating each of many problems in a wide mapping is not a scan of it."""
        pairs = self._keys.get(id(node))
        if pairs is None:
            pairs = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    pairs.setdefault(key.value, (key, value))
            self._keys[id(node)] = pairs
        return pairs

    def problem(
        self, path: Path, message: str, *, subject: str | None, at_key: bool = False
    ) -> Problem:
        line, column = self.position(path, at_key=at_key)
        return Problem(self.file, line, column, message, subject, format_path(path) or None)


def configuration_files(path: FilePath) -> list[FilePath]:
    """The YAML files of a configuration: ``path`` itself, or every ``*.yaml``/``*.yml`` under
    the directory ``path``, recursively, sorted by relative path."""
    if path.is_dir():
        found = [p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
        return sorted(found, key=lambda p: p.relative_to(path).as_posix())
    return [path]


@dataclass(frozen=True)
class SourceFile:
    """What reading one file gave: its documents, its problems, and whether it was read to the
    end (a YAML syntax error stops reading, so later documents are unknown)."""

    file: str
    documents: list[SourceDocument]
    problems: list[Problem]
    complete: bool


def read_documents(text: str, file: str) -> SourceFile:
    """The documents of one file (empty ones skipped), or the problem that stopped reading
    (documents before it are kept)."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # a lone surrogate, from a caller's str
        line, column = _line_column(text, exc.start)
        problem = Problem(
            file,
            line,
            column,
            f"expected UTF-8 text: U+{ord(text[exc.start]):04X} cannot be encoded ({exc.reason})",
        )
        return SourceFile(file, [], [problem], complete=False)
    if size > MAX_FILE_BYTES:
        return SourceFile(file, [], [_too_large(file)], complete=False)
    documents: list[SourceDocument] = []
    problems: list[Problem] = []
    complete = False
    loader = _ConfigLoader(text)
    try:
        for node in Composer(loader).documents():
            problems += _duplicate_keys(node, file)
            data = loader.construct_document(node)
            if data is not None:
                documents.append(SourceDocument(file, len(documents), node, data))
        complete = True
    except LimitExceeded as exc:
        problems.append(Problem(file, exc.mark.line + 1, exc.mark.column + 1, exc.message))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(file, line, column, f"invalid YAML: {exc.problem or exc}"))
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. U+0007
        # libyaml counts the offset in UTF-8 bytes, PyYAML's own reader in characters
        offset = exc.position
        if yaml.__with_libyaml__:
            offset = len(text.encode("utf-8")[: exc.position].decode("utf-8", errors="replace"))
        line, column = _line_column(text, offset)
        character = text[offset] if offset < len(text) else ""
        what = f"U+{ord(character):04X}" if character else "the character"
        problems.append(
            Problem(file, line, column, f"invalid YAML: {what} is not allowed ({exc.reason})")
        )
    except yaml.YAMLError as exc:  # errors without a position
        problems.append(Problem(file, 1, 1, f"invalid YAML: {exc}"))
    finally:
        loader.dispose()
    return SourceFile(file, documents, problems, complete)


def read_file(path: FilePath) -> SourceFile:
    """One file, read as UTF-8 and at most ``MAX_FILE_BYTES`` of it (a larger file, or a device
    that never ends, is refused without reading on)."""
    file = os.fspath(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problem = Problem(file, 0, 0, f"cannot be read: {exc.strerror or exc}")
        return SourceFile(file, [], [problem], complete=False)
    if len(raw) > MAX_FILE_BYTES:
        return SourceFile(file, [], [_too_large(file)], complete=False)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8")
        line, column = _line_column(before, len(before))
        byte = raw[exc.start]
        problem = Problem(
            file,
            line,
            column,
            f"expected UTF-8 text: byte 0x{byte:02X} is not UTF-8 ({exc.reason})",
        )
        return SourceFile(file, [], [problem], complete=False)
    return read_documents(text, file)


def _too_large(file: str) -> Problem:
    return Problem(
        file,
        0,
        0,
        f"is larger than {MAX_FILE_BYTES // 2**20} MiB, the most goldfleet reads in one file;"
        " split it into several",
    )


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """Line and column (1-based, in characters) of the character at ``offset`` in ``text``;
    ``offset`` may be ``len(text)`` (just past the end)."""
    offset = min(offset, len(text))
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _duplicate_keys(root: yaml.Node, file: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in first:
                        earlier = first[key.value].start_mark.line + 1
                        mark = key.start_mark
                        problems.append(
                            Problem(
                                file,
                                mark.line + 1,
                                mark.column + 1,
                                f"duplicate key {key.value!r}; it is already set on line {earlier}",
                            )
                        )
                    else:
                        first[key.value] = key
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems
