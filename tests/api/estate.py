"""The example estate for end-to-end tests through the CLI: the emulator with
examples/emulator/msp-estate.yaml and the example configuration applied (galleries and
definitions exist), and a runner of ``python -m goldfleet`` as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from goldfleet.emulator import EmulatorOptions, running_emulator

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "examples" / "goldfleet"
SCENARIO = REPO / "examples/emulator/msp-estate.yaml"
PROVIDER_SUB = "5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01"
PROVIDER = "7f3c1a52-4d8e-4b1f-9a6c-2e5d8b0c1f01"  # the example estate's provider tenant
APP = "0e6a3f4b-9c2d-4e1a-8b7f-3d5c6a9e1b10"  # its multi-tenant automation app
SECRET = "gf-emulator-secret-not-for-azure"
FAST = 20000  # simulated seconds per real second: a 43-minute replication takes 0.13 s


def environment(estate: Any, state_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "GOLDFLEET_CLIENT_SECRET": SECRET,
        "GOLDFLEET_STATE_DIR": str(state_dir),
        "GOLDFLEET_EMULATOR_ENDPOINT": estate.endpoint,
        "GOLDFLEET_EMULATOR_CA": str(estate.ca_path),
        "COLUMNS": "200",
    }
    env.pop("GOLDFLEET_DATABASE_URL", None)
    return env


@contextmanager
def applied_estate(estate_dir: Path, applied_dir: Path, scenario: Path = SCENARIO) -> Iterator[Any]:
    """The running emulator with the example configuration applied; ``emu.applied`` is its
    state then (tests put it back after each test)."""
    options = EmulatorOptions(scenario=scenario, state_dir=estate_dir, speed=FAST)
    with running_emulator(options) as emu:
        subprocess.run(
            [sys.executable, "-m", "goldfleet", "apply", "-c", str(CONFIG), "--yes"],
            env=environment(emu, applied_dir),
            check=True,
            capture_output=True,
            timeout=300,
        )
        yield emu


def runner(
    env: dict[str, str], estate: Any = None
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``python -m goldfleet ...`` as a user runs it, with ``env``; ``run.estate`` is the
    emulator it talks to, for helpers that set its clock."""

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "goldfleet", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    run.env = env  # type: ignore[attr-defined]
    run.estate = estate  # type: ignore[attr-defined]
    return run


def provider_credential(estate: Any) -> Any:
    from tests.conftest import secret_credential

    return secret_credential(estate, APP, PROVIDER, SECRET)


def provider_compute(estate: Any) -> Any:
    """A real ComputeManagementClient in the provider's image subscription."""
    from azure.mgmt.compute import ComputeManagementClient

    from tests.conftest import sdk_kwargs

    return ComputeManagementClient(provider_credential(estate), PROVIDER_SUB, **sdk_kwargs(estate))


def provider_groups(estate: Any) -> dict[str, dict[str, str]]:
    """The provider subscription's resource groups and their tags."""
    from azure.mgmt.resource.resources import ResourceManagementClient

    from tests.conftest import sdk_kwargs

    client = ResourceManagementClient(
        provider_credential(estate), PROVIDER_SUB, **sdk_kwargs(estate)
    )
    return {g.name: dict(g.tags or {}) for g in client.resource_groups.list()}


def requests_to(estate: Any, method: str, fragment: str) -> list[dict[str, Any]]:
    """The emulator's logged requests of ``method`` whose path contains ``fragment``."""
    return [
        e
        for e in estate.control("GET", "/requests")["value"]
        if e["method"] == method and fragment in e["path"].lower()
    ]
