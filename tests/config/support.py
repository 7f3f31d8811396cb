"""Helpers for the configuration tests: a small valid configuration to break on purpose, and
loading a set of files into the problems they produce, with paths relative to the directory."""

from __future__ import annotations

from pathlib import Path

from goldfleet.config import ConfigurationError, LoadedConfiguration, load_configuration

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "goldfleet"

BASE = """\
apiVersion: goldfleet/v1
kind: Tenant
metadata: {name: msp}
spec:
  tenantId: 11111111-0000-4000-8000-000000000001
  displayName: MSP
  role: provider
  credential: {type: clientSecret, clientId: 0a0a0a0a-0000-4000-8000-0000000000a1, secretEnv: GF_SECRET}
  timeZone: Europe/London
  subscriptions:
    - id: aaaaaaaa-0000-4000-8000-00000000000a
      name: msp-images
      regions: [uksouth, westeurope]
      resourceGroups:
        - {name: rg-images, location: uksouth}
        - {name: rg-hosts, location: uksouth}
---
apiVersion: goldfleet/v1
kind: Gallery
metadata: {name: staging}
spec: {role: staging, tenant: msp, subscription: msp-images, resourceGroup: rg-images, location: uksouth, name: gal_staging}
---
apiVersion: goldfleet/v1
kind: ImageDefinition
metadata: {name: win11}
spec:
  gallery: staging
  identifier: {publisher: Msp, offer: win11, sku: avd}
---
apiVersion: goldfleet/v1
kind: ImagePipeline
metadata: {name: monthly}
spec:
  source: {type: marketplace, publisher: MicrosoftWindowsDesktop, offer: office-365, sku: win11-24h2-avd-m365}
  build: {tenant: msp, subscription: msp-images, resourceGroup: rg-images, location: uksouth}
  distribution:
    targets:
      - {definition: win11, regions: [uksouth, westeurope]}
---
apiVersion: goldfleet/v1
kind: RolloutPolicy
metadata: {name: standard}
spec: {strategy: sideBySide}
---
apiVersion: goldfleet/v1
kind: Ring
metadata: {name: first}
spec: {order: 0, bakeTime: 1d, members: [msp]}
---
apiVersion: goldfleet/v1
kind: HostPool
metadata: {name: pool}
spec:
  tenant: msp
  subscription: msp-images
  resourceGroup: rg-hosts
  location: uksouth
  type: pooled
  sessionHosts:
    image: win11
    vmSize: Standard_D4as_v5
    namePrefix: msp-avd
    count: 2
    subnetId: /subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/rg-hosts/providers/Microsoft.Network/virtualNetworks/vnet/subnets/hosts
    join: {type: entra}
  rolloutPolicy: standard
"""


def load_files(directory: Path, files: dict[str, str]) -> LoadedConfiguration:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return load_configuration(directory)


def problems(directory: Path, files: dict[str, str]) -> list[str]:
    """Every problem the files produce, as printed, with paths relative to ``directory``."""
    try:
        load_files(directory, files)
    except ConfigurationError as error:
        prefix = f"{directory}/"
        return [str(p).removeprefix(prefix) for p in error.problems]
    raise AssertionError("the configuration loaded without problems")


def with_base(directory: Path, bad: str, base: str = BASE) -> list[str]:
    """Problems of ``bad.yaml`` next to a valid ``_base.yaml`` (read first: files are read in
    name order)."""
    return problems(directory, {"_base.yaml": base, "bad.yaml": bad})
