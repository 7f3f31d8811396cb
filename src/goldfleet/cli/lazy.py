"""The api modules a command group calls, imported when a command first uses them.

Every command registers at start-up, so importing every command's api module there made each
command load them all (every Azure SDK, the emulator...): about a second and a half before any
work. A :class:`LazyModule` stands for its module and imports it at the first attribute read;
modules declare the real import under ``TYPE_CHECKING``, so that mypy still checks every call.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module ``name``; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


def api_modules(*names: str) -> tuple[Any, ...]:
    """``goldfleet.api.<name>`` for each name, each imported at its first use."""
    return tuple(LazyModule(f"goldfleet.api.{name}") for name in names)


__all__ = ["LazyModule", "api_modules"]
