"""The build scheduler: one look at every scheduled pipeline (``tick``) - which are due now
(``domain.schedules.due_builds``, on the emulator's clock when that is the cloud), each built in
turn, and which keep failing (reported, never silently unscheduled). ``goldfleet image
schedule`` runs a tick; ``--watch`` repeats it every few minutes, as a timer or a worker would.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldfleet.api import builds
from goldfleet.api.images import client_factory
from goldfleet.api.session import Target, clock_for
from goldfleet.azure import marketplace
from goldfleet.config import load_configuration
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.errors import GoldfleetError
from goldfleet.domain.images import MarketplaceSource, NewSourceVersionSchedule
from goldfleet.domain.schedules import DueBuild, due_builds, failing_pipelines
from goldfleet.store import provenance as store
from goldfleet.store.db import shared_database


@dataclass(frozen=True)
class Tick:
    at: str
    due: list[DueBuild]
    results: list[builds.BuildResult]
    errors: dict[str, str]  # pipeline -> why its build could not start
    failing: dict[str, str]  # pipeline -> warning

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "due": [
                {
                    "pipeline": d.pipeline,
                    "reason": d.reason,
                    "dueAt": d.due_at.isoformat(),
                    "sourceVersion": d.source_version,
                    "warning": d.warning,
                }
                for d in self.due
            ],
            "builds": [r.to_json() for r in self.results],
            "errors": self.errors,
            "failing": self.failing,
        }


def _latest_sources(target: Target, configuration: Configuration) -> dict[str, str]:
    """The latest version of each newSourceVersion pipeline's marketplace source."""

    async def read() -> dict[str, str]:
        factory = client_factory(target)
        found: dict[str, str] = {}
        try:
            for p in configuration.pipelines:
                source = p.source
                if not isinstance(p.schedule, NewSourceVersionSchedule):
                    continue
                if not isinstance(source, MarketplaceSource):
                    continue
                tenant = configuration.tenant(p.build.tenant)
                latest = await marketplace.latest_version(
                    factory,
                    tenant.tenant_id,
                    p.build.subscription_id,
                    tenant.credential,
                    p.build.location,
                    source.publisher,
                    source.offer,
                    source.sku,
                )
                if latest:
                    found[p.name] = latest
        finally:
            await factory.close()
        return found

    return asyncio.run(read())


def tick(config_path: Path, target: Target, timeout: float | None = None) -> Tick:
    """Build every pipeline that is due now, one after the other."""
    configuration = load_configuration(config_path).configuration
    scheduled = [p for p in configuration.pipelines if p.schedule is not None]
    now = clock_for(target).now()
    past = store.past_builds(shared_database(), [p.name for p in scheduled])
    due = due_builds(scheduled, past, _latest_sources(target, configuration), now)
    results: list[builds.BuildResult] = []
    errors: dict[str, str] = {}
    for item in due:
        pipeline = next(p for p in scheduled if p.name == item.pipeline)
        try:
            if pipeline.captures:
                results.append(
                    builds.capture(
                        config_path, target, item.pipeline, scheduled=True, timeout=timeout
                    )
                )
            else:
                results.append(
                    builds.build(
                        config_path,
                        target,
                        item.pipeline,
                        scheduled=True,
                        reason=item.reason,
                        timeout=timeout,
                    )
                )
        except GoldfleetError as exc:  # one pipeline's bad input does not stop the others
            errors[item.pipeline] = str(exc)
    after = store.past_builds(shared_database(), [p.name for p in scheduled])
    return Tick(now.isoformat(), due, results, errors, failing_pipelines(scheduled, after))
