"""``goldfleet worker list``: the workers a database knows, for people and for machines."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from goldfleet.cli.main import app
from goldfleet.engine.heartbeat import Heartbeats
from goldfleet.engine.settings import EngineSettings

runner = CliRunner()


def test_worker_list_shows_each_worker_and_its_last_heartbeat(state_dir):
    settings = EngineSettings.from_env({"GOLDFLEET_STATE_DIR": str(state_dir)})
    heartbeats = Heartbeats(settings.with_worker("worker-3"))
    heartbeats.register()
    heartbeats.close()

    listed = runner.invoke(app, ["worker", "list", "--state-dir", str(state_dir), "-o", "json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert (row["worker_id"], row["state"], row["app_version"]) == ("worker-3", "alive", "0.1.0")

    table = runner.invoke(app, ["worker", "list", "--state-dir", str(state_dir)])
    assert table.exit_code == 0 and "worker-3" in table.output and "alive" in table.output


def test_a_bad_worker_id_is_a_usage_error_without_a_traceback(state_dir):

    from goldfleet.cli.main import run  # noqa: F401  (run maps errors to exit codes)

    done = subprocess.run(
        [sys.executable, "-m", "goldfleet", "worker", "run", "--id", "Worker One",
         "--state-dir", str(state_dir)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "invalid worker id 'Worker One'" in done.stderr
    assert "Traceback" not in done.stderr
