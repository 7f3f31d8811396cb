"""Exactly once under crashes (rule 3 of docs/safety.md): every mutating command killed at a
write chosen by hypothesis, then run again, has done its work exactly once.

``make test`` tries one kill point per command (a fixed seed); ``GOLDFLEET_KILL_EXAMPLES=N``
tries N, and ``bench/exactly_once.py`` sweeps every write of every command and reports counts.
Other kill tests pin particular points: a capture at each of its steps
(tests/api/test_capture.py), a rollout mid-batch (tests/api/test_rollouts.py), a release
mid-distribution (tests/api/test_releases.py), an apply (tests/api/test_coordination.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldfleet.emulator import EmulatorOptions, running_emulator
from tests.api.estate import CONFIG, FAST, SCENARIO, environment
from tests.api.exactly_once import COMMANDS, kill_and_rerun

EXAMPLES = int(os.environ.get("GOLDFLEET_KILL_EXAMPLES", "1"))
# the writes each command makes when nothing goes wrong (a kill point past them kills nothing)
WRITES = {  # as bench/exactly_once.py counts them (Entra token requests included)
    "apply": 41,
    "image version create": 17,
    "image version promote": 7,
    "image version retire": 16,
    "adopt": 3,
}


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    options = EmulatorOptions(
        scenario=SCENARIO, state_dir=tmp_path_factory.mktemp("estate"), speed=FAST
    )
    with running_emulator(options) as emu:
        emu.initial = emu.control("GET", "/state")
        applied = subprocess.run(
            [sys.executable, "-m", "goldfleet", "apply", "-c", str(CONFIG), "--yes"],
            env=environment(emu, tmp_path_factory.mktemp("applied")),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert applied.returncode == 0, applied.stderr
        emu.applied = emu.control("GET", "/state")
        yield emu


@pytest.mark.parametrize("name", sorted(WRITES))  # the sweep does every command
def test_a_command_killed_at_a_write_and_run_again_does_its_work_once(estate, name):
    command = COMMANDS[name]
    snapshot = estate.initial if name == "apply" else estate.applied

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(kill_at=st.integers(min_value=1, max_value=WRITES[name]))
    def killed_and_run_again(kill_at: int) -> None:
        with tempfile.TemporaryDirectory(prefix="goldfleet-kill-") as state:
            outcome = kill_and_rerun(estate, Path(state), command, kill_at, snapshot)
        assert outcome.problems == [], (name, kill_at, outcome)

    killed_and_run_again()
