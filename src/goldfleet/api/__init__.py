"""The facade the CLI (and later the web dashboard) call. Thin: it wires the layers together.

Submodules by concern: ``emulator`` (serve or embed it), ``configuration`` (validate, schema),
``changes`` (plan and apply), ``demo``.
"""

from goldfleet.api.configuration import configuration_schema, validate_configuration
from goldfleet.api.demo import DemoResult, run_demo
from goldfleet.api.emulator import (
    EXAMPLE_SCENARIO,
    REPO_ROOT,
    embedded_emulator,
    emulator_options,
    serve_emulator,
)

__all__ = [
    "EXAMPLE_SCENARIO",
    "REPO_ROOT",
    "DemoResult",
    "configuration_schema",
    "embedded_emulator",
    "emulator_options",
    "run_demo",
    "serve_emulator",
    "validate_configuration",
]
