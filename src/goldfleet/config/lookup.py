"""What the checks across documents share: the valid documents of one kind, a tenant's
subscription by id or name, where a field is (``file:line:col``, for a message that points at a
second place), and who owns a name.

Pure lookups over validated documents: nothing here reports a problem by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from goldfleet.config.diagnostics import Path, format_path
from goldfleet.config.entries import Valid
from goldfleet.config.models.documents import AnyDocument, TenantDocument
from goldfleet.config.models.tenant import Subscription

Doc = TypeVar("Doc", bound=AnyDocument)
Documents = dict[str, dict[str, Valid[Any]]]  # kind -> metadata.name -> the valid document


def of_kind(documents: Documents, kind: str, _: type[Doc]) -> list[Valid[Doc]]:
    """The valid documents of ``kind``, in the order they were read."""
    return cast(list[Valid[Doc]], list(documents.get(kind, {}).values()))


def find_subscription(tenant: TenantDocument, ref: str) -> Subscription | None:
    """A tenant's subscription by id (any case) or by name."""
    return next(
        (s for s in tenant.spec.subscriptions if ref.lower() == s.id or ref == s.name), None
    )


def subscription_of(documents: Documents, tenant: str, ref: str) -> Subscription | None:
    """Tenant/``tenant``'s subscription ``ref``; None when either does not resolve (that is
    reported where the reference is checked)."""
    owner = documents.get("Tenant", {}).get(tenant)
    return find_subscription(owner.doc, ref) if owner is not None else None


def tenant_of_subscription(documents: Documents, subscription_id: str) -> str | None:
    """The name of the tenant that declares ``subscription_id``, if any."""
    for tenant in of_kind(documents, "Tenant", TenantDocument):
        if find_subscription(tenant.doc, subscription_id) is not None:
            return tenant.name
    return None


def where(valid: Valid[Any], path: Path) -> str:
    """``file:line:col`` of ``path`` in ``valid``'s document."""
    line, column = valid.entry.source.position(path)
    return f"{valid.entry.source.file}:{line}:{column}"


@dataclass(frozen=True)
class Owner:
    """A field of a document that makes (or names) something: the place a problem points at."""

    valid: Valid[Any]
    path: Path

    def __str__(self) -> str:
        """``Kind/name (field at file:line:col)``."""
        place = where(self.valid, self.path)
        return f"{self.valid.entry.subject} ({format_path(self.path)} at {place})"
