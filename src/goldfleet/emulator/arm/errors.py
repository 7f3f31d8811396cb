"""ARM's error envelope and the errors the front door and resource providers raise.

Every failure leaves the emulator as ``{"error": {"code", "message", ...}}`` with ARM's status
code, so that the Azure SDK and the az CLI parse it the way they parse Azure's.
"""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """An error answered to the client in ARM's envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return {"error": error}


def not_found(resource_type: str, name: str, resource_group: str | None) -> ArmError:
    """ARM's 404 for a tracked resource (the text the portal and SDK show)."""
    where = f" under resource group '{resource_group}'" if resource_group else ""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{resource_type}/{name}'{where} was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def resource_group_not_found(name: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")


def subscription_not_found(subscription_id: str) -> ArmError:
    return ArmError(
        404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found."
    )


def invalid_request_content(reason: str) -> ArmError:
    return ArmError(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{reason}'.",
    )


def bad_request(code: str, message: str, target: str | None = None) -> ArmError:
    return ArmError(400, code, message, target=target)


def not_implemented(method: str, path: str) -> ArmError:
    """The uniform answer for an operation the emulator does not implement (never a silent 404)."""
    return ArmError(
        501,
        "NotImplemented",
        f"The goldfleet emulator does not implement '{method} {path}'. "
        "See docs/emulator/ for what is implemented.",
    )
