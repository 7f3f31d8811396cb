"""Where goldfleet's database is, and bringing its schema up to date with Alembic."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event

DATABASE_URL_ENV = "GOLDFLEET_DATABASE_URL"
STATE_DIR_ENV = "GOLDFLEET_STATE_DIR"
MIGRATIONS = Path(__file__).parent / "migrations"


def state_dir() -> Path:
    return Path(os.environ.get(STATE_DIR_ENV) or Path.home() / ".goldfleet" / "state")


def database_url(directory: Path | None = None) -> str:
    """PostgreSQL when GOLDFLEET_DATABASE_URL is set, else SQLite in the state directory."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    where = directory or state_dir()
    where.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{where / 'goldfleet.sqlite'}"


WRITE_LOCK = "goldfleet_write_lock"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    # pysqlite starts a transaction only before a write, so a read-then-write would see a stale
    # row and lose a concurrent update; SQLAlchemy emits BEGIN itself instead (_sqlite_begin).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _sqlite_begin(connection: Connection) -> None:
    """BEGIN IMMEDIATE for read-modify-write transactions (see `for_update`), else BEGIN."""
    immediate = connection.get_execution_options().get(WRITE_LOCK)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def for_update(engine: Engine) -> Engine:
    """The engine for a transaction that reads rows and then writes them.

    PostgreSQL needs nothing more than the statements' FOR UPDATE; SQLite has no row locks, so the
    transaction takes the database's write lock when it starts and concurrent writers wait.
    """
    return engine.execution_options(**{WRITE_LOCK: True})


def connect(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(url: str | None = None) -> Engine:
    engine = connect(url or database_url())
    upgrade(engine)
    return engine


_shared: dict[str, Engine] = {}


def shared_database(url: str | None = None) -> Engine:
    """One migrated engine per database URL for the whole process (workers, CLI)."""
    key = url or database_url()
    found = _shared.get(key)
    if found is None:
        found = _shared[key] = open_database(key)
    return found
