"""Pure release rules: version names, replica sizing, targets of the example pipeline."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from goldfleet.config import load_configuration
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import VersioningScheme
from goldfleet.domain.releases import (
    check_version_name,
    latest_first,
    next_version,
    release_targets,
    replicas_for,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "goldfleet"
NOW = datetime(2026, 11, 23, 17, 42, tzinfo=UTC)


def test_date_versions_follow_the_clock_and_never_collide():
    assert next_version(VersioningScheme.DATE, NOW, []) == "2026.1123.1742"
    assert next_version(VersioningScheme.DATE, NOW, ["2026.1123.1742"]) == "2026.1123.1743"


def test_semver_increments_the_patch_of_the_highest():
    assert next_version(VersioningScheme.SEMVER, NOW, []) == "1.0.0"
    assert next_version(VersioningScheme.SEMVER, NOW, ["1.2.9", "1.10.0", "x"]) == "1.10.1"
    assert latest_first(["1.2.9", "1.10.0", "0.9.99"]) == ["1.10.0", "1.2.9", "0.9.99"]


@pytest.mark.parametrize("bad", ["1.0", "v1.0.0", "1.0.0-beta", "1.0.99999999999", ""])
def test_version_names_must_be_three_integers(bad):
    with pytest.raises(UserInputError, match="is not Major"):
        check_version_name(bad)


def test_one_replica_per_fifty_vms_between_one_and_a_hundred():
    assert [replicas_for(n) for n in (0, 1, 50, 51, 120, 10_000)] == [1, 1, 1, 2, 3, 100]


def test_targets_of_the_example_pipeline():
    configuration = load_configuration(EXAMPLE).configuration
    pipeline = next(p for p in configuration.pipelines if p.name == "win11-avd-monthly")
    targets = release_targets(configuration, pipeline, date(2026, 11, 23))
    assert [t.definition for t in targets] == [
        "win11-avd-staging",
        "win11-avd",
        "win11-avd-fabrikam",
        "win11-avd-contoso",
        "win11-avd-adatum",
        "win11-avd-dr",
    ]
    assert [t.cross_tenant for t in targets] == [False, False, True, True, True, False]
    fabrikam = targets[2]
    assert fabrikam.tenant == "fabrikam" and fabrikam.exclude_from_latest
    assert {r.name: r.replicas for r in fabrikam.regions}["eastus"] >= 2
