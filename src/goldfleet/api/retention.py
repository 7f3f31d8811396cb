"""``goldfleet image version retire``: the retention verdict on every version of a pipeline
(read from Azure with list calls), and carrying it out - the same rules as ``goldfleet plan``
(goldfleet.domain.retention), on demand and with ``--keep`` to override the policy."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from goldfleet.api.changes import observe_configuration
from goldfleet.api.coordination import holding
from goldfleet.api.images import client_factory, pipeline_named
from goldfleet.api.session import Target, actor, clock_for
from goldfleet.azure import changes as azure_changes
from goldfleet.azure.ownership import acting_as
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import Retention
from goldfleet.domain.ownership import OwnerKind
from goldfleet.domain.retention import Fate, Verdict, deletion_order
from goldfleet.planner.retention import pipeline_verdicts
from goldfleet.store import audit
from goldfleet.store.db import shared_database


def _verdicts(
    config_path: Path, target: Target, pipeline_name: str, keep: int | None
) -> tuple[Configuration, list[Verdict], dict[str, Any]]:
    configuration = load_configuration(config_path).configuration
    pipeline = pipeline_named(configuration, pipeline_name)
    if keep is not None:
        if keep < 1:
            raise UserInputError("--keep must be at least 1: retention never deletes every version")
        policy = pipeline.retention or Retention(keep)
        pipeline = replace(pipeline, retention=replace(policy, keep_last=keep))
    elif pipeline.retention is None:
        raise UserInputError(
            f"image pipeline {pipeline_name!r} has no retention policy",
            hint="give --keep N, or add retention: {keepLast: N} to the pipeline",
        )
    with_policy = replace(
        configuration,
        pipelines=tuple(
            pipeline if p.name == pipeline_name else p for p in configuration.pipelines
        ),
    )
    observed = observe_configuration(target, with_policy)
    verdicts, found = pipeline_verdicts(with_policy, pipeline, observed, clock_for(target).now())
    return with_policy, verdicts, found


def _row(verdict: Verdict, found: dict[str, Any]) -> dict[str, Any]:
    release_target, _ = found[verdict.version.version_id.lower()]
    row = {
        "target": verdict.version.target,
        "tenant": release_target.tenant,
        "version": verdict.version.name,
        "action": verdict.fate.value,
        "why": verdict.why,
    }
    if verdict.end_of_life is not None:
        row["endOfLife"] = verdict.end_of_life.isoformat()
    return row


def retention_plan(
    config_path: Path, target: Target, pipeline_name: str, keep: int | None = None
) -> list[dict[str, Any]]:
    """Each version of the pipeline's targets and what retention does to it, with why."""
    _, verdicts, found = _verdicts(config_path, target, pipeline_name, keep)
    return [_row(v, found) for v in verdicts]


def retire(
    config_path: Path, target: Target, pipeline_name: str, keep: int | None = None
) -> list[dict[str, Any]]:
    """Carry the verdicts out: end-of-life dates first, then deletions, every copy before the
    version it was made from. A deletion Azure refuses stops with Azure's error."""
    configuration, verdicts, found = _verdicts(config_path, target, pipeline_name, keep)
    rows = {v.version.version_id.lower(): _row(v, found) for v in verdicts}
    work = [v for v in verdicts if v.fate is Fate.DEPRECATE] + deletion_order(verdicts)

    async def carry_out() -> None:
        factory = client_factory(target)
        try:
            for verdict in work:
                release_target, _ = found[verdict.version.version_id.lower()]
                ref = configuration.tenant(release_target.tenant).credential
                args = (
                    factory,
                    release_target.tenant_id,
                    release_target.subscription_id,
                    ref,
                    verdict.version.version_id,
                )
                if verdict.fate is Fate.DEPRECATE:
                    assert verdict.end_of_life is not None
                    await azure_changes.set_image_version_end_of_life(
                        *args, verdict.end_of_life.isoformat()
                    )
                else:
                    await azure_changes.delete_image_version(*args)
                rows[verdict.version.version_id.lower()]["done"] = True
        finally:
            await factory.close()

    try:
        owner = configuration.owner(OwnerKind.PIPELINE, pipeline_name)
        with (
            holding([owner.tag], f"goldfleet image version retire {pipeline_name}"),
            acting_as(owner),
        ):
            asyncio.run(carry_out())
    finally:
        done = [r for r in rows.values() if r.get("done")]
        audit.append(
            shared_database(),
            at=clock_for(target).now().isoformat(),
            actor=actor(),
            action="release.retired",
            subject=pipeline_name,
            details={
                "deleted": [
                    f"{r['target']}:{r['version']}" for r in done if r["action"] == "delete"
                ],
                "deprecated": [
                    f"{r['target']}:{r['version']}" for r in done if r["action"] == "deprecate"
                ],
            },
        )
    return list(rows.values())
