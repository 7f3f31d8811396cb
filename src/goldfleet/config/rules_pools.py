"""Rules inside one HostPool or RolloutPolicy document: the balancer fits the pool type, an AD
join has its account and an OU in its own domain, RDP properties are ``name:type:value``, DR
needs its group and subnet in another region, a pool's own maintenance windows can open and
close, and a deleteFirst policy leaves some host to replace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

from goldfleet.config.diagnostics import Problem, shown
from goldfleet.config.entries import Valid
from goldfleet.config.models.documents import HostPoolDocument, RolloutPolicyDocument
from goldfleet.config.timing import window_problems
from goldfleet.domain.host_pools import HostPoolType, JoinType, LoadBalancer
from goldfleet.domain.rollout import RolloutStrategy

_RDP_PROPERTY = re.compile(r"^([A-Za-z][A-Za-z0-9 ]*):([isb]):(.*)$")
_DN_PART = re.compile(r"^(OU|CN|DC)=(.+)$", re.IGNORECASE)


def host_pool_rules(valid: Valid[HostPoolDocument]) -> Iterator[Problem]:
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
    yield from _join(valid)
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
    if spec.custom_rdp_property is not None:
        yield from _rdp_properties(valid, spec.custom_rdp_property)
    windows = spec.maintenance_windows or []
    yield from valid.duplicates(
        "maintenance window",
        [(("spec", "maintenanceWindows", i, "name"), w.name) for i, w in enumerate(windows)],
    )
    for path, message in window_problems(windows, ("spec", "maintenanceWindows")):
        yield valid.problem(path, message)


def _join(valid: Valid[HostPoolDocument]) -> Iterator[Problem]:
    join = valid.doc.spec.session_hosts.join
    where = ("spec", "sessionHosts", "join")
    ad_fields = {"domain": join.domain, "username": join.username, "secretEnv": join.secret_env}
    if join.type is not JoinType.AD:
        for name, value in {**ad_fields, "ouPath": join.ou_path}.items():
            if value is not None:
                yield valid.problem((*where, name), "only an AD join takes it", at_key=True)
        return
    for name, value in ad_fields.items():
        if value is None:
            yield valid.problem((*where, name), "required for an AD join")
    if join.intune:
        yield valid.problem((*where, "intune"), "only an entra join enrols in Intune")
    if join.ou_path is None:
        return
    parts = [p.strip() for p in re.split(r"(?<!\\),", join.ou_path)]
    matched = [_DN_PART.match(p) for p in parts]
    if not all(matched):
        yield valid.problem(
            (*where, "ouPath"),
            'expected a distinguished name such as "OU=AVD,DC=corp,DC=example,DC=com",'
            f" got {shown(join.ou_path)}",
        )
        return
    dcs = ".".join(m.group(2) for m in matched if m and m.group(1).upper() == "DC")
    if dcs and join.domain and dcs.lower() != join.domain.lower():
        yield valid.problem(
            (*where, "ouPath"),
            f"the OU is in domain {dcs}, not in {join.domain}, the domain the hosts join:"
            " the join would fail",
        )


def _rdp_properties(valid: Valid[HostPoolDocument], text: str) -> Iterator[Problem]:
    """``name:type:value`` separated by ';', type i (a whole number), s or b."""
    for item in (i.strip() for i in text.split(";")):
        if not item:
            continue
        found = _RDP_PROPERTY.match(item)
        if found is None or (found.group(2) == "i" and not re.fullmatch(r"-?\d+", found.group(3))):
            yield valid.problem(
                ("spec", "customRdpProperty"),
                "expected RDP properties name:type:value separated by ';' (type i for a whole"
                f" number, s for text, b for binary), got {shown(item)}",
            )
            return


def rollout_policy_rules(valid: Valid[RolloutPolicyDocument]) -> Iterator[Problem]:
    spec = valid.doc.spec
    if spec.strategy is RolloutStrategy.SIDE_BY_SIDE and spec.max_surge < 1:
        yield valid.problem(
            ("spec", "maxSurge"), "expected a number >= 1 for sideBySide (new hosts come first)"
        )
    if spec.strategy is RolloutStrategy.DELETE_FIRST and spec.min_available_percent >= 100:
        yield valid.problem(
            ("spec", "minAvailablePercent"),
            "with deleteFirst, 100% must stay available, so no host can ever be deleted and"
            " replaced; lower it, or use sideBySide (new hosts first)",
        )
    if spec.host_ready_timeout <= timedelta(0):
        yield valid.problem(
            ("spec", "hostReadyTimeout"),
            "expected a duration longer than 0: every new host would count as failed",
        )
