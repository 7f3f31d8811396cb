"""Builds in goldfleet's store: each build or capture of an image version - who made it
(builder), how it went (queued → running → succeeded | failed), the version it made, its
provenance, its log (or where the log is) and its error - and reading them back, by build, by
pipeline (newest first) or by the version a build made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from goldfleet.domain.provenance import Provenance
from goldfleet.domain.schedules import PastBuild
from goldfleet.store.tables import builds


class BuildStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED = {BuildStatus.SUCCEEDED, BuildStatus.FAILED}


@dataclass(frozen=True)
class BuildRecord:
    build_id: str
    pipeline: str
    builder: str
    status: BuildStatus
    scheduled: bool
    source_version: str | None
    started_at: str
    finished_at: str | None
    version: str | None
    provenance: Provenance | None
    log: str | None
    error: str | None
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "build": self.build_id,
            "pipeline": self.pipeline,
            "builder": self.builder,
            "status": self.status.value,
            "scheduled": self.scheduled,
            "sourceVersion": self.source_version,
            "started": self.started_at,
            "finished": self.finished_at,
            "version": self.version,
            "provenance": self.provenance.to_json() if self.provenance else None,
            "log": self.log,
            "error": self.error,
        }

    def past_build(self) -> PastBuild:
        """What the scheduler needs of it (``domain.schedules.due_builds``)."""
        return PastBuild(
            started=datetime.fromisoformat(self.started_at.replace("Z", "+00:00")),
            succeeded=None if self.status not in FINISHED else self.status is BuildStatus.SUCCEEDED,
            source_version=self.source_version,
            scheduled=self.scheduled,
        )


def _record(row: Any) -> BuildRecord:
    data = dict(row._mapping)
    data["status"] = BuildStatus(data["status"])
    data["provenance"] = Provenance.from_json(data["provenance"]) if data["provenance"] else None
    return BuildRecord(**data)


def open_build(
    engine: Engine,
    build_id: str,
    pipeline: str,
    builder: str,
    at: str,
    *,
    scheduled: bool = False,
    source_version: str | None = None,
    status: BuildStatus = BuildStatus.QUEUED,
) -> BuildRecord:
    """Create the build's row once; a second call (a retried step) returns the row as it is."""
    try:
        with engine.begin() as connection:
            connection.execute(
                builds.insert().values(
                    build_id=build_id,
                    pipeline=pipeline,
                    builder=builder,
                    status=status.value,
                    scheduled=scheduled,
                    source_version=source_version,
                    started_at=at,
                    updated_at=at,
                )
            )
    except IntegrityError:
        pass
    found = get_build(engine, build_id)
    assert found is not None
    return found


def update_build(
    engine: Engine,
    build_id: str,
    at: str,
    *,
    status: BuildStatus | None = None,
    version: str | None = None,
    source_version: str | None = None,
    provenance: Provenance | None = None,
    log: str | None = None,
    error: str | None = None,
) -> BuildRecord:
    """Record progress; only the fields given change. A finished status sets ``finished_at``."""
    values: dict[str, Any] = {"updated_at": at}
    if status is not None:
        values["status"] = status.value
        if status in FINISHED:
            values["finished_at"] = at
    for name, value in (
        ("version", version),
        ("source_version", source_version),
        ("log", log),
        ("error", error),
    ):
        if value is not None:
            values[name] = value
    if provenance is not None:
        values["provenance"] = provenance.to_json()
    with engine.begin() as connection:
        changed = connection.execute(
            update(builds).where(builds.c.build_id == build_id).values(**values)
        ).rowcount
    if not changed:
        raise KeyError(f"no build {build_id!r}")
    found = get_build(engine, build_id)
    assert found is not None
    return found


def get_build(engine: Engine, build_id: str) -> BuildRecord | None:
    with engine.connect() as connection:
        row = connection.execute(select(builds).where(builds.c.build_id == build_id)).first()
    return _record(row) if row else None


def builds_of(
    engine: Engine, pipeline: str | None = None, limit: int | None = None
) -> list[BuildRecord]:
    """Builds, newest first (of one pipeline when given)."""
    query = select(builds).order_by(builds.c.started_at.desc(), builds.c.build_id.desc())
    if pipeline is not None:
        query = query.where(builds.c.pipeline == pipeline)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [_record(r) for r in connection.execute(query)]


def build_of_version(engine: Engine, pipeline: str, version: str) -> BuildRecord | None:
    """The successful build that made ``pipeline``'s ``version`` (the newest, if several)."""
    query = (
        select(builds)
        .where(
            builds.c.pipeline == pipeline,
            builds.c.version == version,
            builds.c.status == BuildStatus.SUCCEEDED.value,
        )
        .order_by(builds.c.started_at.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return _record(row) if row else None


def past_builds(
    engine: Engine, pipelines: list[str], per_pipeline: int = 20
) -> dict[str, list[PastBuild]]:
    """The recent builds of each pipeline, as ``domain.schedules.due_builds`` takes them."""
    return {
        name: [b.past_build() for b in builds_of(engine, name, per_pipeline)] for name in pipelines
    }


__all__ = [
    "BuildRecord",
    "BuildStatus",
    "build_of_version",
    "builds_of",
    "get_build",
    "open_build",
    "past_builds",
    "update_build",
]
