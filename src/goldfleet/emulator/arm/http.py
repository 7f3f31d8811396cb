"""Plain request and response values passed between the ASGI adapter, the front door and handlers.

Nothing here knows about ASGI or about any resource provider.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

JsonBody = dict[str, Any] | list[Any] | None


@dataclass
class Request:
    """An HTTP request as the emulator sees it (path already normalised: no duplicate slashes)."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # scheme://host[:port] the client used, for absolute URLs in headers
    _query: dict[str, str] | None = field(default=None, repr=False)
    _json: Any = field(default=None, repr=False)
    _json_parsed: bool = field(default=False, repr=False)

    @property
    def query(self) -> dict[str, str]:
        """Query parameters; names are matched case-insensitively, like ARM does."""
        if self._query is None:
            self._query = {k.lower(): v for k, v in parse_qsl(self.query_string, True)}
        return self._query

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The parsed JSON body (the front door has already rejected bodies that are not JSON)."""
        if not self._json_parsed:
            self._json = json.loads(self.body) if self.body.strip() else None
            self._json_parsed = True
        return self._json

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body is an empty object."""
        value = self.json()
        return value if isinstance(value, dict) else {}


@dataclass
class Response:
    """An HTTP response. ``body`` is JSON-serialised unless ``raw`` is given."""

    status: int = 200
    body: JsonBody = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()


def json_response(
    body: JsonBody, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(status=status, body=body, headers=dict(headers or {}))


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(status=status, body=None, headers=dict(headers or {}))
