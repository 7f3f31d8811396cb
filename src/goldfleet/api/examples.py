"""Where the repository's examples live: the emulator's example estate and the goldfleet
configuration that manages it (what ``goldfleet demo`` runs). Cheap to import on purpose: the
CLI reads these for its defaults before any command runs."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_SCENARIO = REPO_ROOT / "examples" / "emulator" / "msp-estate.yaml"
EXAMPLE_CONFIGURATION = REPO_ROOT / "examples" / "goldfleet"

__all__ = ["EXAMPLE_CONFIGURATION", "EXAMPLE_SCENARIO", "REPO_ROOT"]
