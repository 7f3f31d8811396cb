"""Translation of Azure SDK exceptions into goldfleet's error tree - done here and only here."""

from __future__ import annotations

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from goldfleet.domain.errors import (
    AuthenticationError,
    AzureCallError,
    NotFoundError,
    NotOwnedError,
    PermissionDeniedError,
    ThrottledError,
    TransientAzureError,
)


def translate(exc: Exception, action: str, resource: str) -> AzureCallError:
    """One goldfleet error for an SDK exception, naming what we were doing and to what. An
    error goldfleet raised itself (a refusal of the ownership policy) stays as it is."""
    if isinstance(exc, NotOwnedError):  # said again in the words of what was being done
        return NotOwnedError(action, resource, exc.cause, code=exc.code, hint=exc.hint)
    if isinstance(exc, AzureCallError):
        return exc
    if isinstance(exc, ClientAuthenticationError) and exc.status_code is None:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return AuthenticationError(
            action,
            resource,
            message,
            hint="check the app registration's credential and its consent in this tenant",
        )
    if isinstance(exc, HttpResponseError):
        status = exc.status_code
        code = exc.error.code if exc.error is not None else None
        message = exc.error.message if exc.error is not None and exc.error.message else str(exc)
        if status == 401 or isinstance(exc, ClientAuthenticationError):
            return AuthenticationError(
                action,
                resource,
                message,
                code=code,
                status=status,
                hint="the token was refused: is this tenant's credential used for its own "
                "subscriptions?",
            )
        if status == 403:
            return PermissionDeniedError(
                action,
                resource,
                message,
                code=code,
                status=status,
                hint="grant the application the role this action needs at this scope "
                "(goldfleet can print least-privilege role definitions)",
            )
        if status == 404 or isinstance(exc, ResourceNotFoundError):
            return NotFoundError(action, resource, message, code=code, status=status)
        if status == 429:
            headers = getattr(exc.response, "headers", None) or {}
            retry = headers.get("Retry-After")
            return ThrottledError(
                action,
                resource,
                message,
                code=code,
                status=status,
                retry_after=float(retry) if retry and retry.isdigit() else None,
                hint="Azure is throttling this subscription; goldfleet will pace itself",
            )
        if status is not None and status >= 500:
            return TransientAzureError(action, resource, message, code=code, status=status)
        return AzureCallError(action, resource, message, code=code, status=status)
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return TransientAzureError(
            action,
            resource,
            f"could not reach Azure: {exc}",
            hint="check the network path to the endpoint (and its CA bundle for the emulator)",
        )
    return AzureCallError(action, resource, f"{type(exc).__name__}: {exc}")
