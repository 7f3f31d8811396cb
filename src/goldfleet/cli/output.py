"""Printing for people (Rich) and for machines (JSON, YAML, TSV), the az way: every listing
has ``-o table|json|yaml|tsv`` and ``--query`` (JMESPath), and errors never show a traceback.

Almost every string goldfleet prints holds data from a user or from Azure (a display name, a
resource id, an error message), in which Rich would read ``[/]`` as markup (and fail) and
``:100:`` as an emoji. So both consoles print strings exactly as they are: no markup, no emoji,
no highlighting, in tables, trees, titles and progress bars alike. goldfleet's own colours go
through ``styled``, the one place markup is read: from a template written in the code, with every
value escaped. A command prints ``f"{data}"`` safely, and ``styled("[red]{}[/]", data)`` in
colour; it never builds markup out of data (tests/cli/test_output.py checks the source).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import jmespath
import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from goldfleet.domain.errors import GoldfleetError, UserInputError

console = Console(markup=False, emoji=False, highlight=False)
err_console = Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)


_FIELD = "\x00"  # stands for a value while the template's markup is read; never in a template


class _Fields(string.Formatter):
    """Formats a template's fields into ``values`` and leaves ``_FIELD`` in their place."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def format_field(self, value: Any, format_spec: str) -> str:
        self.values.append(format(value, format_spec))
        return _FIELD


def styled(template: str, /, *values: Any, **named: Any) -> Text:
    """``template`` is goldfleet's Rich markup, written in the code (``"[red]{}[/]: {}"``); each
    ``{}`` or ``{name}`` field (format specs work) is filled with a value shown exactly as it is,
    in the style around the field, whatever brackets, colons or backslashes the value holds.
    Fields belong in the text, not inside a tag: a colour chosen at run time is a choice between
    templates, or ``Text.assemble((value, colour))``."""
    fields = _Fields()
    rendered = Text.from_markup(fields.vformat(template, values, named), emoji=False)
    out = Text(style=rendered.style, end=rendered.end)
    offset = 0
    for index, literal in enumerate(rendered.plain.split(_FIELD)):
        out.append_text(rendered[offset : offset + len(literal)])
        offset += len(literal)
        if index < len(fields.values):
            value = Text(fields.values[index])
            for span in rendered[offset : offset + 1].spans:
                value.stylize(span.style, 0, len(value))
            out.append_text(value)
            offset += 1
    return out


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"
    TSV = "tsv"


OutputOption = typer.Option("table", "--output", "-o", help="table, json, yaml or tsv.")
QueryOption = typer.Option(None, "--query", help="JMESPath query applied to the JSON output.")


def print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


def print_error(error: GoldfleetError) -> None:
    err_console.print(styled("[bold red]error:[/] {}", error.message))
    if error.hint:
        err_console.print(styled("[yellow]hint:[/] {}", error.hint))


def _tsv(value: Any) -> str:
    rows = value if isinstance(value, list) else [value]
    lines = []
    for row in rows:
        if isinstance(row, dict):
            lines.append("\t".join(_cell(v) for v in row.values()))
        elif isinstance(row, list):
            lines.append("\t".join(_cell(v) for v in row))
        else:
            lines.append(_cell(row))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def emit(
    data: Any,
    output: Output | str,
    query: str | None,
    table: Callable[[Any], None] | None = None,
) -> None:
    """Print ``data`` (JSON-able) as asked; ``table`` renders it for people."""
    if query:
        try:
            data = jmespath.search(query, data)
        except jmespath.exceptions.JMESPathError as exc:
            raise UserInputError(f"--query {query!r} is not valid JMESPath: {exc}") from exc
    kind = Output(output)
    if kind is Output.JSON or (kind is Output.TABLE and (table is None or query)):
        typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
    elif kind is Output.YAML:
        typer.echo(yaml.safe_dump(data, sort_keys=False).rstrip())
    elif kind is Output.TSV:
        typer.echo(_tsv(data))
    else:
        assert table is not None
        table(data)


def print_rows(rows: list[dict[str, Any]], columns: list[str], title: str) -> None:
    """A table of ``rows`` for people: one column per key in ``columns``, values as they are."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row.get(c) if row.get(c) is not None else "") for c in columns))
    console.print(table)
