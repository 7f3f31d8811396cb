"""Linked authorization: may this request use a resource that lives in another subscription,
possibly in another tenant? (Compute asks this for a cross-tenant gallery image.)

ARM checks the caller's right to ``action`` on the linked resource with the token of the tenant
that owns it: the primary token for its own tenant, an ``x-ms-authorization-auxiliary`` token
for any other. Without one, or without the permission, the answer is 403
``LinkedAuthorizationFailed``.
"""

from __future__ import annotations

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.ids import scope_of
from goldfleet.emulator.arm.routing import Ctx
from goldfleet.emulator.entra.tokens import Principal
from goldfleet.emulator.rp.authorization import backend


def authorize_linked(ctx: Ctx, linked_id: str, action: str) -> Principal:
    """The principal (primary or auxiliary) allowed to ``action`` on ``linked_id``, or 403."""
    assert ctx.principal is not None
    primary = ctx.principal
    sub_id = scope_of(linked_id).subscription_id
    sub = ctx.world.subscription(sub_id) if sub_id else None
    if sub is None:
        raise ArmError(
            404,
            "LinkedSubscriptionNotFound",
            f"The linked subscription '{sub_id}' of resource '{linked_id}' could not be found.",
        )
    owner = sub.tenant_id.lower()
    candidates = [p for p in (primary, *ctx.auxiliary) if p.tenant_id.lower() == owner]
    for principal in candidates:
        if backend.is_allowed(
            ctx.world, principal.tenant_id, principal.object_id, action, linked_id
        ):
            return principal
    if not candidates:
        raise ArmError(
            403,
            "LinkedAuthorizationFailed",
            f"The client has permission to perform action '{action}' on scope "
            f"'{linked_id}', however the current tenant '{primary.tenant_id}' is not "
            f"authorized to access linked subscription '{sub.subscription_id}'.",
        )
    principal = candidates[0]
    raise ArmError(
        403,
        "LinkedAuthorizationFailed",
        f"The client '{primary.app_id}' with object id '{primary.object_id}' has permission to "
        f"perform action '{ctx.request.method} {ctx.request.path}' on scope "
        f"'{ctx.request.path}'; however, it does not have permission to perform action "
        f"'{action}' on the linked scope(s) '{linked_id}' (object id in the linked tenant: "
        f"'{principal.object_id}') or the linked scope(s) are invalid.",
    )
