"""House rules that can be checked mechanically: small documented modules, handlers that name
their REST operation, and a pinned public API for the emulator."""

from __future__ import annotations

import ast
from pathlib import Path

import goldfleet.emulator
from goldfleet.emulator.app import EmulatorApp
from goldfleet.emulator.world import World

SRC = Path(__file__).resolve().parents[2] / "src" / "goldfleet"
MODULES = sorted(p for p in SRC.rglob("*.py"))


def test_every_module_says_what_it_is_for():
    missing = [
        str(p.relative_to(SRC))
        for p in MODULES
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert missing == []


def test_no_module_needs_splitting():
    too_long = {
        str(p.relative_to(SRC)): n for p in MODULES if (n := len(p.read_text().splitlines())) > 800
    }
    assert too_long == {}


def test_the_emulator_public_api_is_pinned():
    assert sorted(goldfleet.emulator.__all__) == [
        "EmulatorOptions",
        "RunningEmulator",
        "Scenario",
        "ScenarioError",
        "check_options",
        "load_scenario",
        "running_emulator",
        "serve_forever",
    ]


def test_every_resource_provider_handler_names_its_operation(tmp_path):
    app = EmulatorApp(World(), tmp_path)
    undocumented = [
        f"{sorted(r.methods)} {r.pattern}"
        for r in app.router.routes
        if not r.pattern.startswith("/_emulator") and not (r.handler.__doc__ or "").strip()
    ]
    assert undocumented == []
