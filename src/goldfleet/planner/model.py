"""What a plan is: ordered changes (create, update, replace, delete, no-op) with dependencies,
grouped by tenant and subscription, and a content hash over its canonical JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from goldfleet.domain.errors import UserInputError
from goldfleet.domain.observed import fingerprint

PLAN_FORMAT = "goldfleet-plan/1"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"


class Kind(StrEnum):
    RESOURCE_GROUP = "resourceGroup"
    GALLERY = "gallery"
    IMAGE_DEFINITION = "imageDefinition"
    IMAGE_VERSION = "imageVersion"
    ROLE_ASSIGNMENT = "roleAssignment"
    HOST_POOL = "hostPool"
    APPLICATION_GROUP = "applicationGroup"
    WORKSPACE = "workspace"


KIND_ORDER = {
    Kind.RESOURCE_GROUP: 0,
    Kind.GALLERY: 1,
    Kind.IMAGE_DEFINITION: 2,
    Kind.IMAGE_VERSION: 3,
    Kind.ROLE_ASSIGNMENT: 4,
    Kind.HOST_POOL: 5,
    Kind.APPLICATION_GROUP: 6,
    Kind.WORKSPACE: 7,
}


@dataclass(frozen=True)
class Change:
    key: str  # the resource id, lower-cased: unique within a plan
    action: Action
    kind: Kind
    tenant: str  # goldfleet's tenant name
    tenant_id: str
    subscription_id: str
    resource_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    depends_on: tuple[str, ...] = ()
    reason: str = ""
    owner: str = ""  # the goldfleet-owner tag the change acts for (domain.ownership)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "action": self.action.value,
            "kind": self.kind.value,
            "tenant": self.tenant,
            "tenantId": self.tenant_id,
            "subscriptionId": self.subscription_id,
            "resourceId": self.resource_id,
            "before": self.before,
            "after": self.after,
            "dependsOn": list(self.depends_on),
            "reason": self.reason,
            "owner": self.owner,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(
            key=data["key"],
            action=Action(data["action"]),
            kind=Kind(data["kind"]),
            tenant=data["tenant"],
            tenant_id=data["tenantId"],
            subscription_id=data["subscriptionId"],
            resource_id=data["resourceId"],
            before=data["before"],
            after=data["after"],
            depends_on=tuple(data["dependsOn"]),
            reason=data["reason"],
            owner=data.get("owner", ""),
        )


class PlanError(UserInputError):
    """The configuration cannot be planned against what Azure holds (e.g. an unknown role)."""


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    desired_fingerprint: str
    observed_fingerprint: str
    problems: tuple[str, ...] = ()

    @property
    def pending(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is not Action.NOOP)

    def counts(self) -> dict[str, int]:
        out = {a.value: 0 for a in Action}
        for change in self.changes:
            out[change.action.value] += 1
        return out

    def counts_by_tenant(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for change in self.changes:
            tenant = out.setdefault(change.tenant, {a.value: 0 for a in Action})
            tenant[change.action.value] += 1
        return out

    def body(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "desiredFingerprint": self.desired_fingerprint,
            "observedFingerprint": self.observed_fingerprint,
            "summary": self.counts(),
            "problems": list(self.problems),
            "changes": [c.to_json() for c in self.changes],
        }

    @property
    def hash(self) -> str:
        return fingerprint(self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    def dumps(self) -> str:
        """The plan's canonical bytes (sorted keys): identical inputs, identical text."""
        return json.dumps(self.to_json(), sort_keys=True, indent=2) + "\n"

    @classmethod
    def loads(cls, text: str, source: str = "plan") -> Plan:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UserInputError(f"{source} is not a goldfleet plan (not JSON: {exc})") from exc
        if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
            raise UserInputError(f"{source} is not a goldfleet plan ({PLAN_FORMAT})")
        try:
            plan = cls(
                changes=tuple(Change.from_json(c) for c in data["changes"]),
                desired_fingerprint=data["desiredFingerprint"],
                observed_fingerprint=data["observedFingerprint"],
                problems=tuple(data.get("problems", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UserInputError(f"{source} is not a valid goldfleet plan: {exc}") from exc
        if data.get("hash") != plan.hash:
            raise UserInputError(
                f"{source} has been edited since it was made (its hash does not match)",
                hint="make a new plan with `goldfleet plan --out FILE`",
            )
        return plan
