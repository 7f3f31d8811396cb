"""goldfleet's one error tree. Each boundary translates what it catches into these, once.

Every error says whose fault it is (the user's input, the service, or ours) and what to do next,
so the CLI can print a message and a hint and pick the exit code without a traceback.
"""

from __future__ import annotations

from typing import Any


class GoldfleetError(Exception):
    """Base of every error goldfleet raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by state, whatever ``__init__`` takes: the durable engine records a step's
        error by pickling it, and replays it as the same type with the same fields."""
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(
    cls: type[GoldfleetError], args: tuple[Any, ...], state: dict[str, Any]
) -> GoldfleetError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class UserInputError(GoldfleetError):
    """The user's input (a file, an option, a reference) is wrong; fixing it fixes the problem."""

    exit_code = 2


class AzureCallError(GoldfleetError):
    """An Azure call failed: ``<action> <resource>: <cause>``, with Azure's code when known."""

    def __init__(
        self,
        action: str,
        resource: str,
        cause: str,
        *,
        code: str | None = None,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"{action} {resource}: {cause}", hint=hint)
        self.action = action
        self.resource = resource
        self.cause = cause
        self.code = code
        self.status = status


class AuthenticationError(AzureCallError):
    """Entra ID refused the credential or ARM refused the token."""


class PermissionDeniedError(AzureCallError):
    """ARM's RBAC refused the action (403)."""


class ThrottledError(AzureCallError):
    """Azure asked us to slow down (429) and our retries ran out."""

    def __init__(self, *args: object, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class NotFoundError(AzureCallError):
    """The resource does not exist (404)."""


class TransientAzureError(AzureCallError):
    """A temporary failure (5xx, connection reset): retrying later may succeed."""


class BusyError(GoldfleetError):
    """Another command holds what this one would change (exit code 75, EX_TEMPFAIL: run it
    again later, or with --wait). ``blockers`` describe the holders when known."""

    exit_code = 75

    def __init__(self, message: str, *, hint: str | None = None, blockers: tuple[Any, ...] = ()):
        super().__init__(message, hint=hint)
        self.blockers = blockers


class NotOwnedError(AzureCallError):
    """goldfleet refused to change or delete a resource it does not own (its ``goldfleet-owner``
    tag names someone else, or nobody). Nothing was sent to Azure."""
