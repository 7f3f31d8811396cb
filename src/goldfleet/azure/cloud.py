"""Which Azure goldfleet talks to: the public cloud, a sovereign cloud, or the local emulator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Cloud:
    name: str
    resource_manager: str  # ARM endpoint, no trailing slash
    authority_host: str  # Entra ID endpoint, no trailing slash
    arm_scope: str  # the scope ARM tokens are requested for
    ca_bundle: Path | None = None  # trust this CA (the emulator's); None = system trust

    @property
    def verify(self) -> str | bool:
        return str(self.ca_bundle) if self.ca_bundle else True


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


def emulator_cloud(endpoint: str, ca_bundle: Path) -> Cloud:
    """The goldfleet emulator: ARM and Entra ID on one HTTPS endpoint, trusted through its CA."""
    base = endpoint.rstrip("/")
    return Cloud("GoldfleetEmulator", base, base, f"{base}/.default", ca_bundle)
