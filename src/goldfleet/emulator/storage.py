"""A small Azure Blob Storage stand-in for script blobs, served path-style like Azurite.

Customizer ``scriptUri``s and ``File`` customizer ``sourceUri``s point at blobs
(``https://<account>.blob.core.windows.net/<container>/<blob path>``). The emulator keeps those
blobs in ``world.sections["blobs"]`` (so snapshots keep them) and serves them at
``/_storage/<account>/<container>/<blob path>``: GET (Get Blob, anonymous read) and PUT (Put
Blob, ``x-ms-blob-type: BlockBlob``, honouring ``If-None-Match: *``). A missing blob answers
Storage's XML ``BlobNotFound``.
Image Builder's runs read blobs through ``read_blob``; scenarios seed them with ``blobs:``.
Documented in docs/emulator/imagebuilder.md. No ARM envelope here: Storage speaks XML.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlsplit

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.http import Response
from goldfleet.emulator.arm.routing import Ctx, Router
from goldfleet.emulator.world import World

SECTION = "blobs"
PREFIX = "/_storage"
BLOB_HOST_SUFFIX = ".blob.core.windows.net"
MAX_BLOB_DEPTH = 4  # segments of a blob path (``dir/sub/x.ps1`` is 3)


def blob_key(uri: str) -> str | None:
    """``account/container/blob`` (lower-case account and container) for a blob URI, or None
    when the URI is not an Azure blob URL (``https://<account>.blob.core.windows.net/...``)."""
    parts = urlsplit(uri.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("https", "http") or not host.endswith(BLOB_HOST_SUFFIX):
        return None
    account = host[: -len(BLOB_HOST_SUFFIX)]
    container, _, blob = parts.path.lstrip("/").partition("/")
    if not account or not container or not blob:
        return None
    return f"{account}/{container.lower()}/{blob}"


def _blobs(world: World) -> dict[str, Any]:
    found: dict[str, Any] = world.sections.setdefault(SECTION, {})
    return found


def put_blob(world: World, uri_or_key: str, content: str | bytes) -> str:
    """Store a blob by its URI (or ``account/container/blob`` key); returns its key."""
    key = blob_key(uri_or_key) if "://" in uri_or_key else _normal_key(uri_or_key)
    if key is None:
        raise ValueError(
            f"'{uri_or_key}' is not a blob URI "
            "(https://<account>.blob.core.windows.net/<container>/<blob>)"
        )
    data = content.encode("utf-8") if isinstance(content, str) else content
    _blobs(world)[key] = {
        "content": base64.b64encode(data).decode("ascii"),
        "lastModified": iso(world.now_dt()),
        "etag": '"0x' + hashlib.sha256(data).hexdigest()[:16].upper() + '"',
    }
    return key


def read_blob(world: World, uri: str) -> bytes | None:
    """The content of the blob at ``uri``, or None when there is no such blob."""
    key = blob_key(uri)
    if key is None:
        return None
    entry = _blobs(world).get(key)
    return base64.b64decode(entry["content"]) if entry is not None else None


def _normal_key(key: str) -> str | None:
    account, _, rest = key.strip("/").partition("/")
    container, _, blob = rest.partition("/")
    if not account or not container or not blob:
        return None
    return f"{account.lower()}/{container.lower()}/{blob}"


def _error(ctx: Ctx, status: int, code: str, message: str) -> Response:
    text = (
        '<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{code}</Code><Message>{message}\nRequestId:{ctx.request_id}\n"
        f"Time:{iso(ctx.world.now_dt())}</Message></Error>"
    )
    return Response(
        status=status,
        raw=text.encode("utf-8"),
        content_type="application/xml",
        headers={"x-ms-error-code": code},
    )


def get_blob(ctx: Ctx) -> Response:
    """Get Blob (Blob service REST API; anonymous read, path-style like Azurite)."""
    key = _normal_key(f"{ctx.param('account')}/{ctx.param('container')}/{_blob_path(ctx)}")
    entry = _blobs(ctx.world).get(key or "")
    if entry is None:
        return _error(ctx, 404, "BlobNotFound", "The specified blob does not exist.")
    data = base64.b64decode(entry["content"])
    return Response(
        status=200,
        raw=data,
        content_type="application/octet-stream",
        headers={
            "ETag": entry["etag"],
            "x-ms-blob-type": "BlockBlob",
            "Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode("ascii"),
        },
    )


def put_blob_route(ctx: Ctx) -> Response:
    """Put Blob (Blob service REST API; ``x-ms-blob-type: BlockBlob`` only; ``If-None-Match: *``
    refuses an existing blob with 409 ``BlobAlreadyExists``)."""
    if ctx.request.header("x-ms-blob-type") != "BlockBlob":
        return _error(
            ctx,
            400,
            "MissingRequiredHeader",
            "An HTTP header that's mandatory for this request is not specified.",
        )
    path = f"{ctx.param('account')}/{ctx.param('container')}/{_blob_path(ctx)}"
    if ctx.request.header("if-none-match").strip() == "*" and _normal_key(path) in _blobs(
        ctx.world
    ):
        # Conditional headers: "*" performs the operation only if the blob does not exist
        return _error(ctx, 409, "BlobAlreadyExists", "The specified blob already exists.")
    key = put_blob(ctx.world, path, ctx.request.body)
    entry = _blobs(ctx.world)[key]
    data = ctx.request.body
    return Response(
        status=201,
        raw=b"",
        headers={
            "ETag": entry["etag"],
            "Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode("ascii"),
            "x-ms-request-server-encrypted": "true",
        },
    )


def _blob_path(ctx: Ctx) -> str:
    prefix = f"{PREFIX}/{ctx.param('account')}/{ctx.param('container')}/"
    path = ctx.request.path
    return path[len(prefix) :] if path.lower().startswith(prefix.lower()) else ""


def register(router: Router) -> None:
    """Path-style blob routes for blob paths of one to four segments (no token, no ARM)."""
    options: dict[str, Any] = {"authenticated": False, "rbac": False, "api_version": False}
    for depth in range(1, MAX_BLOB_DEPTH + 1):
        tail = "/".join(f"{{p{i}}}" for i in range(depth))
        pattern = f"{PREFIX}/{{account}}/{{container}}/{tail}"
        router.add("GET", pattern, get_blob, **options)
        router.add("PUT", pattern, put_blob_route, **options)
