"""The emulator's coverage page lists every route it serves."""

from __future__ import annotations

from pathlib import Path

from goldfleet.emulator.app import EmulatorApp
from goldfleet.emulator.world import World

COVERAGE = Path(__file__).resolve().parents[2] / "docs" / "emulator" / "README.md"


def test_every_route_is_on_the_coverage_page(tmp_path):
    text = COVERAGE.read_text()
    app = EmulatorApp(World(), tmp_path)
    missing = [
        f"{sorted(r.methods)} {r.pattern}"
        for r in app.router.routes
        if not r.pattern.startswith("/_emulator") and f"`{r.pattern}`" not in text
    ]
    assert missing == []
