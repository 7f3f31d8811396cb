"""The directory: tenants, app registrations with their credentials, service principals, users
and groups.

A service principal of an application in a tenant is what consent creates; without one, the
application cannot get a token for that tenant. Secrets are kept only as SHA-256 hashes. Users
and groups exist to be read through Microsoft Graph and to hold role assignments (users cannot
sign in: the emulator's Entra ID has only the client-credentials grant); a group's members are
object ids of users, service principals or other groups.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class Tenant:
    tenant_id: str
    display_name: str
    default_domain: str
    country_code: str = "US"


@dataclass
class Secret:
    key_id: str
    value_sha256: str
    hint: str
    display_name: str
    start: float  # simulated POSIX seconds
    end: float


@dataclass
class Certificate:
    key_id: str
    thumbprint_sha1: str  # upper-case hex, as the portal shows it
    thumbprint_sha256: str
    public_pem: str
    start: float
    end: float


@dataclass
class Application:
    app_id: str
    display_name: str
    home_tenant: str
    multi_tenant: bool
    secrets: list[Secret] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)


@dataclass
class ServicePrincipal:
    object_id: str
    app_id: str
    tenant_id: str
    display_name: str
    kind: str = "Application"  # or "ManagedIdentity"
    resource_id: str | None = None  # the identity resource, for managed identities


_APPLICATION_OBJECTS = uuid.UUID("3f0c9a1e-5b7d-4c2e-8f60-a11c0b1ec7e5")


def application_object_id(app: Application) -> str:
    """The application object's id (not its appId): stable, derived from the appId."""
    return str(uuid.uuid5(_APPLICATION_OBJECTS, app.app_id.lower()))


@dataclass
class User:
    object_id: str
    tenant_id: str
    user_principal_name: str
    display_name: str
    mail: str | None = None
    given_name: str | None = None
    surname: str | None = None
    account_enabled: bool = True
    user_type: str = "Member"


@dataclass
class Group:
    object_id: str
    tenant_id: str
    display_name: str
    mail_nickname: str
    description: str | None = None
    security_enabled: bool = True
    mail_enabled: bool = False
    members: list[str] = field(default_factory=list)  # object ids


@dataclass
class Directory:
    tenants: dict[str, Tenant] = field(default_factory=dict)  # by lower-case id
    applications: dict[str, Application] = field(default_factory=dict)  # by lower-case appId
    service_principals: dict[str, ServicePrincipal] = field(default_factory=dict)  # by oid
    users: dict[str, User] = field(default_factory=dict)  # by lower-case oid
    groups: dict[str, Group] = field(default_factory=dict)  # by lower-case oid
    _by_app_in_tenant: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    def tenant(self, id_or_domain: str) -> Tenant | None:
        key = id_or_domain.lower()
        found = self.tenants.get(key)
        if found is not None:
            return found
        for tenant in self.tenants.values():
            if tenant.default_domain.lower() == key:
                return tenant
        return None

    def application(self, app_id: str) -> Application | None:
        return self.applications.get(app_id.lower())

    def service_principal_of(self, app_id: str, tenant_id: str) -> ServicePrincipal | None:
        oid = self._by_app_in_tenant.get((app_id.lower(), tenant_id.lower()))
        return self.service_principals.get(oid) if oid else None

    def principal(self, object_id: str) -> ServicePrincipal | None:
        return self.service_principals.get(object_id.lower())

    def add_service_principal(self, sp: ServicePrincipal) -> None:
        self.service_principals[sp.object_id.lower()] = sp
        self._by_app_in_tenant[(sp.app_id.lower(), sp.tenant_id.lower())] = sp.object_id.lower()

    def remove_service_principal(self, object_id: str) -> None:
        sp = self.service_principals.pop(object_id.lower(), None)
        if sp is not None:
            self._by_app_in_tenant.pop((sp.app_id.lower(), sp.tenant_id.lower()), None)

    def add_user(self, user: User) -> None:
        self.users[user.object_id.lower()] = user

    def user(self, id_or_upn: str) -> User | None:
        """A user by object id or by userPrincipalName (case-insensitive)."""
        found = self.users.get(id_or_upn.lower())
        if found is not None:
            return found
        return next(
            (u for u in self.users.values() if u.user_principal_name.lower() == id_or_upn.lower()),
            None,
        )

    def add_group(self, group: Group) -> None:
        self.groups[group.object_id.lower()] = group

    def group(self, object_id: str) -> Group | None:
        return self.groups.get(object_id.lower())

    def object_type(self, object_id: str) -> str | None:
        """``User``, ``Group`` or ``ServicePrincipal`` (the words of RBAC's principalType)."""
        key = object_id.lower()
        if key in self.service_principals:
            return "ServicePrincipal"
        if key in self.users:
            return "User"
        if key in self.groups:
            return "Group"
        return None

    def object_tenant(self, object_id: str) -> str | None:
        key = object_id.lower()
        found = self.service_principals.get(key) or self.users.get(key) or self.groups.get(key)
        return found.tenant_id if found is not None else None

    def groups_of(self, object_id: str) -> list[Group]:
        """Every group ``object_id`` belongs to, directly or through other groups."""
        found: dict[str, Group] = {}
        pending = [object_id.lower()]
        while pending:
            member = pending.pop()
            for group in self.groups.values():
                key = group.object_id.lower()
                if key not in found and member in {m.lower() for m in group.members}:
                    found[key] = group
                    pending.append(key)
        return list(found.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "tenants": [asdict(t) for t in self.tenants.values()],
            "applications": [asdict(a) for a in self.applications.values()],
            "servicePrincipals": [asdict(s) for s in self.service_principals.values()],
            "users": [asdict(u) for u in self.users.values()],
            "groups": [asdict(g) for g in self.groups.values()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Directory:
        d = cls()
        for t in data.get("tenants", []):
            tenant = Tenant(**t)
            d.tenants[tenant.tenant_id.lower()] = tenant
        for a in data.get("applications", []):
            app = Application(
                app_id=a["app_id"],
                display_name=a["display_name"],
                home_tenant=a["home_tenant"],
                multi_tenant=a["multi_tenant"],
                secrets=[Secret(**s) for s in a.get("secrets", [])],
                certificates=[Certificate(**c) for c in a.get("certificates", [])],
            )
            d.applications[app.app_id.lower()] = app
        for s in data.get("servicePrincipals", []):
            d.add_service_principal(ServicePrincipal(**s))
        for u in data.get("users", []):
            d.add_user(User(**u))
        for g in data.get("groups", []):
            d.add_group(Group(**g))
        return d
