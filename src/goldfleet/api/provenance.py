"""Provenance of image versions for the CLI and the web: what a version was made from and how
(from goldfleet's store, else from the version's tags in Azure), and how two versions differ.

Reading Azure is a parameter (``read_tags``), so callers without Azure - tests, or a store that
has everything - need none; ``version_tags_reader`` makes the one that reads the version's tags
from the pipeline's first target gallery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from goldfleet.api.session import Target, clock_for
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.provenance import Provenance, diff, from_tags, has_provenance, to_tags
from goldfleet.store import provenance as builds
from goldfleet.store.db import shared_database

TagsReader = Callable[[str, str], dict[str, str] | None]  # (pipeline, version) -> tags


@dataclass(frozen=True)
class VersionProvenance:
    release: str
    pipeline: str
    version: str
    origin: str  # "store" or "tags"
    provenance: Provenance
    build: builds.BuildRecord | None

    def to_json(self) -> dict[str, Any]:
        build = self.build.to_json() if self.build else None
        if build is not None:
            build.pop("provenance", None)
        return {
            "release": self.release,
            "pipeline": self.pipeline,
            "version": self.version,
            "from": self.origin,
            "build": build,
            "provenance": self.provenance.to_json(),
            "tags": to_tags(self.provenance),
        }


def split_release(release: str) -> tuple[str, str]:
    pipeline, _, version = release.strip().rpartition(":")
    if not pipeline or not version:
        raise UserInputError(
            f"expected pipeline:version, got {release!r}",
            hint="goldfleet image version list shows the releases",
        )
    return pipeline, version


def version_provenance(
    release: str, read_tags: TagsReader | None = None, engine: Engine | None = None
) -> VersionProvenance:
    """The provenance of ``release`` (``pipeline:version``): the store's record of the build
    that made it, else what the version's tags carry (when ``read_tags`` is given)."""
    pipeline, version = split_release(release)
    database = engine or shared_database()
    build = builds.build_of_version(database, pipeline, version)
    if build is not None and build.provenance is not None:
        return VersionProvenance(release, pipeline, version, "store", build.provenance, build)
    tags = read_tags(pipeline, version) if read_tags is not None else None
    if tags and has_provenance(tags):
        return VersionProvenance(release, pipeline, version, "tags", from_tags(tags), build)
    where = "goldfleet's store" + (" or the version's tags" if read_tags else "")
    raise UserInputError(
        f"no provenance for {release}: neither {where} has it",
        hint="goldfleet image version list shows the releases; versions made outside goldfleet"
        " (or before it recorded provenance) have none"
        + ("" if read_tags else "; pass --config to read the version's tags from Azure"),
    )


def show_version_provenance(
    release: str, read_tags: TagsReader | None = None, engine: Engine | None = None
) -> dict[str, Any]:
    return version_provenance(release, read_tags, engine).to_json()


def diff_versions(
    a: str, b: str, read_tags: TagsReader | None = None, engine: Engine | None = None
) -> dict[str, Any]:
    """How version ``b`` differs from version ``a`` (both ``pipeline:version``)."""
    first = version_provenance(a, read_tags, engine)
    second = version_provenance(b, read_tags, engine)
    return {
        "a": a,
        "b": b,
        "from": {"a": first.origin, "b": second.origin},
        "differences": [d.to_json() for d in diff(first.provenance, second.provenance)],
    }


def version_tags_reader(config_path: Path, target: Target) -> TagsReader:
    """Reads a version's tags from the first target (the staging gallery) of its pipeline."""
    from goldfleet.api.images import client_factory, pipeline_named
    from goldfleet.azure import galleries
    from goldfleet.config import load_configuration
    from goldfleet.domain.releases import release_targets

    configuration = load_configuration(config_path).configuration

    def read(pipeline_name: str, version: str) -> dict[str, str] | None:
        pipeline = pipeline_named(configuration, pipeline_name)
        first = release_targets(configuration, pipeline, clock_for(target).now().date())[0]
        ref = configuration.tenant(first.tenant).credential

        async def tags() -> dict[str, str] | None:
            factory = client_factory(target)
            try:
                found = await galleries.read_version(factory, first, ref, version)
                return found.tags if found is not None else None
            finally:
                await factory.close()

        return asyncio.run(tags())

    return read


__all__ = [
    "TagsReader",
    "VersionProvenance",
    "diff_versions",
    "show_version_provenance",
    "split_release",
    "version_provenance",
    "version_tags_reader",
]
