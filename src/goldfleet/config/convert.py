"""Validated documents → the domain's ``Configuration``: references resolved (subscriptions by id,
each tenant's ring, defaults that depend on other documents), everything frozen.

Runs only on a configuration without problems, so every reference here resolves.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from goldfleet.config.entries import Valid
from goldfleet.config.lookup import find_subscription
from goldfleet.config.models import host_pools as hp
from goldfleet.config.models import images as im
from goldfleet.config.models import rollout as rm
from goldfleet.config.models import tenant as tm
from goldfleet.config.models.documents import (
    GalleryDocument,
    HostPoolDocument,
    ImageDefinitionDocument,
    ImagePipelineDocument,
    RingDocument,
    RolloutPolicyDocument,
    TenantDocument,
)
from goldfleet.config.rings import resolve_rings
from goldfleet.domain import host_pools, images, rollout, tenancy
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.ids import ResourceId


class _Documents:
    def __init__(self, valid: dict[str, dict[str, Valid[Any]]]) -> None:
        self.tenants: dict[str, TenantDocument] = _docs(valid, "Tenant")
        self.galleries: dict[str, GalleryDocument] = _docs(valid, "Gallery")
        self.definitions: dict[str, ImageDefinitionDocument] = _docs(valid, "ImageDefinition")
        self.pipelines: dict[str, ImagePipelineDocument] = _docs(valid, "ImagePipeline")
        self.host_pools: dict[str, HostPoolDocument] = _docs(valid, "HostPool")
        self.policies: dict[str, RolloutPolicyDocument] = _docs(valid, "RolloutPolicy")
        self.rings: dict[str, RingDocument] = _docs(valid, "Ring")

    def subscription_id(self, tenant: str, ref: str) -> str:
        found = find_subscription(self.tenants[tenant], ref)
        assert found is not None, f"unresolved subscription {ref} of {tenant}"
        return found.id


def _docs(valid: dict[str, dict[str, Valid[Any]]], kind: str) -> dict[str, Any]:
    return {name: v.doc for name, v in valid.get(kind, {}).items()}


def to_configuration(valid: dict[str, dict[str, Valid[Any]]]) -> Configuration:
    docs = _Documents(valid)
    ring_of = resolve_rings(docs.tenants, docs.rings)
    return Configuration(
        tenants=tuple(_tenant(d, ring_of.get(n)) for n, d in docs.tenants.items()),
        galleries=tuple(_gallery(d, docs) for d in docs.galleries.values()),
        image_definitions=tuple(_definition(d) for d in docs.definitions.values()),
        pipelines=tuple(_pipeline(d, docs) for d in docs.pipelines.values()),
        host_pools=tuple(_host_pool(d, docs) for d in docs.host_pools.values()),
        rollout_policies=tuple(_policy(d) for d in docs.policies.values()),
        rings=tuple(
            _ring(d, tuple(sorted(t for t, r in ring_of.items() if r == n)))
            for n, d in docs.rings.items()
        ),
    )


# --- tenants ----------------------------------------------------------------------------------


def _credential(spec: tm.TenantSpec) -> tenancy.CredentialRef:
    c = spec.credential
    kind = tenancy.CredentialKind(c.type)
    if isinstance(c, tm.ClientSecretCredential):
        return tenancy.CredentialRef(kind, client_id=c.client_id, secret_env=c.secret_env)
    if isinstance(c, tm.CertificateCredential):
        return tenancy.CredentialRef(
            kind, client_id=c.client_id, certificate_path=c.certificate_path
        )
    if isinstance(c, tm.WorkloadIdentityCredential):
        return tenancy.CredentialRef(kind, client_id=c.client_id, token_file=c.token_file)
    if isinstance(c, tm.ManagedIdentityCredential):
        return tenancy.CredentialRef(kind, client_id=c.client_id)
    return tenancy.CredentialRef(kind)


def _window(w: tm.MaintenanceWindow) -> tenancy.MaintenanceWindow:
    kind = tenancy.WindowKind(w.type)
    if isinstance(w, tm.CronWindow):
        minute, hour = w.cron.split()[:2]
        start = time(int(hour), int(minute)) if (hour + minute).isdigit() else time(0, 0)
        return tenancy.MaintenanceWindow(w.name, kind, start, w.duration, cron=w.cron)
    if isinstance(w, tm.OnceWindow):
        return tenancy.MaintenanceWindow(w.name, kind, w.start, w.duration, on=w.date)
    if isinstance(w, tm.WeeklyWindow):
        days = tuple(d.value for d in w.days)
        return tenancy.MaintenanceWindow(w.name, kind, w.start, w.duration, days=days)
    if isinstance(w, tm.MonthlyWindow):
        return tenancy.MaintenanceWindow(
            w.name, kind, w.start, w.duration, day_of_month=w.day_of_month
        )
    if isinstance(w, tm.PatchTuesdayWindow):
        return tenancy.MaintenanceWindow(
            w.name, kind, w.start, w.duration, offset_days=w.offset_days
        )
    return tenancy.MaintenanceWindow(w.name, kind, w.start, w.duration)


def _subscription(sub: tm.Subscription, client_id: str | None) -> tenancy.SubscriptionSpec:
    scope = str(ResourceId.subscription(sub.id))
    return tenancy.SubscriptionSpec(
        subscription_id=sub.id,
        name=sub.name,
        regions=tuple(sub.regions),
        resource_groups=tuple(
            tenancy.ResourceGroupSpec(g.name, g.location, tuple(sorted(g.tags.items())))
            for g in sub.resource_groups
        ),
        role_assignments=tuple(
            tenancy.RoleAssignmentSpec(
                role=a.role,
                scope=a.scope or scope,
                principal=a.principal or f"app:{client_id}",
            )
            for a in sub.role_assignments
        ),
    )


def _tenant(doc: TenantDocument, ring: str | None) -> tenancy.Tenant:
    spec = doc.spec
    credential = _credential(spec)
    return tenancy.Tenant(
        name=doc.metadata.name,
        tenant_id=spec.tenant_id,
        role=spec.role,
        display_name=spec.display_name,
        credential=credential,
        time_zone=spec.time_zone,
        subscriptions=tuple(_subscription(s, credential.client_id) for s in spec.subscriptions),
        windows=tuple(_window(w) for w in spec.maintenance_windows),
        ring=ring,
        freezes=tuple(tenancy.Freeze(f.start, f.end, f.reason) for f in spec.freezes),
        opt_out=spec.opt_out,
        labels=tuple(sorted(doc.metadata.labels.items())),
        installation=spec.installation,
    )


# --- images -----------------------------------------------------------------------------------


def _gallery(doc: GalleryDocument, docs: _Documents) -> images.Gallery:
    spec = doc.spec
    return images.Gallery(
        name=doc.metadata.name,
        role=spec.role,
        tenant=spec.tenant,
        subscription_id=docs.subscription_id(spec.tenant, spec.subscription),
        resource_group=spec.resource_group,
        location=spec.location,
        gallery_name=spec.name or doc.metadata.name,
        description=spec.description,
    )


def _definition(doc: ImageDefinitionDocument) -> images.ImageDefinition:
    spec = doc.spec
    ident = spec.identifier
    return images.ImageDefinition(
        name=doc.metadata.name,
        gallery=spec.gallery,
        definition_name=spec.name or doc.metadata.name,
        os_type=spec.os_type,
        os_state=spec.os_state,
        hyper_v_generation=spec.hyper_v_generation,
        security_type=spec.security_type,
        identifier=images.ImageIdentifier(ident.publisher, ident.offer, ident.sku),
        description=spec.description,
    )


def _source(source: im.Source) -> images.ImageSource:
    if isinstance(source, im.MarketplaceSource):
        return images.MarketplaceSource(source.publisher, source.offer, source.sku, source.version)
    if isinstance(source, im.ManagedImageSource):
        return images.ManagedImageSource(ResourceId(source.id))
    if isinstance(source, im.GalleryVersionSource):
        image_id = ResourceId(source.id) if source.id else None
        return images.GalleryVersionSource(source.definition, image_id, source.version)
    return images.MasterVmSource(source.tenant, ResourceId(source.vm_id))


def _customization(step: im.Customization) -> images.Customization:
    parameters = tuple(sorted(step.parameters.items()))
    if step.builtin is not None:
        return images.Customization(
            images.CustomizationKind.BUILTIN,
            step.name or step.builtin,
            parameters=parameters,
            restart_after=step.restart_after,
            builtin=step.builtin,
        )
    return images.Customization(
        images.CustomizationKind.SCRIPT,
        step.name or (step.script or "").rsplit("/", 1)[-1],
        script_uri=step.script,
        sha256=step.sha256,
        parameters=parameters,
        restart_after=step.restart_after,
    )


def _schedule(schedule: im.Schedule | None, default_zone: str) -> images.Schedule | None:
    if schedule is None:
        return None
    alert = schedule.alert_after_failures
    if isinstance(schedule, im.NewSourceVersionSchedule):
        return images.NewSourceVersionSchedule(timedelta(minutes=schedule.check_every), alert)
    zone = schedule.time_zone or default_zone
    if isinstance(schedule, im.CronSchedule):
        return images.CronSchedule(schedule.cron, zone, alert)
    return images.MonthlyWeekdaySchedule(
        schedule.week, schedule.weekday, schedule.at, zone, schedule.offset_days, alert
    )


def _pipeline(doc: ImagePipelineDocument, docs: _Documents) -> images.ImagePipeline:
    spec = doc.spec
    build = spec.build
    distribution = spec.distribution
    return images.ImagePipeline(
        name=doc.metadata.name,
        source=_source(spec.source),
        build=images.BuildSettings(
            tenant=build.tenant,
            subscription_id=docs.subscription_id(build.tenant, build.subscription),
            resource_group=build.resource_group,
            location=build.location,
            vm_size=build.vm_size,
            os_disk_size_gb=build.os_disk_size_gb,
            timeout=timedelta(minutes=build.timeout_minutes),
            subnet_id=ResourceId(build.subnet_id) if build.subnet_id else None,
            builder=build.builder,
            identity_id=ResourceId(build.identity) if build.identity else None,
            staging_resource_group=build.staging_resource_group,
            backup_master=build.backup_master,
            pre_sysprep_scripts=tuple(_customization(c) for c in build.pre_sysprep_scripts),
        ),
        distribution=images.Distribution(
            versioning=distribution.versioning,
            targets=tuple(
                images.DistributionTarget(
                    definition=t.definition,
                    regions=tuple(
                        images.RegionReplicas(r.name, r.replicas or t.replica_count)
                        for r in t.regions
                    ),
                    storage_account_type=t.storage_account_type,
                    exclude_from_latest=t.exclude_from_latest,
                )
                for t in distribution.targets
            ),
        ),
        customizations=tuple(_customization(c) for c in spec.customizations),
        schedule=_schedule(spec.schedule, docs.tenants[build.tenant].spec.time_zone),
        retention=_retention(spec.retention),
        promotion=spec.promotion,
    )


def _retention(retention: im.Retention | None) -> images.Retention | None:
    if retention is None:
        return None
    days = retention.deprecate_after_days
    return images.Retention(retention.keep_last, timedelta(days=days) if days else None)


# --- host pools and rollout -------------------------------------------------------------------


def _join(join: hp.DirectoryJoin) -> host_pools.DirectoryJoin:
    return host_pools.DirectoryJoin(
        join.type, join.intune, join.domain, join.ou_path, join.username, join.secret_env
    )


def _host_pool(doc: HostPoolDocument, docs: _Documents) -> host_pools.HostPool:
    spec = doc.spec
    hosts = spec.session_hosts
    pooled = spec.type is host_pools.HostPoolType.POOLED
    default_balancer = (
        host_pools.LoadBalancer.BREADTH_FIRST if pooled else host_pools.LoadBalancer.PERSISTENT
    )
    return host_pools.HostPool(
        name=doc.metadata.name,
        tenant=spec.tenant,
        subscription_id=docs.subscription_id(spec.tenant, spec.subscription),
        resource_group=spec.resource_group,
        location=spec.location,
        host_pool_name=spec.name or doc.metadata.name,
        type=spec.type,
        load_balancer=spec.load_balancer or default_balancer,
        session_hosts=host_pools.SessionHostTemplate(
            image=hosts.image,
            vm_size=hosts.vm_size,
            name_prefix=hosts.name_prefix,
            count=hosts.count,
            subnet_id=ResourceId(hosts.subnet_id),
            join=_join(hosts.join),
            os_disk_type=hosts.os_disk_type,
        ),
        rollout_policy=spec.rollout_policy,
        max_session_limit=spec.max_session_limit,
        validation=spec.validation,
        dr_region=spec.dr_region,
        dr_resource_group=spec.dr_resource_group,
        dr_subnet_id=ResourceId(spec.dr_subnet_id) if spec.dr_subnet_id else None,
        desktop=host_pools.Desktop(
            application_group=spec.desktop.application_group or "",
            workspace=spec.desktop.workspace,
            friendly_name=spec.desktop.friendly_name,
        ),
        start_vm_on_connect=spec.start_vm_on_connect,
        custom_rdp_property=spec.custom_rdp_property,
        windows=tuple(_window(w) for w in spec.maintenance_windows)
        if spec.maintenance_windows is not None
        else None,
    )


def _policy(doc: RolloutPolicyDocument) -> rollout.RolloutPolicy:
    spec = doc.spec
    return rollout.RolloutPolicy(
        name=doc.metadata.name,
        strategy=spec.strategy,
        max_surge=spec.max_surge,
        min_available_percent=spec.min_available_percent,
        batch_size=spec.batch_size,
        canary=rollout.Canary(spec.canary.hosts, spec.canary.bake_time),
        failure_budget=spec.failure_budget,
        drain_message=rollout.DrainMessage(spec.drain_message.title, spec.drain_message.body),
        grace_period=spec.grace_period,
        logoff=spec.logoff,
        keep_old_hosts_days=spec.keep_old_hosts_days,
        keep_names=spec.keep_names,
        progressive=spec.progressive,
        host_ready_timeout=spec.host_ready_timeout,
    )


def _ring(doc: RingDocument, tenants: tuple[str, ...]) -> rollout.Ring:
    spec = doc.spec
    gates = []
    for gate in spec.health_gates:
        kind = rollout.HealthGateKind(gate.type)
        if isinstance(gate, rm.HostHealthGate):
            gates.append(rollout.HealthGate(kind, gate.min_healthy_percent, gate.observe))
        elif isinstance(gate, rm.ConnectionFailuresGate):
            gates.append(rollout.HealthGate(kind, gate.max_percent, gate.observe))
        else:
            gates.append(rollout.HealthGate(kind))
    selector = spec.selector.match_labels if spec.selector else {}
    return rollout.Ring(
        name=doc.metadata.name,
        order=spec.order,
        bake_time=spec.bake_time,
        tenants=tenants,
        selector=tuple(sorted(selector.items())),
        health_gates=tuple(gates),
        on_failure=spec.on_failure,
    )
