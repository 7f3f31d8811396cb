"""What an OS disk carries, and where it is kept.

Every OS disk, snapshot, managed image and gallery image version the emulator knows has a
``GuestContents`` record, keyed by its resource id (lower-case) in ``world.sections["guest"]``,
so a snapshot of the world keeps it. Copying a disk (snapshot, image, version, a VM's OS disk
from any of them) copies the record; the rules that change a record live in ``scripts.py``.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from goldfleet.emulator.world import World

SECTION = "guest"


@dataclass
class AppliedCustomization:
    """A script that ran in the guest: its name (Run Command or customizer name), the SHA-256 of
    its text, and the simulated time it finished (ISO 8601)."""

    name: str
    sha256: str
    finished: str
    exit_code: int = 0


@dataclass
class GuestContents:
    """The state of a Windows installation, as far as imaging cares.

    ``sysprep`` is ``none`` (a normal installation), ``generalized`` (sysprep /generalize ran;
    the machine shut down and must not be started again before it is captured) or ``failed``.
    ``defects`` are problems that make the AVD agent's health checks fail when a session host is
    made from this disk (e.g. ``RDAgentBootLoader disabled``).
    """

    os: str = "Windows 11 Enterprise multi-session 24H2"
    base_image: str = ""  # where the installation started: a marketplace URN or an image id
    customizations: list[AppliedCustomization] = field(default_factory=list)
    apps: list[str] = field(default_factory=list)
    updates_installed: int = 0
    pending_reboot: bool = False
    bitlocker: str = "Off"  # Off | On
    avd_agent_installed: bool = False  # RDAgent / RDAgentBootLoader left on the disk
    packages_plugin: bool = False  # C:\Packages\Plugins left by VM extensions
    per_user_appx: list[str] = field(default_factory=list)  # installed for one user only
    domain: str | None = None  # joined to this Active Directory domain
    entra_joined: bool = False
    intune_enrolled: bool = False
    sysprep: str = "none"  # none | generalized | failed
    time_zone: str = "UTC"
    defects: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> SHA-256 of files copied in

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GuestContents:
        values = dict(data)
        values["customizations"] = [
            AppliedCustomization(**c) for c in values.get("customizations", [])
        ]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})

    def copy(self) -> GuestContents:
        return copy.deepcopy(self)


def _disks(world: World) -> dict[str, Any]:
    section = world.sections.setdefault(SECTION, {})
    disks: dict[str, Any] = section.setdefault("contents", {})
    return disks


def contents_of(world: World, resource_id: str) -> GuestContents | None:
    """The contents of a disk, snapshot, image or image version, or None if it has none."""
    data = _disks(world).get(resource_id.lower())
    return GuestContents.from_json(data) if data is not None else None


def put_contents(world: World, resource_id: str, contents: GuestContents) -> None:
    _disks(world)[resource_id.lower()] = contents.to_json()


def copy_contents(world: World, source_id: str, target_id: str) -> GuestContents | None:
    """Give ``target_id`` a copy of ``source_id``'s contents (None, and nothing copied, if the
    source has none)."""
    contents = contents_of(world, source_id)
    if contents is not None:
        put_contents(world, target_id, contents)
    return contents


def drop_contents(world: World, resource_id: str) -> None:
    _disks(world).pop(resource_id.lower(), None)
