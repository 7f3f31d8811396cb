"""Microsoft Graph's HTTP surface: directory reads of the caller's own tenant.

Service principals, applications, users and groups are listed (with ``$filter``, ``$select``,
``$top``, ``$count`` and ``@odata.nextLink`` paging) and read by id; ``directoryObjects/getByIds``
names the principals of role assignments (``az role assignment list``). Graph is not behind
ARM's front door: it checks its own bearer tokens, takes no ``api-version`` and answers in its own
error envelope, on every ``/v1.0`` or ``/beta`` path, including those the emulator does not
implement (501 ``NotImplemented``). Graph's permissions (``Directory.Read.All``...) are not
modelled: every service principal may read its own directory.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.routing import Ctx, Handler, Router
from goldfleet.emulator.entra.directory import Directory, application_object_id
from goldfleet.emulator.entra.tokens import Principal, TokenError, TokenService
from goldfleet.emulator.graph import errors, objects
from goldfleet.emulator.graph.errors import GraphError
from goldfleet.emulator.graph.odata import Entity, parse_filter

GRAPH_AUDIENCES = ("https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000")
MAX_IDS = 1000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999
FALLBACK_DEPTH = 6
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_ALTERNATE_KEY = re.compile(r"^(servicePrincipals|applications)\(appId='([^']*)'\)$", re.I)
_UNIMPLEMENTED_OPTIONS = ("$orderby", "$search", "$expand", "$skip")

Lister = Callable[[Directory, str], list[dict[str, Any]]]


def register(router: Router, tokens: TokenService) -> None:
    def add(methods: str | list[str], pattern: str, handler: Handler) -> None:
        router.add(
            methods,
            pattern,
            _serving(tokens, handler),
            authenticated=False,
            rbac=False,
            api_version=False,
        )

    add("POST", "/v1.0/directoryObjects/getByIds", get_by_ids)
    add("GET", "/v1.0/servicePrincipals", list_service_principals)
    add("GET", "/v1.0/servicePrincipals/{id}", get_service_principal)
    add("GET", "/v1.0/applications", list_applications)
    add("GET", "/v1.0/applications/{id}", get_application)
    add("GET", "/v1.0/users", list_users)
    add("GET", "/v1.0/users/{id}", get_user)
    add("GET", "/v1.0/groups", list_groups)
    add("GET", "/v1.0/groups/{id}", get_group)
    add("GET", "/v1.0/groups/{id}/members", list_group_members)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    for version in ("v1.0", "beta"):
        for depth in range(1, FALLBACK_DEPTH + 1):
            segments = "/".join(f"{{p{i}}}" for i in range(depth))
            add(methods, f"/{version}/{segments}", unimplemented)


def _serving(tokens: TokenService, handler: Handler) -> Handler:
    """Authenticate as Graph does, then run ``handler``; errors in Graph's envelope."""

    @functools.wraps(handler)
    def serve(ctx: Ctx) -> Response:
        _authenticate(ctx, tokens)
        return handler(ctx)

    return errors.answering_errors(serve)


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


def _tenant(ctx: Ctx) -> str:
    assert ctx.principal is not None
    return ctx.principal.tenant_id.lower()


# --- directoryObjects -------------------------------------------------------------------------


def get_by_ids(ctx: Ctx) -> Response:
    """POST /v1.0/directoryObjects/getByIds (directoryObject: getByIds)"""
    ids, types = _get_by_ids_body(ctx)
    wanted = {
        "servicePrincipal": not types or bool(types & {"serviceprincipal", "directoryobject"}),
        "user": not types or bool(types & {"user", "directoryobject"}),
        "group": not types or bool(types & {"group", "directoryobject"}),
    }
    directory = ctx.world.directory
    found = []
    for object_id in ids:
        kind = directory.object_type(object_id)
        tenant = directory.object_tenant(object_id)
        if kind is None or tenant is None or tenant.lower() != _tenant(ctx):
            continue
        if wanted[kind[0].lower() + kind[1:]]:
            body = objects.directory_object(directory, object_id)
            if body is not None:
                found.append(body)
    base = ctx.request.base_url
    return json_response(
        {"@odata.context": f"{base}/v1.0/$metadata#directoryObjects", "value": found}
    )


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


# --- collections ------------------------------------------------------------------------------


def _service_principals(directory: Directory, tenant: str) -> list[dict[str, Any]]:
    return [
        objects.service_principal(directory, sp)
        for sp in directory.service_principals.values()
        if sp.tenant_id.lower() == tenant
    ]


def _applications(directory: Directory, tenant: str) -> list[dict[str, Any]]:
    return [
        objects.application(directory, app)
        for app in directory.applications.values()
        if app.home_tenant.lower() == tenant
    ]


def _users(directory: Directory, tenant: str) -> list[dict[str, Any]]:
    return [objects.user(u) for u in directory.users.values() if u.tenant_id.lower() == tenant]


def _groups(directory: Directory, tenant: str) -> list[dict[str, Any]]:
    return [objects.group(g) for g in directory.groups.values() if g.tenant_id.lower() == tenant]


def list_service_principals(ctx: Ctx) -> Response:
    """GET /v1.0/servicePrincipals (List servicePrincipals)"""
    return _listing(ctx, "servicePrincipals", objects.SERVICE_PRINCIPAL, _service_principals)


def list_applications(ctx: Ctx) -> Response:
    """GET /v1.0/applications (List applications)"""
    return _listing(ctx, "applications", objects.APPLICATION, _applications)


def list_users(ctx: Ctx) -> Response:
    """GET /v1.0/users (List users)"""
    return _listing(ctx, "users", objects.USER, _users)


def list_groups(ctx: Ctx) -> Response:
    """GET /v1.0/groups (List groups)"""
    return _listing(ctx, "groups", objects.GROUP, _groups)


def _listing(ctx: Ctx, collection: str, entity: Entity, lister: Lister) -> Response:
    query = ctx.request.query
    for option in _UNIMPLEMENTED_OPTIONS:
        if option in query:
            raise errors.not_implemented(
                ctx.request.method, ctx.request.path, f"the query option {option}"
            )
    items = lister(ctx.world.directory, _tenant(ctx))
    advanced = (
        ctx.request.header("consistencylevel").lower() == "eventual"
        and query.get("$count", "").lower() == "true"
    )
    filter_text = query.get("$filter")
    if filter_text is not None:
        predicate = parse_filter(filter_text, entity, advanced)
        items = [item for item in items if predicate(item)]
    size = _page_size(query.get("$top"))
    start = _decode_skip(query.get("$skiptoken"))
    chunk = [_selected(ctx, entity, item) for item in items[start : start + size]]
    context = f"{ctx.request.base_url}/v1.0/$metadata#{collection}"
    body: dict[str, Any] = {"@odata.context": context + _select_suffix(ctx)}
    if query.get("$count", "").lower() == "true":
        if not advanced:
            raise errors.unsupported_query(
                "$count is not currently supported without the ConsistencyLevel header "
                "set to eventual."
            )
        body["@odata.count"] = len(items)
    if start + size < len(items):
        params = [
            (k, v)
            for k, v in parse_qsl(ctx.request.query_string, True)
            if k.lower() != "$skiptoken"
        ]
        params.append(("$skiptoken", _encode_skip(start + size)))
        body["@odata.nextLink"] = f"{ctx.request.base_url}{ctx.request.path}?{urlencode(params)}"
    body["value"] = chunk
    return json_response(body)


def _page_size(top: str | None) -> int:
    if top is None:
        return DEFAULT_PAGE_SIZE
    if not re.fullmatch(r"\d+", top.strip()) or not 1 <= int(top) <= MAX_PAGE_SIZE:
        raise errors.unsupported_query(
            f"Invalid page size specified: '{top}'. Must be between 1 and {MAX_PAGE_SIZE} "
            "inclusive."
        )
    return int(top)


def _encode_skip(offset: int) -> str:
    return base64.urlsafe_b64encode(f"graph:{offset}".encode()).decode().rstrip("=")


def _decode_skip(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        kind, _, value = text.partition(":")
        if kind != "graph":
            raise ValueError(text)
        return max(0, int(value))
    except ValueError as exc:
        raise GraphError(
            400, "Request_BadRequest", "Specified skip token is invalid or expired."
        ) from exc


def _select_suffix(ctx: Ctx) -> str:
    select = ctx.request.query.get("$select")
    return f"({select})" if select else ""


def _selected(ctx: Ctx, entity: Entity, full: dict[str, Any]) -> dict[str, Any]:
    select = ctx.request.query.get("$select")
    if not select:
        return objects.visible(entity, full)
    out: dict[str, Any] = {}
    for name in (n.strip() for n in select.split(",") if n.strip()):
        key = next((k for k in full if k.lower() == name.lower()), None)
        if key is None:
            raise errors.not_implemented(
                ctx.request.method,
                ctx.request.path,
                f"$select of '{name}', a property of {entity.odata_type} the emulator does not "
                "model",
            )
        out[key] = full[key]
    return out


# --- single objects ---------------------------------------------------------------------------


def _entity_body(ctx: Ctx, collection: str, entity: Entity, full: dict[str, Any]) -> Response:
    context = f"{ctx.request.base_url}/v1.0/$metadata#{collection}{_select_suffix(ctx)}/$entity"
    return json_response({"@odata.context": context} | _selected(ctx, entity, full))


def _object_id(ctx: Ctx) -> str:
    identifier = ctx.param("id")
    if not _GUID.match(identifier):
        raise errors.invalid_object_identifier(identifier)
    return identifier


def get_service_principal(ctx: Ctx) -> Response:
    """GET /v1.0/servicePrincipals/{id} (Get servicePrincipal)"""
    object_id = _object_id(ctx)
    sp = ctx.world.directory.principal(object_id)
    if sp is None or sp.tenant_id.lower() != _tenant(ctx):
        raise errors.resource_not_found(object_id)
    full = objects.service_principal(ctx.world.directory, sp)
    return _entity_body(ctx, "servicePrincipals", objects.SERVICE_PRINCIPAL, full)


def get_application(ctx: Ctx) -> Response:
    """GET /v1.0/applications/{id} (Get application: by object id, not appId)"""
    object_id = _object_id(ctx)
    directory = ctx.world.directory
    app = next(
        (
            a
            for a in directory.applications.values()
            if application_object_id(a) == object_id.lower()
            and a.home_tenant.lower() == _tenant(ctx)
        ),
        None,
    )
    if app is None:
        raise errors.resource_not_found(object_id)
    return _entity_body(
        ctx, "applications", objects.APPLICATION, objects.application(directory, app)
    )


def get_user(ctx: Ctx) -> Response:
    """GET /v1.0/users/{id | userPrincipalName} (Get user)"""
    identifier = ctx.param("id")
    if "@" not in identifier and not _GUID.match(identifier):
        raise errors.invalid_object_identifier(identifier)
    user = ctx.world.directory.user(identifier)
    if user is None or user.tenant_id.lower() != _tenant(ctx):
        raise errors.resource_not_found(identifier)
    return _entity_body(ctx, "users", objects.USER, objects.user(user))


def _group_of_tenant(ctx: Ctx) -> Any:
    object_id = _object_id(ctx)
    group = ctx.world.directory.group(object_id)
    if group is None or group.tenant_id.lower() != _tenant(ctx):
        raise errors.resource_not_found(object_id)
    return group


def get_group(ctx: Ctx) -> Response:
    """GET /v1.0/groups/{id} (Get group)"""
    return _entity_body(ctx, "groups", objects.GROUP, objects.group(_group_of_tenant(ctx)))


def list_group_members(ctx: Ctx) -> Response:
    """GET /v1.0/groups/{id}/members (List group members: direct members only)"""
    group = _group_of_tenant(ctx)
    members = [objects.directory_object(ctx.world.directory, m) for m in group.members]
    return json_response(
        {
            "@odata.context": f"{ctx.request.base_url}/v1.0/$metadata#directoryObjects",
            "value": [m for m in members if m is not None],
        }
    )


# --- everything else --------------------------------------------------------------------------


def unimplemented(ctx: Ctx) -> Response:
    """Any other Graph request: 501 NotImplemented in Graph's envelope (alternate keys
    ``servicePrincipals(appId='...')`` and ``applications(appId='...')`` are read)."""
    request = ctx.request
    segments = [s for s in request.path.split("/") if s]
    if request.method == "GET" and len(segments) == 2 and segments[0].lower() == "v1.0":
        match = _ALTERNATE_KEY.match(segments[1])
        if match:
            return _by_app_id(ctx, match[1].lower(), match[2])
    raise errors.not_implemented(request.method, request.path)


def _by_app_id(ctx: Ctx, collection: str, app_id: str) -> Response:
    directory = ctx.world.directory
    if collection == "serviceprincipals":
        sp = directory.service_principal_of(app_id, _tenant(ctx))
        if sp is None:
            raise errors.resource_not_found(app_id)
        full = objects.service_principal(directory, sp)
        return _entity_body(ctx, "servicePrincipals", objects.SERVICE_PRINCIPAL, full)
    app = directory.application(app_id)
    if app is None or app.home_tenant.lower() != _tenant(ctx):
        raise errors.resource_not_found(app_id)
    return _entity_body(
        ctx, "applications", objects.APPLICATION, objects.application(directory, app)
    )
