"""The front door: what ARM does to every request before a resource provider sees it.

First, for every path, the emulator's own access checks (:mod:`goldfleet.emulator.access`: the
Host and Origin headers, the control secret on ``/_emulator``); a refused request changes
nothing and is not logged. Then, in order: route; for ARM routes, authenticate the bearer token
(signature, expiry, audience), require a valid ``api-version``, resolve the subscription and
check the token's tenant owns it, take a throttling token, apply injected faults, verify
auxiliary tokens, check that the resource provider is registered, check RBAC, then call the
handler. Every answer carries ARM's headers and is written to the request log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from goldfleet.emulator.access import AccessPolicy, is_control_path
from goldfleet.emulator.arm.apiversion import check_api_version
from goldfleet.emulator.arm.errors import (
    ArmError,
    invalid_request_content,
    not_implemented,
    subscription_not_found,
)
from goldfleet.emulator.arm.http import Request, Response, json_response
from goldfleet.emulator.arm.ids import rbac_action, scope_of
from goldfleet.emulator.arm.routing import Ctx, Route, Router
from goldfleet.emulator.arm.throttling import operation_class, retry_after_header
from goldfleet.emulator.entra.errors import EntraError
from goldfleet.emulator.entra.routes import accepted_audiences
from goldfleet.emulator.entra.tokens import Principal, TokenError, TokenService, issuer_for
from goldfleet.emulator.rp.authorization import backend as rbac
from goldfleet.emulator.world import World

log = logging.getLogger("goldfleet.emulator")

MAX_AUXILIARY_TOKENS = 3
_SECURITY_HEADERS = {
    "Cache-Control": "no-cache",
    "Pragma": "no-cache",
    "Expires": "-1",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
}


class FrontDoor:
    def __init__(
        self, world: World, router: Router, tokens: TokenService, access: AccessPolicy
    ) -> None:
        self.world = world
        self.router = router
        self.tokens = tokens
        self.access = access

    async def handle(self, request: Request) -> Response:
        try:
            self.access.check(request)
        except ArmError as refused:
            response = json_response(refused.body(), refused.status, refused.headers)
            for key, value in _SECURITY_HEADERS.items():
                response.headers.setdefault(key, value)
            return response
        started = time.perf_counter()
        world = self.world
        world.advance_to_now()
        request_id = world.new_uuid()
        ctx = Ctx(request=request, params={}, world=world, request_id=request_id)
        headers: dict[str, str] = {}
        note = ""
        try:
            response = await self._pipeline(ctx, headers)
        except ArmError as exc:
            response = json_response(exc.body(), exc.status, exc.headers)
            note = exc.code
        except EntraError as exc:
            response = json_response(
                exc.body(
                    request_id, request.header("client-request-id") or request_id, world.now_dt()
                ),
                exc.status,
            )
            note = f"AADSTS{exc.code}"
        except Exception as exc:  # the emulator must answer, never crash
            log.exception("unhandled error for %s %s", request.method, request.path)
            error = ArmError(500, "InternalServerError", f"The emulator failed: {exc!r}")
            response = json_response(error.body(), 500)
            note = "InternalServerError"
        response.headers.update(headers)
        response.headers.setdefault("x-ms-request-id", request_id)
        response.headers.setdefault(
            "x-ms-correlation-request-id",
            request.header("x-ms-correlation-request-id") or request_id,
        )
        if request.header("x-ms-client-request-id"):
            response.headers["x-ms-client-request-id"] = request.header("x-ms-client-request-id")
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if is_control_path(request.path):
            return response  # harness traffic is not part of what clients did
        principal = ctx.principal
        world.log.record(
            method=request.method,
            path=request.path,
            query=request.query_string,
            status=response.status,
            principal=principal.label if principal else None,
            tenant=principal.tenant_id if principal else None,
            request_id=request_id,
            sim_time=world.now(),
            real_time=time.time(),
            duration_ms=(time.perf_counter() - started) * 1000,
            note=note,
        )
        return response

    async def _pipeline(self, ctx: Ctx, headers: dict[str, str]) -> Response:
        request = ctx.request
        matched = self.router.match(request.method, request.path)
        route: Route | None = matched[0] if matched else None
        if matched:
            ctx.params = matched[1]
        if route is not None and not route.authenticated:
            return route.handler(ctx)
        principal = self._authenticate(request)
        ctx.principal = principal
        if route is None or route.api_version:
            check_api_version(request.api_version)
        subscription_id = scope_of(request.path).subscription_id
        throttle_scope = principal.tenant_id
        if subscription_id is not None:
            sub = self.world.subscription(subscription_id)
            if sub is None:
                raise subscription_not_found(subscription_id)
            if sub.tenant_id.lower() != principal.tenant_id.lower():
                raise _wrong_tenant(principal, sub.tenant_id)
            throttle_scope = sub.subscription_id
        self._throttle(request.method, throttle_scope, principal, headers, subscription_id)
        await self._faults(ctx)
        if route is None:
            raise not_implemented(request.method, request.path)
        ctx.auxiliary = self._auxiliary(request, principal)
        if route.namespace and subscription_id is not None:
            sub = self.world.subscription(subscription_id)
            if sub is not None and sub.registration_state(route.namespace) != "Registered":
                raise ArmError(
                    409,
                    "MissingSubscriptionRegistration",
                    f"The subscription is not registered to use namespace '{route.namespace}'. "
                    "See https://aka.ms/rps-not-found for how to register subscriptions.",
                    details=[
                        {
                            "code": "MissingSubscriptionRegistration",
                            "target": route.namespace,
                            "message": "The subscription is not registered to use namespace "
                            f"'{route.namespace}'. See https://aka.ms/rps-not-found for how "
                            "to register subscriptions.",
                        }
                    ],
                )
        _check_body(request)
        if route.rbac:
            needed = rbac_action(request.method, request.path)
            if needed is not None:
                action, scope = needed
                if not rbac.is_allowed(
                    self.world, principal.tenant_id, principal.object_id, action, scope
                ):
                    raise rbac.authorization_failed(
                        principal.app_id, principal.object_id, action, scope
                    )
        return route.handler(ctx)

    def _authenticate(self, request: Request) -> Principal:
        header = request.header("authorization")
        if not header:
            raise ArmError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ArmError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is provided in an invalid "
                "format.",
            )
        return self._verify(token.strip(), request.base_url)

    def _verify(self, token: str, base_url: str) -> Principal:
        try:
            principal = self.tokens.verify(token)
        except TokenError as exc:
            if exc.reason == "expired":
                raise ArmError(
                    401,
                    "ExpiredAuthenticationToken",
                    "The access token expiry UTC time is earlier than current UTC time.",
                ) from exc
            raise ArmError(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid."
                if exc.reason != "signature"
                else "The access token has an invalid signature.",
            ) from exc
        audiences = self._audiences(base_url)
        if principal.audience.rstrip("/").lower() not in audiences:
            allowed = "','".join(sorted(audiences))
            raise ArmError(
                401,
                "InvalidAuthenticationTokenAudience",
                f"The access token has been obtained for wrong audience or resource "
                f"'{principal.audience}'. It should exactly match with one of the allowed "
                f"audiences '{allowed}'.",
            )
        return principal

    def _audiences(self, base_url: str) -> set[str]:
        cache: dict[str, set[str]] = self.world.caches.setdefault("audiences", {})
        found = cache.get(base_url)
        if found is None:
            found = cache[base_url] = accepted_audiences(base_url)
        return found

    def _throttle(
        self,
        method: str,
        scope: str,
        principal: Principal,
        headers: dict[str, str],
        subscription_id: str | None,
    ) -> None:
        op_class = operation_class(method)
        decision = self.world.throttler.check(
            scope, principal.object_id, op_class, self.world.now()
        )
        level = "subscription" if subscription_id else "tenant"
        headers[f"x-ms-ratelimit-remaining-{level}-{op_class}"] = str(decision.remaining)
        if subscription_id:
            headers[f"x-ms-ratelimit-remaining-subscription-global-{op_class}"] = str(
                decision.global_remaining
            )
        if not decision.allowed:
            retry = retry_after_header(decision.retry_after_sim)
            what = {"reads": "read", "writes": "write", "deletes": "delete"}[op_class]
            code = "SubscriptionRequestsThrottled" if subscription_id else "TenantRequestsThrottled"
            raise ArmError(
                429,
                code,
                f"Number of '{what}' requests for {level} '{scope}' actor "
                f"'{principal.object_id}' exceeded. Please try again after '{retry}' seconds "
                "after the last request.",
                headers={"Retry-After": retry, **headers},
            )

    async def _faults(self, ctx: Ctx) -> None:
        principal = ctx.principal.label if ctx.principal else None
        rule = self.world.faults.match(ctx.request.method, ctx.request.path, principal)
        if rule is None:
            return
        if rule.delay_seconds > 0:
            delay = self.world.clock.real_seconds(rule.delay_seconds)
            await asyncio.sleep(min(delay, 60.0))
        if rule.status:
            extra = {"Retry-After": str(rule.retry_after)} if rule.retry_after else {}
            raise ArmError(rule.status, rule.code, rule.message, headers=extra)

    def _auxiliary(self, request: Request, principal: Principal) -> list[Principal]:
        header = request.header("x-ms-authorization-auxiliary")
        if not header:
            return []
        parts = [p.strip() for p in header.split(",") if p.strip()]
        if len(parts) > MAX_AUXILIARY_TOKENS:
            raise ArmError(
                400,
                "TooManyAuxiliaryTokens",
                f"The number of auxiliary tokens '{len(parts)}' exceeds the maximum allowed "
                f"of '{MAX_AUXILIARY_TOKENS}'.",
            )
        out = []
        for part in parts:
            scheme, _, token = part.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise ArmError(
                    401,
                    "InvalidAuxiliaryToken",
                    "The auxiliary token is not a bearer token in the form 'Bearer <token>'.",
                )
            try:
                aux = self._verify(token.strip(), request.base_url)
            except ArmError as exc:
                raise ArmError(
                    401,
                    "InvalidAuxiliaryToken",
                    f"The auxiliary token is invalid: {exc.message}",
                ) from exc
            if aux.app_id.lower() != principal.app_id.lower():
                raise ArmError(
                    401,
                    "InvalidAuxiliaryToken",
                    f"The auxiliary token from tenant '{aux.tenant_id}' was issued to client "
                    f"'{aux.app_id}', but the primary token was issued to client "
                    f"'{principal.app_id}'. All tokens must belong to the same client.",
                )
            out.append(aux)
        return out


def _check_body(request: Request) -> None:
    """ARM accepts JSON bodies only, and only well-formed ones."""
    if not request.body.strip():
        return
    content_type = request.header("content-type").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise ArmError(
            415,
            "UnsupportedMediaType",
            f"The content media type '{content_type}' is not supported. Only 'application/json' "
            "is supported.",
        )
    try:
        request.json()
    except UnicodeDecodeError as exc:
        raise invalid_request_content(f"The request body is not UTF-8: {exc.reason}") from exc
    except ValueError as exc:
        raise invalid_request_content(str(exc)) from exc


def _wrong_tenant(principal: Principal, owner_tenant: str) -> ArmError:
    return ArmError(
        401,
        "InvalidAuthenticationTokenTenant",
        f"The access token is from the wrong issuer '{issuer_for(principal.tenant_id)}'. It "
        f"must match the tenant '{issuer_for(owner_tenant)}' associated with this subscription. "
        f"Please use the authority (URL) 'https://login.windows.net/{owner_tenant}' to get the "
        "token. Note, if the subscription is transferred to another tenant there is no impact "
        "to the services, but information about new tenant could take time to propagate (up "
        "to an hour). If you just transferred your subscription and see this error message, "
        "please try back later.",
    )


def request_from_asgi(scope: dict[str, Any], body: bytes) -> Request:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    path = scope.get("path", "/") or "/"
    while "//" in path:
        path = path.replace("//", "/")
    host = headers.get("host") or "{}:{}".format(*scope.get("server", ("127.0.0.1", 443)))
    return Request(
        method=scope["method"].upper(),
        path=path,
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        base_url=f"{scope.get('scheme', 'https')}://{host}",
    )
