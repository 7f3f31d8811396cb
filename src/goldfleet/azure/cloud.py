"""Which Azure goldfleet talks to: the public cloud, a sovereign cloud, or the local emulator.

For the emulator, also the secret its control API asks for (goldfleet reads the emulator's
clock there): ``GOLDFLEET_EMULATOR_SECRET``, or else the ``control-secret`` file that the
emulator writes beside its CA. The secret is never stored with a cloud's JSON.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

EMULATOR_NAME = "GoldfleetEmulator"
EMULATOR_SECRET_ENV = "GOLDFLEET_EMULATOR_SECRET"
EMULATOR_SECRET_FILE = "control-secret"  # written by the emulator beside its ca.pem
_BLOB_SUFFIXES = {
    "AzureCloud": "blob.core.windows.net",
    "AzureUSGovernment": "blob.core.usgovcloudapi.net",
    "AzureChinaCloud": "blob.core.chinacloudapi.cn",
}


@dataclass(frozen=True)
class Cloud:
    name: str
    resource_manager: str  # ARM endpoint, no trailing slash
    authority_host: str  # Entra ID endpoint, no trailing slash
    arm_scope: str  # the scope ARM tokens are requested for
    ca_bundle: Path | None = None  # trust this CA (the emulator's); None = system trust
    # the emulator's control secret (to read its clock); never printed, never compared
    control_secret: str | None = field(default=None, repr=False, compare=False)

    @property
    def verify(self) -> str | bool:
        return str(self.ca_bundle) if self.ca_bundle else True

    @property
    def blob_suffix(self) -> str:
        """The host suffix of this cloud's blob endpoints (``<account>.<suffix>``); the emulator
        stands in for the public cloud's."""
        return _BLOB_SUFFIXES.get(self.name, _BLOB_SUFFIXES["AzureCloud"])

    @property
    def path_style_blobs(self) -> str | None:
        """Where blobs are served path-style (``<base>/<account>/<container>/<blob>``, like
        Azurite): the emulator's ``/_storage``; None for a real cloud (virtual-host style).
        Derived from the name, so a cloud rebuilt from its JSON keeps it."""
        if self.name == EMULATOR_NAME:
            return f"{self.resource_manager}/_storage"
        return None

    def blob_url(self, uri: str) -> str:
        """The URL to fetch blob ``uri`` (``https://<account>.blob.core.windows.net/<path>``)
        from in this cloud: unchanged for a real cloud, rewritten for the emulator."""
        base = self.path_style_blobs
        if base is None:
            return uri
        parts = urlsplit(uri)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or not host.endswith("." + self.blob_suffix):
            raise ValueError(
                f"{uri} is not a blob URI (https://<account>.{self.blob_suffix}/<container>/...);"
                " the emulator serves only blobs"
            )
        account = host[: -len(self.blob_suffix) - 1]
        query = f"?{parts.query}" if parts.query else ""
        return f"{base}/{account}{parts.path}{query}"


PUBLIC = Cloud(
    "AzureCloud",
    "https://management.azure.com",
    "https://login.microsoftonline.com",
    "https://management.azure.com/.default",
)
US_GOVERNMENT = Cloud(
    "AzureUSGovernment",
    "https://management.usgovcloudapi.net",
    "https://login.microsoftonline.us",
    "https://management.usgovcloudapi.net/.default",
)
CHINA = Cloud(
    "AzureChinaCloud",
    "https://management.chinacloudapi.cn",
    "https://login.chinacloudapi.cn",
    "https://management.chinacloudapi.cn/.default",
)
KNOWN_CLOUDS = {c.name.lower(): c for c in (PUBLIC, US_GOVERNMENT, CHINA)}


def find_emulator_secret(ca_bundle: Path | None) -> str | None:
    """The emulator's control secret: ``$GOLDFLEET_EMULATOR_SECRET``, else the ``control-secret``
    file in the directory of its CA bundle, else None (not found or unreadable)."""
    given = os.environ.get(EMULATOR_SECRET_ENV, "").strip()
    if given:
        return given
    if ca_bundle is None:
        return None
    try:
        found = (Path(ca_bundle).parent / EMULATOR_SECRET_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return found.strip() or None


def emulator_cloud(endpoint: str, ca_bundle: Path, control_secret: str | None = None) -> Cloud:
    """The goldfleet emulator: ARM and Entra ID on one HTTPS endpoint, trusted through its CA,
    with its control secret (``control_secret``, else :func:`find_emulator_secret`)."""
    base = endpoint.rstrip("/")
    secret = control_secret or find_emulator_secret(ca_bundle)
    return Cloud(EMULATOR_NAME, base, base, f"{base}/.default", ca_bundle, secret)
