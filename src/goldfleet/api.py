"""The facade the CLI (and later the web dashboard) call. Thin: it wires the layers together."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.cloud import Cloud, emulator_cloud
from goldfleet.azure.credentials import client_secret
from goldfleet.azure.inventory import TenantView, read_tenant
from goldfleet.config import LoadedConfiguration, json_schema, load_configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.emulator import (
    EmulatorOptions,
    RunningEmulator,
    ScenarioError,
    load_scenario,
    running_emulator,
    serve_forever,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SCENARIO = REPO_ROOT / "examples" / "emulator" / "msp-estate.yaml"
DEMO_SECRET_ENV = "GOLDFLEET_DEMO_CLIENT_SECRET"


def emulator_options(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    speed: float | None = None,
    scenario: Path | None = None,
    state_file: Path | None = None,
    state_dir: Path | None = None,
) -> EmulatorOptions:
    """Check the user's emulator options (files exist, scenario parses) before anything starts."""
    if scenario is not None:
        if not scenario.is_file():
            raise UserInputError(f"scenario file {scenario} does not exist")
        try:
            load_scenario(scenario)
        except ScenarioError as exc:
            raise UserInputError(
                "the scenario is invalid:\n" + "\n".join(exc.problems),
                hint="fix the lines above; docs/emulator/scenario.md describes the format",
            ) from exc
    if speed is not None and speed < 0:
        raise UserInputError("--speed must be 0 (frozen) or more")
    return EmulatorOptions(
        host=host,
        port=port,
        speed=speed,
        scenario=scenario,
        state_file=state_file,
        state_dir=state_dir,
    )


def serve_emulator(options: EmulatorOptions, on_ready: object) -> None:
    try:
        serve_forever(options, on_ready)
    except ScenarioError as exc:
        raise UserInputError("the scenario cannot be seeded:\n" + "\n".join(exc.problems)) from exc


@contextmanager
def embedded_emulator(options: EmulatorOptions) -> Iterator[tuple[RunningEmulator, Cloud]]:
    """The emulator in this process, and the cloud description that points goldfleet at it."""
    try:
        with running_emulator(options) as emu:
            yield emu, emulator_cloud(emu.endpoint, emu.ca_path)
    except ScenarioError as exc:
        raise UserInputError("the scenario cannot be seeded:\n" + "\n".join(exc.problems)) from exc


@dataclass(frozen=True)
class DemoResult:
    endpoint: str
    ca_path: Path
    tenants: list[TenantView]
    requests: int


def run_demo(scenario_path: Path = EXAMPLE_SCENARIO, state_dir: Path | None = None) -> DemoResult:
    """Start the embedded emulator with the example estate and read it through the Azure SDK,
    tenant by tenant, with the MSP's multi-tenant app registration."""
    options = emulator_options(scenario=scenario_path, state_dir=state_dir)
    scenario, _ = load_scenario(scenario_path)
    app = scenario.applications[0]
    if not app.secrets:
        raise UserInputError(f"the demo scenario's application '{app.name}' has no secret")
    os.environ[DEMO_SECRET_ENV] = app.secrets[0].value  # the emulator's own, fake credential
    ref = client_secret(str(app.app_id), DEMO_SECRET_ENV)
    with embedded_emulator(options) as (emu, cloud):

        async def read_all() -> list[TenantView]:
            factory = ClientFactory(cloud)
            try:
                return [await read_tenant(factory, str(t.id), ref) for t in scenario.tenants]
            finally:
                await factory.close()

        tenants = asyncio.run(read_all())
        counters = emu.control("GET", "/counters")
    return DemoResult(emu.endpoint, emu.ca_path, tenants, int(counters.get("requests", 0)))


def validate_configuration(path: Path) -> LoadedConfiguration:
    """Load and validate the desired state in ``path`` (a YAML file or a directory of them).
    Raises ``ConfigurationError`` listing every problem, or ``UserInputError`` if ``path`` is
    missing."""
    return load_configuration(path)


def configuration_schema() -> dict[str, Any]:
    """The JSON Schema of goldfleet's configuration documents."""
    return json_schema()
