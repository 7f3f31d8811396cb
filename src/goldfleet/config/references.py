"""Checks across documents: unique names per kind, references to tenants, subscriptions,
resource groups, galleries, definitions, policies and rings that exist, regions a subscription
uses, images replicated where host pools need them, one provider tenant, one ring per tenant;
then the checks of their own modules: unique Azure names (``names``), networks
(``network_checks``), pools against their policies, images and windows (``pool_checks``),
pipelines against each other (``pipeline_checks``) and rings that receive nobody
(``ring_checks``).

References to a document that exists but did not validate are not reported again; references to
names defined nowhere are reported only when every file could be read (``complete``), since an
unreadable file may hold the definition.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from goldfleet.config.catalog import generation_one_only
from goldfleet.config.diagnostics import Path, Problem, did_you_mean, shown
from goldfleet.config.entries import Entry, Valid
from goldfleet.config.lookup import find_subscription
from goldfleet.config.models.documents import (
    AnyDocument,
    GalleryDocument,
    HostPoolDocument,
    ImageDefinitionDocument,
    ImagePipelineDocument,
    RingDocument,
    TenantDocument,
)
from goldfleet.config.models.images import GalleryVersionSource, MasterVmSource
from goldfleet.config.models.tenant import Subscription
from goldfleet.config.names import name_problems
from goldfleet.config.network_checks import network_problems
from goldfleet.config.pipeline_checks import pipeline_problems
from goldfleet.config.pool_checks import pool_problems
from goldfleet.config.ring_checks import ring_problems
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.tenancy import TenantRole

Doc = TypeVar("Doc", bound=AnyDocument)


class CrossChecks:
    def __init__(
        self, entries: list[Entry[Any]], *, complete: bool, now: datetime | None = None
    ) -> None:
        """``now`` (aware): the instant ``once`` windows are judged at; by default the clock's."""
        self.complete = complete
        self.now = now or datetime.now(UTC)
        self.problems: list[Problem] = []
        self.declared: dict[str, dict[str, Entry[Any]]] = defaultdict(dict)
        self.valid: dict[str, dict[str, Valid[Any]]] = defaultdict(dict)
        for entry in entries:
            first = self.declared[entry.kind].get(entry.name)
            if first is not None:
                line, column = first.source.position(("metadata", "name"))
                self.problems.append(
                    entry.problem(
                        ("metadata", "name"),
                        f"duplicate {entry.kind} name {shown(entry.name)};"
                        f" the first is at {first.source.file}:{line}:{column}",
                    )
                )
                continue
            self.declared[entry.kind][entry.name] = entry
            if entry.model is not None:
                self.valid[entry.kind][entry.name] = Valid(entry, entry.model)

    def run(self) -> list[Problem]:
        self._tenants()
        for gallery in self._all("Gallery", GalleryDocument):
            spec = gallery.doc.spec
            self._placement(
                gallery,
                ("spec",),
                spec.tenant,
                spec.subscription,
                spec.resource_group,
                spec.location,
            )
        for definition in self._all("ImageDefinition", ImageDefinitionDocument):
            self.ref(definition, ("spec", "gallery"), "Gallery", definition.doc.spec.gallery)
        for pipeline in self._all("ImagePipeline", ImagePipelineDocument):
            self._pipeline(pipeline)
        self._host_pools()
        self._rings()
        self.problems += name_problems(self.valid)
        self.problems += network_problems(self.valid)
        self.problems += pool_problems(self.valid, self.now)
        self.problems += pipeline_problems(self.valid)
        tenants_known = len(self.valid["Tenant"]) == len(self.declared["Tenant"])
        if self.complete and tenants_known:
            self.problems += ring_problems(self.valid)
        return self.problems

    # --- helpers ----------------------------------------------------------------------------

    def _all(self, kind: str, _: type[Doc]) -> list[Valid[Doc]]:
        return cast(list[Valid[Doc]], list(self.valid[kind].values()))

    def ref(self, at: Valid[Any], path: Path, kind: str, name: str) -> Valid[Any] | None:
        """The valid document ``kind``/``name``; a problem when it is defined nowhere."""
        if name in self.valid[kind]:
            return self.valid[kind][name]
        if name not in self.declared[kind] and self.complete:
            names = sorted(self.declared[kind])
            hint = did_you_mean(name, names) or (
                f"; defined: {', '.join(names)}" if 0 < len(names) <= 8 else ""
            )
            self.problems.append(at.problem(path, f"undefined {kind} {shown(name)}{hint}"))
        return None

    def _placement(
        self,
        at: Valid[Any],
        base: Path,
        tenant: str,
        subscription: str,
        resource_group: str | None,
        location: str | None,
    ) -> Subscription | None:
        """Tenant, subscription (id or name), declared resource group, and a region the
        subscription uses; the fields are ``base`` + tenant, subscription, resourceGroup,
        location."""
        owner = self.ref(at, (*base, "tenant"), "Tenant", tenant)
        if owner is None:
            return None
        sub = find_subscription(owner.doc, subscription)
        if sub is None:
            known = ", ".join(s.name for s in owner.doc.spec.subscriptions) or "none declared"
            self.problems.append(
                at.problem(
                    (*base, "subscription"),
                    f"expected the id or name of a subscription of Tenant/{tenant} ({known}),"
                    f" got {shown(subscription)}",
                )
            )
            return None
        groups = [g.name for g in sub.resource_groups]
        if resource_group is not None and resource_group.lower() not in {g.lower() for g in groups}:
            self.problems.append(
                at.problem(
                    (*base, "resourceGroup"),
                    f"expected a resource group declared in subscription {sub.name}"
                    f" ({', '.join(groups) or 'none declared'}), got {shown(resource_group)};"
                    f" add it to Tenant/{tenant} spec.subscriptions resourceGroups",
                )
            )
        if location is not None:
            self.region_of(at, (*base, "location"), sub, location)
        return sub

    def region_of(self, at: Valid[Any], path: Path, sub: Subscription, region: str) -> None:
        if sub.regions and region not in sub.regions:
            self.problems.append(
                at.problem(
                    path,
                    f"expected one of the regions of subscription {sub.name}"
                    f" ({', '.join(sub.regions)}), got {shown(region)}",
                )
            )

    # --- kinds --------------------------------------------------------------------------------

    def _tenants(self) -> None:
        tenant_ids: dict[str, str] = {}
        subscriptions: dict[str, str] = {}
        provider: str | None = None
        for tenant in self._all("Tenant", TenantDocument):
            spec = tenant.doc.spec
            if spec.tenant_id in tenant_ids:
                self.problems.append(
                    tenant.problem(
                        ("spec", "tenantId"),
                        f"tenant id {spec.tenant_id} is already"
                        f" Tenant/{tenant_ids[spec.tenant_id]}",
                    )
                )
            tenant_ids.setdefault(spec.tenant_id, tenant.name)
            for s, sub in enumerate(spec.subscriptions):
                if sub.id in subscriptions:
                    self.problems.append(
                        tenant.problem(
                            ("spec", "subscriptions", s, "id"),
                            f"subscription {sub.id} already belongs to"
                            f" Tenant/{subscriptions[sub.id]}",
                        )
                    )
                subscriptions.setdefault(sub.id, tenant.name)
            if spec.role is TenantRole.PROVIDER:
                if provider is not None:
                    self.problems.append(
                        tenant.problem(
                            ("spec", "role"),
                            f'expected "customer": Tenant/{provider} is already'
                            " the provider tenant",
                        )
                    )
                provider = provider or tenant.name
            if spec.ring is not None:
                self.ref(tenant, ("spec", "ring"), "Ring", spec.ring)

    def _pipeline(self, pipeline: Valid[ImagePipelineDocument]) -> None:
        spec = pipeline.doc.spec
        build = spec.build
        self._placement(
            pipeline,
            ("spec", "build"),
            build.tenant,
            build.subscription,
            build.resource_group,
            build.location,
        )
        source = spec.source
        if isinstance(source, GalleryVersionSource) and source.definition:
            self.ref(
                pipeline, ("spec", "source", "definition"), "ImageDefinition", source.definition
            )
        if isinstance(source, MasterVmSource):
            owner = self.ref(pipeline, ("spec", "source", "tenant"), "Tenant", source.tenant)
            vm_sub = ResourceId(source.vm_id).subscription_id
            if owner is not None and find_subscription(owner.doc, vm_sub) is None:
                self.problems.append(
                    pipeline.problem(
                        ("spec", "source", "vmId"),
                        f"expected a VM in a subscription of Tenant/{source.tenant},"
                        f" got one in subscription {vm_sub}",
                    )
                )
        for t, target in enumerate(spec.distribution.targets):
            where = ("spec", "distribution", "targets", t)
            definition = self.ref(
                pipeline, (*where, "definition"), "ImageDefinition", target.definition
            )
            if definition is None:
                continue
            generation = definition.doc.spec.hyper_v_generation.value
            if t == 0 and generation == "V2" and generation_one_only(build.vm_size):
                self.problems.append(
                    pipeline.problem(
                        ("spec", "build", "vmSize"),
                        f"expected a VM size that boots Generation 2 images (ImageDefinition/"
                        f"{definition.name} is V2), got {build.vm_size}, which is Generation 1"
                        " only; Standard_D4as_v5 is a good build size",
                    )
                )
            gallery = self.valid["Gallery"].get(definition.doc.spec.gallery)
            owner = gallery and self.valid["Tenant"].get(gallery.doc.spec.tenant)
            if gallery is None or owner is None:
                continue
            sub = find_subscription(owner.doc, gallery.doc.spec.subscription)
            if sub is None:
                continue
            regions = [r.name for r in target.regions]
            home = gallery.doc.spec.location
            if home not in regions:
                self.problems.append(
                    pipeline.problem(
                        (*where, "regions"),
                        f"expected the gallery's own region {home} among the regions"
                        f" (Gallery/{gallery.name} is in {home})",
                    )
                )
            for r, region in enumerate(regions):
                self.region_of(pipeline, (*where, "regions", r), sub, region)

    def _host_pools(self) -> None:
        pipelines = self._all("ImagePipeline", ImagePipelineDocument)
        replicated: dict[str, set[str]] = defaultdict(set)
        for pipeline in pipelines:
            for target in pipeline.doc.spec.distribution.targets:
                replicated[target.definition].update(r.name for r in target.regions)
        pipelines_known = len(pipelines) == len(self.declared["ImagePipeline"]) and self.complete
        for pool in self._all("HostPool", HostPoolDocument):
            spec = pool.doc.spec
            sub = self._placement(
                pool, ("spec",), spec.tenant, spec.subscription, spec.resource_group, spec.location
            )
            if sub is not None and spec.dr_region is not None:
                self.region_of(pool, ("spec", "drRegion"), sub, spec.dr_region)
            self.ref(pool, ("spec", "rolloutPolicy"), "RolloutPolicy", spec.rollout_policy)
            image = spec.session_hosts.image
            where = ("spec", "sessionHosts", "image")
            if self.ref(pool, where, "ImageDefinition", image) is None or not pipelines_known:
                continue
            if image not in replicated:
                self.problems.append(
                    pool.problem(where, f"no ImagePipeline distributes ImageDefinition/{image}")
                )
                continue
            needed = [spec.location] + ([spec.dr_region] if spec.dr_region else [])
            for region in needed:
                if region not in replicated[image]:
                    self.problems.append(
                        pool.problem(
                            where,
                            f"ImageDefinition/{image} is not replicated to {region};"
                            f" add {region} to a distribution target of its ImagePipeline",
                        )
                    )

    def _rings(self) -> None:
        orders: dict[int, str] = {}
        placed: dict[str, str] = {}  # tenant -> ring (its spec.ring, or the first ring listing it)
        for tenant in self._all("Tenant", TenantDocument):
            if tenant.doc.spec.ring:
                placed[tenant.name] = tenant.doc.spec.ring
        for ring in self._all("Ring", RingDocument):
            spec = ring.doc.spec
            if spec.order in orders:
                self.problems.append(
                    ring.problem(
                        ("spec", "order"),
                        f"Ring/{orders[spec.order]} already has order {spec.order}",
                    )
                )
            orders.setdefault(spec.order, ring.name)
            for i, member in enumerate(spec.members):
                if self.ref(ring, ("spec", "members", i), "Tenant", member) is None:
                    continue
                elsewhere = placed.setdefault(member, ring.name)
                if elsewhere != ring.name:
                    self.problems.append(
                        ring.problem(
                            ("spec", "members", i),
                            f"Tenant/{member} is already in Ring/{elsewhere};"
                            " a tenant is in one ring",
                        )
                    )
