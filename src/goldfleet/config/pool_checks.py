"""Rule 8 for host pools, across documents: a pool's rollout policy must be able to replace the
pool's hosts (a canary, a surge, a batch no larger than the pool, a failure budget smaller than
it, a deleteFirst floor that leaves a host to replace, a grace period shorter than the pool's
longest maintenance window); its image must make Windows session hosts its VM size can boot;
its DR group must be declared; and no maintenance window may be a ``once`` window whose date has
passed (judged at the instant the checks are given).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from goldfleet.config.catalog import generation_one_only
from goldfleet.config.diagnostics import Problem, shown
from goldfleet.config.entries import Valid
from goldfleet.config.lookup import Documents, Owner, of_kind, subscription_of
from goldfleet.config.models.documents import (
    HostPoolDocument,
    ImageDefinitionDocument,
    RolloutPolicyDocument,
    TenantDocument,
)
from goldfleet.config.timing import duration_text, longest, passed_once_windows
from goldfleet.domain.images import HyperVGeneration, OsState, OsType
from goldfleet.domain.replacement import capacity_floor
from goldfleet.domain.rollout import RolloutStrategy


def pool_problems(documents: Documents, now: datetime) -> list[Problem]:
    problems: list[Problem] = []
    for pool in of_kind(documents, "HostPool", HostPoolDocument):
        policy = documents.get("RolloutPolicy", {}).get(pool.doc.spec.rollout_policy)
        if policy is not None:
            problems += _policy_fits(pool, policy)
            problems += _grace_fits(documents, pool, policy)
        image = documents.get("ImageDefinition", {}).get(pool.doc.spec.session_hosts.image)
        if image is not None:
            problems += _image_fits(pool, image)
        problems += _dr_group(documents, pool)
        tenant = documents.get("Tenant", {}).get(pool.doc.spec.tenant)
        if tenant is not None and pool.doc.spec.maintenance_windows:
            problems += [
                pool.problem(path, message)
                for path, message in passed_once_windows(
                    pool.doc.spec.maintenance_windows,
                    ("spec", "maintenanceWindows"),
                    tenant.doc.spec.time_zone,
                    now,
                )
            ]
    for tenant in of_kind(documents, "Tenant", TenantDocument):
        spec = tenant.doc.spec
        problems += [
            tenant.problem(path, message)
            for path, message in passed_once_windows(
                spec.maintenance_windows, ("spec", "maintenanceWindows"), spec.time_zone, now
            )
        ]
    return problems


def _policy_fits(
    pool: Valid[HostPoolDocument], policy: Valid[RolloutPolicyDocument]
) -> list[Problem]:
    """The policy's numbers against the pool's host count (a pool of no hosts has no rollout)."""
    count = pool.doc.spec.session_hosts.count
    if count == 0:
        return []
    spec = policy.doc.spec
    hosts = f"the {count} host{'s' if count != 1 else ''} of {Owner(pool, _COUNT)}"
    found = []
    if spec.canary.hosts > count:
        found.append(
            policy.problem(
                ("spec", "canary", "hosts"),
                f"a canary of {spec.canary.hosts} hosts is more than {hosts}",
            )
        )
    if spec.strategy is RolloutStrategy.SIDE_BY_SIDE and spec.max_surge > count:
        found.append(
            policy.problem(
                ("spec", "maxSurge"),
                f"maxSurge {spec.max_surge} is more than {hosts}: no rollout of the pool needs"
                f" more than {count} new hosts at once",
            )
        )
    if spec.batch_size > count:
        found.append(
            policy.problem(
                ("spec", "batchSize"), f"batchSize {spec.batch_size} is more than {hosts}"
            )
        )
    if spec.failure_budget >= count:
        found.append(
            policy.problem(
                ("spec", "failureBudget"),
                f"failureBudget {spec.failure_budget} lets every one of {hosts} fail without"
                f" halting the rollout; expected fewer than {count}",
            )
        )
    percent = spec.min_available_percent
    if spec.strategy is RolloutStrategy.DELETE_FIRST and percent < 100:
        floor = capacity_floor(count, percent)
        if floor >= count:
            most = math.floor(100 * (count - 1) / count)
            found.append(
                policy.problem(
                    ("spec", "minAvailablePercent"),
                    f"with deleteFirst, {percent}% of {hosts} is {floor}: every host must stay"
                    f" serving, so none can be replaced; expected at most {most}%",
                )
            )
    return found


_COUNT = ("spec", "sessionHosts", "count")


def _grace_fits(
    documents: Documents, pool: Valid[HostPoolDocument], policy: Valid[RolloutPolicyDocument]
) -> list[Problem]:
    """Users are asked to sign out ``gracePeriod`` before their host goes: that must fit in a
    window (the pool's own windows, else its tenant's; no windows: any time)."""
    spec = pool.doc.spec
    owner: Valid[Any] = pool
    windows = spec.maintenance_windows
    if windows is None:
        tenant = documents.get("Tenant", {}).get(spec.tenant)
        if tenant is None:
            return []
        owner, windows = tenant, tenant.doc.spec.maintenance_windows
    widest = longest([w for w in windows if w.duration > timedelta(0)])  # 0: reported
    grace = policy.doc.spec.grace_period
    if widest is None or grace < widest.duration:
        return []
    at = Owner(owner, ("spec", "maintenanceWindows", windows.index(widest), "duration"))
    return [
        policy.problem(
            ("spec", "gracePeriod"),
            f"gracePeriod {duration_text(grace)} is not shorter than the longest maintenance"
            f" window of HostPool/{pool.name}, {shown(widest.name)} of"
            f" {duration_text(widest.duration)} ({at}): users would be asked to sign out only"
            " when the window has closed",
        )
    ]


def _image_fits(
    pool: Valid[HostPoolDocument], image: Valid[ImageDefinitionDocument]
) -> list[Problem]:
    spec = image.doc.spec
    where = ("spec", "sessionHosts", "image")
    found = []
    if spec.os_type is OsType.LINUX:
        found.append(
            pool.problem(
                where,
                f"ImageDefinition/{image.name} is a Linux image: Azure Virtual Desktop session"
                " hosts run Windows",
            )
        )
    if spec.os_state is OsState.SPECIALIZED:
        found.append(
            pool.problem(
                where,
                f"ImageDefinition/{image.name} is Specialized: session hosts get a computer"
                " name and join a directory, which needs a Generalized image",
            )
        )
    size = pool.doc.spec.session_hosts.vm_size
    if spec.hyper_v_generation is HyperVGeneration.V2 and generation_one_only(size):
        found.append(
            pool.problem(
                ("spec", "sessionHosts", "vmSize"),
                f"expected a VM size that boots Generation 2 images (ImageDefinition/"
                f"{image.name} is V2), got {size}, which is Generation 1 only",
            )
        )
    return found


def _dr_group(documents: Documents, pool: Valid[HostPoolDocument]) -> list[Problem]:
    spec = pool.doc.spec
    sub = subscription_of(documents, spec.tenant, spec.subscription)
    group = spec.dr_resource_group
    if sub is None or group is None:
        return []
    declared = [g.name for g in sub.resource_groups]
    if group.lower() in {g.lower() for g in declared}:
        return []
    return [
        pool.problem(
            ("spec", "drResourceGroup"),
            f"expected a resource group declared in subscription {sub.name}"
            f" ({', '.join(declared) or 'none declared'}), got {shown(group)};"
            f" add it to Tenant/{spec.tenant} spec.subscriptions resourceGroups",
        )
    ]
