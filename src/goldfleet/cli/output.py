"""Printing for people (Rich) and for machines (JSON, YAML, TSV), the az way: every listing
has ``-o table|json|yaml|tsv`` and ``--query`` (JMESPath), and errors never show a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import jmespath
import typer
import yaml
from rich.console import Console

from goldfleet.domain.errors import GoldfleetError, UserInputError

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


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
    err_console.print(f"[bold red]error:[/] {error.message}", highlight=False, markup=True)
    if error.hint:
        err_console.print(f"[yellow]hint:[/] {error.hint}", highlight=False)


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
