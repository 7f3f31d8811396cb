"""``goldfleet validate`` and ``goldfleet plan`` exit non-zero on any problem: a configuration
that does not validate (both commands, exit 1, every problem printed), and a plan whose planner
found a problem (exit 1, the problems printed, ``--out`` writes nothing); a clean plan exits 0.
``plan`` runs as a user runs it, a process of its own against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, SECRET

CONFIG = f"""\
apiVersion: goldfleet/v1
kind: Tenant
metadata: {{name: provider}}
spec:
  tenantId: {PROVIDER}
  displayName: Provider
  role: provider
  credential: {{type: clientSecret, clientId: {GF_APP}, secretEnv: GF_TEST_SECRET}}
  timeZone: Europe/London
  subscriptions:
    - id: {PROVIDER_SUB}
      name: provider-sub
      regions: [westeurope, northeurope]
      resourceGroups:
        - {{name: rg-images, location: westeurope}}
      roleAssignments: [{{role: Contributor}}]
"""


@pytest.fixture
def goldfleet(emu, tmp_path):
    env = {
        **os.environ,
        "GF_TEST_SECRET": SECRET,
        "GOLDFLEET_STATE_DIR": str(tmp_path / "state"),
        "GOLDFLEET_EMULATOR_ENDPOINT": emu.endpoint,
        "GOLDFLEET_EMULATOR_CA": str(emu.ca_path),
        "COLUMNS": "200",
    }
    env.pop("GOLDFLEET_DATABASE_URL", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "goldfleet", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    return run


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "goldfleet.yaml"
    path.write_text(text)
    return path


def test_a_clean_plan_exits_0_and_is_saved(goldfleet, tmp_path):
    done = goldfleet("plan", "-c", str(config(tmp_path, CONFIG)), "--out", str(tmp_path / "p.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "p.json").is_file()


def test_a_plan_with_a_planner_problem_exits_1_prints_it_and_saves_nothing(goldfleet, tmp_path):
    path = config(tmp_path, CONFIG.replace("role: Contributor", "role: Contributer"))
    out = tmp_path / "p.json"
    done = goldfleet("plan", "-c", str(path), "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"problem: Tenant/provider: role 'Contributer' does not exist in tenant {PROVIDER}" in (
        done.stderr
    )
    assert "error: the plan has 1 problem and cannot be applied; nothing was saved" in done.stderr
    assert not out.exists() and "Traceback" not in done.stderr

    as_json = goldfleet("plan", "-c", str(path), "-o", "json")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["problems"] == [
        f"Tenant/provider: role 'Contributer' does not exist in tenant {PROVIDER}"
    ]


def test_plan_and_validate_exit_1_on_a_configuration_that_cannot_work(goldfleet, tmp_path):
    never = (
        "  maintenanceWindows:\n    - {name: never, type: cron, cron: '0 0 31 2 *', duration: 1h}\n"
    )
    path = config(tmp_path, CONFIG + never)
    for args in (["validate", str(path)], ["plan", "-c", str(path)]):
        done = goldfleet(*args)
        assert done.returncode == 1, (args, done.stdout + done.stderr)
        assert (
            f'{path}:18:39: Tenant/provider: spec.maintenanceWindows[0].cron: "0 0 31 2 *" never'
            " fires: no date matches it" in done.stderr
        )
        assert "Traceback" not in done.stderr


def test_plan_of_a_subscription_the_credential_cannot_see_exits_non_zero(goldfleet, tmp_path):
    from tests.conftest import CUSTOMER_SUB

    path = config(tmp_path, CONFIG.replace(f"id: {PROVIDER_SUB}", f"id: {CUSTOMER_SUB}"))
    out = tmp_path / "p.json"
    done = goldfleet("plan", "-c", str(path), "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"error: reading subscription /subscriptions/{CUSTOMER_SUB}" in done.stderr
    assert not out.exists() and "Traceback" not in done.stderr
