"""Long-running operations exactly as ARM does them.

An accepted request answers 201/202 with ``Azure-AsyncOperation`` (an operation status
resource: ``{id, name, status, startTime, endTime, percentComplete, error}``) and ``Location``
(202 while running, then the final result), both absolute URLs on the host the client used,
and ``Retry-After`` in whole **simulated** seconds, as the provider sends it: a client waits that
long on the simulated clock (``Retry-After / speed`` real seconds), the same share of an
operation as on Azure. Operations finish when the simulated clock reaches the moment a resource
provider scheduled for them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator.arm.clock import iso

TERMINAL = ("Succeeded", "Failed", "Canceled")
# Retry-After (simulated seconds) on accepted operations and on their status while running. ARM's
# RPC asks for 10 s to 10 min; ARM's own (resource group deletion) answers 15, resource
# providers the RPC's 10.
RETRY_AFTER = {"microsoft.resources": "15"}
DEFAULT_RETRY_AFTER = "10"


def retry_after(namespace: str) -> str:
    """The ``Retry-After`` a provider's operations carry, in simulated seconds."""
    return RETRY_AFTER.get(namespace.lower(), DEFAULT_RETRY_AFTER)


@dataclass
class Operation:
    id: str
    subscription_id: str
    tenant_id: str
    principal: str
    namespace: str
    location: str
    status_kind: str  # the path segment of the status URL, e.g. "operations", "capsOperations"
    result_kind: str  # the path segment of the Location URL, e.g. "operationResults"
    start: float
    status: str = "InProgress"
    end: float | None = None
    percent: float = 0.0
    resource_id: str | None = None
    result_status: int = 200
    result_body: Any = None
    error: dict[str, Any] | None = None
    arm_level: bool = False  # Microsoft.Resources' own /subscriptions/{s}/operationresults/{id}

    def status_path(self) -> str:
        if self.arm_level:
            return f"/subscriptions/{self.subscription_id}/operationresults/{self.id}"
        return (
            f"/subscriptions/{self.subscription_id}/providers/{self.namespace}"
            f"/locations/{self.location}/{self.status_kind}/{self.id}"
        )

    def result_path(self) -> str:
        if self.arm_level:
            return self.status_path()
        return (
            f"/subscriptions/{self.subscription_id}/providers/{self.namespace}"
            f"/locations/{self.location}/{self.result_kind}/{self.id}"
        )

    def status_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.status_path(),
            "name": self.id,
            "status": self.status,
            "startTime": iso(datetime.fromtimestamp(self.start, UTC)),
        }
        if self.end is not None:
            body["endTime"] = iso(datetime.fromtimestamp(self.end, UTC))
        if self.status not in TERMINAL:
            body["percentComplete"] = round(self.percent, 1)
        if self.error is not None:
            body["error"] = self.error
        return body


class Operations:
    def __init__(self) -> None:
        self.items: dict[str, Operation] = {}

    def add(self, op: Operation) -> Operation:
        self.items[op.id.lower()] = op
        return op

    def get(self, op_id: str) -> Operation | None:
        return self.items.get(op_id.lower())

    def finish(
        self,
        op_id: str,
        now: float,
        *,
        error: dict[str, Any] | None = None,
        result_status: int | None = None,
        result_body: Any = None,
    ) -> None:
        op = self.items.get(op_id.lower())
        if op is None or op.status in TERMINAL:
            return
        op.status = "Failed" if error else "Succeeded"
        op.error = error
        op.end = now
        op.percent = 100.0
        if result_status is not None:
            op.result_status = result_status
        if result_body is not None:
            op.result_body = result_body

    def to_json(self) -> list[dict[str, Any]]:
        return [asdict(op) for op in self.items.values()]

    def load_json(self, items: list[dict[str, Any]]) -> None:
        self.items = {i["id"].lower(): Operation(**i) for i in items}


def lro_headers(
    base_url: str, op: Operation, api_version: str, *, async_header: bool = True
) -> dict[str, str]:
    """The headers of an accepted long-running request."""
    headers = {
        "Location": f"{base_url}{op.result_path()}?monitor=true&api-version={api_version}",
        "Retry-After": retry_after(op.namespace),
    }
    if op.arm_level:
        headers["Location"] = f"{base_url}{op.result_path()}?api-version={api_version}"
    if async_header and not op.arm_level:
        headers["Azure-AsyncOperation"] = f"{base_url}{op.status_path()}?api-version={api_version}"
    return headers
