"""Builds and provenance in goldfleet's store (migration 0003 on SQLite and PostgreSQL), the API
that shows a version's provenance (from the store, else from its tags) and compares two, and the
CLI: ``image version show`` includes provenance, ``image diff A B`` prints the differences."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from goldfleet.api import provenance as api
from goldfleet.cli.main import app
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import CustomizationKind
from goldfleet.domain.provenance import (
    BuilderKind,
    Provenance,
    SourceKind,
    SourceRecord,
    StepRecord,
    to_tags,
)
from goldfleet.domain.schedules import due_builds
from goldfleet.store import provenance as builds
from goldfleet.store.db import open_database
from tests.domain.test_schedules import MONTHLY
from tests.engine.postgres import PostgresUnavailable, throwaway_postgres

PIPELINE = "win11-avd-monthly"
URN = "MicrosoftWindowsDesktop:office-365:win11-24h2-avd-m365:"
B = CustomizationKind.BUILTIN


def made(version: str, urn_version: str, update_sha: str = "a" * 64) -> Provenance:
    return Provenance(
        source=SourceRecord(SourceKind.MARKETPLACE, URN + urn_version),
        steps=(
            StepRecord(
                "installLanguagePacks", B, "1" * 64, parameters=(("languages", ("en-GB",)),)
            ),
            StepRecord("windowsUpdate", B, update_sha, duration_seconds=900.0, exit_code=0),
            StepRecord("windowsRestart", B, "3" * 64),
        ),
        builder=BuilderKind.IMAGE_BUILDER,
        build_id=f"{PIPELINE}:{version}",
        goldfleet_version="0.1.0",
        started=datetime(2026, 11, 11, 6, tzinfo=UTC),
        finished=datetime(2026, 11, 11, 7, 30, tzinfo=UTC),
        pipeline=PIPELINE,
    )


def exercise_store(engine: sa.Engine) -> None:
    first = builds.open_build(
        engine, "b1", PIPELINE, "imageBuilder", "2026-11-11T06:00:00Z", scheduled=True
    )
    assert first.status is builds.BuildStatus.QUEUED and first.finished_at is None
    again = builds.open_build(engine, "b1", PIPELINE, "direct", "2026-11-11T06:05:00Z")
    assert again == first  # a retried step changes nothing
    builds.update_build(engine, "b1", "2026-11-11T06:01:00Z", status=builds.BuildStatus.RUNNING)
    done = builds.update_build(
        engine,
        "b1",
        "2026-11-11T07:30:00Z",
        status=builds.BuildStatus.SUCCEEDED,
        version="2026.1111.0600",
        source_version="26100.2314.241107",
        provenance=made("2026.1111.0600", "26100.2314.241107"),
        log="[windowsUpdate] Installing 10 updates",
    )
    assert done.finished_at == "2026-11-11T07:30:00Z"
    assert done.provenance == made("2026.1111.0600", "26100.2314.241107")
    builds.open_build(
        engine, "b2", PIPELINE, "imageBuilder", "2026-12-09T06:00:00Z", scheduled=True
    )
    failed = builds.update_build(
        engine,
        "b2",
        "2026-12-09T06:40:00Z",
        status=builds.BuildStatus.FAILED,
        error="customization windowsUpdate failed with exit code 1",
    )
    assert failed.status is builds.BuildStatus.FAILED and failed.version is None
    assert [b.build_id for b in builds.builds_of(engine, PIPELINE)] == ["b2", "b1"]
    assert builds.build_of_version(engine, PIPELINE, "2026.1111.0600").build_id == "b1"
    assert builds.build_of_version(engine, PIPELINE, "2026.1209.0600") is None
    with pytest.raises(KeyError):
        builds.update_build(engine, "nope", "2026-12-09T06:40:00Z", error="x")
    past = builds.past_builds(engine, [PIPELINE, "other"])
    assert [(p.succeeded, p.scheduled) for p in past[PIPELINE]] == [(False, True), (True, True)]
    assert past["other"] == []
    # The scheduler's decision reads straight from the store.
    monthly = replace(MONTHLY, name=PIPELINE)
    [due] = due_builds([monthly], past, {}, datetime(2027, 1, 13, 6, tzinfo=UTC))
    assert due.pipeline == PIPELINE and due.warning is None


def test_builds_in_sqlite(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'gf.sqlite'}")
    assert "goldfleet_builds" in sa.inspect(engine).get_table_names()
    exercise_store(engine)


def test_builds_in_postgresql():
    try:
        with throwaway_postgres() as pg:
            admin = sa.create_engine(pg.url("postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text("CREATE DATABASE gf_builds"))
            admin.dispose()
            engine = open_database(pg.url("gf_builds"))
            try:
                indexes = {i["name"] for i in sa.inspect(engine).get_indexes("goldfleet_builds")}
                assert "ix_goldfleet_builds_pipeline_version" in indexes
                exercise_store(engine)
            finally:
                engine.dispose()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is required for this test and could not be started: {exc}")


# --- the API ------------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("GOLDFLEET_DATABASE_URL", raising=False)
    monkeypatch.setenv("GOLDFLEET_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    engine = open_database(f"sqlite:///{tmp_path / 'state' / 'goldfleet.sqlite'}")
    for build_id, version, urn, sha in (
        ("b1", "2026.1111.0600", "26100.2314.241107", "a" * 64),
        ("b2", "2026.1209.0600", "26100.2605.241207", "b" * 64),
    ):
        builds.open_build(engine, build_id, PIPELINE, "imageBuilder", f"{version}Z", scheduled=True)
        builds.update_build(
            engine,
            build_id,
            f"{version}Z",
            status=builds.BuildStatus.SUCCEEDED,
            version=version,
            provenance=made(version, urn, sha),
        )
    return engine


def test_show_reads_the_store_first(store):
    shown = api.show_version_provenance(f"{PIPELINE}:2026.1111.0600", engine=store)
    assert shown["from"] == "store"
    assert shown["build"]["build"] == "b1" and "provenance" not in shown["build"]
    assert shown["provenance"]["source"]["reference"] == URN + "26100.2314.241107"
    assert shown["tags"]["gf-source"] == "marketplace:" + URN + "26100.2314.241107"


def test_show_falls_back_to_the_versions_tags(store):
    asked = []
    tagged = made("2025.1010.0600", "26100.1742.240906")

    def read_tags(pipeline, version):
        asked.append((pipeline, version))
        return {"managed-by": "goldfleet", **to_tags(tagged)}

    shown = api.show_version_provenance(f"{PIPELINE}:2025.1010.0600", read_tags, engine=store)
    assert asked == [(PIPELINE, "2025.1010.0600")]
    assert shown["from"] == "tags" and shown["provenance"]["complete"] is False
    assert [s["sha256"] for s in shown["provenance"]["steps"]] == ["1" * 12, "a" * 12, "3" * 12]


def test_an_unknown_version_is_a_clear_error(store):
    with pytest.raises(UserInputError, match=r"no provenance for win11-avd-monthly:1\.2\.3"):
        api.show_version_provenance(f"{PIPELINE}:1.2.3", lambda p, v: None, engine=store)
    with pytest.raises(UserInputError, match="expected pipeline:version"):
        api.show_version_provenance("2026.1111.0600", engine=store)


def test_diff_of_two_versions(store):
    found = api.diff_versions(
        f"{PIPELINE}:2026.1111.0600", f"{PIPELINE}:2026.1209.0600", engine=store
    )
    assert found["from"] == {"a": "store", "b": "store"}
    assert [(d["kind"], d["subject"]) for d in found["differences"]] == [
        ("source", "source"),
        ("stepHash", "step 2 windowsUpdate"),
    ]


# --- the CLI ------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_diff_and_show(store, tmp_path):
    state = ["--state-dir", str(tmp_path / "state")]
    result = runner.invoke(
        app,
        [
            "image",
            "diff",
            f"{PIPELINE}:2026.1111.0600",
            f"{PIPELINE}:2026.1209.0600",
            "-o",
            "json",
            *state,
        ],
    )
    assert result.exit_code == 0, result.output
    assert [d["kind"] for d in json.loads(result.output)["differences"]] == ["source", "stepHash"]
    table = runner.invoke(
        app,
        ["image", "diff", f"{PIPELINE}:2026.1111.0600", f"{PIPELINE}:2026.1209.0600", *state],
        env={"COLUMNS": "200"},
    )
    assert table.exit_code == 0
    assert "step 2 windowsUpdate" in table.output and "aaaaaaaaaaaa" in table.output
    same = runner.invoke(
        app, ["image", "diff", f"{PIPELINE}:2026.1111.0600", f"{PIPELINE}:2026.1111.0600", *state]
    )
    assert "were made the same way" in " ".join(same.output.split())
    shown = runner.invoke(
        app, ["image", "version", "show", f"{PIPELINE}:2026.1111.0600", "-o", "json", *state]
    )
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["release"] == f"{PIPELINE}:2026.1111.0600"
    assert data["provenance"]["build"]["build"] == "b1"


def test_cli_diff_of_an_unknown_version_exits_2_with_a_message(store, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "goldfleet",
            "image",
            "diff",
            f"{PIPELINE}:2026.1111.0600",
            f"{PIPELINE}:9.9.9",
            "--state-dir",
            str(tmp_path / "state"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "GOLDFLEET_DATABASE_URL"},
    )
    assert done.returncode == 2
    assert "no provenance for win11-avd-monthly:9.9.9" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
