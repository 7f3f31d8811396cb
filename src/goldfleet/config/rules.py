"""Rules inside one document that types alone cannot say: a window's name is unique in its
tenant and the window can open and close, a subscription's regions are in one cloud and its
groups in its regions, tags are what Azure accepts, TrustedLaunch needs Gen2, and no value holds
a secret. Pipelines' rules are in ``rules_images``, pools' and rollout policies' in
``rules_pools``. Each rule names the field it is about."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from goldfleet.config import secrets
from goldfleet.config.diagnostics import Path, Problem, shown
from goldfleet.config.entries import Valid
from goldfleet.config.models.documents import (
    AnyDocument,
    HostPoolDocument,
    ImageDefinitionDocument,
    ImagePipelineDocument,
    RingDocument,
    RolloutPolicyDocument,
    TenantDocument,
)
from goldfleet.config.rules_images import pipeline_rules
from goldfleet.config.rules_pools import host_pool_rules, rollout_policy_rules
from goldfleet.config.timing import window_problems
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.images import HyperVGeneration, SecurityType

GOVERNMENT_REGIONS = frozenset({"usgovarizona", "usgovtexas", "usgovvirginia"})
MAX_TAGS = 50  # per resource group, Azure's limit
GOLDFLEET_TAGS = 2  # goldfleet's own tags on what it manages (managed-by, its owner)
_TAG_NAME_FORBIDDEN = set("<>%&\\?/")
_TAG_NAME_RESERVED = ("microsoft", "azure", "windows")  # Azure's prefixes
IDENTIFIER_LENGTHS = {"publisher": 128, "offer": 64, "sku": 64}


def check_document(valid: Valid[Any]) -> list[Problem]:
    rule = _RULES.get(type(valid.doc))
    found = list(rule(valid)) if rule else []
    for path, what in secrets.secret_values(valid.entry.source.data):
        found.append(valid.problem(path, secrets.value_message(what)))
    return found


def _tenant(valid: Valid[TenantDocument]) -> Iterator[Problem]:
    spec = valid.doc.spec
    yield from valid.duplicates(
        "maintenance window",
        [
            (("spec", "maintenanceWindows", i, "name"), w.name)
            for i, w in enumerate(spec.maintenance_windows)
        ],
    )
    for path, message in window_problems(spec.maintenance_windows, ("spec", "maintenanceWindows")):
        yield valid.problem(path, message)
    for i, freeze in enumerate(spec.freezes):
        if freeze.end < freeze.start:
            yield valid.problem(
                ("spec", "freezes", i, "end"),
                f"expected a date on or after the start {freeze.start.isoformat()},"
                f" got {shown(freeze.end.isoformat())}",
            )
    client_id = getattr(spec.credential, "client_id", None)
    for s, sub in enumerate(spec.subscriptions):
        yield from _subscription(valid, s)
        yield from valid.duplicates(
            "resource group",
            [
                (("spec", "subscriptions", s, "resourceGroups", g, "name"), rg.name.lower())
                for g, rg in enumerate(sub.resource_groups)
            ],
        )
        for a, assignment in enumerate(sub.role_assignments):
            where = ("spec", "subscriptions", s, "roleAssignments", a)
            if assignment.scope and not ResourceId(assignment.scope).is_within(
                ResourceId.subscription(sub.id)
            ):
                yield valid.problem(
                    (*where, "scope"),
                    f"expected a scope inside subscription {sub.id}, got {shown(assignment.scope)}",
                )
            if assignment.principal is None and client_id is None:
                yield valid.problem(
                    (*where, "principal"),
                    "required field is missing (the credential has no clientId to default to);"
                    " expected app:<client id> or object:<object id>",
                )


def _subscription(valid: Valid[TenantDocument], s: int) -> Iterator[Problem]:
    """One cloud per subscription, groups in its regions, tags Azure accepts."""
    sub = valid.doc.spec.subscriptions[s]
    where: Path = ("spec", "subscriptions", s)
    clouds = {r in GOVERNMENT_REGIONS for r in sub.regions}
    if len(clouds) > 1:
        first = sub.regions[0]
        for r, region in enumerate(sub.regions):
            if (region in GOVERNMENT_REGIONS) != (first in GOVERNMENT_REGIONS):
                yield valid.problem(
                    (*where, "regions", r),
                    f"{region} and {first} are in different clouds (Azure Government and"
                    " Azure's global cloud): a subscription is in one",
                )
    for g, group in enumerate(sub.resource_groups):
        here = (*where, "resourceGroups", g)
        if sub.regions and group.location not in sub.regions:
            yield valid.problem(
                (*here, "location"),
                f"expected one of the regions of subscription {sub.name}"
                f" ({', '.join(sub.regions)}), got {shown(group.location)}",
            )
        yield from _tags(valid, (*here, "tags"), group.tags)


def _tags(valid: Valid[Any], where: Path, tags: dict[str, str]) -> Iterator[Problem]:
    """Azure's rules for tags: at most 50 (goldfleet adds its own), names without < > % & \\ ?
    / and not starting with microsoft, azure or windows, names up to 512 characters and values
    up to 256, names unique ignoring case; and goldfleet's own tag names are goldfleet's."""
    room = MAX_TAGS - GOLDFLEET_TAGS
    if len(tags) > room:
        yield valid.problem(
            where,
            f"{len(tags)} tags: Azure allows {MAX_TAGS} on a resource group and goldfleet adds"
            f" {GOLDFLEET_TAGS}, so at most {room}",
        )
    seen: dict[str, str] = {}
    for name, value in tags.items():
        lowered = name.lower()
        problem = None
        if lowered in seen:
            problem = f"tag names are case-insensitive: {shown(name)} is {shown(seen[lowered])}"
        elif _TAG_NAME_FORBIDDEN & set(name):
            problem = f"tag name {shown(name)} has a character Azure refuses (< > % & \\ ? /)"
        elif lowered.startswith(_TAG_NAME_RESERVED):
            problem = f"tag name {shown(name)} starts with a prefix Azure reserves"
        elif lowered == "managed-by" or lowered.startswith("goldfleet-"):
            problem = (
                f"tag name {shown(name)} is goldfleet's own (it marks what goldfleet manages"
                " and who owns it); choose another name"
            )
        elif len(name) > 512:
            problem = f"tag name of {len(name)} characters; Azure allows 512"
        seen.setdefault(lowered, name)
        if problem:
            yield valid.problem((*where, name), problem, at_key=True)
        elif len(value) > 256:
            yield valid.problem(
                (*where, name), f"tag value of {len(value)} characters; Azure allows 256"
            )


def _image_definition(valid: Valid[ImageDefinitionDocument]) -> Iterator[Problem]:
    spec = valid.doc.spec
    needs_gen2 = {
        SecurityType.TRUSTED_LAUNCH,
        SecurityType.CONFIDENTIAL_VM,
        SecurityType.TRUSTED_LAUNCH_AND_CONFIDENTIAL_VM_SUPPORTED,
    }
    if spec.security_type in needs_gen2 and spec.hyper_v_generation is not HyperVGeneration.V2:
        yield valid.problem(
            ("spec", "hyperVGeneration"),
            f'expected "V2" for securityType {spec.security_type.value},'
            f" got {shown(spec.hyper_v_generation.value)}",
        )
    for field, longest in IDENTIFIER_LENGTHS.items():
        value = getattr(spec.identifier, field)
        if len(value) > longest:
            yield valid.problem(
                ("spec", "identifier", field),
                f"{field} of {len(value)} characters; Azure allows {longest}",
            )


def _ring(valid: Valid[RingDocument]) -> Iterator[Problem]:
    yield from valid.duplicates(
        "member",
        [(("spec", "members", i), member) for i, member in enumerate(valid.doc.spec.members)],
    )


_RULES: dict[type[AnyDocument], Callable[[Valid[Any]], Iterator[Problem]]] = {
    TenantDocument: _tenant,
    ImageDefinitionDocument: _image_definition,
    ImagePipelineDocument: pipeline_rules,
    HostPoolDocument: host_pool_rules,
    RolloutPolicyDocument: rollout_policy_rules,
    RingDocument: _ring,
}
