"""goldfleet's built-in customization scripts, one ``<name>.ps1`` per name in
``goldfleet.config.catalog.BUILTIN_CUSTOMIZATIONS``, shipped in the wheel as package data.

They live beside the domain (the lowest layer) so that every layer that needs the text - the
build workflows in ``lifecycle``, tests, a future ``goldfleet image customization show`` - can
read it without importing a layer above its own. Reading them is reading the package's own
immutable files, like importing a module: no configuration, network or clock is involved. The
templates are real PowerShell with a ``param()`` block; ``goldfleet.domain.customizations``
renders them (placeholders and defaults) into the exact text that runs on the build VM.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


def builtin_names() -> list[str]:
    """Every built-in script there is, by name."""
    return sorted(
        entry.name.removesuffix(".ps1")
        for entry in resources.files(__package__).iterdir()
        if entry.name.endswith(".ps1")
    )


@cache
def builtin_text(name: str) -> str:
    """The template text of built-in ``name``; ``KeyError`` when there is none."""
    entry = resources.files(__package__).joinpath(f"{name}.ps1")
    if not entry.is_file():
        raise KeyError(f"no built-in customization script {name!r}")
    return entry.read_text(encoding="utf-8")


__all__ = ["builtin_names", "builtin_text"]
