"""``nextLink`` paging for list operations.

Lists longer than the page size answer ``{"value": [...], "nextLink": ...}`` where the link
carries an opaque ``$skiptoken``, as ARM does; clients follow it until it is absent.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl, urlencode

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.http import Request

DEFAULT_PAGE_SIZE = 100


def page(request: Request, items: list[Any], page_size: int | None = None) -> dict[str, Any]:
    size = page_size or DEFAULT_PAGE_SIZE
    top = request.query.get("$top")
    if top is not None:
        try:
            size = max(1, min(size, int(top)))
        except ValueError as exc:
            raise ArmError(400, "InvalidParameter", f"'$top' must be an integer: {top}") from exc
    start = _decode_skip(request.query.get("$skiptoken"))
    chunk = items[start : start + size]
    body: dict[str, Any] = {"value": chunk}
    if start + size < len(items):
        params = [
            (k, v) for k, v in parse_qsl(request.query_string, True) if k.lower() != "$skiptoken"
        ]
        params.append(("$skiptoken", _encode_skip(start + size)))
        body["nextLink"] = f"{request.base_url}{request.path}?{urlencode(params)}"
    return body


def _encode_skip(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_skip(token: str | None) -> int:
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        kind, _, value = text.partition(":")
        if kind != "offset":
            raise ValueError(text)
        return max(0, int(value))
    except ValueError as exc:
        raise ArmError(400, "InvalidSkipToken", f"The skip token '{token}' is invalid.") from exc
