"""``Configuration``: the whole desired state, validated, with its references resolved, as the
planner consumes it. Lookups by goldfleet name; every collection is in a stable order (by name,
rings by order) so that the same configuration always yields the same plan.

Pure values: no I/O. Built by ``goldfleet.config``; a missing name here is a bug (``KeyError``),
because the loader has already rejected undefined references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from goldfleet.domain.host_pools import HostPool
from goldfleet.domain.images import Gallery, ImageDefinition, ImagePipeline
from goldfleet.domain.ownership import DEFAULT_INSTALLATION, Owner, OwnerKind
from goldfleet.domain.rollout import Ring, RolloutPolicy
from goldfleet.domain.tenancy import SubscriptionSpec, Tenant, TenantRole


def _by_name(item: Any) -> Any:
    return item.name


def _by_order(ring: Ring) -> tuple[int, str]:
    return (ring.order, ring.name)


@dataclass(frozen=True)
class _Index:
    tenants: Mapping[str, Tenant]
    galleries: Mapping[str, Gallery]
    definitions: Mapping[str, ImageDefinition]
    pipelines: Mapping[str, ImagePipeline]
    host_pools: Mapping[str, HostPool]
    policies: Mapping[str, RolloutPolicy]
    rings: Mapping[str, Ring]


@dataclass(frozen=True)
class Configuration:
    tenants: tuple[Tenant, ...] = ()
    galleries: tuple[Gallery, ...] = ()
    image_definitions: tuple[ImageDefinition, ...] = ()
    pipelines: tuple[ImagePipeline, ...] = ()
    host_pools: tuple[HostPool, ...] = ()
    rollout_policies: tuple[RolloutPolicy, ...] = ()
    rings: tuple[Ring, ...] = ()
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, key in (
            ("tenants", _by_name),
            ("galleries", _by_name),
            ("image_definitions", _by_name),
            ("pipelines", _by_name),
            ("host_pools", _by_name),
            ("rollout_policies", _by_name),
            ("rings", _by_order),
        ):
            object.__setattr__(self, name, tuple(sorted(getattr(self, name), key=key)))
        object.__setattr__(
            self,
            "_index",
            _Index(
                tenants={t.name: t for t in self.tenants},
                galleries={g.name: g for g in self.galleries},
                definitions={d.name: d for d in self.image_definitions},
                pipelines={p.name: p for p in self.pipelines},
                host_pools={h.name: h for h in self.host_pools},
                policies={p.name: p for p in self.rollout_policies},
                rings={r.name: r for r in self.rings},
            ),
        )

    # --- lookups by goldfleet name (KeyError when absent) ---------------------------------------

    def tenant(self, name: str) -> Tenant:
        return self._index.tenants[name]

    def gallery(self, name: str) -> Gallery:
        return self._index.galleries[name]

    def image_definition(self, name: str) -> ImageDefinition:
        return self._index.definitions[name]

    def pipeline(self, name: str) -> ImagePipeline:
        return self._index.pipelines[name]

    def host_pool(self, name: str) -> HostPool:
        return self._index.host_pools[name]

    def rollout_policy(self, name: str) -> RolloutPolicy:
        return self._index.policies[name]

    def ring(self, name: str) -> Ring:
        return self._index.rings[name]

    # --- questions the planner asks --------------------------------------------------------------

    @property
    def provider(self) -> Tenant | None:
        """The MSP's own tenant (at most one; the loader checks)."""
        return next((t for t in self.tenants if t.role is TenantRole.PROVIDER), None)

    @property
    def installation(self) -> str:
        """The goldfleet installation's name, as it appears in every ownership tag."""
        provider = self.provider
        return (provider.installation if provider else None) or DEFAULT_INSTALLATION

    def owner(self, kind: OwnerKind, name: str) -> Owner:
        """The owner of what goldfleet makes for ``kind``/``name`` in this installation."""
        return Owner(self.installation, kind, name)

    @property
    def customers(self) -> tuple[Tenant, ...]:
        return tuple(t for t in self.tenants if t.role is TenantRole.CUSTOMER)

    def tenant_by_id(self, tenant_id: str) -> Tenant:
        wanted = tenant_id.lower()
        for tenant in self.tenants:
            if tenant.tenant_id.lower() == wanted:
                return tenant
        raise KeyError(tenant_id)

    def subscription(self, subscription_id: str) -> tuple[Tenant, SubscriptionSpec]:
        """The tenant a subscription belongs to, and the subscription's desired state."""
        wanted = subscription_id.lower()
        for tenant in self.tenants:
            for sub in tenant.subscriptions:
                if sub.subscription_id.lower() == wanted:
                    return tenant, sub
        raise KeyError(subscription_id)

    def galleries_of(self, tenant: str) -> tuple[Gallery, ...]:
        return tuple(g for g in self.galleries if g.tenant == tenant)

    def definitions_in(self, gallery: str) -> tuple[ImageDefinition, ...]:
        return tuple(d for d in self.image_definitions if d.gallery == gallery)

    def host_pools_of(self, tenant: str) -> tuple[HostPool, ...]:
        return tuple(h for h in self.host_pools if h.tenant == tenant)

    def tenants_in_ring(self, ring: str) -> tuple[Tenant, ...]:
        return tuple(self.tenant(name) for name in self.ring(ring).tenants)
