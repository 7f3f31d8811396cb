"""Retention rules (goldfleet.domain.retention), pure: what stays, what gets an end of life,
what goes, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from goldfleet.domain.retention import Fate, HeldVersion, decide, deletion_order

NOW = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
PROVIDER = "/subscriptions/p/resourceGroups/g/providers/Microsoft.Compute/galleries/prod/images/w"
CUSTOMER = "/subscriptions/c/resourceGroups/g/providers/Microsoft.Compute/galleries/cust/images/w"


def provider(name: str, **kw: object) -> HeldVersion:
    return HeldVersion("prod", f"{PROVIDER}/versions/{name}", name, **kw)  # type: ignore[arg-type]


def copy(name: str, **kw: object) -> HeldVersion:
    return HeldVersion(
        "cust",
        f"{CUSTOMER}/versions/{name}",
        name,
        source_id=f"{PROVIDER}/versions/{name}",
        **kw,  # type: ignore[arg-type]
    )


def fates(verdicts):
    return {(v.version.target, v.version.name): (v.fate, v.why) for v in verdicts}


def test_the_newest_are_kept_and_the_rest_deleted_newest_first():
    verdicts = decide([provider(n) for n in ("1.0.2", "1.0.10", "1.0.1")], 2, NOW)
    assert [v.version.name for v in verdicts] == ["1.0.10", "1.0.2", "1.0.1"]
    assert [v.fate for v in verdicts] == [Fate.KEEP, Fate.KEEP, Fate.DELETE]
    assert verdicts[2].why == "older than the newest 2 and nothing kept comes from it"


def test_the_source_of_a_kept_copy_is_kept_transitively():
    staging = HeldVersion("staging", "/s/galleries/stg/images/w/versions/1.0.1", "1.0.1")
    prod_old = provider("1.0.1", source_id=staging.version_id)
    held = [
        staging,
        HeldVersion("staging", "/s/x/versions/1.0.2", "1.0.2"),
        prod_old,
        provider("1.0.2"),
        copy("1.0.1"),
    ]  # the customer is still on 1.0.1
    out = fates(decide(held, 1, NOW))
    assert out[("cust", "1.0.1")][0] is Fate.KEEP
    assert out[("prod", "1.0.1")] == (
        Fate.KEEP,
        "the source of cust/images/w/versions/1.0.1, which is kept",
    )
    assert out[("staging", "1.0.1")][1].startswith("the source of prod/images/w/versions/1.0.1")


def test_a_superseded_version_still_needed_gets_an_end_of_life():
    held = [provider("1.0.1"), provider("1.0.2"), copy("1.0.1")]
    verdicts = decide(held, 1, NOW, deprecate_after=timedelta(days=30))
    old = next(v for v in verdicts if v.version.target == "prod" and v.version.name == "1.0.1")
    assert old.fate is Fate.DEPRECATE and old.end_of_life == NOW + timedelta(days=30)
    # one that already has an end of life keeps it
    dated = provider("1.0.1", end_of_life=NOW + timedelta(days=3))
    again = decide(
        [dated, provider("1.0.2"), copy("1.0.1")], 1, NOW, deprecate_after=timedelta(days=30)
    )
    assert fates(again)[("prod", "1.0.1")][0] is Fate.KEEP


def test_what_is_in_use_stays():
    held = [provider("1.0.1"), provider("1.0.2")]
    out = fates(decide(held, 1, NOW, in_use={f"{PROVIDER}/versions/1.0.1".upper(): "pool hp-1"}))
    assert out[("prod", "1.0.1")] == (Fate.KEEP, "in use by pool hp-1")


def test_nothing_is_deleted_in_a_frozen_tenant_nor_what_goldfleet_did_not_make():
    held = [copy("1.0.1"), copy("1.0.2"), provider("1.0.0", managed=False), provider("1.0.2")]
    out = fates(decide(held, 1, NOW, frozen_targets={"cust": "frozen 2026-12-18..2027-01-05"}))
    assert out[("cust", "1.0.1")] == (Fate.KEEP, "its tenant is frozen 2026-12-18..2027-01-05")
    assert (
        out[("prod", "1.0.0")][0] is Fate.KEEP
        and "not made by goldfleet" in out[("prod", "1.0.0")][1]
    )


def test_a_version_protected_until_its_end_of_life_stays_until_then():
    protected = provider(
        "1.0.1", end_of_life=NOW + timedelta(days=1), blocks_deletion_before_end_of_life=True
    )
    out = fates(decide([protected, provider("1.0.2")], 1, NOW))
    assert out[("prod", "1.0.1")] == (
        Fate.KEEP,
        "its safety profile blocks deletion until 2027-01-13",
    )
    expired = provider(
        "1.0.1", end_of_life=NOW - timedelta(days=1), blocks_deletion_before_end_of_life=True
    )
    assert fates(decide([expired, provider("1.0.2")], 1, NOW))[("prod", "1.0.1")][0] is Fate.DELETE


def test_a_failed_version_is_an_orphan_and_never_counts_among_the_newest():
    out = fates(decide([provider("1.0.1"), provider("1.0.2", failed=True)], 1, NOW))
    assert out[("prod", "1.0.1")][0] is Fate.KEEP
    assert out[("prod", "1.0.2")] == (
        Fate.DELETE,
        "its replication failed and newer versions exist",
    )


def test_copies_are_deleted_before_the_versions_they_come_from():
    held = [provider("1.0.1"), copy("1.0.1"), provider("1.0.3"), copy("1.0.3")]
    order = deletion_order(decide(held, 1, NOW))
    assert [(v.version.target, v.version.name) for v in order] == [
        ("cust", "1.0.1"),
        ("prod", "1.0.1"),
    ]


def test_retention_keeps_at_least_one():
    with pytest.raises(ValueError):
        decide([provider("1.0.1")], 0, NOW)
