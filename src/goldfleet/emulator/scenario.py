"""Scenario files: the YAML that seeds a world with tenants, subscriptions, regions, app
registrations and their credentials, consents, users and groups, role assignments, resource
groups, raw ARM resources (``resources:``, e.g. managed images and snapshots for providers the
emulator does not implement yet), faults and Compute's knobs (``compute:``).

The format is documented in docs/emulator/scenario.md. Errors name the file, the line and the
field (``msp.yaml:14:9: tenants[1].subscriptions[0].regions[2]: unknown region 'westeuropa'``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from goldfleet.emulator import storage
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.ids import parent_and_type
from goldfleet.emulator.entra.directory import (
    Application,
    Certificate,
    Group,
    Secret,
    ServicePrincipal,
    Tenant,
    User,
    hash_secret,
)
from goldfleet.emulator.entra.routes import certificate_thumbprints
from goldfleet.emulator.rp.authorization import backend as rbac
from goldfleet.emulator.rp.authorization.roles import builtin_role_by_name, builtin_roles
from goldfleet.emulator.rp.compute import settings as compute_settings
from goldfleet.emulator.rp.compute.galleries import throttling as compute_throttling
from goldfleet.emulator.rp.compute.machines import quota as compute_quota
from goldfleet.emulator.rp.compute.machines import seeds as machine_seeds
from goldfleet.emulator.rp.network import vnets as network_vnets
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.rp.resources.catalog import NAMESPACES, REGIONS_BY_NAME, normalise_location
from goldfleet.emulator.world import Subscription, World

_IDS = uuid.UUID("6f1e1f0c-2c43-4f5e-9d55-90c0ffee0001")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ResourceGroupSpec(_Model):
    name: str
    location: str
    tags: dict[str, str] = Field(default_factory=dict)


class SubscriptionSpec(_Model):
    id: uuid.UUID
    name: str
    regions: list[str] = Field(default_factory=list)
    providers: list[str] | None = None  # registered namespaces; None = every known one
    resource_groups: list[ResourceGroupSpec] = Field(default_factory=list, alias="resourceGroups")

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        out = []
        for region in value:
            name = normalise_location(region)
            if name not in REGIONS_BY_NAME:
                raise ValueError(f"unknown region '{region}'")
            out.append(name)
        return out


class TenantSpec(_Model):
    id: uuid.UUID
    name: str
    domain: str
    country: str = "US"
    subscriptions: list[SubscriptionSpec] = Field(default_factory=list)


class SecretSpec(_Model):
    value: str
    name: str = "secret"
    starts: datetime | None = None
    expires: datetime | None = None


class CertificateSpec(_Model):
    file: str | None = None
    pem: str | None = None
    starts: datetime | None = None
    expires: datetime | None = None


class ApplicationSpec(_Model):
    app_id: uuid.UUID = Field(alias="appId")
    name: str
    home_tenant: str = Field(alias="homeTenant")
    multi_tenant: bool = Field(default=False, alias="multiTenant")
    secrets: list[SecretSpec] = Field(default_factory=list)
    certificates: list[CertificateSpec] = Field(default_factory=list)
    consented_in: list[str] = Field(default_factory=list, alias="consentedIn")


class UserSpec(_Model):
    """A user of a tenant (readable through Graph, can hold roles; cannot sign in)."""

    user_principal_name: str = Field(alias="userPrincipalName")
    display_name: str | None = Field(default=None, alias="displayName")
    tenant: str | None = None  # name, id or domain; default: the tenant of the UPN's domain
    id: uuid.UUID | None = None
    mail: str | None = None
    given_name: str | None = Field(default=None, alias="givenName")
    surname: str | None = None


class GroupSpec(_Model):
    """A security group of a tenant; members are UPNs, application names or appIds, or the
    names of other groups of the same tenant."""

    name: str
    tenant: str
    id: uuid.UUID | None = None
    description: str | None = None
    mail_nickname: str | None = Field(default=None, alias="mailNickname")
    members: list[str] = Field(default_factory=list)


class RoleAssignmentSpec(_Model):
    principal: str  # application name or appId, a user's UPN, or a group name
    role: str  # role name or role definition GUID
    scope: str  # /subscriptions/{id or name}[/resourceGroups/{rg}[/...]]


class CustomRoleSpec(_Model):
    tenant: str
    name: str
    id: uuid.UUID | None = None
    description: str = ""
    actions: list[str]
    not_actions: list[str] = Field(default_factory=list, alias="notActions")
    assignable_scopes: list[str] = Field(alias="assignableScopes")


class ResourceSpec(_Model):
    """A raw ARM resource put into the store as is (its provider need not be implemented)."""

    id: str  # /subscriptions/{id or name}/resourceGroups/{rg}/providers/{ns}/{type}/{name}
    location: str
    type: str | None = None  # derived from the id; when given it must match
    tags: dict[str, str] = Field(default_factory=dict)
    properties: dict[str, Any] = Field(default_factory=dict)
    sku: dict[str, Any] | None = None
    kind: str | None = None
    zones: list[str] | None = None


class ReplicationFaultSpec(_Model):
    region: str
    count: int | None = Field(default=None, ge=0)
    at_progress: float = Field(default=50, ge=0, le=100, alias="atProgress")
    code: str | None = None
    reason: str | None = None
    version: str | None = None  # regular expression searched in the version's id


class QuotaSpec(_Model):
    """vCPU limits of one subscription in one region (``cores`` and/or families)."""

    subscription: str  # name or id
    region: str
    limits: dict[str, int]


class ComputeSpec(_Model):
    quotas: list[QuotaSpec] = Field(default_factory=list)
    replication_faults: list[ReplicationFaultSpec] = Field(
        default_factory=list, alias="replicationFaults"
    )
    limits: dict[str, int] = Field(default_factory=dict)


class SubnetSpec(_Model):
    name: str
    address_prefix: str = Field(alias="addressPrefix")


class VirtualNetworkSpec(_Model):
    """A virtual network (Microsoft.Network) with its subnets, created Succeeded."""

    subscription: str  # name or id
    resource_group: str = Field(alias="resourceGroup")
    name: str
    location: str
    address_space: list[str] = Field(alias="addressSpace", min_length=1)
    subnets: list[SubnetSpec] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class GuestSpec(_Model):
    """A seeded machine's guest contents (guest/contents.py), on top of its image's."""

    os: str | None = None
    apps: list[str] | None = None
    updates_installed: int | None = Field(default=None, alias="updatesInstalled")
    pending_reboot: bool | None = Field(default=None, alias="pendingReboot")
    bitlocker: Literal["On", "Off"] | None = None
    avd_agent_installed: bool | None = Field(default=None, alias="avdAgentInstalled")
    packages_plugin: bool | None = Field(default=None, alias="packagesPlugin")
    per_user_appx: list[str] | None = Field(default=None, alias="perUserAppx")
    domain: str | None = None
    entra_joined: bool | None = Field(default=None, alias="entraJoined")
    intune_enrolled: bool | None = Field(default=None, alias="intuneEnrolled")
    sysprep: Literal["none", "generalized", "failed"] | None = None
    time_zone: str | None = Field(default=None, alias="timeZone")
    defects: list[str] | None = None


class MachineSpec(_Model):
    """A virtual machine (Microsoft.Compute) with its OS disk, created Succeeded."""

    id: str  # /subscriptions/{name or id}/resourceGroups/{rg}/providers/.../virtualMachines/{vm}
    location: str
    size: str
    power_state: Literal["running", "stopped", "deallocated"] = Field(
        default="running", alias="powerState"
    )
    image: dict[str, str]  # {publisher, offer, sku, version} or {id}
    nic: str | None = None  # an existing NIC's id; none: a NIC-less machine
    os_disk_size_gb: int | None = Field(default=None, alias="osDiskSizeGB", gt=0)
    security_type: str | None = Field(default=None, alias="securityType")
    guest: GuestSpec = Field(default_factory=GuestSpec)
    tags: dict[str, str] = Field(default_factory=dict)


class BlobSpec(_Model):
    """A blob in the emulator's blob store, read by Image Builder's script customizers."""

    uri: str  # https://<account>.blob.core.windows.net/<container>/<blob>
    content: str


class ClockSpec(_Model):
    start: datetime | None = None
    speed: float | None = Field(default=None, ge=0)


class Scenario(_Model):
    api_version: str = Field(default="goldfleet.emulator/v1", alias="apiVersion")
    clock: ClockSpec = Field(default_factory=ClockSpec)
    seed: int | None = None
    throttling: dict[str, Any] | None = None
    tenants: list[TenantSpec] = Field(default_factory=list)
    applications: list[ApplicationSpec] = Field(default_factory=list)
    users: list[UserSpec] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)
    custom_roles: list[CustomRoleSpec] = Field(default_factory=list, alias="customRoles")
    role_assignments: list[RoleAssignmentSpec] = Field(
        default_factory=list, alias="roleAssignments"
    )
    faults: list[dict[str, Any]] = Field(default_factory=list)
    resources: list[ResourceSpec] = Field(default_factory=list)
    compute: ComputeSpec | None = None
    virtual_networks: list[VirtualNetworkSpec] = Field(
        default_factory=list, alias="virtualNetworks"
    )
    blobs: list[BlobSpec] = Field(default_factory=list)
    machines: list[MachineSpec] = Field(default_factory=list)


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; ``problems`` are ``file:line:col: field: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- loading -----------------------------------------------------------------------------------


def load_scenario(path: Path) -> tuple[Scenario, Path]:
    text = path.read_text()
    return parse_scenario(text, str(path)), path.parent


def parse_scenario(text: str, filename: str = "<scenario>") -> Scenario:
    try:
        data = yaml.safe_load(text) or {}
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise ScenarioError([f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if not isinstance(data, dict):
        raise ScenarioError([f"{filename}:1:1: the scenario must be a mapping"])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = error["loc"]
            line, col = _position(root, loc)
            problems.append(f"{filename}:{line}:{col}: {_dotted(loc)}: {error['msg']}")
        raise ScenarioError(problems) from exc


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _position(node: Any, loc: tuple[Any, ...]) -> tuple[int, int]:
    """Line and column of the deepest node of ``loc`` that exists in the YAML."""
    best = node
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            nxt = node.value[part] if part < len(node.value) else None
        else:
            nxt = None
        if nxt is None:
            break
        node = best = nxt
    if best is None:
        return 1, 1
    return best.start_mark.line + 1, best.start_mark.column + 1


# --- seeding -----------------------------------------------------------------------------------


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_IDS, "|".join(parts)))


def seed_world(world: World, scenario: Scenario, base_dir: Path | None = None) -> None:
    """Add the scenario's contents to ``world`` (which is normally empty)."""
    problems: list[str] = []
    if scenario.clock.start is not None:
        start = scenario.clock.start
        world.clock.set(start if start.tzinfo else start.replace(tzinfo=UTC))
    if scenario.clock.speed is not None:
        world.clock.set_speed(scenario.clock.speed)
    if scenario.seed is not None:
        world.seed = scenario.seed
        world.rng.seed(scenario.seed)
    throttling = dict(scenario.throttling or {})
    compute_throttling = throttling.pop("compute", None)
    if throttling:
        world.throttler.configure(throttling)
    for tenant in scenario.tenants:
        _seed_tenant(world, tenant, problems)
    for app in scenario.applications:
        _seed_application(world, app, base_dir or Path.cwd(), problems)
    for user in scenario.users:
        _seed_user(world, user, problems)
    seeded = [_seed_group(world, group, problems) for group in scenario.groups]
    for spec, group in zip(scenario.groups, seeded, strict=True):
        if group is not None:
            _seed_members(world, spec, group, problems)
    for role in scenario.custom_roles:
        _seed_custom_role(world, role, problems)
    for assignment in scenario.role_assignments:
        _seed_assignment(world, assignment, problems)
    for i, fault in enumerate(scenario.faults):
        try:
            world.faults.add(fault, f"scenario-{i}")
        except (TypeError, ValueError) as exc:
            problems.append(f"faults[{i}]: {exc}")
    for i, resource in enumerate(scenario.resources):
        _seed_resource(world, resource, problems, f"resources[{i}]")
    _seed_compute(world, scenario.compute, compute_throttling, problems)
    for i, vnet in enumerate(scenario.virtual_networks):
        _seed_virtual_network(world, vnet, problems, f"virtualNetworks[{i}]")
    for i, blob in enumerate(scenario.blobs):
        try:
            storage.put_blob(world, blob.uri, blob.content)
        except ValueError as exc:
            problems.append(f"blobs[{i}]: {exc}")
    for i, machine in enumerate(scenario.machines):
        _seed_machine(world, machine, problems, f"machines[{i}]")
    if problems:
        raise ScenarioError(problems)


def _seed_machine(world: World, spec: MachineSpec, problems: list[str], where: str) -> None:
    location = normalise_location(spec.location)
    if location not in REGIONS_BY_NAME:
        problems.append(f"{where}: unknown region '{spec.location}'")
        return
    machine_seeds.seed_or_problem(
        world,
        _resolve_scope(world, spec.id, problems),
        problems,
        where,
        location=location,
        size=spec.size,
        power=spec.power_state,
        image=dict(spec.image),
        guest=spec.guest.model_dump(exclude_none=True),
        nic=_resolve_scope(world, spec.nic, problems) if spec.nic else None,
        os_disk_gb=spec.os_disk_size_gb,
        tags=dict(spec.tags),
        security_type=spec.security_type,
    )


def _seed_resource(world: World, spec: ResourceSpec, problems: list[str], where: str) -> None:
    resource_id = _resolve_scope(world, spec.id, problems)
    parts = [p for p in resource_id.split("/") if p]
    if (
        len(parts) < 8
        or parts[0].lower() != "subscriptions"
        or parts[2].lower() != "resourcegroups"
        or parts[4].lower() != "providers"
    ):
        problems.append(
            f"{where}: '{spec.id}' is not a resource id "
            "(/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name})"
        )
        return
    group = world.store.get("/" + "/".join(parts[:4]))
    if group is None:
        problems.append(f"{where}: resource group '{parts[3]}' of '{spec.id}' does not exist")
        return
    rtype = parent_and_type(resource_id)[1]
    if spec.type is not None and spec.type.lower() != rtype.lower():
        problems.append(f"{where}: type '{spec.type}' does not match the id's type '{rtype}'")
        return
    location = normalise_location(spec.location)
    if location not in REGIONS_BY_NAME:
        problems.append(f"{where}: unknown region '{spec.location}'")
        return
    body: dict[str, Any] = {
        "id": "/" + "/".join([*parts[:3], group.body["name"], *parts[4:]]),
        "name": parts[-1],
        "type": rtype,
        "location": location,
        "tags": dict(spec.tags),
        "properties": dict(spec.properties),
    }
    for key in ("sku", "kind", "zones"):
        value = getattr(spec, key)
        if value is not None:
            body[key] = value
    world.store.put(body)


def _seed_compute(
    world: World, spec: ComputeSpec | None, throttling: Any, problems: list[str]
) -> None:
    if throttling is not None:
        try:
            compute_throttling.configure(world, throttling)
        except ValueError as exc:
            problems.append(f"throttling.compute: {exc}")
    if spec is None:
        return
    try:
        compute_settings.set_limits(world, spec.limits)
    except ValueError as exc:
        problems.append(f"compute.limits: {exc}")
    for i, q in enumerate(spec.quotas):
        sub = _subscription_named(world, q.subscription)
        if sub is None:
            problems.append(f"compute.quotas[{i}]: unknown subscription '{q.subscription}'")
            continue
        region = normalise_location(q.region)
        if region not in REGIONS_BY_NAME:
            problems.append(f"compute.quotas[{i}]: unknown region '{q.region}'")
            continue
        try:
            compute_quota.set_quota_limits(world, sub.subscription_id, region, q.limits)
        except ValueError as exc:
            problems.append(f"compute.quotas[{i}]: {exc}")
    for i, fault in enumerate(spec.replication_faults):
        try:
            compute_settings.add_replication_fault(
                world, fault.model_dump(by_alias=True, exclude_none=True)
            )
        except ValueError as exc:
            problems.append(f"compute.replicationFaults[{i}]: {exc}")


def _subscription_named(world: World, ref: str) -> Subscription | None:
    return world.subscription(ref) or next(
        (s for s in world.subscriptions.values() if s.display_name.lower() == ref.lower()), None
    )


def _seed_virtual_network(
    world: World, spec: VirtualNetworkSpec, problems: list[str], where: str
) -> None:
    sub = _subscription_named(world, spec.subscription)
    if sub is None:
        problems.append(f"{where}: unknown subscription '{spec.subscription}'")
        return
    body = {
        "location": spec.location,
        "tags": dict(spec.tags),
        "properties": {
            "addressSpace": {"addressPrefixes": list(spec.address_space)},
            "subnets": [
                {"name": s.name, "properties": {"addressPrefix": s.address_prefix}}
                for s in spec.subnets
            ],
        },
    }
    try:
        network_vnets.seed_vnet(world, sub, spec.resource_group, spec.name, body)
    except ArmError as exc:
        problems.append(f"{where}: {exc.code}: {exc.message}")


def _seed_tenant(world: World, spec: TenantSpec, problems: list[str]) -> None:
    tid = str(spec.id)
    world.directory.tenants[tid.lower()] = Tenant(tid, spec.name, spec.domain, spec.country)
    for s in spec.subscriptions:
        providers = s.providers if s.providers is not None else list(NAMESPACES)
        sub = Subscription(
            subscription_id=str(s.id),
            tenant_id=tid,
            display_name=s.name,
            regions=list(s.regions),
            providers={p.lower(): [p, "Registered"] for p in providers},
        )
        world.add_subscription(sub)
        for rg in s.resource_groups:
            try:
                resources.put_group(world, sub, rg.name, {"location": rg.location, "tags": rg.tags})
            except ArmError as exc:
                problems.append(f"resource group '{rg.name}' in '{s.name}': {exc.message}")


def _seed_application(
    world: World, spec: ApplicationSpec, base_dir: Path, problems: list[str]
) -> None:
    home = _tenant_id(world, spec.home_tenant, problems, f"application '{spec.name}'")
    if home is None:
        return
    now = world.now()
    app = Application(str(spec.app_id), spec.name, home, spec.multi_tenant)
    for i, secret in enumerate(spec.secrets):
        app.secrets.append(
            Secret(
                key_id=_uuid("secret", app.app_id, str(i)),
                value_sha256=hash_secret(secret.value),
                hint=secret.value[:3],
                display_name=secret.name,
                start=_ts(secret.starts, now - 86400),
                end=_ts(secret.expires, now + 2 * 365 * 86400),
            )
        )
    for i, cert in enumerate(spec.certificates):
        pem = (base_dir / cert.file).read_text() if cert.file else cert.pem
        if not pem:
            problems.append(f"application '{spec.name}': certificate {i} has no 'file' or 'pem'")
            continue
        sha1, sha256 = certificate_thumbprints(pem)
        app.certificates.append(
            Certificate(
                key_id=_uuid("cert", app.app_id, str(i)),
                thumbprint_sha1=sha1,
                thumbprint_sha256=sha256,
                public_pem=pem,
                start=_ts(cert.starts, now - 86400),
                end=_ts(cert.expires, now + 2 * 365 * 86400),
            )
        )
    world.directory.applications[app.app_id.lower()] = app
    for tenant_ref in [home, *spec.consented_in]:
        tid = _tenant_id(world, tenant_ref, problems, f"consent of '{spec.name}'")
        if tid is None:
            continue
        if tid.lower() != home.lower() and not spec.multi_tenant:
            problems.append(
                f"application '{spec.name}' is single-tenant and cannot be consented in "
                f"tenant '{tenant_ref}'"
            )
            continue
        oid = _uuid("sp", tid.lower(), app.app_id.lower())
        world.directory.add_service_principal(ServicePrincipal(oid, app.app_id, tid, spec.name))


def _seed_user(world: World, spec: UserSpec, problems: list[str]) -> None:
    upn = spec.user_principal_name
    where = f"user '{upn}'"
    if "@" not in upn:
        problems.append(f"{where}: a userPrincipalName is name@domain")
        return
    tid = _tenant_id(world, spec.tenant or upn.rsplit("@", 1)[1], problems, where)
    if tid is None:
        return
    if world.directory.user(upn) is not None:
        problems.append(f"{where}: another user has this userPrincipalName")
        return
    world.directory.add_user(
        User(
            object_id=str(spec.id or _uuid("user", tid.lower(), upn.lower())),
            tenant_id=tid,
            user_principal_name=upn,
            display_name=spec.display_name or upn.split("@", 1)[0],
            mail=spec.mail,
            given_name=spec.given_name,
            surname=spec.surname,
        )
    )


def _seed_group(world: World, spec: GroupSpec, problems: list[str]) -> Group | None:
    tid = _tenant_id(world, spec.tenant, problems, f"group '{spec.name}'")
    if tid is None:
        return None
    group = Group(
        object_id=str(spec.id or _uuid("group", tid.lower(), spec.name.lower())),
        tenant_id=tid,
        display_name=spec.name,
        mail_nickname=spec.mail_nickname or "".join(c for c in spec.name if c.isalnum()),
        description=spec.description,
    )
    world.directory.add_group(group)
    return group


def _seed_members(world: World, spec: GroupSpec, group: Group, problems: list[str]) -> None:
    for member in spec.members:
        found = _principal_in_tenant(world, member, group.tenant_id)
        if found is None:
            problems.append(
                f"group '{spec.name}': no user, application (consented in its tenant) or group "
                f"'{member}'"
            )
        elif found[0] != group.object_id:
            group.members.append(found[0])


def _principal_in_tenant(world: World, ref: str, tenant_id: str) -> tuple[str, str] | None:
    """(object id, principalType) of an application's service principal, a user (by UPN) or a
    group (by name or id) in ``tenant_id``."""
    directory = world.directory
    app = directory.application(ref) or next(
        (a for a in directory.applications.values() if a.display_name == ref), None
    )
    if app is not None:
        sp = directory.service_principal_of(app.app_id, tenant_id)
        return (sp.object_id, "ServicePrincipal") if sp is not None else None
    user = directory.user(ref)
    if user is not None and user.tenant_id.lower() == tenant_id.lower():
        return user.object_id, "User"
    for group in directory.groups.values():
        if group.tenant_id.lower() == tenant_id.lower() and ref.lower() in (
            group.display_name.lower(),
            group.object_id.lower(),
        ):
            return group.object_id, "Group"
    return None


def _seed_custom_role(world: World, spec: CustomRoleSpec, problems: list[str]) -> None:
    tid = _tenant_id(world, spec.tenant, problems, f"custom role '{spec.name}'")
    if tid is None:
        return
    scopes = [_resolve_scope(world, s, problems) for s in spec.assignable_scopes]
    permission = {
        "actions": spec.actions,
        "notActions": spec.not_actions,
        "dataActions": [],
        "notDataActions": [],
    }
    rbac.put_custom_role(
        world,
        tid,
        {
            "name": str(spec.id or _uuid("role", tid, spec.name)),
            "roleName": spec.name,
            "description": spec.description,
            "assignableScopes": scopes,
            "permissions": [permission],
        },
    )


def _ts(value: datetime | None, default: float) -> float:
    if value is None:
        return default
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _tenant_id(world: World, ref: str, problems: list[str], what: str) -> str | None:
    tenant = world.directory.tenant(ref)
    if tenant is None:
        for candidate in world.directory.tenants.values():
            if candidate.display_name.lower() == ref.lower():
                tenant = candidate
                break
    if tenant is None:
        problems.append(f"{what}: unknown tenant '{ref}'")
        return None
    return tenant.tenant_id


def _resolve_scope(world: World, scope: str, problems: list[str]) -> str:
    parts = [p for p in scope.split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "subscriptions":
        ref = parts[1]
        sub = world.subscription(ref) or next(
            (s for s in world.subscriptions.values() if s.display_name.lower() == ref.lower()),
            None,
        )
        if sub is None:
            problems.append(f"scope '{scope}': unknown subscription '{ref}'")
            return scope
        parts[1] = sub.subscription_id
    return "/" + "/".join(parts)


def _seed_assignment(world: World, spec: RoleAssignmentSpec, problems: list[str]) -> None:
    scope = _resolve_scope(world, spec.scope, problems)
    sub_id = scope.split("/")[2] if scope.startswith("/subscriptions/") else None
    sub = world.subscription(sub_id) if sub_id else None
    if sub is None:
        return
    app = world.directory.application(spec.principal) or next(
        (a for a in world.directory.applications.values() if a.display_name == spec.principal),
        None,
    )
    found = _principal_in_tenant(world, spec.principal, sub.tenant_id)
    if found is None and app is not None:
        problems.append(
            f"role assignment for '{spec.principal}' at '{spec.scope}': the application has no "
            f"service principal (no consent) in tenant '{sub.tenant_id}'"
        )
        return
    if found is None:
        problems.append(
            f"role assignment '{spec.role}' at '{spec.scope}': "
            f"unknown application, user or group '{spec.principal}'"
        )
        return
    principal_id, principal_type = found
    role = builtin_roles().get(spec.role.lower()) or builtin_role_by_name(spec.role)
    guid = role["name"] if role else None
    if guid is None:
        custom = next(
            (r for r in rbac.custom_roles_of(world, sub.tenant_id) if r["roleName"] == spec.role),
            None,
        )
        guid = custom["name"] if custom else None
    if guid is None:
        problems.append(f"role assignment at '{spec.scope}': unknown role '{spec.role}'")
        return
    try:
        rbac.create_assignment(
            world,
            tenant_id=sub.tenant_id,
            scope=scope,
            name=_uuid("assignment", principal_id, guid, scope.lower()),
            properties={
                "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                "principalId": principal_id,
                "principalType": principal_type,
            },
            created_by=None,
        )
    except Exception as exc:  # ArmError with Azure's text
        problems.append(
            f"role assignment '{spec.role}' for '{spec.principal}' at '{spec.scope}': {exc}"
        )


__all__ = [
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "seed_world",
]
