"""Printing for people (Rich) and for machines (JSON), and errors without tracebacks."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from goldfleet.domain.errors import GoldfleetError

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def print_json(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


def print_error(error: GoldfleetError) -> None:
    err_console.print(f"[bold red]error:[/] {error.message}", highlight=False, markup=True)
    if error.hint:
        err_console.print(f"[yellow]hint:[/] {error.hint}", highlight=False)
