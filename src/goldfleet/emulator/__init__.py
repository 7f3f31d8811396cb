"""A local Azure control plane: Entra ID, ARM and resource providers, served over HTTPS.

It imports nothing else from goldfleet: its contract is Azure's REST API, so the official Azure
SDK and the az CLI work against it unchanged. Start it with :func:`running_emulator` (in a
background thread) or ``goldfleet emulator serve``.
"""

from goldfleet.emulator.scenario import Scenario, ScenarioError, load_scenario
from goldfleet.emulator.server import (
    EmulatorOptions,
    RunningEmulator,
    check_options,
    running_emulator,
    serve_forever,
)

__all__ = [
    "EmulatorOptions",
    "RunningEmulator",
    "Scenario",
    "ScenarioError",
    "check_options",
    "load_scenario",
    "running_emulator",
    "serve_forever",
]
