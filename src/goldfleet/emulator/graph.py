"""Microsoft Graph, emulated: just enough of it to name the principals of role assignments.

``az role assignment list`` resolves the principal IDs it lists with
``POST /v1.0/directoryObjects/getByIds``. The cloud metadata's ``microsoftGraphResourceId``
points Graph at the emulator's own address, which is therefore both Graph's URL and the token
audience Graph requires. Graph is not behind ARM's front door: it checks its own bearer tokens,
takes no ``api-version``, answers in Graph's error envelope, and shows a caller only the
directory objects of its own tenant. (Graph's application permissions, such as
``Directory.Read.All``, are not modelled: every service principal may read its directory.)
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.routing import Ctx, Handler, Router
from goldfleet.emulator.entra.directory import ServicePrincipal
from goldfleet.emulator.entra.tokens import Principal, TokenError, TokenService

GRAPH_AUDIENCES = ("https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000")
MAX_IDS = 1000


class GraphError(Exception):
    """An error answered in Graph's envelope: ``{"error": {code, message, innerError}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def register(router: Router, tokens: TokenService) -> None:
    def add(method: str, pattern: str, handler: Handler) -> None:
        router.add(
            method,
            pattern,
            _answering_errors(handler),
            authenticated=False,
            rbac=False,
            api_version=False,
        )

    def get_by_ids(ctx: Ctx) -> Response:
        """POST /v1.0/directoryObjects/getByIds (directoryObject: getByIds)"""
        principal = _authenticate(ctx, tokens)
        ids, types = _get_by_ids_body(ctx)
        found = []
        # service principals are the only directory objects the emulator has
        wanted = not types or bool(types & {"serviceprincipal", "directoryobject"})
        for object_id in ids if wanted else ():
            sp = ctx.world.directory.principal(object_id)
            if sp is not None and sp.tenant_id.lower() == principal.tenant_id.lower():
                found.append(_service_principal_body(ctx, sp))
        base = ctx.request.base_url
        return json_response(
            {"@odata.context": f"{base}/v1.0/$metadata#directoryObjects", "value": found}
        )

    add("POST", "/v1.0/directoryObjects/getByIds", get_by_ids)


def _answering_errors(handler: Handler) -> Handler:
    import functools

    @functools.wraps(handler)
    def serve(ctx: Ctx) -> Response:
        try:
            return handler(ctx)
        except GraphError as exc:
            client_request_id = ctx.request.header("client-request-id") or ctx.request_id
            body = {
                "error": {
                    "code": exc.code,
                    "message": exc.message,
                    "innerError": {
                        "date": ctx.world.now_dt().strftime("%Y-%m-%dT%H:%M:%S"),
                        "request-id": ctx.request_id,
                        "client-request-id": client_request_id,
                    },
                }
            }
            return json_response(body, exc.status, {"request-id": ctx.request_id})

    return serve


def _authenticate(ctx: Ctx, tokens: TokenService) -> Principal:
    """Graph's token checks: present, signed by Entra ID, unexpired, issued for Graph."""
    scheme, _, token = ctx.request.header("authorization").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
    try:
        principal = tokens.verify(token.strip())
    except TokenError as exc:
        message = (
            "Lifetime validation failed, the token is expired."
            if exc.reason == "expired"
            else "Access token validation failure."
        )
        raise GraphError(401, "InvalidAuthenticationToken", message) from exc
    audiences = {a.rstrip("/").lower() for a in (*GRAPH_AUDIENCES, ctx.request.base_url)}
    if principal.audience.rstrip("/").lower() not in audiences:
        raise GraphError(
            401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."
        )
    ctx.principal = principal
    return principal


def _get_by_ids_body(ctx: Ctx) -> tuple[list[str], set[str]]:
    try:
        body = ctx.request.json_object()
    except ValueError as exc:  # not JSON, or not UTF-8
        raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from exc
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise GraphError(
            400,
            "Request_BadRequest",
            "Invalid value specified for property 'ids' of resource 'DirectoryObject'.",
        )
    if len(ids) > MAX_IDS:
        raise GraphError(
            400,
            "Request_BadRequest",
            f"Too many identifiers were specified. The maximum is {MAX_IDS}.",
        )
    types = body.get("types") or []
    if not isinstance(types, list):
        raise GraphError(
            400,
            "Request_BadRequest",
            "Invalid value specified for property 'types' of resource 'DirectoryObject'.",
        )
    return ids, {str(t).lower() for t in types}


def _service_principal_body(ctx: Ctx, sp: ServicePrincipal) -> dict[str, Any]:
    """A servicePrincipal as Graph v1.0 returns it (the properties clients read)."""
    app = ctx.world.directory.application(sp.app_id)
    managed = sp.kind == "ManagedIdentity"
    names = [sp.app_id, sp.resource_id] if managed and sp.resource_id else [sp.app_id]
    if app is None:
        audience = "AzureADMyOrg"
    else:
        audience = "AzureADMultipleOrgs" if app.multi_tenant else "AzureADMyOrg"
    return {
        "@odata.type": "#microsoft.graph.servicePrincipal",
        "id": sp.object_id,
        "deletedDateTime": None,
        "accountEnabled": True,
        "alternativeNames": ["isExplicit=True", sp.resource_id] if managed else [],
        "appDisplayName": app.display_name if app else sp.display_name,
        "appId": sp.app_id,
        "appOwnerOrganizationId": app.home_tenant if app else None,
        "displayName": sp.display_name,
        "servicePrincipalNames": names,
        "servicePrincipalType": "ManagedIdentity" if managed else "Application",
        "signInAudience": audience,
        "tags": [],
    }
