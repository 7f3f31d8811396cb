"""Bad configurations as small mutations of one valid estate: each case edits ``estate.yaml``
(text replacements, each of a text that occurs exactly once) and may add ``extra.yaml``; it names
where the problem must be (an anchor: the text around it, with ``^`` where the problem points)
and a fragment of its message, and, for two owners of one name, where the first owner is (the
message must name that ``file:line:col``). By default the mutation must cause exactly that one
problem, so a rule that cascades into noise fails its test too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.config.support import problems

ESTATE = """\
apiVersion: goldfleet/v1
kind: Tenant
metadata: {name: msp, labels: {tier: internal}}
spec:
  tenantId: 11111111-0000-4000-8000-000000000001
  displayName: Northwind MSP
  role: provider
  credential: {type: clientSecret, clientId: 0a0a0a0a-0000-4000-8000-0000000000a1, secretEnv: GF_SECRET}
  timeZone: Europe/London
  subscriptions:
    - id: aaaaaaaa-0000-4000-8000-00000000000a
      name: msp-images
      regions: [uksouth, westeurope, northeurope]
      resourceGroups:
        - {name: rg-images, location: uksouth, tags: {owner: platform}}
        - {name: rg-build, location: uksouth}
        - {name: rg-hosts, location: uksouth}
        - {name: rg-dr, location: westeurope}
      roleAssignments: [{role: Contributor}]
  maintenanceWindows:
    - {name: nightly, type: daily, start: "22:00", duration: 4h}
  freezes:
    - {start: 2026-12-24, end: 2026-12-26, reason: Christmas}
---
apiVersion: goldfleet/v1
kind: Tenant
metadata: {name: contoso, labels: {tier: pilot}}
spec:
  tenantId: 22222222-0000-4000-8000-000000000002
  displayName: Contoso Pharmacies
  role: customer
  credential: {type: clientSecret, clientId: 0a0a0a0a-0000-4000-8000-0000000000a1, secretEnv: GF_SECRET}
  timeZone: Australia/Sydney
  subscriptions:
    - id: bbbbbbbb-0000-4000-8000-00000000000b
      name: contoso-prod
      regions: [australiaeast, australiasoutheast]
      resourceGroups:
        - {name: rg-avd, location: australiaeast}
        - {name: rg-gallery, location: australiaeast}
  maintenanceWindows:
    - {name: saturday, type: weekly, days: [Sat], start: "22:00", duration: 6h}
---
apiVersion: goldfleet/v1
kind: Gallery
metadata: {name: staging}
spec: {role: staging, tenant: msp, subscription: msp-images, resourceGroup: rg-images, location: uksouth, name: gal_staging}
---
apiVersion: goldfleet/v1
kind: Gallery
metadata: {name: production}
spec:
  role: production
  tenant: msp
  subscription: msp-images
  resourceGroup: rg-images
  location: uksouth
  name: gal_prod
  description: Validated versions
---
apiVersion: goldfleet/v1
kind: Gallery
metadata: {name: contoso}
spec: {role: production, tenant: contoso, subscription: contoso-prod, resourceGroup: rg-gallery, location: australiaeast, name: gal_contoso}
---
apiVersion: goldfleet/v1
kind: ImageDefinition
metadata: {name: win11-staging}
spec:
  gallery: staging
  name: win11
  identifier: {publisher: Msp, offer: win11, sku: avd}
---
apiVersion: goldfleet/v1
kind: ImageDefinition
metadata: {name: win11}
spec:
  gallery: production
  identifier: {publisher: Msp, offer: win11, sku: avd}
  description: Windows 11 multi-session
---
apiVersion: goldfleet/v1
kind: ImageDefinition
metadata: {name: win11-contoso}
spec:
  gallery: contoso
  name: win11
  identifier: {publisher: Msp, offer: win11, sku: avd}
---
apiVersion: goldfleet/v1
kind: ImagePipeline
metadata: {name: monthly}
spec:
  source: {type: marketplace, publisher: MicrosoftWindowsDesktop, offer: office-365, sku: win11-24h2-avd-m365}
  build:
    tenant: msp
    subscription: msp-images
    resourceGroup: rg-build
    location: uksouth
  customizations:
    - builtin: timeZoneRedirection
  schedule: {type: cron, cron: "0 6 * * 3"}
  distribution:
    targets:
      - {definition: win11-staging, regions: [uksouth, westeurope]}
      - {definition: win11, regions: [uksouth, westeurope]}
      - {definition: win11-contoso, regions: [australiaeast]}
---
apiVersion: goldfleet/v1
kind: RolloutPolicy
metadata: {name: standard}
spec:
  strategy: sideBySide
  maxSurge: 2
  batchSize: 2
  canary: {hosts: 1, bakeTime: 30m}
  failureBudget: 1
  gracePeriod: 15m
  drainMessage: {title: Update tonight, body: Please save your work and sign out.}
---
apiVersion: goldfleet/v1
kind: RolloutPolicy
metadata: {name: careful}
spec: {strategy: deleteFirst, maxSurge: 0, minAvailablePercent: 50, batchSize: 1, gracePeriod: 30m}
---
apiVersion: goldfleet/v1
kind: Ring
metadata: {name: first}
spec: {order: 0, bakeTime: 1d, members: [msp]}
---
apiVersion: goldfleet/v1
kind: Ring
metadata: {name: second}
spec: {order: 1, bakeTime: 2d, selector: {matchLabels: {tier: pilot}}}
---
apiVersion: goldfleet/v1
kind: HostPool
metadata: {name: msp-pool}
spec:
  tenant: msp
  subscription: msp-images
  resourceGroup: rg-hosts
  location: uksouth
  name: hp-msp
  type: pooled
  maxSessionLimit: 8
  sessionHosts:
    image: win11
    vmSize: Standard_D4as_v5
    namePrefix: msp-avd
    count: 4
    subnetId: /subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/rg-hosts/providers/Microsoft.Network/virtualNetworks/vnet-hosts/subnets/snet-hosts
    join: {type: entra}
  rolloutPolicy: standard
  drRegion: westeurope
  drResourceGroup: rg-dr
  drSubnetId: /subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/snet-dr
  desktop: {workspace: ws-msp, friendlyName: MSP desktop}
---
apiVersion: goldfleet/v1
kind: HostPool
metadata: {name: contoso-pool}
spec:
  tenant: contoso
  subscription: contoso-prod
  resourceGroup: rg-avd
  location: australiaeast
  name: hp-contoso
  type: pooled
  sessionHosts:
    image: win11-contoso
    vmSize: Standard_D8as_v5
    namePrefix: cso-avd
    count: 6
    subnetId: /subscriptions/bbbbbbbb-0000-4000-8000-00000000000b/resourceGroups/rg-avd/providers/Microsoft.Network/virtualNetworks/vnet-avd/subnets/snet-hosts
    join: {type: ad, domain: corp.contoso.com, ouPath: "OU=AVD,DC=corp,DC=contoso,DC=com", username: svc-join, secretEnv: CONTOSO_JOIN}
  rolloutPolicy: careful
  desktop: {workspace: ws-contoso}
  customRdpProperty: "audiocapturemode:i:1;camerastoredirect:s:*;"
"""

MSP_SUBNET = (
    "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/rg-hosts/providers/"
    "Microsoft.Network/virtualNetworks/vnet-hosts/subnets/snet-hosts"
)
CONTOSO_SUBNET = (
    "/subscriptions/bbbbbbbb-0000-4000-8000-00000000000b/resourceGroups/rg-avd/providers/"
    "Microsoft.Network/virtualNetworks/vnet-avd/subnets/snet-hosts"
)


def pool(
    name: str,
    *,
    group: str = "rg-hosts",
    location: str = "uksouth",
    azure_name: str | None = None,
    prefix: str = "ext-avd",
    join: str = "{type: entra}",
    subnet: str = MSP_SUBNET,
    tenant: str = "msp",
    subscription: str = "msp-images",
    image: str = "win11",
    more: str = "",
) -> str:
    """A HostPool document for ``extra.yaml``; everything but what a case changes is valid."""
    named = f"  name: {azure_name}\n" if azure_name else ""
    return f"""\
apiVersion: goldfleet/v1
kind: HostPool
metadata: {{name: {name}}}
spec:
  tenant: {tenant}
  subscription: {subscription}
  resourceGroup: {group}
  location: {location}
{named}  type: pooled
  sessionHosts:
    image: {image}
    vmSize: Standard_D4as_v5
    namePrefix: {prefix}
    count: 2
    subnetId: {subnet}
    join: {join}
  rolloutPolicy: standard
{more}"""


@dataclass(frozen=True)
class Case:
    id: str
    at: str  # the problem's place: "<file>|<text around it, ^ where it points>"
    says: str  # a fragment of its message
    edits: tuple[tuple[str, str], ...] = ()
    extra: str = ""  # extra.yaml
    first: str | None = None  # for two owners: the first owner's place, as ``at``
    count: int = 1  # problems the mutation causes in all


def place(directory: Path, anchor: str) -> tuple[str, int, int]:
    """(file, line, column) of an anchor ``file|text with ^``; the text occurs exactly once."""
    file, marked = anchor.split("|", 1)
    text = (directory / file).read_text()
    needle = marked.replace("^", "")
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times in {file}"
    offset = text.index(needle) + marked.index("^")
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return file, line, column


def mutated(case: Case) -> dict[str, str]:
    text = ESTATE
    for old, new in case.edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the estate"
        text = text.replace(old, new)
    files = {"estate.yaml": text}
    if case.extra:
        files["extra.yaml"] = case.extra
    return files


def check(tmp_path: Path, case: Case) -> None:
    """The case's problem is reported where it says, with its message, and nothing else."""
    found = problems(tmp_path, mutated(case))
    file, line, column = place(tmp_path, case.at)
    prefix = f"{file}:{line}:{column}: "
    mine = [p for p in found if p.startswith(prefix) and case.says in p]
    assert mine, f"no problem at {prefix!r} saying {case.says!r}; found:\n" + "\n".join(found)
    if case.first is not None:
        first_file, first_line, first_column = place(tmp_path, case.first)
        assert f"{tmp_path}/{first_file}:{first_line}:{first_column}" in mine[0], mine[0]
    assert len(found) == case.count, "\n".join(found)
