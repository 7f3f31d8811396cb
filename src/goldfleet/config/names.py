"""Rule 2, unique names: every Azure name the configuration will make, and who makes it.

Galleries, image definitions (and their publisher/offer/sku), the versions of a definition, host
pools, their Desktop application groups, session host VM names (``<namePrefix>-<n>``) and the
Windows computer names they become, the DR pool ``<name>-dr`` with its application group and its
standby scale set ``vmss-<namePrefix>-dr``, Image Builder staging groups and goldfleet's
temporary capture groups. Names are computed with ``goldfleet.domain.names``, the functions the
rollouts, DR and builds use, and compared as Azure compares them: case-insensitively, in their
scope (a resource group, a gallery, a directory). Two owners of one name are refused: the
problem is reported at the second and names the first's ``file:line:col``.

Sharing that is intended is not a conflict: pools in one resource group that name one workspace
share it (unless they disagree on its region); build pipelines share their build group and its
Image Builder identity; image templates and temporary groups are named by the build, so they
are never shared. Collisions inside one document are the document rules' business.
"""

from __future__ import annotations

import re
from typing import Any

from goldfleet.config.diagnostics import Path, Problem, shown
from goldfleet.config.entries import Valid
from goldfleet.config.lookup import Documents, Owner, of_kind, subscription_of
from goldfleet.config.models.documents import (
    GalleryDocument,
    HostPoolDocument,
    ImageDefinitionDocument,
    ImagePipelineDocument,
    RolloutPolicyDocument,
    TenantDocument,
)
from goldfleet.domain import names
from goldfleet.domain.host_pools import JoinType
from goldfleet.domain.rollout import RolloutStrategy

_GALLERY_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._]{0,78}[A-Za-z0-9])?$")


class _Claims:
    """Names taken so far, by scope and case-folded name, with the field that took each."""

    def __init__(self) -> None:
        self.owners: dict[tuple[str, ...], Owner] = {}
        self.problems: list[Problem] = []

    def reserve(self, key: tuple[str, ...], owner: Owner) -> None:
        """Take ``key`` without a problem if it is taken (reported elsewhere)."""
        self.owners.setdefault(tuple(k.lower() for k in key), owner)

    def take(self, key: tuple[str, ...], owner: Owner, what: str, why: str) -> bool:
        """Take ``key`` for ``owner``; when another document took it first, a problem at
        ``owner`` that names the first. True when the name was free."""
        first = self.owners.setdefault(tuple(k.lower() for k in key), owner)
        if first is owner or first.valid is owner.valid:
            return True
        self.problems.append(
            owner.valid.problem(owner.path, f"{what} already belongs to {first}; {why}")
        )
        return False

    def problem(self, owner: Owner, message: str) -> None:
        self.problems.append(owner.valid.problem(owner.path, message))


def name_problems(documents: Documents) -> list[Problem]:
    """Every Azure name made twice, and every name Azure would refuse, in ``documents``."""
    claims = _Claims()
    _resource_groups(documents, claims)
    galleries = _galleries(documents, claims)
    _definitions(documents, claims, galleries)
    _pipelines(documents, claims)
    _host_pools(documents, claims)
    _computer_names(documents, claims)
    return claims.problems


def _name_and_path(explicit: str | None, valid: Valid[Any]) -> tuple[str, Path]:
    if explicit is not None:
        return explicit, ("spec", "name")
    return valid.name, ("metadata", "name")


def _resource_groups(documents: Documents, claims: _Claims) -> None:
    for tenant in of_kind(documents, "Tenant", TenantDocument):
        for s, sub in enumerate(tenant.doc.spec.subscriptions):
            for g, group in enumerate(sub.resource_groups):
                owner = Owner(tenant, ("spec", "subscriptions", s, "resourceGroups", g, "name"))
                claims.reserve(("resource group", sub.id, group.name), owner)
                if group.name.lower().startswith(names.TEMPORARY_GROUP_PREFIX):
                    claims.problem(
                        owner,
                        f"resource group names starting with {names.TEMPORARY_GROUP_PREFIX} are"
                        " goldfleet's temporary capture groups, deleted with everything in them;"
                        " choose another name",
                    )
                elif group.name.upper().startswith(names.IMAGE_BUILDER_STAGING_PREFIX):
                    claims.problem(
                        owner,
                        f"resource group names starting with {names.IMAGE_BUILDER_STAGING_PREFIX}"
                        " are Azure Image Builder's staging groups, which it deletes;"
                        " choose another name",
                    )


def _galleries(documents: Documents, claims: _Claims) -> dict[str, tuple[str, ...]]:
    """Each Gallery document's Azure identity (subscription, group, name) and Azure name."""
    found: dict[str, tuple[str, ...]] = {}
    for gallery in of_kind(documents, "Gallery", GalleryDocument):
        spec = gallery.doc.spec
        name, path = _name_and_path(spec.name, gallery)
        owner = Owner(gallery, path)
        if spec.name is None and not _GALLERY_NAME.match(name):
            claims.problem(
                owner,
                "the Azure gallery name defaults to metadata.name, and gallery names have only"
                " letters, digits, '.' and '_' (no '-'); set spec.name,"
                f" e.g. {shown(name.replace('-', '_'))}",
            )
        sub = subscription_of(documents, spec.tenant, spec.subscription)
        if sub is None:
            continue
        key = ("gallery", sub.id, spec.resource_group, name)
        claims.take(
            key,
            owner,
            f"gallery {shown(name)} in resource group {spec.resource_group} of subscription"
            f" {sub.name}",
            "two Gallery documents would manage one Azure gallery (Azure names are"
            " case-insensitive)",
        )
        found[gallery.name] = (*key, name)
    return found


def _definitions(
    documents: Documents, claims: _Claims, galleries: dict[str, tuple[str, ...]]
) -> None:
    for definition in of_kind(documents, "ImageDefinition", ImageDefinitionDocument):
        spec = definition.doc.spec
        gallery = galleries.get(spec.gallery)
        if gallery is None:
            continue
        *key, shown_name = gallery
        name, path = _name_and_path(spec.name, definition)
        claims.take(
            (*key, "definition", name),
            Owner(definition, path),
            f"image definition {shown(name)} in gallery {shown_name}",
            "two ImageDefinition documents would manage one definition",
        )
        ident = spec.identifier
        claims.take(
            (*key, "identifier", ident.publisher, ident.offer, ident.sku),
            Owner(definition, ("spec", "identifier")),
            f"identifier {ident.publisher}/{ident.offer}/{ident.sku} in gallery {shown_name}",
            "Azure allows one definition per publisher, offer and sku in a gallery",
        )


def _pipelines(documents: Documents, claims: _Claims) -> None:
    for pipeline in of_kind(documents, "ImagePipeline", ImagePipelineDocument):
        spec = pipeline.doc.spec
        for t, target in enumerate(spec.distribution.targets):
            claims.take(
                ("versions of", target.definition),
                Owner(pipeline, ("spec", "distribution", "targets", t, "definition")),
                f"ImageDefinition/{target.definition} as a distribution target",
                "two pipelines would name, replicate and retire the versions of one definition",
            )
        build = spec.build
        staging = build.staging_resource_group
        sub = subscription_of(documents, build.tenant, build.subscription)
        if staging is None or sub is None:
            continue
        claims.take(
            ("resource group", sub.id, staging),
            Owner(pipeline, ("spec", "build", "stagingResourceGroup")),
            f"resource group {shown(staging)} in subscription {sub.name}",
            "Image Builder's staging group must be an empty group of its own (it deletes"
            " what it finds there); name a group that nothing else declares or uses",
        )


def _avd_length(claims: _Claims, owner: Owner, what: str, name: str) -> None:
    low, high = names.AVD_NAME_LENGTH
    if not low <= len(name) <= high:
        claims.problem(
            owner,
            f"{what} {shown(name)} has {len(name)} characters; Azure Virtual Desktop names"
            f" have {low} to {high}",
        )


def _host_pools(documents: Documents, claims: _Claims) -> None:
    pools = of_kind(documents, "HostPool", HostPoolDocument)
    for pool in pools:
        claims.reserve(("goldfleet host pool", pool.name), Owner(pool, ("metadata", "name")))
    workspaces: dict[tuple[str, ...], tuple[Owner, str]] = {}
    for pool in pools:
        spec = pool.doc.spec
        sub = subscription_of(documents, spec.tenant, spec.subscription)
        if sub is None:
            continue
        where = f"in resource group {spec.resource_group} of subscription {sub.name}"
        hp, hp_path = _name_and_path(spec.name, pool)
        desktop = spec.desktop
        group = desktop.application_group or names.default_application_group(hp)
        group_owner = Owner(
            pool, ("spec", "desktop", "applicationGroup") if desktop.application_group else hp_path
        )
        _avd_length(claims, Owner(pool, hp_path), "the host pool name", hp)
        _avd_length(claims, group_owner, "the application group name", group)
        pool_why = "both documents would manage one Azure resource (names are case-insensitive)"
        claims.take(
            ("host pool", sub.id, spec.resource_group, hp),
            Owner(pool, hp_path),
            f"host pool {shown(hp)} {where}",
            pool_why,
        )
        claims.take(
            ("application group", sub.id, spec.resource_group, group),
            group_owner,
            f"application group {shown(group)} {where}",
            pool_why,
        )
        prefix = spec.session_hosts.name_prefix
        claims.take(
            ("session hosts", sub.id, spec.resource_group, prefix),
            Owner(pool, ("spec", "sessionHosts", "namePrefix")),
            f"session host name prefix {shown(prefix)} (hosts {prefix}-<n>) {where}",
            "a rollout of one pool would replace and delete the other pool's hosts",
        )
        if desktop.workspace is not None:
            ws_owner = Owner(pool, ("spec", "desktop", "workspace"))
            _avd_length(claims, ws_owner, "the workspace name", desktop.workspace)
            key = (
                "workspace",
                sub.id.lower(),
                spec.resource_group.lower(),
                desktop.workspace.lower(),
            )
            first, region = workspaces.setdefault(key, (ws_owner, spec.location))
            if region != spec.location:
                claims.problem(
                    ws_owner,
                    f"workspace {shown(desktop.workspace)} {where} is shared with {first},"
                    f" whose pool is in {region}, not {spec.location}: pools that share a"
                    " workspace must be in one region",
                )
        if spec.dr_region is not None and spec.dr_resource_group is not None:
            _dr_side(claims, pool, sub.id, sub.name, hp, group, prefix)


def _dr_side(
    claims: _Claims,
    pool: Valid[HostPoolDocument],
    subscription_id: str,
    subscription_name: str,
    hp: str,
    group: str,
    prefix: str,
) -> None:
    """The DR pool, its application group and its standby scale set, in the DR group."""
    rg = pool.doc.spec.dr_resource_group or ""
    owner = Owner(pool, ("spec", "drResourceGroup"))
    where = f"in resource group {rg} of subscription {subscription_name}"
    why = "a pool with drRegion makes it for its DR side"
    dr_pool, dr_group = names.dr_name(hp), names.dr_name(group)
    _avd_length(claims, owner, "the DR host pool name", dr_pool)
    _avd_length(claims, owner, "the DR application group name", dr_group)
    claims.take(
        ("host pool", subscription_id, rg, dr_pool),
        owner,
        f"host pool {shown(dr_pool)} {where}",
        why,
    )
    claims.take(
        ("application group", subscription_id, rg, dr_group),
        owner,
        f"application group {shown(dr_group)} {where}",
        why,
    )
    scale_set = names.scale_set_name(prefix)
    claims.take(
        ("scale set", subscription_id, rg, scale_set),
        owner,
        f"scale set {shown(scale_set)} {where}",
        "each pool's standby scale set is named after its namePrefix",
    )
    claims.take(
        ("goldfleet host pool", names.dr_name(pool.name)),
        Owner(pool, ("spec", "drRegion")),
        f"the name HostPool/{names.dr_name(pool.name)} (of this pool's DR side)",
        "goldfleet tells a pool and its DR side apart by that name",
    )


def host_slots(pool: HostPoolDocument, policy: RolloutPolicyDocument | None) -> int:
    """How many session hosts a pool may hold at once: its count, as many again kept for a
    rollback, and a batch of new hosts (the highest host index is one less)."""
    count = pool.spec.session_hosts.count
    if policy is None:
        return 2 * count + 1
    spec = policy.spec
    surge = spec.max_surge if spec.strategy is RolloutStrategy.SIDE_BY_SIDE else 0
    return 2 * count + max(surge, spec.batch_size, 1)


def _computer_names(documents: Documents, claims: _Claims) -> None:
    """Windows computer names are the first 15 characters of the VM name; they must be unique
    in the pool and in the directory the hosts join (an AD domain, or the tenant's Entra ID),
    whatever resource group or subscription the hosts are in."""
    policies = documents.get("RolloutPolicy", {})
    taken: dict[tuple[str, str], dict[str, tuple[Owner, tuple[str, ...]]]] = {}
    for pool in of_kind(documents, "HostPool", HostPoolDocument):
        spec = pool.doc.spec
        join = spec.session_hosts.join
        tenant = documents.get("Tenant", {}).get(spec.tenant)
        if join.type is JoinType.AD:
            if join.domain is None:
                continue
            directory = ("ad", join.domain.lower())
            label = f"AD domain {join.domain}"
        elif tenant is not None:
            directory = ("entra", tenant.doc.spec.tenant_id)
            label = f"the Entra ID of Tenant/{spec.tenant}"
        else:
            continue
        owner = Owner(pool, ("spec", "sessionHosts", "namePrefix"))
        prefix = spec.session_hosts.name_prefix
        policy = policies.get(spec.rollout_policy)
        slots = host_slots(pool.doc, policy.doc if policy else None)
        hosts = _own_computer_names(claims, owner, prefix, slots)
        sub = subscription_of(documents, spec.tenant, spec.subscription)
        place = tuple(
            part.lower()
            for part in (sub.id if sub else spec.subscription, spec.resource_group, prefix)
        )
        seen = taken.setdefault(directory, {})
        clash = next(
            (
                (computer, first)
                for computer in hosts
                if (first := seen.get(computer.lower())) is not None
                and first[0].valid is not pool
                and first[1] != place  # the same VM names are reported as such
            ),
            None,
        )
        if clash is not None:
            computer, (first_owner, _) = clash
            claims.problem(
                owner,
                f"computer name {shown(computer)} in {label} is also a host of {first_owner};"
                " two computers with one name break the directory join (a computer name is"
                " the first 15 characters of the host name)",
            )
        for computer in hosts:
            seen.setdefault(computer.lower(), (owner, place))


def _own_computer_names(claims: _Claims, owner: Owner, prefix: str, slots: int) -> list[str]:
    """The pool's computer names, and a problem when cutting them to 15 characters makes two
    of its own hosts one computer."""
    result: list[str] = []
    index_of: dict[str, int] = {}
    for index in range(slots):
        computer = names.computer_name(names.host_name(prefix, index))
        if computer.lower() in index_of:
            longest = names.MAX_COMPUTER_NAME - 1 - len(str(slots - 1))
            claims.problem(
                owner,
                f"hosts {names.host_name(prefix, index_of[computer.lower()])} and"
                f" {names.host_name(prefix, index)} would both be computer {computer}"
                f" (Windows keeps {names.MAX_COMPUTER_NAME} characters); with up to {slots}"
                f" hosts at once during a rollout, use a prefix of at most {longest} characters",
            )
            break
        index_of[computer.lower()] = index
        result.append(computer)
    return result
