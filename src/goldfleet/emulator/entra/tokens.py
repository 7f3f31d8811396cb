"""Access tokens: signed JWTs (RS256) with the claims ARM relies on, and their verification.

Tokens carry wall-clock ``iat``/``nbf``/``exp``: clients cache tokens by the wall clock, so the
simulated clock may run fast or jump without invalidating every cached token. (Everything else
in the emulator, secret expiry included, is simulated time.)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt

from goldfleet.emulator.entra.keys import SigningKey

ACCESS_TOKEN_LIFETIME = 3599
_CACHE_SIZE = 4096


def issuer_for(tenant_id: str) -> str:
    """The v1 issuer ARM tokens carry."""
    return f"https://sts.windows.net/{tenant_id}/"


@dataclass(frozen=True)
class Principal:
    """Who a verified token says the caller is."""

    tenant_id: str
    object_id: str
    app_id: str
    audience: str
    expires: float
    claims: dict[str, Any]

    @property
    def label(self) -> str:
        return self.app_id or self.object_id


class TokenError(Exception):
    """A token that cannot be accepted; ``reason`` is one of malformed, signature, expired."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class TokenService:
    """Issues and verifies access tokens with the emulator's signing key."""

    def __init__(self, key: SigningKey, wall_clock: Any = time.time) -> None:
        self._key = key
        self._private_pem = key.private_key
        self._public_key = key.private_key.public_key()
        self._wall_clock = wall_clock
        self._verified: OrderedDict[str, Principal] = OrderedDict()

    def issue(
        self,
        *,
        tenant_id: str,
        object_id: str,
        app_id: str,
        audience: str,
        app_display_name: str,
        credential_kind: str,
        token_id: str,
        lifetime: int = ACCESS_TOKEN_LIFETIME,
        not_before_offset: int = 0,
    ) -> tuple[str, int]:
        """A signed access token and its lifetime in seconds."""
        now = int(self._wall_clock())
        claims = {
            "aud": audience,
            "iss": issuer_for(tenant_id),
            "iat": now + not_before_offset,
            "nbf": now + not_before_offset,
            "exp": now + not_before_offset + lifetime,
            "aio": token_id[:24],
            "app_displayname": app_display_name,
            "appid": app_id,
            "appidacr": "2" if credential_kind == "certificate" else "1",
            "idp": issuer_for(tenant_id),
            "idtyp": "app",
            "oid": object_id,
            "rh": "0.emulator",
            "sub": object_id,
            "tid": tenant_id,
            "uti": token_id.replace("-", "")[:22],
            "ver": "1.0",
            "xms_tcdt": now,
        }
        headers = {"typ": "JWT", "x5t": self._key.kid, "kid": self._key.kid}
        token = jwt.encode(claims, self._private_pem, algorithm="RS256", headers=headers)
        return token, lifetime

    def verify(self, token: str) -> Principal:
        """Check signature and lifetime; the caller checks audience and tenant."""
        cached = self._verified.get(token)
        if cached is None:
            try:
                claims = jwt.decode(
                    token,
                    self._public_key,
                    algorithms=["RS256"],
                    options={"verify_aud": False, "verify_exp": False, "verify_nbf": False},
                )
            except jwt.InvalidSignatureError as exc:
                raise TokenError("signature", str(exc)) from exc
            except jwt.PyJWTError as exc:
                raise TokenError("malformed", str(exc)) from exc
            for claim in ("tid", "oid", "aud", "exp"):
                if claim not in claims:
                    raise TokenError("malformed", f"claim '{claim}' is missing")
            cached = Principal(
                tenant_id=str(claims["tid"]),
                object_id=str(claims["oid"]),
                app_id=str(claims.get("appid", "")),
                audience=str(claims["aud"]),
                expires=float(claims["exp"]),
                claims=claims,
            )
            self._verified[token] = cached
            if len(self._verified) > _CACHE_SIZE:
                self._verified.popitem(last=False)
        now = self._wall_clock()
        if cached.expires <= now:
            raise TokenError("expired", str(cached.expires))
        if float(cached.claims.get("nbf", 0)) > now + 300:
            raise TokenError("not_yet_valid", str(cached.claims.get("nbf")))
        return cached
