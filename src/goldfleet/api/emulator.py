"""The emulator, as the CLI and goldfleet itself use it: options checked up front, served in
the foreground or embedded in this process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from goldfleet.azure.cloud import Cloud, emulator_cloud
from goldfleet.domain.errors import UserInputError
from goldfleet.emulator import (
    EmulatorOptions,
    RunningEmulator,
    ScenarioError,
    check_options,
    load_scenario,
    running_emulator,
    serve_forever,
)

DEMO_SECRET_ENV = "GOLDFLEET_DEMO_CLIENT_SECRET"


def emulator_options(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    speed: float | None = None,
    scenario: Path | None = None,
    state_file: Path | None = None,
    state_dir: Path | None = None,
    allow_remote: bool = False,
    control_secret: str | None = None,
) -> EmulatorOptions:
    """Check the user's emulator options (files exist, scenario parses, a loopback address
    unless ``allow_remote``, a usable control secret) before anything starts."""
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
    options = EmulatorOptions(
        host=host,
        port=port,
        speed=speed,
        scenario=scenario,
        state_file=state_file,
        state_dir=state_dir,
        allow_remote=allow_remote,
        control_secret=control_secret or None,
    )
    try:
        check_options(options)
    except ValueError as exc:
        raise UserInputError(str(exc), hint="see goldfleet emulator serve --help") from exc
    return options


def serve_emulator(options: EmulatorOptions, on_ready: object) -> None:
    try:
        serve_forever(options, on_ready)
    except ScenarioError as exc:
        raise UserInputError("the scenario cannot be seeded:\n" + "\n".join(exc.problems)) from exc


@contextmanager
def embedded_emulator(options: EmulatorOptions) -> Iterator[tuple[RunningEmulator, Cloud]]:
    """The emulator in this process, and the cloud description that points goldfleet at it
    (with the emulator's control secret)."""
    try:
        with running_emulator(options) as emu:
            yield emu, emulator_cloud(emu.endpoint, emu.ca_path, emu.control_secret)
    except ScenarioError as exc:
        raise UserInputError("the scenario cannot be seeded:\n" + "\n".join(exc.problems)) from exc
