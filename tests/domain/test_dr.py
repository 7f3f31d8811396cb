"""Which version a standby scale set may use, and when a drill failed."""

from __future__ import annotations

from goldfleet.domain.dr import Candidate, DrillHost, drill_problems, standby_version


def test_the_newest_version_completed_in_the_dr_region_wins():
    found = standby_version(
        [
            Candidate("2027.112.1", "Completed"),
            Candidate("2027.201.1", "Replicating"),  # newer, but not there yet
            Candidate("2027.113.1", "Completed"),
            Candidate("2027.114.1", None),  # the DR region is not one of its targets
        ]
    )
    assert found is not None and found.name == "2027.113.1"


def test_no_version_completed_there_means_none():
    assert standby_version([Candidate("2027.1.1", "Failed"), Candidate("2027.2.1", None)]) is None
    assert standby_version([]) is None


def _host(name: str, registered: bool = True, healthy: bool = True) -> DrillHost:
    return DrillHost(name, registered, "Available" if healthy else "Unavailable", healthy, 300.0)


def test_a_drill_passes_only_when_everything_came_up_and_went_away():
    assert drill_problems(2, [_host("a"), _host("b")], None, 0, 0) == []
    found = drill_problems(
        3, [_host("a", registered=False), _host("b", healthy=False)], "quota", 1, 0
    )
    assert found == [
        "the scale-out failed: quota",
        "3 instances were asked for, 2 were made",
        "a never registered with the DR host pool",
        "b registered Unavailable and not healthy",
        "the scale set was left at 1 instances, not 0",
    ]
