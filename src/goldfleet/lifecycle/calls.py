"""What the steps of a build or capture share: the client factory, tenant, subscription and
credential of the build's subscription, and turning a failed Azure call into the engine's
retry-or-stop decision."""

from __future__ import annotations

from typing import Any

from goldfleet import engine
from goldfleet.domain.errors import AzureCallError, GoldfleetError, TransientAzureError
from goldfleet.lifecycle.context import ApplyContext, factory_for


def step_error(exc: AzureCallError) -> GoldfleetError:
    """A transient failure is retried by the step's policy; any other stops the workflow."""
    if isinstance(exc, TransientAzureError):
        return engine.TemporaryError(str(exc))
    return engine.PermanentError(str(exc), hint=exc.hint)


class StepCall:
    """``args``: (factory, tenant, subscription, credential) for ``spec``'s build subscription."""

    def __init__(self, context_json: dict[str, Any], spec: dict[str, Any]) -> None:
        context = ApplyContext.from_json(context_json)
        self.args = (
            factory_for(context),
            spec["tenantId"],
            spec["subscriptionId"],
            context.credential(spec["tenantId"]),
        )
