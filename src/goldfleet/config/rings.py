"""Which ring each tenant is in: its ``spec.ring``, else the ring listing it in ``members``, else
the first ring (by order) whose selector matches its labels. Used to build the configuration and
to find rings that would receive no tenant."""

from __future__ import annotations

from goldfleet.config.models.documents import RingDocument, TenantDocument


def resolve_rings(
    tenants: dict[str, TenantDocument], rings: dict[str, RingDocument]
) -> dict[str, str]:
    """Each tenant's ring: its ``spec.ring``, else the ring listing it in ``members``, else the
    first ring (by order) whose selector matches its labels; tenants in no ring are absent."""
    placed = {name: doc.spec.ring for name, doc in tenants.items() if doc.spec.ring}
    by_order = sorted(rings.values(), key=lambda r: (r.spec.order, r.metadata.name))
    for ring in by_order:
        for member in ring.spec.members:
            placed.setdefault(member, ring.metadata.name)
    for name, doc in sorted(tenants.items()):
        if name in placed:
            continue
        for ring in by_order:
            selector = ring.spec.selector
            labels = doc.metadata.labels
            if selector and all(labels.get(k) == v for k, v in selector.match_labels.items()):
                placed[name] = ring.metadata.name
                break
    return placed
