"""The goldfleet command: the demo end to end, `emulator serve` as a real process, and user
mistakes answered with a message and exit code 2, never a traceback."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goldfleet.cli.main import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]


def test_demo_reads_every_tenant_of_the_example_estate():
    # Its own process: the demo launches the durable engine, a process-wide singleton.
    done = subprocess.run(
        [sys.executable, "-m", "goldfleet", "demo"],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout
    for tenant in ("Northwind MSP", "Contoso Pharmacies", "Fabrikam Logistics", "Adatum Legal"):
        assert tenant in output
    assert "rg-goldfleet-images" in output
    assert "33 to create (12 unchanged)" in output  # the estate's groups: used as they are
    assert "carried out 33 changes" in output  # the estate's own groups are used as they are
    assert "nothing to do (45 unchanged)" in output
    assert "Release win11-avd-monthly:" in output and "win11-avd: Completed" in output
    assert "win11-avd-fabrikam: Skipped frozen" in output  # Fabrikam's peak-season freeze
    assert "hash chain intact" in output
    # it starts with a capture of the master VM and a scheduled Image Builder build
    assert (
        "(capture): succeeded" in output and "pre-sysprep checks on the clone: all clear" in output
    )
    assert "win11-avd-monthly is due" in output and "(imageBuilder): succeeded" in output
    # then every pool gets hosts, and a new monthly version re-images them in their windows
    provisioned, re_imaged = output.split("Host pools provisioned")[1].split("Host pools re-imaged")
    assert "contoso-pooled: done - 6 hosts on" in provisioned
    assert re.search(
        r"contoso-pooled: done - 6 hosts on \S+, 6 retired, \d+ sessions messaged, 0 forced",
        re_imaged,
    )
    assert "fabrikam-pooled: done - 8 hosts on" in re_imaged
    # and the standby scale set in Fabrikam's DR region passes a drill
    assert re.search(
        r"fabrikam-pooled: drill passed in westus2 - 2 of 2 instances of vmss-fab-avd-dr "
        r"\(\S+\) registered healthy within \d+ min, scaled back to 0",
        output.replace("\n", " "),
    )


def test_serve_with_a_missing_scenario_is_a_usage_error(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "goldfleet",
            "emulator",
            "serve",
            "--scenario",
            str(tmp_path / "nope.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "scenario file" in completed.stderr and "does not exist" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_serve_with_an_invalid_scenario_names_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tenants:\n  - id: 11111111-0000-4000-8000-000000000001\n    name: x\n")
    completed = subprocess.run(
        [sys.executable, "-m", "goldfleet", "emulator", "serve", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert f"{bad}:2:5: tenants[0].domain: Field required" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_serve_runs_prints_instructions_and_saves_state(tmp_path):
    state = tmp_path / "state.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "goldfleet",
            "emulator",
            "serve",
            "--port",
            "0",
            "--scenario",
            str(REPO / "examples/emulator/msp-estate.yaml"),
            "--state",
            str(state),
            "--state-dir",
            str(tmp_path / "dir"),
            "--speed",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if line.startswith("Control API"):
                break
        text = "".join(lines)
        endpoint = next(l.split()[-1] for l in lines if l.startswith("ARM endpoint:"))
        ca = next(l.split()[-1] for l in lines if l.startswith("CA bundle:"))
        assert (
            f"az cloud register -n GoldfleetEmulator --endpoint-resource-manager {endpoint}/"
            in text
        )
        assert "Northwind MSP" in text
        context = ssl.create_default_context(cafile=ca)
        with urllib.request.urlopen(
            f"{endpoint}/metadata/endpoints?api-version=2022-09-01", context=context
        ) as r:
            assert json.loads(r.read())["resourceManager"] == endpoint + "/"
        # The control API needs the secret the banner prints (and writes beside the CA).
        secret = next(l.split()[2] for l in lines if l.startswith("Control secret:"))
        assert (tmp_path / "dir" / "control-secret").read_text().strip() == secret
        clock = urllib.request.Request(f"{endpoint}/_emulator/clock")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(clock, context=context)
        assert refused.value.code == 401
        clock.add_header("x-goldfleet-emulator-secret", secret)
        with urllib.request.urlopen(clock, context=context) as r:
            assert json.loads(r.read())["speed"] == 0
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    saved = json.loads(state.read_text())
    assert saved["format"] == "goldfleet-emulator-state/1"
    assert len(saved["directory"]["tenants"]) == 4
    # The CA is kept in the state directory and reused by the next start.
    assert (tmp_path / "dir" / "ca.pem").exists()


def test_serve_refuses_an_address_beyond_loopback_unless_allowed(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "goldfleet",
            "emulator",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--state-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "refusing to listen on '0.0.0.0'" in completed.stderr
    assert "--allow-remote" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "ca.pem").exists()  # nothing was started


def test_version():
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0 and result.output.strip()
