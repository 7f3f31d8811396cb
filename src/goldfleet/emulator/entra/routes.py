"""Entra ID endpoints: OpenID configuration, signing keys (JWKS) and the token endpoint.

Only the client-credentials grant is served (a client secret, or a certificate-signed client
assertion), which is what service principals and automation use.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote

import jwt
from cryptography import x509

from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.entra import errors
from goldfleet.emulator.entra.directory import Application, ServicePrincipal, hash_secret
from goldfleet.emulator.entra.keys import SigningKey, b64url
from goldfleet.emulator.entra.tokens import TokenService

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ARM_AUDIENCES = ("https://management.core.windows.net/", "https://management.azure.com/")


def accepted_audiences(base_url: str) -> set[str]:
    """Audiences ARM accepts, compared without a trailing slash."""
    return {a.rstrip("/").lower() for a in (*ARM_AUDIENCES, base_url)}


def register(router: Router, tokens: TokenService, key: SigningKey) -> None:
    def add(methods: str | list[str], pattern: str, handler: Callable[[Ctx], Response]) -> None:
        router.add(methods, pattern, handler, authenticated=False, rbac=False, api_version=False)

    def openid_configuration(ctx: Ctx) -> Response:
        """GET /{tenant}/v2.0/.well-known/openid-configuration"""
        tenant = _tenant_or_raise(ctx, ctx.param("tenant"))
        return json_response(_openid_document(ctx.request.base_url, tenant, v2=True))

    def openid_configuration_v1(ctx: Ctx) -> Response:
        """GET /{tenant}/.well-known/openid-configuration"""
        tenant = _tenant_or_raise(ctx, ctx.param("tenant"))
        return json_response(_openid_document(ctx.request.base_url, tenant, v2=False))

    def jwks(ctx: Ctx) -> Response:
        """GET /{tenant}/discovery/v2.0/keys"""
        return json_response({"keys": [key.jwk()]})

    def token(ctx: Ctx) -> Response:
        """POST /{tenant}/oauth2/v2.0/token (client credentials)"""
        return _issue(ctx, tokens, v2=True)

    def token_v1(ctx: Ctx) -> Response:
        """POST /{tenant}/oauth2/token (client credentials, v1: ``resource=``)"""
        return _issue(ctx, tokens, v2=False)

    add("GET", "/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration)
    add("GET", "/{tenant}/.well-known/openid-configuration", openid_configuration_v1)
    add("GET", "/{tenant}/discovery/v2.0/keys", jwks)
    add("GET", "/{tenant}/discovery/keys", jwks)
    add("GET", "/common/discovery/keys", jwks)
    add("POST", "/{tenant}/oauth2/v2.0/token", token)
    add("POST", "/{tenant}/oauth2/token", token_v1)


def _tenant_or_raise(ctx: Ctx, name: str) -> str:
    if name.lower() in ("common", "organizations"):
        return name
    tenant = ctx.world.directory.tenant(name)
    if tenant is None:
        raise errors.tenant_not_found(name)
    return tenant.tenant_id


def _openid_document(base: str, tenant: str, *, v2: bool) -> dict[str, object]:
    suffix = "/v2.0" if v2 else ""
    oauth = f"{base}/{tenant}/oauth2{suffix}"
    return {
        "token_endpoint": f"{oauth}/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{base}/{tenant}/discovery{suffix}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{tenant}{suffix}" if v2 else f"https://sts.windows.net/{tenant}/",
        "request_uri_parameter_supported": False,
        "authorization_endpoint": f"{oauth}/authorize",
        "device_authorization_endpoint": f"{oauth}/devicecode",
        "end_session_endpoint": f"{oauth}/logout",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "tid", "oid", "appid"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "emulator.goldfleet",
        "cloud_graph_host_name": "graph.emulator.goldfleet",
        "msgraph_host": "graph.emulator.goldfleet",
    }


def _form(ctx: Ctx) -> dict[str, str]:
    try:
        text = ctx.request.body.decode()
    except UnicodeDecodeError as exc:
        raise errors.EntraError(
            400, "invalid_request", 900144, "The request body must be form-encoded."
        ) from exc
    form = dict(parse_qsl(text, keep_blank_values=True))
    auth = ctx.request.header("authorization")
    if auth.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            user, password = "", ""
        form.setdefault("client_id", unquote(user))
        form.setdefault("client_secret", unquote(password))
    return form


def _issue(ctx: Ctx, tokens: TokenService, *, v2: bool) -> Response:
    world = ctx.world
    tenant = world.directory.tenant(ctx.param("tenant"))
    if tenant is None:
        raise errors.tenant_not_found(ctx.param("tenant"))
    form = _form(ctx)
    grant = form.get("grant_type", "")
    if not grant:
        raise errors.missing_parameter("grant_type")
    if grant != "client_credentials":
        raise errors.unsupported_grant(grant)
    client_id = form.get("client_id", "")
    if not client_id:
        raise errors.missing_parameter("client_id")
    resource = _resource(form, v2=v2)
    if resource.rstrip("/").lower() not in accepted_audiences(ctx.request.base_url):
        raise errors.resource_not_found(resource, tenant.display_name)
    app = world.directory.application(client_id)
    sp = world.directory.service_principal_of(client_id, tenant.tenant_id)
    if app is None or sp is None:
        raise errors.application_not_found(client_id, tenant.display_name)
    kind = _authenticate_client(ctx, app, form)
    access_token, lifetime = tokens.issue(
        tenant_id=tenant.tenant_id,
        object_id=sp.object_id,
        app_id=app.app_id,
        audience=resource,
        app_display_name=app.display_name,
        credential_kind=kind,
        token_id=world.new_uuid(),
    )
    return json_response(
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        }
    )


def _resource(form: dict[str, str], *, v2: bool) -> str:
    if not v2:
        resource = form.get("resource", "")
        if not resource:
            raise errors.missing_parameter("resource")
        return resource
    scope = form.get("scope", "")
    if not scope:
        raise errors.missing_parameter("scope")
    for item in scope.split():
        if item.endswith("/.default"):
            return item[: -len("/.default")]
    raise errors.invalid_scope(scope)


def _authenticate_client(ctx: Ctx, app: Application, form: dict[str, str]) -> str:
    """Check the client's secret or certificate assertion; returns "secret" or "certificate"."""
    now = ctx.world.now()
    if form.get("client_secret"):
        digest = hash_secret(form["client_secret"])
        for secret in app.secrets:
            if secret.value_sha256 == digest:
                if secret.end <= now or secret.start > now:
                    raise errors.expired_secret(app.app_id)
                return "secret"
        raise errors.invalid_secret(app.app_id)
    assertion = form.get("client_assertion")
    if not assertion:
        raise errors.missing_credential()
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise errors.missing_parameter("client_assertion_type")
    _verify_assertion(ctx, app, assertion)
    return "certificate"


def _verify_assertion(ctx: Ctx, app: Application, assertion: str) -> None:
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError as exc:
        raise errors.bad_assertion("is not a valid JWT.") from exc
    x5t = str(header.get("x5t", "")).rstrip("=")
    x5t256 = str(header.get("x5t#S256", "")).rstrip("=")
    thumb_hex = _b64url_to_hex(x5t) if x5t else _b64url_to_hex(x5t256)
    cert = next(
        (
            c
            for c in app.certificates
            if (x5t and _hex_to_b64url(c.thumbprint_sha1) == x5t)
            or (x5t256 and _hex_to_b64url(c.thumbprint_sha256) == x5t256)
        ),
        None,
    )
    if cert is None:
        raise errors.unknown_certificate(app.app_id, thumb_hex.upper())
    now = ctx.world.now()
    if cert.end <= now or cert.start > now:
        raise errors.bad_assertion("failed: the certificate used to sign it has expired.")
    public_key = x509.load_pem_x509_certificate(cert.public_pem.encode()).public_key()
    try:
        claims = jwt.decode(
            assertion,
            public_key,  # type: ignore[arg-type]
            algorithms=["RS256", "PS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False},
        )
    except jwt.PyJWTError as exc:
        raise errors.bad_assertion("failed signature validation.") from exc
    audience = str(claims.get("aud", ""))
    if not (
        audience.startswith(ctx.request.base_url)
        and (audience.endswith("/oauth2/v2.0/token") or audience.endswith("/oauth2/token"))
    ):
        raise errors.bad_assertion(f"audience claim does not match the token endpoint: {audience}")
    if str(claims.get("iss", "")).lower() != app.app_id.lower():
        raise errors.bad_assertion("issuer must be the client id.")
    wall = datetime.now(UTC).timestamp()
    if float(claims.get("exp", 0)) < wall - 300 or float(claims.get("nbf", 0)) > wall + 300:
        raise errors.assertion_out_of_time()


def _b64url_to_hex(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()
    except ValueError:
        return value


def _hex_to_b64url(value: str) -> str:
    return b64url(bytes.fromhex(value))


def certificate_thumbprints(pem: str) -> tuple[str, str]:
    """SHA-1 and SHA-256 thumbprints (upper-case hex) of a PEM certificate."""
    from cryptography.hazmat.primitives import serialization

    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der).hexdigest().upper(), hashlib.sha256(der).hexdigest().upper()


__all__ = ["ServicePrincipal", "accepted_audiences", "certificate_thumbprints", "register"]
