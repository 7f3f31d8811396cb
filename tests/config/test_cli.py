"""``goldfleet validate`` and ``goldfleet schema``: summaries for people and machines, every
problem with exit code 1, a missing path as a usage error (exit 2) without a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from goldfleet.cli.main import app
from tests.config.support import BASE, EXAMPLES

runner = CliRunner()


def test_validate_prints_a_summary_of_the_example():
    result = runner.invoke(app, ["validate", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "valid: " in result.output and "(4 files, 30 documents)" in result.output
    for word in ("ImagePipeline", "northwind", "Contoso Pharmacies", "internal", "broad"):
        assert word in result.output


def test_validate_json_lists_counts_and_tenants():
    result = runner.invoke(app, ["validate", str(EXAMPLES), "-o", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["valid"] is True
    assert report["counts"] == {
        "Tenant": 4,
        "Gallery": 6,
        "ImageDefinition": 8,
        "ImagePipeline": 2,
        "HostPool": 4,
        "RolloutPolicy": 3,
        "Ring": 3,
    }
    contoso = next(t for t in report["tenants"] if t["name"] == "contoso")
    assert contoso == {
        "name": "contoso",
        "displayName": "Contoso Pharmacies",
        "tenantId": "3b9e6f20-8c4a-4d71-b5e2-7a1f0c9d2e02",
        "role": "customer",
        "timeZone": "Australia/Sydney",
        "ring": "pilot",
        "subscriptions": 1,
        "hostPools": 1,
    }


def broken(tmp_path):
    path = tmp_path / "estate.yaml"
    path.write_text(
        BASE.replace("timeZone: Europe/London", "timeZone: London").replace("count: 2", "count: -1")
    )
    return path


def test_validate_prints_every_problem_and_exits_1(tmp_path):
    path = broken(tmp_path)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path}:9:13: Tenant/msp: spec.timeZone: expected an IANA time zone such as"
        ' "Europe/London", got "London"' in result.output
    )
    assert (
        f"{path}:63:12: HostPool/pool: spec.sessionHosts.count: expected a number >= 0, got -1"
        in result.output
    )
    assert "error: the configuration has 2 problems in 1 file" in result.output


def test_validate_json_lists_problems_with_their_positions(tmp_path):
    path = broken(tmp_path)
    result = runner.invoke(app, ["validate", str(path), "-o", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["problems"][0] == {
        "file": str(path),
        "line": 9,
        "column": 13,
        "document": "Tenant/msp",
        "field": "spec.timeZone",
        "message": 'expected an IANA time zone such as "Europe/London", got "London"'
        ' (did you mean "Europe/London"?)',
        "text": f"{path}:9:13: Tenant/msp: spec.timeZone: expected an IANA time zone such as"
        ' "Europe/London", got "London" (did you mean "Europe/London"?)',
    }


def test_validate_a_missing_path_is_a_usage_error_without_traceback(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "goldfleet", "validate", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert f"{tmp_path / 'nope'} does not exist" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_schema_prints_json_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["discriminator"]["propertyName"] == "kind"
    assert "TenantDocument" in schema["$defs"]


def test_schema_writes_a_file(tmp_path):
    out = tmp_path / "goldfleet.schema.json"
    result = runner.invoke(app, ["schema", "--out", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text())["title"].startswith("goldfleet configuration")
