"""Retention as planned changes: for every pipeline with a ``retention`` policy, each version
Azure holds in its targets becomes a change - delete, update (an end-of-life date), or a no-op
that says why the version stays. The rules are goldfleet.domain.retention's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from goldfleet.domain.configuration import Configuration
from goldfleet.domain.images import ImagePipeline
from goldfleet.domain.observed import ObservedImageVersion, ObservedState
from goldfleet.domain.ownership import OWNER_TAG, OwnerKind, owner_in_tags
from goldfleet.domain.releases import ReleaseTarget, release_targets
from goldfleet.domain.retention import Fate, HeldVersion, Verdict, decide
from goldfleet.planner.model import Action, Change, Kind


def _instant(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _view(version: ObservedImageVersion, pipeline: str, target: str) -> dict[str, Any]:
    owner = owner_in_tags(dict(version.tags))
    return {
        "pipeline": pipeline,
        "target": target,
        "name": version.name,
        "sourceId": version.source_id,
        "endOfLifeDate": version.end_of_life,
        "provisioningState": version.provisioning_state,
        "tags": {OWNER_TAG: owner} if owner else {},  # whose it is (planner/ownership.py)
    }


def held_versions(
    targets: Iterable[ReleaseTarget], observed: ObservedState
) -> list[tuple[ReleaseTarget, ObservedImageVersion]]:
    """The versions Azure holds in each target definition, as observed."""
    found = []
    for target in targets:
        seen = observed.subscription(target.subscription_id)
        definition = target.definition_id.lower()
        for version in seen.image_versions if seen is not None else ():
            if version.definition_id.lower() == definition:
                found.append((target, version))
    return found


def pipeline_verdicts(
    configuration: Configuration, pipeline: ImagePipeline, observed: ObservedState, now: datetime
) -> tuple[list[Verdict], dict[str, tuple[ReleaseTarget, ObservedImageVersion]]]:
    """The retention verdict on every version of one pipeline (which must have a policy)."""
    assert pipeline.retention is not None
    targets = release_targets(configuration, pipeline, now.date())
    found = held_versions(targets, observed)
    owner = configuration.owner(OwnerKind.PIPELINE, pipeline.name).tag
    held = [
        HeldVersion(
            target=t.definition,
            version_id=v.resource_id,
            name=v.name,
            source_id=v.source_id or None,
            failed=v.provisioning_state == "Failed",
            end_of_life=_instant(v.end_of_life),
            blocks_deletion_before_end_of_life=v.blocks_deletion_before_end_of_life,
            managed=(OWNER_TAG, owner) in v.tags,
        )
        for t, v in found
    ]
    verdicts = decide(
        held,
        pipeline.retention.keep_last,
        now,
        frozen_targets={t.definition: t.skipped for t in targets if t.skipped},
        deprecate_after=pipeline.retention.deprecate_after,
    )
    return verdicts, {v.resource_id.lower(): (t, v) for t, v in found}


def retention_changes(
    configuration: Configuration, observed: ObservedState, now: datetime
) -> list[Change]:
    changes: list[Change] = []
    for pipeline in configuration.pipelines:
        if pipeline.retention is None:
            continue
        verdicts, found = pipeline_verdicts(configuration, pipeline, observed, now)
        owner = configuration.owner(OwnerKind.PIPELINE, pipeline.name).tag
        copies_of: dict[str, list[str]] = {}
        for verdict in (v for v in verdicts if v.fate is Fate.DELETE):
            source = (verdict.version.source_id or "").lower()
            copies_of.setdefault(source, []).append(verdict.version.version_id.lower())
        for verdict in verdicts:
            key = verdict.version.version_id.lower()
            target, version = found[key]
            before = _view(version, pipeline.name, target.definition)
            after: dict[str, Any] | None = before
            action = Action.NOOP
            if verdict.fate is Fate.DELETE:
                action, after = Action.DELETE, None
            elif verdict.fate is Fate.DEPRECATE:
                assert verdict.end_of_life is not None
                action = Action.UPDATE
                after = {**before, "endOfLifeDate": verdict.end_of_life.isoformat()}
            changes.append(
                Change(
                    key=key,
                    action=action,
                    kind=Kind.IMAGE_VERSION,
                    tenant=target.tenant,
                    tenant_id=target.tenant_id,
                    subscription_id=target.subscription_id,
                    resource_id=version.resource_id,
                    before=before,
                    after=after,
                    # a version goes after the copies made from it
                    depends_on=tuple(sorted(copies_of.get(key, ())))
                    if action is Action.DELETE
                    else (),
                    reason=verdict.why,
                    owner=owner,
                )
            )
    return changes
