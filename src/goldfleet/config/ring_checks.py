"""Rule 8 for the release train: a ring that would receive no tenant (no members, no tenant
naming it, and a selector, if any, that matches no tenant an earlier ring has not taken) is a
step that releases to nobody. Gaps in ring orders are allowed: orders only sort the rings, and
a gap leaves room to put a ring in between later."""

from __future__ import annotations

from goldfleet.config.diagnostics import Problem
from goldfleet.config.lookup import Documents, of_kind
from goldfleet.config.models.documents import RingDocument, TenantDocument
from goldfleet.config.rings import resolve_rings


def ring_problems(documents: Documents) -> list[Problem]:
    """Only call this when every Tenant document is known and valid: a ring's tenants depend on
    all of them."""
    tenants = {t.name: t.doc for t in of_kind(documents, "Tenant", TenantDocument)}
    rings = of_kind(documents, "Ring", RingDocument)
    names = {r.name for r in rings}
    if any(t.spec.ring is not None and t.spec.ring not in names for t in tenants.values()):
        return []  # a ring named nowhere (or invalid) is reported as such; its tenants are unknown
    placed = set(resolve_rings(tenants, {r.name: r.doc for r in rings}).values())
    problems = []
    for ring in rings:
        spec = ring.doc.spec
        if ring.name in placed or spec.members:  # members placed elsewhere are reported so
            continue
        if spec.selector is None:
            problems.append(
                ring.problem(
                    ("spec",),
                    "the ring has no members and no selector, and no tenant names it in"
                    " spec.ring: it would release to no tenant",
                )
            )
        else:
            problems.append(
                ring.problem(
                    ("spec", "selector"),
                    "no tenant is in this ring: none names it in spec.ring, and its selector"
                    " matches no tenant that a ring of lower order has not taken",
                )
            )
    return problems
