"""Host pool registration tokens: issued by ``registrationInfo`` on a host pool write, hidden on
reads, handed out by retrieveRegistrationToken and listRegistrationTokens, and checked when a
session host's agent registers (:func:`validate_token`).

A token is JWT-shaped (three base64url parts, as the RD agent's BootLoader insists on), signed
with HMAC-SHA256 under a key kept in the provider's section of the world, so a snapshot keeps
tokens valid. Its payload names the host pool (``HostPoolArmPath``) and the expiry (``exp``).
Expiry is simulated time: between one hour and 30 days from now, as Azure requires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from goldfleet.emulator.arm.clock import iso, parse_instant
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import errors
from goldfleet.emulator.rp.desktopvirtualization.model import (
    HOST_POOL,
    TOKEN_OPERATIONS,
    choice,
    section,
)
from goldfleet.emulator.world import World

MIN_LIFETIME = timedelta(hours=1)
MAX_LIFETIME = timedelta(days=30)
ISSUER = "RDInfraTokenManager"
AUDIENCE = "RDmi"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(world: World) -> bytes:
    data = section(world)
    if "tokenKey" not in data:
        data["tokenKey"] = f"{world.rng.getrandbits(256):064x}"
    return bytes.fromhex(str(data["tokenKey"]))


def _sign(world: World, header: str, payload: str) -> str:
    mac = hmac.new(_key(world), f"{header}.{payload}".encode(), hashlib.sha256)
    return _b64(mac.digest())


def issue(world: World, pool: StoredResource, expires: datetime) -> str:
    """A new JWT-shaped registration token for ``pool`` that expires at ``expires``."""
    now = int(world.now())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {
        "RegistrationId": world.new_uuid(),
        "HostPoolArmPath": pool.id,
        "EndpointPoolId": pool.body["properties"]["objectId"],
        "BrokerURI": "https://rdbroker.wvd.microsoft.com/",
        "nbf": now,
        "iat": now,
        "exp": int(expires.timestamp()),
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{payload}.{_sign(world, header, payload)}"


def claims_of(world: World, token: str) -> dict[str, Any] | None:
    """The payload of a token this emulator signed, or None (not even checking expiry)."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        return None
    header, payload, signature = parts
    if not hmac.compare_digest(_sign(world, header, payload), signature):
        return None
    try:
        claims = json.loads(_unb64(payload))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


def validate_token(world: World, token: str) -> str | None:
    """The host pool id when ``token`` is the pool's current registration token and unexpired
    (in simulated time), else None. For the AVD agent simulation."""
    claims = claims_of(world, token)
    if claims is None or float(claims.get("exp", 0)) <= world.now():
        return None
    pool = world.store.get(str(claims.get("HostPoolArmPath", "")))
    if pool is None or str(pool.body.get("type", "")).lower() != HOST_POOL.lower():
        return None
    current = pool.meta.get("registration") or {}
    return pool.id if current.get("token") == token else None


def apply_registration_info(world: World, pool: StoredResource, info: Any) -> None:
    """Carry out ``registrationInfo`` of a PUT or PATCH: Update issues a token (expiry checked),
    Delete removes it, None (or absent) keeps what there is."""
    if info is None:
        return
    if not isinstance(info, dict):
        raise errors.invalid_value("registrationInfo", info, ())
    operation = choice(
        info.get("registrationTokenOperation") or "None",
        TOKEN_OPERATIONS,
        "registrationTokenOperation",
    )
    if operation == "None":
        return
    if operation == "Delete":
        pool.meta.pop("registration", None)
        return
    raw = info.get("expirationTime")
    if raw is None:
        raise errors.expiration_out_of_range()
    try:
        expires = parse_instant(str(raw))
    except ValueError as exc:
        raise errors.expiration_unparseable(raw) from exc
    now = world.now_dt()
    if not now + MIN_LIFETIME <= expires <= now + MAX_LIFETIME:
        raise errors.expiration_out_of_range()
    pool.meta["registration"] = {
        "token": issue(world, pool, expires),
        "expirationTime": iso(expires),
    }


def registration_info(pool: StoredResource) -> dict[str, Any]:
    """RegistrationInfo as retrieveRegistrationToken answers it."""
    current = pool.meta.get("registration")
    if not current:
        return {"expirationTime": None, "token": None, "registrationTokenOperation": "None"}
    return {
        "expirationTime": current["expirationTime"],
        "token": current["token"],
        "registrationTokenOperation": "Update",
    }


def registration_tokens(pool: StoredResource) -> list[dict[str, Any]]:
    """RegistrationTokenList's items as listRegistrationTokens answers them."""
    current = pool.meta.get("registration")
    if not current:
        return []
    return [{"expirationTime": current["expirationTime"], "token": current["token"]}]
