"""Observed state: what Azure holds, as read with list calls, in a canonical form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ObservedResourceGroup:
    resource_id: str
    name: str
    location: str
    tags: tuple[tuple[str, str], ...]
    provisioning_state: str = "Succeeded"


@dataclass(frozen=True)
class ObservedRoleAssignment:
    resource_id: str  # {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
    name: str
    scope: str
    role_definition_guid: str
    principal_id: str
    description: str | None = None


@dataclass(frozen=True)
class ObservedGallery:
    resource_id: str
    name: str
    resource_group: str
    location: str
    description: str
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ObservedImageDefinition:
    resource_id: str
    gallery_id: str
    name: str
    location: str
    os_type: str
    os_state: str
    hyper_v_generation: str
    security_type: str  # from the SecurityType feature; "Standard" when absent
    publisher: str
    offer: str
    sku: str
    description: str
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ObservedImageVersion:
    resource_id: str
    definition_id: str
    name: str
    provisioning_state: str
    source_id: str  # "" when Azure does not say
    end_of_life: str  # ISO 8601, "" when none
    blocks_deletion_before_end_of_life: bool
    exclude_from_latest: bool
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ObservedHostPool:
    resource_id: str
    name: str
    resource_group: str
    location: str
    host_pool_type: str  # Pooled | Personal | BYODesktop
    load_balancer_type: str
    max_session_limit: int | None
    start_vm_on_connect: bool
    custom_rdp_property: str
    validation_environment: bool
    preferred_app_group_type: str
    friendly_name: str
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ObservedApplicationGroup:
    resource_id: str
    name: str
    resource_group: str
    location: str
    host_pool_id: str
    group_type: str  # Desktop | RemoteApp
    friendly_name: str
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ObservedWorkspace:
    resource_id: str
    name: str
    resource_group: str
    location: str
    application_groups: tuple[str, ...]  # application group ids, as Azure spells them
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ObservedSubscription:
    subscription_id: str
    tenant_id: str
    self_object_id: str  # goldfleet's own service principal in this tenant
    resource_groups: tuple[ObservedResourceGroup, ...] = ()
    role_assignments: tuple[ObservedRoleAssignment, ...] = ()
    role_definitions: tuple[tuple[str, str], ...] = ()  # (lower-case role name, guid)
    galleries: tuple[ObservedGallery, ...] = ()
    image_definitions: tuple[ObservedImageDefinition, ...] = ()
    image_versions: tuple[ObservedImageVersion, ...] = ()  # only when retention needs them
    host_pools: tuple[ObservedHostPool, ...] = ()  # only where the configuration has pools
    application_groups: tuple[ObservedApplicationGroup, ...] = ()
    workspaces: tuple[ObservedWorkspace, ...] = ()


@dataclass(frozen=True)
class ObservedState:
    subscriptions: tuple[ObservedSubscription, ...] = field(default=())
    _by_id: dict[str, ObservedSubscription] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._by_id.update({s.subscription_id.lower(): s for s in self.subscriptions})

    def subscription(self, subscription_id: str) -> ObservedSubscription | None:
        return self._by_id.get(subscription_id.lower())

    def canonical(self) -> dict[str, Any]:
        """Order-independent JSON form: the same Azure state always gives the same document."""
        subs = []
        for sub in sorted(self.subscriptions, key=lambda s: s.subscription_id.lower()):
            data = asdict(sub)
            data["resource_groups"] = sorted(
                data["resource_groups"], key=lambda g: g["resource_id"].lower()
            )
            data["role_assignments"] = sorted(
                data["role_assignments"], key=lambda a: a["resource_id"].lower()
            )
            data["role_definitions"] = sorted(data["role_definitions"])
            data["galleries"] = sorted(data["galleries"], key=lambda g: g["resource_id"].lower())
            data["image_definitions"] = sorted(
                data["image_definitions"], key=lambda d: d["resource_id"].lower()
            )
            for key in (
                "image_versions",
                "host_pools",
                "application_groups",
                "workspaces",
            ):
                data[key] = sorted(data[key], key=lambda v: v["resource_id"].lower())
            subs.append(data)
        return {"subscriptions": subs}

    def fingerprint(self) -> str:
        return fingerprint(self.canonical())


def fingerprint(document: Any) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(canonical.encode()).hexdigest()
