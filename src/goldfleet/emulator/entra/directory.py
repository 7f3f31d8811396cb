"""The directory: tenants, app registrations with their credentials, and service principals.

A service principal of an application in a tenant is what consent creates; without one, the
application cannot get a token for that tenant. Secrets are kept only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
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


@dataclass
class Directory:
    tenants: dict[str, Tenant] = field(default_factory=dict)  # by lower-case id
    applications: dict[str, Application] = field(default_factory=dict)  # by lower-case appId
    service_principals: dict[str, ServicePrincipal] = field(default_factory=dict)  # by oid
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

    def to_json(self) -> dict[str, Any]:
        return {
            "tenants": [asdict(t) for t in self.tenants.values()],
            "applications": [asdict(a) for a in self.applications.values()],
            "servicePrincipals": [asdict(s) for s in self.service_principals.values()],
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
        return d
