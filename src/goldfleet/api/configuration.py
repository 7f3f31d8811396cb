"""Desired state: validating it and publishing its JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goldfleet.config import LoadedConfiguration, json_schema, load_configuration


def validate_configuration(path: Path) -> LoadedConfiguration:
    """Load and validate the desired state in ``path`` (a YAML file or a directory of them).
    Raises ``ConfigurationError`` listing every problem, or ``UserInputError`` if ``path`` is
    missing."""
    return load_configuration(path)


def configuration_schema() -> dict[str, Any]:
    """The JSON Schema of goldfleet's configuration documents."""
    return json_schema()
