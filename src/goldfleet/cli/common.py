"""Options shared by the commands that talk to Azure: the configuration, the cloud (or the
emulator), goldfleet's state directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from goldfleet.api.session import Target, resolve_cloud

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


def config_path(config: Path | None) -> Path:
    return config or Path(os.environ.get(CONFIG_ENV) or ".")


def target(
    cloud: str | None, emulator: str | None, emulator_ca: Path | None, state_dir: Path | None
) -> Target:
    if state_dir is not None:
        os.environ["GOLDFLEET_STATE_DIR"] = str(state_dir)
    return Target(resolve_cloud(cloud, emulator, emulator_ca), state_dir)
