"""How long the machine operations of Microsoft.Compute take in simulated time, in one place.

Disks, snapshots, managed images, virtual machines, run commands and extensions read their
durations here. A scenario or test may override any of them in the world (``PUT
/_emulator/...`` is not needed: ``set_durations`` writes ``world.sections["compute"]``, which a
snapshot keeps).
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.rp.compute import settings
from goldfleet.emulator.world import World

DEFAULT_SECONDS: dict[str, float] = {
    "diskCreate": 10.0,
    "diskUpdate": 5.0,
    "diskDelete": 5.0,
    "snapshotCreate": 15.0,
    "incrementalSnapshotCopy": 120.0,  # background copy of an incremental snapshot
    "snapshotDelete": 5.0,
    "imageCreate": 30.0,
    "imageUpdate": 5.0,
    "imageDelete": 10.0,
    "vmCreate": 150.0,
    "vmUpdate": 20.0,
    "vmStart": 60.0,
    "vmPowerOff": 30.0,
    "vmDeallocate": 60.0,
    "vmRestart": 60.0,
    "vmDelete": 60.0,
    "runCommandQueue": 5.0,  # Pending before Running
    "extensionInstall": 90.0,
    "extensionDelete": 30.0,
}
KEY = "machineDurations"


def seconds(world: World, name: str) -> float:
    """The duration of ``name`` (a key of DEFAULT_SECONDS) in simulated seconds."""
    overrides: dict[str, Any] = settings.section(world).get(KEY, {})
    return float(overrides.get(name, DEFAULT_SECONDS[name]))


def set_durations(world: World, values: dict[str, Any]) -> dict[str, float]:
    """Override some durations; unknown names or negative values: ValueError."""
    unknown = set(values) - set(DEFAULT_SECONDS)
    if unknown:
        raise ValueError(f"unknown machine durations: {sorted(unknown)}")
    for name, value in values.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ValueError(f"machine duration '{name}' must be a non-negative number")
    settings.section(world).setdefault(KEY, {}).update(values)
    return {name: seconds(world, name) for name in DEFAULT_SECONDS}
