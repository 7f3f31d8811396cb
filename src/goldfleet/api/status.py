"""What goldfleet knows about itself: workflows in flight and recent, the audit trail, and the
tenants of a configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from goldfleet import engine
from goldfleet.api.audit import AuditView, audit_trail  # the audit's API lives in api.audit
from goldfleet.api.session import Target, engine_settings
from goldfleet.config import load_configuration
from goldfleet.domain.tenancy import Tenant

__all__ = ["AuditView", "audit_trail", "tenant_row", "tenants", "workflows"]

IN_FLIGHT = (engine.WorkflowState.PENDING, engine.WorkflowState.ENQUEUED)


def workflows(target: Target, limit: int = 50) -> list[dict[str, Any]]:
    """Workflows in flight first, then the most recent others."""
    from goldfleet.engine.dbos_engine import client_engine

    settings = engine_settings(target)
    path = settings.sqlite_path
    if path is not None and not path.exists():
        return []  # no command has run a workflow here yet (and reading would create the file)
    try:
        with client_engine(settings):
            records = engine.list_workflows(limit=limit)
    except OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return []  # the engine's tables are made by the first workflow: none has run
    rows = [
        {
            "id": r.workflow_id,
            "workflow": r.name,
            "state": r.state.value,
            "queue": r.queue,
            "created": r.created_at.isoformat() if r.created_at else None,
            "updated": r.updated_at.isoformat() if r.updated_at else None,
            "worker": r.executor_id,
            "error": r.error,
        }
        for r in records
    ]
    in_flight = {s.value for s in IN_FLIGHT}
    return sorted(rows, key=lambda r: (r["state"] not in in_flight, _newest_first(r["created"])))


def _newest_first(created: str | None) -> str:
    """A sort key that puts later ISO timestamps first."""
    return "".join(chr(0x10FFFF - ord(c)) for c in created or "")


def tenant_row(tenant: Tenant) -> dict[str, Any]:
    return {
        "name": tenant.name,
        "tenantId": tenant.tenant_id,
        "displayName": tenant.display_name,
        "role": tenant.role.value,
        "timeZone": tenant.time_zone,
        "ring": tenant.ring,
        "subscriptions": [
            {"id": s.subscription_id, "name": s.name, "regions": list(s.regions)}
            for s in tenant.subscriptions
        ],
        "maintenanceWindows": [w.name for w in tenant.windows],
        "freezes": [
            {"start": f.start.isoformat(), "end": f.end.isoformat(), "reason": f.reason}
            for f in tenant.freezes
        ],
        "optOut": tenant.opt_out,
        "credential": {
            "type": tenant.credential.kind.value,
            "clientId": tenant.credential.client_id,
        },
    }


def tenants(config_path: Path) -> list[dict[str, Any]]:
    return [tenant_row(t) for t in load_configuration(config_path).configuration.tenants]
