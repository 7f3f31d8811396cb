"""Reading configuration YAML so that every value keeps its position (file, line, column).

The files are parsed with PyYAML's composer, which keeps a start mark on every node, and a
stricter resolver than YAML 1.1's: only ``true``/``false`` are booleans (not ``yes``/``on``),
``02:00`` is the string "02:00" (not the sexagesimal number 120), and dates stay strings until
the models read them. Duplicate keys are reported instead of silently keeping the last one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

import yaml

from goldfleet.config.diagnostics import Path, Problem, format_path

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

    def position(self, path: Path, *, at_key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of ``path``'s value, or of its key with ``at_key``; of the
        deepest mapping or list that exists when the path goes further than the document."""
        node = self.node
        key_node: yaml.Node | None = None
        for part in path:
            child: tuple[yaml.Node | None, yaml.Node] | None = None
            if isinstance(node, yaml.MappingNode):
                child = next(
                    (
                        (k, v)
                        for k, v in node.value
                        if isinstance(k, yaml.ScalarNode) and k.value == part
                    ),
                    None,
                )
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
    """The documents of one file (empty ones skipped), or the YAML error that stopped reading."""
    documents: list[SourceDocument] = []
    problems: list[Problem] = []
    complete = False
    loader = _ConfigLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            problems += _duplicate_keys(node, file)
            data = loader.construct_document(node)
            if data is not None:
                documents.append(SourceDocument(file, len(documents), node, data))
        complete = True
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(file, line, column, f"invalid YAML: {exc.problem or exc}"))
    except yaml.YAMLError as exc:  # errors without a position (e.g. bad encoding)
        problems.append(Problem(file, 1, 1, f"invalid YAML: {exc}"))
    finally:
        loader.dispose()
    return SourceFile(file, documents, problems, complete)


def read_file(path: FilePath) -> SourceFile:
    file = os.fspath(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problem = Problem(file, 1, 1, f"expected UTF-8 text: {exc.reason}")
        return SourceFile(file, [], [problem], complete=False)
    except OSError as exc:
        problem = Problem(file, 0, 0, f"cannot be read: {exc.strerror}")
        return SourceFile(file, [], [problem], complete=False)
    return read_documents(text, file)


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
