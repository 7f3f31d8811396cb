"""Options shared by the commands that talk to Azure: the configuration, the cloud (or the
emulator), goldfleet's state directory."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from goldfleet.api.session import Target, resolve_cloud, waiting

F = TypeVar("F", bound=Callable[..., Any])
WAIT_FOREVER = 30 * 24 * 3600.0  # --wait: until the other command has finished

CONFIG_ENV = "GOLDFLEET_CONFIG"

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="Configuration file or directory (default: $GOLDFLEET_CONFIG or .)."
    ),
]
CloudOption = Annotated[
    str | None, typer.Option(help="AzureCloud, AzureUSGovernment or AzureChinaCloud.")
]
EmulatorOption = Annotated[
    str | None,
    typer.Option(
        help="Talk to a goldfleet emulator at this endpoint ($GOLDFLEET_EMULATOR_ENDPOINT)."
    ),
]
EmulatorCaOption = Annotated[
    Path | None, typer.Option(help="The emulator's CA bundle ($GOLDFLEET_EMULATOR_CA).")
]
StateDirOption = Annotated[
    Path | None, typer.Option(help="goldfleet's state directory ($GOLDFLEET_STATE_DIR).")
]
WaitOption = Annotated[
    bool,
    typer.Option(
        "--wait",
        help="When another command is changing the same objects, wait until it has finished "
        "instead of refusing (exit code 75).",
    ),
]


def config_path(config: Path | None) -> Path:
    return config or Path(os.environ.get(CONFIG_ENV) or ".")


def target(
    cloud: str | None, emulator: str | None, emulator_ca: Path | None, state_dir: Path | None
) -> Target:
    if state_dir is not None:
        os.environ["GOLDFLEET_STATE_DIR"] = str(state_dir)
    return Target(resolve_cloud(cloud, emulator, emulator_ca), state_dir)


def waits(command: F) -> F:
    """A command whose ``--wait`` (a ``wait`` parameter) lets its claims wait for busy objects."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        with waiting(WAIT_FOREVER if kwargs.get("wait") else None):
            return command(*args, **kwargs)

    return run  # type: ignore[return-value]
