"""Engine settings from the environment, the runtime guard for old SQLite on Python >= 3.12,
and the one-worker lock of SQLite mode."""

from __future__ import annotations

import pytest

from goldfleet.engine.settings import EngineConfigError, EngineSettings, check_worker_id
from goldfleet.engine.sqlite_mode import SingleWorkerLock, check_sqlite_runtime


def test_defaults_are_sqlite_in_the_state_directory_and_worker_0(tmp_path):
    settings = EngineSettings.from_env({"GOLDFLEET_STATE_DIR": str(tmp_path / "state")})
    assert settings.database_url == f"sqlite:///{tmp_path / 'state' / 'engine.sqlite'}"
    assert settings.sqlite_path == tmp_path / "state" / "engine.sqlite"
    assert (settings.worker_id, settings.app_version, settings.is_postgres) == (
        "worker-0",
        "0.1.0",
        False,
    )


def test_postgres_and_worker_id_come_from_the_environment():
    settings = EngineSettings.from_env(
        {
            "GOLDFLEET_DATABASE_URL": "postgresql://gf:s3cret@db.internal:5432/goldfleet",
            "GOLDFLEET_WORKER_ID": "worker-7",
            "GOLDFLEET_HEARTBEAT_SECONDS": "2",
            "GOLDFLEET_WORKER_DEAD_AFTER_SECONDS": "20",
        }
    )
    assert settings.is_postgres and settings.worker_id == "worker-7"
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.redacted_url == "postgresql+psycopg://gf:***@db.internal:5432/goldfleet"
    assert (settings.heartbeat_seconds, settings.dead_after_seconds) == (2, 20)
    assert settings.with_worker("worker-8").worker_id == "worker-8"


@pytest.mark.parametrize("bad", ["", "Worker 1", "-x", "w" * 64, "a/b"])
def test_worker_ids_are_checked(bad):
    with pytest.raises(EngineConfigError, match="invalid worker id"):
        check_worker_id(bad)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GOLDFLEET_DATABASE_URL": "mysql://x/y"}, "unsupported engine database URL"),
        ({"GOLDFLEET_SWEEP_SECONDS": "soon"}, "is not a number of seconds"),
        ({"GOLDFLEET_HEARTBEAT_SECONDS": "-1"}, "must be positive"),
        (
            {"GOLDFLEET_HEARTBEAT_SECONDS": "10", "GOLDFLEET_WORKER_DEAD_AFTER_SECONDS": "15"},
            "several missed heartbeats",
        ),
    ],
)
def test_bad_settings_are_refused_with_a_reason(tmp_path, env, message):
    with pytest.raises(EngineConfigError, match=message):
        EngineSettings.from_env({"GOLDFLEET_STATE_DIR": str(tmp_path), **env})


def test_python_3_12_with_sqlite_older_than_3_42_is_refused():
    with pytest.raises(EngineConfigError, match=r"SQLite 3\.40\.1.*3\.42 or newer") as refused:
        check_sqlite_runtime(python=(3, 12, 1), sqlite=(3, 40, 1))
    assert refused.value.hint and "PostgreSQL" in refused.value.hint
    check_sqlite_runtime(python=(3, 12, 1), sqlite=(3, 45, 0))
    check_sqlite_runtime(python=(3, 11, 7), sqlite=(3, 37, 2))
    check_sqlite_runtime()  # this interpreter


def test_only_one_worker_holds_a_sqlite_database(tmp_path):
    database = tmp_path / "engine.sqlite"
    first, second = SingleWorkerLock(database), SingleWorkerLock(database)
    first.acquire("worker-0")
    with pytest.raises(
        EngineConfigError, match=r"another goldfleet worker \(worker-0 \(worker\), pid"
    ):
        second.acquire("worker-1")
    first.release()
    second.acquire("worker-1")
    second.release()
