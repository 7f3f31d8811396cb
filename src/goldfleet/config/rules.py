"""Rules inside one document that types alone cannot say: a script needs its checksum, a built-in
takes only its own parameters, TrustedLaunch needs Gen2, an AD join needs an account, a window's
name is unique in its tenant... Each rule names the field it is about."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from goldfleet.config.catalog import BUILTIN_CUSTOMIZATIONS
from goldfleet.config.diagnostics import Problem, did_you_mean, shown
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
from goldfleet.config.models.images import (
    Customization,
    GalleryVersionSource,
    MarketplaceSource,
    NewSourceVersionSchedule,
)
from goldfleet.domain.host_pools import HostPoolType, JoinType, LoadBalancer
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.images import HyperVGeneration, SecurityType
from goldfleet.domain.rollout import RolloutStrategy


def check_document(valid: Valid[Any]) -> list[Problem]:
    rule = _RULES.get(type(valid.doc))
    return list(rule(valid)) if rule else []


def _tenant(valid: Valid[TenantDocument]) -> Iterator[Problem]:
    spec = valid.doc.spec
    yield from _unique(
        valid,
        "maintenance window",
        [
            (("spec", "maintenanceWindows", i, "name"), w.name)
            for i, w in enumerate(spec.maintenance_windows)
        ],
    )
    for i, freeze in enumerate(spec.freezes):
        if freeze.end < freeze.start:
            yield valid.problem(
                ("spec", "freezes", i, "end"),
                f"expected a date on or after the start {freeze.start.isoformat()},"
                f" got {shown(freeze.end.isoformat())}",
            )
    client_id = getattr(spec.credential, "client_id", None)
    for s, sub in enumerate(spec.subscriptions):
        yield from _unique(
            valid,
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


def _pipeline(valid: Valid[ImagePipelineDocument]) -> Iterator[Problem]:
    spec = valid.doc.spec
    source = spec.source
    if isinstance(source, GalleryVersionSource) and (source.definition is None) == (
        source.id is None
    ):
        yield valid.problem(
            ("spec", "source"), "expected exactly one of definition (a name) or id (a resource id)"
        )
    for i, step in enumerate(spec.customizations):
        yield from _customization(valid, ("spec", "customizations", i), step)
    if isinstance(spec.schedule, NewSourceVersionSchedule):
        version = getattr(source, "version", None)
        if not isinstance(source, MarketplaceSource | GalleryVersionSource):
            yield valid.problem(
                ("spec", "schedule", "type"),
                "newSourceVersion needs a marketplace or galleryVersion source"
                f" (this pipeline's source is {shown(source.type)})",
            )
        elif version != "latest":
            yield valid.problem(
                ("spec", "schedule", "type"),
                "newSourceVersion needs the source's version to be latest"
                f" (it is pinned to {shown(version)})",
            )
    targets = spec.distribution.targets
    yield from _unique(
        valid,
        "distribution target",
        [
            (("spec", "distribution", "targets", t, "definition"), target.definition)
            for t, target in enumerate(targets)
        ],
    )
    for t, target in enumerate(targets):
        yield from _unique(
            valid,
            "region",
            [
                (("spec", "distribution", "targets", t, "regions", r), region.name)
                for r, region in enumerate(target.regions)
            ],
        )


def _customization(
    valid: Valid[ImagePipelineDocument], where: tuple[str | int, ...], step: Customization
) -> Iterator[Problem]:
    if (step.builtin is None) == (step.script is None):
        yield valid.problem(where, "expected exactly one of builtin (a name) or script (a URI)")
        return
    if step.script is not None:
        if step.sha256 is None:
            yield valid.problem(
                (*where, "sha256"),
                "required field is missing: a script runs only with the SHA-256 of its content"
                " (sha256: <64 hexadecimal digits>)",
            )
        return
    builtin = BUILTIN_CUSTOMIZATIONS.get(step.builtin or "")
    if builtin is None:
        yield valid.problem(
            (*where, "builtin"),
            f"unknown built-in customization {shown(step.builtin)}"
            f"{did_you_mean(step.builtin or '', BUILTIN_CUSTOMIZATIONS)}",
        )
        return
    if step.sha256 is not None:
        yield valid.problem((*where, "sha256"), "only a script takes a sha256")
    for name in step.parameters:
        if name not in builtin.parameters:
            accepted = ", ".join(sorted(builtin.parameters)) or "none"
            yield valid.problem(
                (*where, "parameters", name),
                f"unknown parameter {shown(name)} of {builtin.name}; expected: {accepted}",
                at_key=True,
            )
    for name in sorted(builtin.required - set(step.parameters)):
        yield valid.problem((*where, "parameters", name), f"required parameter of {builtin.name}")


def _host_pool(valid: Valid[HostPoolDocument]) -> Iterator[Problem]:
    spec = valid.doc.spec
    pooled = spec.type is HostPoolType.POOLED
    balancers = (
        {LoadBalancer.BREADTH_FIRST, LoadBalancer.DEPTH_FIRST}
        if pooled
        else {LoadBalancer.PERSISTENT}
    )
    if spec.load_balancer is not None and spec.load_balancer not in balancers:
        yield valid.problem(
            ("spec", "loadBalancer"),
            f"expected {' or '.join(sorted(shown(b.value) for b in balancers))}"
            f" for a {spec.type.value} pool, got {shown(spec.load_balancer.value)}",
        )
    if not pooled and spec.max_session_limit is not None:
        yield valid.problem(("spec", "maxSessionLimit"), "only a pooled host pool takes it")
    join = spec.session_hosts.join
    where = ("spec", "sessionHosts", "join")
    ad_fields = {"domain": join.domain, "username": join.username, "secretEnv": join.secret_env}
    if join.type is JoinType.AD:
        for name, value in ad_fields.items():
            if value is None:
                yield valid.problem((*where, name), "required for an AD join")
        if join.intune:
            yield valid.problem((*where, "intune"), "only an entra join enrols in Intune")
    else:
        for name, value in {**ad_fields, "ouPath": join.ou_path}.items():
            if value is not None:
                yield valid.problem((*where, name), "only an AD join takes it", at_key=True)
    if spec.dr_region is not None:
        for name, value in (
            ("drResourceGroup", spec.dr_resource_group),
            ("drSubnetId", spec.dr_subnet_id),
        ):
            if value is None:
                yield valid.problem(("spec", "drRegion"), f"{name} is required with drRegion")
    if spec.dr_region is not None and spec.dr_region == spec.location:
        yield valid.problem(
            ("spec", "drRegion"), f"expected a region other than the pool's own ({spec.location})"
        )


def _rollout_policy(valid: Valid[RolloutPolicyDocument]) -> Iterator[Problem]:
    spec = valid.doc.spec
    if spec.strategy is RolloutStrategy.SIDE_BY_SIDE and spec.max_surge < 1:
        yield valid.problem(
            ("spec", "maxSurge"), "expected a number >= 1 for sideBySide (new hosts come first)"
        )


def _ring(valid: Valid[RingDocument]) -> Iterator[Problem]:
    yield from _unique(
        valid,
        "member",
        [(("spec", "members", i), member) for i, member in enumerate(valid.doc.spec.members)],
    )


def _unique(
    valid: Valid[Any], what: str, items: list[tuple[tuple[str | int, ...], str]]
) -> Iterator[Problem]:
    first: dict[str, tuple[str | int, ...]] = {}
    for path, key in items:
        if key in first:
            line, _ = valid.entry.source.position(first[key])
            yield valid.problem(path, f"duplicate {what} {shown(key)}; the first is on line {line}")
        else:
            first[key] = path


_RULES: dict[type[AnyDocument], Callable[[Valid[Any]], Iterator[Problem]]] = {
    TenantDocument: _tenant,
    ImageDefinitionDocument: _image_definition,
    ImagePipelineDocument: _pipeline,
    HostPoolDocument: _host_pool,
    RolloutPolicyDocument: _rollout_policy,
    RingDocument: _ring,
}
