"""Releases in goldfleet's store: what stage each version is at, how each of its targets and
regions fared, where it was copied (lineage), and the validation verdict or override."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from goldfleet.store.db import for_update
from goldfleet.store.tables import releases


@dataclass(frozen=True)
class ReleaseRecord:
    release_id: str
    pipeline: str
    version: str
    source_id: str
    stage: str
    created_at: str
    updated_at: str
    targets: dict[str, Any]
    lineage: dict[str, Any]
    validation: dict[str, Any]


def open_release(
    engine: Engine, pipeline: str, version: str, source_id: str, stage: str, at: str
) -> ReleaseRecord:
    """Create the release row once; a second call returns the existing row unchanged."""
    release_id = f"{pipeline}:{version}"
    try:
        with engine.begin() as connection:
            connection.execute(
                releases.insert().values(
                    release_id=release_id,
                    pipeline=pipeline,
                    version=version,
                    source_id=source_id,
                    stage=stage,
                    created_at=at,
                    updated_at=at,
                    targets={},
                    lineage={},
                    validation={},
                )
            )
    except IntegrityError:
        pass
    found = get(engine, release_id)
    assert found is not None
    return found


def get(engine: Engine, release_id: str) -> ReleaseRecord | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(releases).where(releases.c.release_id == release_id)
        ).first()
    return ReleaseRecord(**dict(row._mapping)) if row else None


def requested_on(engine: Engine, pipeline: str, source_id: str, day: str) -> ReleaseRecord | None:
    """The newest release of ``pipeline`` from ``source_id`` opened on ``day`` (YYYY-MM-DD, the
    cloud's clock): the one a repeated request with no version name continues."""
    query = (
        select(releases)
        .where(releases.c.pipeline == pipeline)
        .where(releases.c.source_id == source_id)
        .where(releases.c.created_at.startswith(day))
        .order_by(releases.c.created_at.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return ReleaseRecord(**dict(row._mapping)) if row else None


def all_of(engine: Engine, pipeline: str | None = None) -> list[ReleaseRecord]:
    query = select(releases).order_by(releases.c.created_at, releases.c.release_id)
    if pipeline:
        query = query.where(releases.c.pipeline == pipeline)
    with engine.connect() as connection:
        return [ReleaseRecord(**dict(r._mapping)) for r in connection.execute(query)]


def record_target(
    engine: Engine, release_id: str, key: str, outcome: dict[str, Any], at: str
) -> None:
    """Merge one target's outcome (its regions' states, or why it failed or was skipped)."""
    with for_update(engine).begin() as connection:
        row = connection.execute(
            select(releases.c.targets, releases.c.lineage)
            .where(releases.c.release_id == release_id)
            .with_for_update()
        ).one()
        targets = {**row.targets, key: outcome}
        lineage = dict(row.lineage)
        if outcome.get("versionId") and outcome.get("sourceId"):
            lineage[outcome["versionId"]] = outcome["sourceId"]
        connection.execute(
            update(releases)
            .where(releases.c.release_id == release_id)
            .values(targets=targets, lineage=lineage, updated_at=at)
        )


def set_stage(
    engine: Engine, release_id: str, stage: str, at: str, validation: dict[str, Any] | None = None
) -> None:
    values: dict[str, Any] = {"stage": stage, "updated_at": at}
    if validation is not None:
        values["validation"] = validation
    with engine.begin() as connection:
        connection.execute(
            update(releases).where(releases.c.release_id == release_id).values(**values)
        )
