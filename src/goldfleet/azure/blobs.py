"""Fetching a user's customization script by its https URI and checking its SHA-256, before
anything is created for a build.

The script is read with a plain GET (Get Blob): anonymously, or with a bearer token for Azure
Storage (``https://storage.azure.com/.default``) when the caller has one, as the build identity
would. In the emulator cloud the public blob URI is rewritten to the emulator's path-style blob
endpoint (``Cloud.blob_url``). Failures are translated once, here: a missing or unreadable blob
is the user's to fix (``ScriptUnavailableError``), a 5xx or a broken connection is transient, a
different hash is ``ScriptChecksumMismatch``. Nothing here writes anywhere.
"""

from __future__ import annotations

import ssl
from xml.etree import ElementTree

import aiohttp

from goldfleet.azure.cloud import Cloud
from goldfleet.domain.customizations import (
    RenderedStep,
    ScriptChecksumMismatch,
    render,
    sha256_hex,
)
from goldfleet.domain.errors import TransientAzureError, UserInputError
from goldfleet.domain.images import Customization, CustomizationKind

MAX_SCRIPT_BYTES = 16 * 1024 * 1024
STORAGE_API_VERSION = "2021-08-06"


class ScriptUnavailableError(UserInputError):
    """The script's URI does not answer with its content (missing, no access, not a blob)."""

    def __init__(self, uri: str, cause: str, *, hint: str | None = None) -> None:
        super().__init__(f"fetching the script {uri}: {cause}; nothing was created", hint=hint)
        self.uri = uri
        self.cause = cause


def ssl_context(cloud: Cloud) -> ssl.SSLContext | bool:
    """What to trust for Storage over TLS: the cloud's CA bundle (the emulator's), or the system."""
    if cloud.ca_bundle is None:
        return True
    return ssl.create_default_context(cafile=str(cloud.ca_bundle))


def storage_error(body: bytes) -> str:
    """``Code: Message`` from Storage's XML error body (or the body's first line)."""
    try:
        root = ElementTree.fromstring(body)
        code = root.findtext("Code") or ""
        message = (root.findtext("Message") or "").splitlines()[0:1]
        return f"{code}: {message[0]}" if message else code
    except ElementTree.ParseError:
        return body.decode("utf-8", "replace").strip().splitlines()[0] if body.strip() else ""


async def fetch_script(
    cloud: Cloud,
    uri: str,
    *,
    session: aiohttp.ClientSession | None = None,
    bearer_token: str | None = None,
    timeout_seconds: float = 60.0,
) -> bytes:
    """The content of the script at ``uri``, exactly as stored."""
    try:
        url = cloud.blob_url(uri)
    except ValueError as exc:
        raise ScriptUnavailableError(uri, str(exc)) from exc
    headers = {"x-ms-version": STORAGE_API_VERSION}
    if bearer_token:
        headers["Authorization"] = f"Bearer {bearer_token}"
    own = session is None
    http = session or aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    try:
        async with http.get(
            url,
            headers=headers,
            ssl=ssl_context(cloud),
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
            allow_redirects=False,
        ) as response:
            if response.status >= 500:
                raise TransientAzureError(
                    "fetching", uri, f"Storage answered {response.status}", status=response.status
                )
            if response.status != 200:
                detail = storage_error(await response.content.read(64 * 1024))
                raise ScriptUnavailableError(
                    uri,
                    f"{response.status} {detail}".strip(),
                    hint="check the URI, and that the build identity can read the blob"
                    " (Storage Blob Data Reader)",
                )
            content = await response.content.read(MAX_SCRIPT_BYTES + 1)
    except (TimeoutError, aiohttp.ClientConnectionError) as exc:
        raise TransientAzureError("fetching", uri, f"{type(exc).__name__}: {exc}") from exc
    finally:
        if own:
            await http.close()
    if len(content) > MAX_SCRIPT_BYTES:
        raise ScriptUnavailableError(uri, f"larger than {MAX_SCRIPT_BYTES} bytes")
    return content


async def fetch_checked_script(
    cloud: Cloud,
    uri: str,
    expected_sha256: str,
    *,
    session: aiohttp.ClientSession | None = None,
    bearer_token: str | None = None,
) -> bytes:
    """The script at ``uri`` when its SHA-256 is ``expected_sha256``; else
    ``ScriptChecksumMismatch`` naming the URI and both hashes."""
    content = await fetch_script(cloud, uri, session=session, bearer_token=bearer_token)
    actual = sha256_hex(content)
    if actual != expected_sha256.lower():
        raise ScriptChecksumMismatch(uri, expected_sha256.lower(), actual)
    return content


async def render_script_step(
    cloud: Cloud,
    customization: Customization,
    *,
    session: aiohttp.ClientSession | None = None,
    bearer_token: str | None = None,
) -> RenderedStep:
    """A user's script step, downloaded, checked and rendered (``domain.customizations``)."""
    if customization.kind is not CustomizationKind.SCRIPT or not customization.script_uri:
        raise ValueError(f"{customization.name} is not a script step")
    content = await fetch_checked_script(
        cloud,
        customization.script_uri,
        customization.sha256 or "",
        session=session,
        bearer_token=bearer_token,
    )
    return render(customization, content)


__all__ = [
    "ScriptUnavailableError",
    "fetch_checked_script",
    "fetch_script",
    "render_script_step",
    "ssl_context",
    "storage_error",
]
