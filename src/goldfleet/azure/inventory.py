"""Reading what a tenant holds, with list calls only: subscriptions, resource groups and the
role assignments goldfleet's identity has."""

from __future__ import annotations

from dataclasses import dataclass, field

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.tenancy import CredentialRef


@dataclass(frozen=True)
class ResourceGroupView:
    name: str
    location: str
    tags: dict[str, str]


@dataclass(frozen=True)
class RoleAssignmentView:
    role: str
    scope: str
    principal_id: str


@dataclass
class SubscriptionView:
    subscription_id: str
    name: str
    state: str
    resource_groups: list[ResourceGroupView] = field(default_factory=list)
    role_assignments: list[RoleAssignmentView] = field(default_factory=list)


@dataclass
class TenantView:
    tenant_id: str
    display_name: str
    default_domain: str
    subscriptions: list[SubscriptionView] = field(default_factory=list)


async def read_tenant(factory: ClientFactory, tenant_id: str, ref: CredentialRef) -> TenantView:
    """Everything the credential can see in one tenant."""
    subscriptions = factory.subscriptions(tenant_id, ref)
    try:
        async with subscriptions:
            tenants = [t async for t in subscriptions.tenants.list()]
            subs = [s async for s in subscriptions.subscriptions.list()]
    except Exception as exc:
        raise translate(exc, "listing subscriptions of tenant", tenant_id) from exc
    home = next((t for t in tenants if (t.tenant_id or "").lower() == tenant_id.lower()), None)
    view = TenantView(
        tenant_id,
        (home.display_name or tenant_id) if home else tenant_id,
        (home.default_domain or "") if home else "",
    )
    for sub in subs:
        sub_id = sub.subscription_id or ""
        state = getattr(sub.state, "value", sub.state)
        sv = SubscriptionView(sub_id, sub.display_name or sub_id, str(state or ""))
        view.subscriptions.append(sv)
        resources = factory.resources(tenant_id, sub_id, ref)
        authorization = factory.authorization(tenant_id, sub_id, ref)
        try:
            async with resources, authorization:
                sv.resource_groups = [
                    ResourceGroupView(g.name or "", g.location, dict(g.tags or {}))
                    async for g in resources.resource_groups.list()
                ]
                names = {
                    (d.name or "").lower(): d.role_name or ""
                    async for d in authorization.role_definitions.list(f"/subscriptions/{sub_id}")
                }
                sv.role_assignments = [
                    RoleAssignmentView(
                        names.get((a.role_definition_id or "").rsplit("/", 1)[-1].lower(), "?"),
                        a.scope or "",
                        a.principal_id or "",
                    )
                    async for a in authorization.role_assignments.list_for_subscription()
                ]
        except Exception as exc:
            raise translate(exc, "reading subscription", sub_id) from exc
    return view
