"""Engine fixtures.

DBOS is a process-wide singleton, so the in-process engine is launched once per session (on
SQLite in a temporary directory, with a fake clock) and every test uses its own workflow ids.
Tests that kill workers, or need several of them, run them as separate processes. PostgreSQL
tests start a throwaway cluster of their own; missing server binaries fail them, loudly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from goldfleet import engine
from goldfleet.engine.dbos_engine import DbosWorker, worker_engine
from goldfleet.engine.settings import EngineSettings
from tests.engine import sample_workflows  # declares the workflows before the launch
from tests.engine.postgres import PostgresUnavailable, ThrowawayPostgres, throwaway_postgres

_ids = itertools.count(1)


@pytest.fixture(scope="session")
def fake_clock() -> engine.FakeClock:
    return engine.FakeClock()


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory: pytest.TempPathFactory) -> EngineSettings:
    state = tmp_path_factory.mktemp("engine-state")
    return EngineSettings(
        database_url=f"sqlite:///{state / 'engine.sqlite'}",
        worker_id="test-worker",
        queue_poll_seconds=0.05,
        result_poll_seconds=0.01,
        scheduler_poll_seconds=0.2,
    )


@pytest.fixture(scope="session")
def running_engine(
    engine_settings: EngineSettings, fake_clock: engine.FakeClock
) -> Iterator[DbosWorker]:
    assert sample_workflows.__name__  # imported for its declarations
    with worker_engine(engine_settings, clock=fake_clock) as worker:
        yield worker


@pytest.fixture
def wid(request: pytest.FixtureRequest) -> str:
    """A workflow-id prefix unique to this test (DBOS state lives for the whole session)."""
    return f"{request.node.name[:60]}-{next(_ids)}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    try:
        with throwaway_postgres() as cluster:
            yield cluster
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is required for this test and could not be started: {exc}")


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path
