"""The configuration loader, fuzzed: whatever it is given (random YAML structures with values of
every type in every place, the example configuration with its data or its bytes mutated), it
either loads or raises a ``ConfigurationError`` whose every problem has a file, a line and a
column inside that file, and it finishes in bounded time.

Deterministic and small by default (``derandomize``: the same examples on every run, about ten
seconds in all). For a longer hunt, raise the number of examples per test:

    GOLDFLEET_FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/config/test_fuzz.py

and ``GOLDFLEET_FUZZ_RANDOM=1`` draws new examples on every run (docs/config.md, "Limits").
"""

from __future__ import annotations

import copy
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldfleet.config import (
    ConfigurationError,
    json_schema,
    load_configuration,
    load_configuration_text,
)
from goldfleet.config.models.documents import DOCUMENT_CLASSES
from goldfleet.config.yaml_source import read_documents
from tests.config.support import EXAMPLES

EXAMPLES_PER_TEST = int(os.environ.get("GOLDFLEET_FUZZ_EXAMPLES", "100"))
SECONDS_PER_EXAMPLE = 2.0  # an example loads in about 20 ms; a slow path shows as 100 times that

FUZZ = settings(
    max_examples=EXAMPLES_PER_TEST,
    derandomize=not os.environ.get("GOLDFLEET_FUZZ_RANDOM"),
    database=None,
    deadline=None,  # timed by the test itself, on the load alone
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EXAMPLE_FILES = {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.yaml"))}
KINDS = sorted(DOCUMENT_CLASSES)
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a new line


# --- the property ------------------------------------------------------------------------------


def assert_loads_or_locates(load: Callable[[], object], texts: dict[str, str]) -> None:
    """``load`` succeeds, or fails with problems located inside the file they name (``texts``:
    each file's text, by the name problems use); and it takes less than SECONDS_PER_EXAMPLE."""
    started = time.perf_counter()
    try:
        load()
    except ConfigurationError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file in texts, problem
            lines = len(_LINE_BREAKS.split(texts[problem.file]))
            assert 1 <= problem.line <= lines + 1, problem
            assert problem.column >= 1, problem
            assert problem.message and str(problem)
    seconds = time.perf_counter() - started
    assert seconds < SECONDS_PER_EXAMPLE, f"took {seconds:.2f} s"


# --- random YAML structures --------------------------------------------------------------------


@dataclass(frozen=True)
class Tagged:
    """A scalar written with a tag of our choosing, e.g. ``!!python/object:os.system``."""

    tag: str
    value: str


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml when there
    pass


_Dumper.add_representer(Tagged, lambda dumper, t: dumper.represent_scalar(t.tag, t.value))


def _schema_keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            yield from _schema_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _schema_keys(item)


SCHEMA_KEYS = sorted(set(_schema_keys(json_schema())))
Y = "tag:yaml.org,2002:"
TAGGED = [
    Tagged(Y + "int", "9" * 5000),
    Tagged(Y + "int", "1e3"),
    Tagged(Y + "float", ".nan"),
    Tagged(Y + "float", "-.inf"),
    Tagged(Y + "float", "x"),
    Tagged(Y + "bool", "maybe"),
    Tagged(Y + "timestamp", "2026-13-45"),
    Tagged(Y + "timestamp", "2026-12-24T02:00:00Z"),
    Tagged(Y + "binary", "not base64!"),
    Tagged(Y + "python/object:os.system", "echo"),
    Tagged(Y + "python/name:os.system", ""),
    Tagged("!vault", "secret/path"),
    Tagged(Y + "str", "plain"),
    Tagged(Y + "null", "not null"),
]
WORDS = [
    "",
    " ",
    "goldfleet/v1",
    *KINDS,
    "02:00",
    "25:00",
    "1d",
    "99999999999999999999d",
    "westeurope",
    "Europe/London",
    "0 2 * * 6",
    "7f3c1a52-4d8e-4b1f-9a6c-2e5d8b0c1f01",
    "/subscriptions/x/resourceGroups/y",
    "[/]",
    "[bold red]x",
    ":100:",
    "[link=http://x]y",
    "x" * 300,
    "é\u2028\x85",
    "yes",
    "~",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(WORDS),
    st.binary(max_size=6),
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(min_value=datetime(1, 1, 1)),
    st.sampled_from(TAGGED),
)
KEYS = st.one_of(
    st.sampled_from(SCHEMA_KEYS), st.text(max_size=8), st.integers(), st.booleans(), st.none()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)
DOCUMENTS = st.one_of(
    VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "apiVersion": st.one_of(st.just("goldfleet/v1"), VALUES),
            "kind": st.one_of(st.sampled_from(KINDS), VALUES),
            "metadata": st.one_of(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "name": st.one_of(st.from_regex(r"\A[a-z][a-z0-9-]{0,8}\Z"), VALUES),
                        "labels": VALUES,
                    },
                ),
                VALUES,
            ),
            "spec": st.one_of(st.dictionaries(st.sampled_from(SCHEMA_KEYS), VALUES), VALUES),
        },
    ),
)


def dump(documents: list[Any], *, flow: bool | None = False) -> str:
    return yaml.dump_all(
        documents, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=flow
    )


@FUZZ
@given(
    documents=st.lists(DOCUMENTS, min_size=1, max_size=4),
    flow=st.sampled_from([False, True, None]),
    with_examples=st.booleans(),
)
def test_random_documents_load_or_fail_with_located_problems(documents, flow, with_examples):
    text = dump(documents, flow=flow)
    if with_examples:  # next to valid documents, so that references across documents run too
        text = "\n---\n".join([*EXAMPLE_FILES.values(), text])
    assert_loads_or_locates(lambda: load_configuration_text(text, "fuzz.yaml"), {"fuzz.yaml": text})


# --- the example configuration, its data mutated -------------------------------------------------


EXAMPLE_DATA = [  # every document of the examples as goldfleet reads it ("02:00" stays a string)
    document.data
    for name, text in EXAMPLE_FILES.items()
    for document in read_documents(text, name).documents
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _parent(documents: list[Any], path: tuple[Any, ...]) -> Any:
    node: Any = documents
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def mutated_examples(draw: st.DrawFn) -> list[Any]:
    documents = copy.deepcopy(EXAMPLE_DATA)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [(i, *p) for i, doc in enumerate(documents) for p in _paths(doc)]
        path = draw(st.sampled_from(paths))
        parent, last = _parent(documents, path), path[-1]
        what = draw(
            st.sampled_from(["replace", "delete", "add key", "wrap", "share", "nest", "null"])
        )
        if what == "replace":
            parent[last] = draw(VALUES)
        elif what == "delete" and isinstance(parent, dict | list):
            del parent[last]
        elif what == "add key" and isinstance(parent[last], dict):
            parent[last][draw(KEYS)] = draw(VALUES)
        elif what == "wrap":
            parent[last] = [parent[last]]
        elif what == "share":  # the same object twice: the dumper writes an anchor and an alias
            other = draw(st.sampled_from(paths))
            if other[: len(path)] != path and path[: len(other)] != other:
                _parent(documents, other)[other[-1]] = parent[last]
        elif what == "nest":
            for _ in range(draw(st.integers(min_value=1, max_value=80))):
                parent[last] = {"n": parent[last]}
        else:
            parent[last] = None
    return documents


@FUZZ
@given(documents=mutated_examples(), flow=st.sampled_from([False, True, None]))
def test_the_examples_with_mutated_values_load_or_fail_with_located_problems(documents, flow):
    text = dump(documents, flow=flow)
    assert_loads_or_locates(lambda: load_configuration_text(text, "fuzz.yaml"), {"fuzz.yaml": text})


# --- the example files, their text and bytes mutated ---------------------------------------------

TOKENS = [
    "[",
    "]",
    "{",
    "}",
    "*a",
    "&a",
    "&a [*a]",
    "!!python/object:os.system x",
    "!!python/object/apply:os.system [echo]",
    "!!binary Zm9v",
    "!!int 1e",
    "!!timestamp 2026-13-45",
    "!!set {a}",
    "!local x",
    ".nan",
    ".inf",
    "9" * 5000,
    "~",
    "'",
    '"',
    "|",
    ">",
    "- x",
    "? x",
    "%TAG ! x",
    "@",
    "`",
    "<<: *a",
    "[/]",
    "[bold red]x",
    ":100:",
    "\t",
    "---",
    "...",
    "#",
]
BYTES = [
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\x00",
    b"\x07",
    b"\xef\xbb\xbf",
    b"\r",
    b"\x85",
    b"\xed\xa0\x80",
]


@st.composite
def mutated_file(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(EXAMPLE_FILES)))
    lines = EXAMPLE_FILES[name].encode("utf-8").split(b"\n")
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        what = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "indent", "token", "anchor", "text", "bytes", "cut"]
            )
        )
        line = lines[i]
        if what == "delete" and len(lines) > 1:
            del lines[i]
        elif what == "duplicate":
            lines.insert(j, line)
        elif what == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif what == "indent":
            change = draw(st.integers(min_value=-4, max_value=4))
            lines[i] = b" " * change + line if change > 0 else line[-change:]
        elif what == "token":
            token = draw(st.sampled_from(TOKENS)).encode("utf-8")
            key, colon, _ = line.partition(b": ")
            lines[i] = key + colon + token if colon else line + b" " + token
        elif what == "anchor":  # an anchor on one value, an alias to it on another
            key, colon, value = line.partition(b": ")
            if colon:
                lines[i] = key + b": &a " + value
            key, colon, _ = lines[j].partition(b": ")
            lines[j] = key + b": *a" if colon else lines[j]
        elif what in ("text", "bytes"):
            insert = (
                draw(st.text(min_size=1, max_size=3)).encode("utf-8")
                if what == "text"
                else draw(st.sampled_from(BYTES))
            )
            at = draw(st.integers(min_value=0, max_value=len(line)))
            lines[i] = line[:at] + insert + line[at:]
        elif what == "cut":
            lines = lines[: i + 1]
    return name, b"\n".join(lines)


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("examples")
    for name, text in EXAMPLE_FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@FUZZ
@given(mutation=mutated_file())
def test_the_example_files_with_mutated_bytes_load_or_fail_with_located_problems(
    example_copy, mutation
):
    name, raw = mutation
    path = example_copy / name
    path.write_bytes(raw)
    try:
        texts = {
            str(example_copy / n): (raw.decode("utf-8", "replace") if n == name else text)
            for n, text in EXAMPLE_FILES.items()
        }
        assert_loads_or_locates(lambda: load_configuration(example_copy), texts)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:  # then that is the one problem, exactly where it is
            before = raw[: bad.start].decode("utf-8")
            line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
            with pytest.raises(ConfigurationError) as caught:
                load_configuration(example_copy)
            [problem] = caught.value.problems
            assert (problem.file, problem.line, problem.column) == (str(path), line, column)
            assert problem.message.startswith(f"expected UTF-8 text: byte 0x{raw[bad.start]:02X}")
    finally:
        path.write_text(EXAMPLE_FILES[name], encoding="utf-8")
