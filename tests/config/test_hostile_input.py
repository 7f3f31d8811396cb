"""Inputs that once crashed the loader or made it take minutes, one per test: each is now a
problem with a file, a line and a column (docs/config.md, "Limits"), found in well under a
second."""

from __future__ import annotations

import time

import pytest

from goldfleet.config import composer, limits
from goldfleet.config.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES
from goldfleet.config.yaml_source import read_documents
from tests.config.support import BASE, problems, with_base

HEADER = "apiVersion: goldfleet/v1\nkind: Tenant\nmetadata: {name: contoso}\n"


def timed_problems(tmp_path, files: dict[str, str]) -> tuple[list[str], float]:
    started = time.perf_counter()
    found = problems(tmp_path, files)
    return found, time.perf_counter() - started


# --- values of any type where the schema expects a string -------------------------------------


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        ("[Tenant]", "a list"),
        ("{Tenant: 1}", "a mapping"),
        ("!!set {Tenant}", "{'Tenant'}"),
        ("!!binary VGVuYW50", "b'Tenant'"),
        ("!!float .nan", "nan"),
        ("~", "null"),
    ],
)
def test_a_kind_of_any_type_is_a_problem_at_the_kind(tmp_path, kind, shown):
    bad = f"apiVersion: goldfleet/v1\nkind: {kind}\nmetadata: {{name: x}}\nspec: {{}}\n"
    assert with_base(tmp_path, bad) == [
        "bad.yaml:2:7: kind: expected one of Gallery, HostPool, ImageDefinition, ImagePipeline,"
        f" Ring, RolloutPolicy, Tenant, got {shown}"
    ]


def test_a_name_and_labels_of_the_wrong_types_are_problems_where_they_are(tmp_path):
    bad = (
        "apiVersion: goldfleet/v1\nkind: Ring\n"
        "metadata: {name: [first], labels: [a]}\n"
        "spec: {order: 1, bakeTime: 1d}\n"
    )
    assert with_base(tmp_path, bad) == [
        "bad.yaml:3:18: Ring #1: metadata.name: expected a name of lowercase letters, digits"
        " and '-' (at most 63), got a list",
        "bad.yaml:3:35: Ring #1: metadata.labels: expected a mapping, got a list",
    ]


def test_a_duration_longer_than_python_counts_is_a_problem_not_an_overflow(tmp_path):
    bad = BASE.replace("bakeTime: 1d", "bakeTime: 99999999999999999999d")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:48:28: Ring/first: spec.bakeTime: expected a duration such as 30m, 4h, 1h30m"
        ' or 2d, at most 999999999d, got "99999999999999999999d"'
    ]


def test_an_integer_of_five_thousand_digits_is_a_problem_at_the_value(tmp_path):
    bad = BASE.replace("count: 2", "count: " + "9" * 5000)
    [problem] = problems(tmp_path, {"base.yaml": bad})
    assert problem.startswith("base.yaml:63:12: invalid YAML: cannot read this !!int value:")


def test_a_value_quoted_in_a_message_is_cut(tmp_path):
    bad = BASE.replace("bakeTime: 1d", "bakeTime: " + "x" * 5000)
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:48:28: Ring/first: spec.bakeTime: expected a duration such as 30m, 4h, 1h30m"
        f' or 2d, got "{"x" * limits.MAX_SHOWN_CHARACTERS}..." (5000 characters)'
    ]


# --- tags the safe loader refuses, values it cannot build -------------------------------------


def test_a_python_object_tag_is_refused_by_the_safe_loader(tmp_path):
    bad = HEADER + "spec: !!python/object/apply:os.system [echo owned]\n"
    assert with_base(tmp_path, bad) == [
        "bad.yaml:4:7: invalid YAML: the tag !!python/object/apply:os.system is not allowed:"
        " goldfleet reads plain YAML values (strings, numbers, true/false, null, lists and"
        " mappings)"
    ]


def test_a_local_tag_is_refused(tmp_path):
    bad = HEADER + "spec: {displayName: !vault contoso}\n"
    assert with_base(tmp_path, bad) == [
        "bad.yaml:4:21: invalid YAML: the tag !vault is not allowed: goldfleet reads plain YAML"
        " values (strings, numbers, true/false, null, lists and mappings)"
    ]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("!!timestamp 2026-13-45", "cannot read this !!timestamp value: month must be in 1..12"),
        ("!!bool maybe", "cannot read this !!bool value: 'maybe'"),
        (
            "!!int 1e3",
            "cannot read this !!int value: invalid literal for int() with base 10: '1e3'",
        ),
    ],
)
def test_a_value_its_tag_cannot_build_is_a_problem_at_the_value(tmp_path, value, why):
    assert with_base(tmp_path, HEADER + f"spec: {{displayName: {value}}}\n") == [
        f"bad.yaml:4:21: invalid YAML: {why}"
    ]


# --- nesting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "position"),
    [
        ("spec: " + "[" * 10_000 + "]" * 10_000, "4:70"),  # the 64th [ opens level 65
        ("spec: " + "{a: " * 10_000 + "x" + "}" * 10_000, "4:259"),
        ("spec: " + "[{a: " * 10_000 + "x" + "}]" * 10_000, "4:163"),
        ("spec:\n  " + "- " * 10_000 + "x", "5:129"),
    ],
    ids=["lists", "mappings", "both", "block lists"],
)
def test_ten_thousand_levels_of_nesting_stop_at_the_limit(tmp_path, spec, position):
    found, seconds = timed_problems(tmp_path, {"deep.yaml": HEADER + spec + "\n"})
    # the document is level 1 and spec's value level 2
    assert found == [
        f"deep.yaml:{position}: nested more than {MAX_DEPTH} levels deep (lists and mappings)"
    ]
    assert seconds < 1.0


def test_block_mappings_nested_too_deep_point_at_the_first_level_too_many(tmp_path):
    lines = [f"{'  ' * (level + 1)}k{level}:" for level in range(200)]
    found = problems(tmp_path, {"deep.yaml": HEADER + "spec:\n" + "\n".join(lines) + " x\n"})
    # spec's value (the mapping of k0, line 5) is level 2, so k62's value is level 65: the
    # mapping of k63, on line 68 at column 2 * 64 + 1
    assert found == [
        f"deep.yaml:68:129: nested more than {MAX_DEPTH} levels deep (lists and mappings)"
    ]


def test_nesting_through_aliases_counts_the_levels_the_alias_stands_for(tmp_path):
    chain = "".join(f"  l{i}: &l{i} [*l{i - 1}]\n" for i in range(1, 70))
    bad = HEADER + "spec:\n  l0: &l0 [x]\n" + chain
    [problem] = problems(tmp_path, {"bad.yaml": bad})
    assert problem.endswith(
        f"nested more than {MAX_DEPTH} levels deep (lists and mappings, YAML aliases followed)"
    )


# --- aliases -------------------------------------------------------------------------------------


def billion_laughs() -> str:
    """Nine aliases to nine aliases to ... to one string: 9**9 (387 million) values."""
    lines = ['  a0: &a0 "lol"']
    for level in range(1, 10):
        aliases = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"  a{level}: &a{level} [{aliases}]")
    return HEADER + "spec:\n" + "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_in_well_under_a_second(tmp_path):
    text = billion_laughs()
    assert len(text) < 600
    found, seconds = timed_problems(tmp_path, {"bomb.yaml": text})
    # a6 stands for 597,871 values, a0 to a6 for 672,604: the first *a6 in a7 goes past a million
    assert found == [
        f"bomb.yaml:12:12: the file expands to more than {MAX_VALUES} values (YAML aliases)"
    ]
    assert seconds < 0.5


def test_aliases_below_the_limit_still_work(tmp_path):
    shared = "&groups [{name: rg-a, location: uksouth}, {name: rg-b, location: uksouth}]"
    text = BASE.replace(
        "      resourceGroups:\n"
        "        - {name: rg-images, location: uksouth}\n"
        "        - {name: rg-hosts, location: uksouth}\n",
        f"      resourceGroups: [{{name: rg-images, location: uksouth}},"
        f" {{name: rg-hosts, location: uksouth}}]\n      tags: {shared}\n",
    )
    found = problems(tmp_path, {"base.yaml": text})
    assert found == [
        'base.yaml:15:7: Tenant/msp: spec.subscriptions[0].tags: unknown key "tags";'
        " expected one of: id, name, regions, resourceGroups, roleAssignments"
    ]


def test_a_recursive_alias_is_refused(tmp_path):
    assert with_base(tmp_path, HEADER + "spec: &me {again: *me}\n") == [
        "bad.yaml:4:19: the alias *me is inside the value it refers to (a recursive alias)"
    ]


def test_a_file_with_more_values_than_the_limit_is_refused_at_the_value_past_it(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(composer, "MAX_VALUES", 20)
    text = HEADER + "spec: [" + ", ".join(["x"] * 30) + "]\n"
    found = problems(tmp_path, {"big.yaml": text})
    # the header is 9 values (the document, 3 keys, 2 values, metadata's mapping and pair); spec's
    # key and list 2 more: the 10th x is the 21st value
    assert found == ["big.yaml:4:35: the file has more than 20 values; split it into several"]


# --- encoding and size ---------------------------------------------------------------------------


def test_an_invalid_byte_is_reported_at_its_line_and_column(tmp_path):
    lines = [f"# line {n}" for n in range(1, 7)] + ["key: 'éé…xx\xff'"]
    raw = "\n".join(lines).encode("utf-8").replace(b"\xc3\xbf", b"\xff") + b"\n"
    (tmp_path / "bad.yaml").write_bytes(raw)
    # column 12 counts characters: k e y : space ' é é … x x then the byte
    assert problems(tmp_path, {}) == [
        "bad.yaml:7:12: expected UTF-8 text: byte 0xFF is not UTF-8 (invalid start byte)"
    ]


def test_a_truncated_multibyte_character_is_reported_where_it_starts(tmp_path):
    (tmp_path / "bad.yaml").write_bytes(b"a: 1\nb: caf\xc3")
    assert problems(tmp_path, {}) == [
        "bad.yaml:2:7: expected UTF-8 text: byte 0xC3 is not UTF-8 (unexpected end of data)"
    ]


def test_a_control_character_is_reported_at_its_line_and_column(tmp_path):
    text = HEADER + "spec: {displayName: 'Contoso\x07 Ltd'}\n"
    assert with_base(tmp_path, text) == [
        "bad.yaml:4:29: invalid YAML: U+0007 is not allowed (control characters are not allowed)"
    ]


def test_a_file_over_the_size_limit_is_refused_without_being_parsed(tmp_path):
    (tmp_path / "huge.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    found, seconds = timed_problems(tmp_path, {})
    assert found == [
        f"huge.yaml: is larger than {MAX_FILE_BYTES // 2**20} MiB, the most goldfleet reads in"
        " one file; split it into several"
    ]
    assert seconds < 1.0


def test_a_path_that_cannot_be_read_is_a_problem_not_a_traceback(tmp_path):
    name = "x" * 5000
    from goldfleet.config import ConfigurationError, load_configuration

    with pytest.raises(ConfigurationError) as caught:
        load_configuration(tmp_path / name)
    [problem] = caught.value.problems
    assert problem.line == 0 and problem.message == "cannot be read: File name too long"


# --- many problems -------------------------------------------------------------------------------


def test_a_document_lists_at_most_a_hundred_problems_and_counts_the_rest(tmp_path):
    keys = "".join(f"  unknown{n}: 1\n" for n in range(250))
    found, seconds = timed_problems(
        tmp_path, {"_base.yaml": BASE, "bad.yaml": HEADER + "spec:\n" + keys}
    )
    assert len(found) == limits.MAX_FIELD_PROBLEMS + 1
    assert (
        "bad.yaml:1:1: Tenant/contoso: 155 more problems in this document (only the first 100"
        " are listed)" in found
    )
    assert seconds < 2.0


def test_locating_a_problem_in_each_key_of_a_wide_mapping_takes_linear_time():
    keys = 50_000
    text = "labels: {" + ", ".join(f"k{n}: v" for n in range(keys)) + "}\n"
    [document] = read_documents(text, "wide.yaml").documents
    started = time.perf_counter()
    positions = [document.position(("labels", f"k{n}"), at_key=True) for n in range(keys)]
    assert time.perf_counter() - started < 1.0
    assert positions[0] == (1, 10) and positions[-1][0] == 1
