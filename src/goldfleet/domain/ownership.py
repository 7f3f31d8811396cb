"""Who owns a resource goldfleet made, and whether a caller may change it.

Everything goldfleet creates carries the tag ``goldfleet-owner: <installation>/<kind>/<name>``:
the goldfleet installation (the provider tenant's ``installation``, default ``goldfleet``) and
the object of the configuration or of the run that owns it (a tenant's resource groups, a
gallery, an image definition, a pipeline's versions, a host pool and everything of it, a
build's temporary resources, a train). A role assignment, which has no tags, carries the same
words in its description.

The rule (enforced for every write in ``goldfleet.azure.ownership``, decided here):

* changing or deleting an existing resource needs its owner tag to name the caller exactly;
* creating a resource under a parent (an extension on a VM, a session host in a pool) changes
  the parent, so the parent must be the caller's too - unless the parent is a container that
  holds many owners' children (a resource group, a gallery, an image definition);
* a resource with no tag, or another installation's or object's, is never changed: adopting it
  is an explicit, audited command (``goldfleet adopt``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

OWNER_TAG = "goldfleet-owner"
MANAGED_TAG = ("managed-by", "goldfleet")  # for people reading the portal; owners decide
DEFAULT_INSTALLATION = "goldfleet"
_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,149}$")


class OwnerKind(StrEnum):
    TENANT = "tenant"  # resource groups declared under a Tenant
    GALLERY = "gallery"
    DEFINITION = "definition"
    PIPELINE = "pipeline"  # image versions of its releases, Image Builder's identity
    POOL = "pool"  # host pool, application group, session host VMs, DR pool and scale set
    WORKSPACE = "workspace"  # a workspace several pools publish into
    BUILD = "build"  # a build's temporary group, build VM, image template
    TRAIN = "train"


@dataclass(frozen=True)
class Owner:
    """The owner a write acts for, and the value of the tag it leaves."""

    installation: str
    kind: OwnerKind
    name: str

    def __post_init__(self) -> None:
        for part in (self.installation, self.name):
            if not _PART.match(part):
                raise ValueError(f"invalid owner part {part!r}")

    @property
    def tag(self) -> str:
        return f"{self.installation}/{self.kind.value}/{self.name}"

    def __str__(self) -> str:
        return self.tag


def parse_owner(value: str | None) -> Owner | None:
    """The owner a tag value names, or None when it is absent or not goldfleet's format."""
    if not value:
        return None
    parts = value.split("/")
    if len(parts) != 3:
        return None
    installation, kind, name = parts
    try:
        return Owner(installation, OwnerKind(kind), name)
    except ValueError:
        return None


def owner_in_tags(tags: dict[str, str] | None) -> str | None:
    """The raw owner tag of a resource's tags (tag names are case-insensitive in Azure)."""
    for key, value in (tags or {}).items():
        if key.lower() == OWNER_TAG:
            return value
    return None


def owned_description(owner: Owner) -> str:
    """A role assignment's description: the same marker, since it has no tags."""
    return f"managed-by: goldfleet; {OWNER_TAG}: {owner.tag}"


def owner_in_description(description: str | None) -> str | None:
    marker = f"{OWNER_TAG}: "
    if not description or marker not in description:
        return None
    return description.split(marker, 1)[1].split(";", 1)[0].strip() or None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str


def may_change(found: str | None, caller: Owner) -> Verdict:
    """May ``caller`` change or delete a resource whose owner tag is ``found``?"""
    if found is None:
        return Verdict(False, "it has no goldfleet-owner tag: goldfleet did not make it")
    if found.lower() == caller.tag.lower():
        return Verdict(True, "owned by the caller")
    other = parse_owner(found)
    if other is not None and other.installation.lower() != caller.installation.lower():
        return Verdict(False, f"it belongs to another goldfleet installation ({found})")
    return Verdict(False, f"it belongs to {found}")


def may_create_under(found: str | None, caller: Owner, *, container: bool) -> Verdict:
    """May ``caller`` create a child under a parent whose owner tag is ``found``? A container
    (a resource group, a gallery, a definition) takes anyone's children."""
    if container:
        return Verdict(True, "a container")
    return may_change(found, caller)


def adoption_hint(resource_id: str, owner: Owner | None) -> str:
    """What the user can do about a resource goldfleet may not change."""
    as_owner = f" --as {owner.kind.value}/{owner.name}" if owner else " --as KIND/NAME"
    return (
        f"leave it alone (rename what goldfleet should make), delete it yourself, or hand it to "
        f"goldfleet explicitly: goldfleet adopt {resource_id}{as_owner} --reason '...'"
    )
