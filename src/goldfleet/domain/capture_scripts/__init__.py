"""The scripts a capture runs on the clone (never on the master), as package data:
``presysprep-checks.ps1`` (read-only; one ``Key=Value`` line per check) and ``sysprep.ps1``."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def script_text(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.ps1").read_text(encoding="utf-8")
