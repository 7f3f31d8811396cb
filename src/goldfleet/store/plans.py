"""Saved plans: the exact plan an apply carried out, kept by its hash, so that the audit
trail's ``plan_hash`` always leads to what was decided."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from goldfleet.store.tables import plans


def keep(
    engine: Engine, plan_hash: str, created_at: str, observed: str, body: dict[str, Any]
) -> None:
    """Store a plan once (a second call with the same hash changes nothing)."""
    try:
        with engine.begin() as connection:
            connection.execute(
                plans.insert().values(
                    hash=plan_hash, created_at=created_at, observed_fingerprint=observed, body=body
                )
            )
    except IntegrityError:
        return


def mark_applied(engine: Engine, plan_hash: str, workflow_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(plans).where(plans.c.hash == plan_hash).values(applied_by_workflow=workflow_id)
        )


def get(engine: Engine, plan_hash: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(select(plans.c.body).where(plans.c.hash == plan_hash)).first()
    if row is None:
        return None
    body = row[0]
    return body if isinstance(body, dict) else json.loads(body)
