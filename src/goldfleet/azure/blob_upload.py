"""Writing one new blob (Put Blob) by a URI that carries its own SAS: for publishing an audit
export where goldfleet's database cannot reach it.

The request never overwrites: ``If-None-Match: *`` makes Storage refuse when the blob exists
(409 ``BlobAlreadyExists``), and a container under a time-based retention policy refuses to
change a blob anyway (409 ``BlobImmutableDueToPolicy`` and kin). The SAS in the URI's query is a
credential: it is sent, never printed - errors name the blob without it. In the emulator cloud
the URI is rewritten to the emulator's path-style blob endpoint (``Cloud.blob_url``).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import aiohttp

from goldfleet.azure.blobs import STORAGE_API_VERSION, ssl_context, storage_error
from goldfleet.azure.cloud import Cloud
from goldfleet.domain.errors import TransientAzureError, UserInputError


class BlobUploadError(UserInputError):
    """Storage refused the blob (it exists, is immutable, or the SAS does not allow writing)."""


def without_secret(uri: str) -> str:
    """The blob's address without its query (the SAS), for messages and records."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


async def upload_new_blob(
    cloud: Cloud,
    uri: str,
    content: bytes,
    *,
    content_type: str = "application/json",
    timeout_seconds: float = 120.0,
) -> str:
    """Create the block blob at ``uri`` with ``content``; its ETag. Refused if it exists."""
    shown = without_secret(uri)
    if not urlsplit(uri).query:
        raise BlobUploadError(
            f"uploading to {shown}: the URI carries no SAS",
            hint="append a SAS that allows create and write (sp=cw), as `az storage blob"
            " generate-sas --permissions cw --full-uri` prints it",
        )
    try:
        url = cloud.blob_url(uri)
    except ValueError as exc:
        raise BlobUploadError(f"uploading to {shown}: {exc}") from exc
    headers = {
        "x-ms-version": STORAGE_API_VERSION,
        "x-ms-blob-type": "BlockBlob",
        "If-None-Match": "*",
        "Content-Type": content_type,
    }
    try:
        async with (
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
            http.put(
                url,
                data=content,
                headers=headers,
                ssl=ssl_context(cloud),
                timeout=aiohttp.ClientTimeout(total=timeout_seconds),
                allow_redirects=False,
            ) as response,
        ):
            if response.status >= 500:
                raise TransientAzureError(
                    "uploading",
                    shown,
                    f"Storage answered {response.status}",
                    status=response.status,
                )
            if response.status != 201:
                detail = storage_error(await response.content.read(64 * 1024))
                code = response.headers.get("x-ms-error-code", "")
                raise BlobUploadError(
                    f"uploading to {shown}: {response.status} {detail or code}".strip(),
                    hint=_hint(response.status, code),
                )
            return response.headers.get("ETag", "")
    except (TimeoutError, aiohttp.ClientConnectionError) as exc:
        raise TransientAzureError("uploading", shown, f"{type(exc).__name__}: {exc}") from exc


def _hint(status: int, code: str) -> str:
    if code == "BlobAlreadyExists":
        return "an export is never overwritten: give a new blob name (the date in it, say)"
    if status == 409:
        return "the container keeps its blobs immutable; write a new blob instead"
    if status == 403:
        return "the SAS must allow create and write (sp=cw) and must not have expired"
    return "check the blob URI and its SAS"


__all__ = ["BlobUploadError", "upload_new_blob", "without_secret"]
