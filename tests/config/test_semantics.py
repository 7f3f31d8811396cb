"""Rule 8, semantics are validated: a configuration that cannot work as written is refused, with
the problem at the offending value and a message that says why. Each case is a small mutation of
the valid estate in ``tests.config.mutations`` (and causes exactly the problems it counts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from goldfleet.config.entries import Entry
from goldfleet.config.models.documents import DOCUMENT_CLASSES
from goldfleet.config.references import CrossChecks
from goldfleet.config.yaml_source import read_documents
from tests.config.mutations import CONTOSO_SUBNET, MSP_SUBNET, Case, check, mutated, pool

E, X = "estate.yaml", "extra.yaml"
NIGHTLY = '    - {name: nightly, type: daily, start: "22:00", duration: 4h}\n'
SATURDAY = '{name: saturday, type: weekly, days: [Sat], start: "22:00", duration: 6h}'
CAREFUL = "batchSize: 1, gracePeriod: 30m}"
STANDARD = "  failureBudget: 1\n"
CONTOSO_POOL_END = '  customRdpProperty: "audiocapturemode:i:1;camerastoredirect:s:*;"\n'
SOURCE = (
    "  source: {type: marketplace, publisher: MicrosoftWindowsDesktop, offer: office-365,"
    " sku: win11-24h2-avd-m365}\n"
)
BUILD_END = "    location: uksouth\n  customizations:\n    - builtin: timeZoneRedirection\n"
SCHEDULE = '  schedule: {type: cron, cron: "0 6 * * 3"}\n'
MASTER = (
    "  source: {type: masterVm, tenant: msp, vmId: /subscriptions/aaaaaaaa-0000-4000-8000-"
    "00000000000a/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/vm-master}\n"
)
EXTERNAL_IMAGE = (
    "/subscriptions/cccccccc-0000-4000-8000-00000000000c/resourceGroups/rg-shared/providers/"
    "Microsoft.Compute/galleries/gal_shared/images/win11"
)
OTHER_SUBNET = CONTOSO_SUBNET.replace("bbbbbbbb", "cccccccc")
DR_SUBNET = "drSubnetId: /subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/rg-dr/providers/Microsoft.Network/virtualNetworks/vnet-dr/subnets/snet-dr"
STAGING_TARGET = "{definition: win11-staging, regions: [uksouth, westeurope]}"
RG_IMAGES = "{name: rg-images, location: uksouth, tags: {owner: platform}}"


def window(text: str) -> tuple[tuple[str, str], ...]:
    """Replace the provider's nightly window by ``text`` (a flow mapping)."""
    return ((NIGHTLY, f"    - {text}\n"),)


def pool_windows(text: str) -> tuple[tuple[str, str], ...]:
    """Give Contoso's pool windows of its own (a flow sequence)."""
    return ((CONTOSO_POOL_END, f"{CONTOSO_POOL_END}  maintenanceWindows: {text}\n"),)


def standard(line: str) -> tuple[tuple[str, str], ...]:
    """Add ``line`` to the standard (sideBySide) rollout policy."""
    return ((STANDARD, f"{STANDARD}  {line}\n"),)


def careful(fields: str) -> tuple[tuple[str, str], ...]:
    """Add ``fields`` to the careful (deleteFirst) rollout policy's flow mapping."""
    return ((CAREFUL, f"{CAREFUL[:-1]}, {fields}}}"),)


def build(line: str) -> tuple[tuple[str, str], ...]:
    """Add ``line`` to the monthly pipeline's build settings."""
    return (
        (
            "    location: uksouth\n  customizations:",
            f"    location: uksouth\n    {line}\n  customizations:",
        ),
    )


def captured(*more: str) -> tuple[tuple[str, str], ...]:
    """The monthly pipeline captures a master VM (and runs no customizations)."""
    lines = "".join(f"    {m}\n" for m in more)
    return ((SOURCE, MASTER), (BUILD_END, f"    location: uksouth\n{lines}"))


def gallery_source(version: str = "", image: str = EXTERNAL_IMAGE) -> tuple[tuple[str, str], ...]:
    pinned = f", version: {version}" if version else ""
    return ((SOURCE, f"  source: {{type: galleryVersion, id: {image}{pinned}}}\n"),)


def definition(name: str, gallery: str = "staging", more: str = "") -> str:
    return (
        f"apiVersion: goldfleet/v1\nkind: ImageDefinition\nmetadata: {{name: {name}}}\n"
        f"spec: {{gallery: {gallery}, identifier: {{publisher: Msp, offer: {name}, sku: x}}{more}}}\n"
    )


def pipeline(name: str, source: str, target: str, more: str = "") -> str:
    return f"""\
apiVersion: goldfleet/v1
kind: ImagePipeline
metadata: {{name: {name}}}
spec:
  source: {source}
  build: {{tenant: msp, subscription: msp-images, resourceGroup: rg-build, location: uksouth}}
{more}  distribution:
    targets:
      - {{definition: {target}, regions: [uksouth]}}
"""


def ring(name: str, spec: str) -> str:
    return f"apiVersion: goldfleet/v1\nkind: Ring\nmetadata: {{name: {name}}}\nspec: {spec}\n"


WINDOWS = [
    Case(
        "window-cron-never-fires-on-february-31",
        at=f'{E}|cron: ^"0 0 31 2 *"',
        says='"0 0 31 2 *" never fires: no date matches it',
        edits=window('{name: nightly, type: cron, cron: "0 0 31 2 *", duration: 4h}'),
    ),
    Case(
        "window-cron-never-fires-on-april-31",
        at=f'{E}|cron: ^"30 1 31 4 *"',
        says="never fires",
        edits=window('{name: nightly, type: cron, cron: "30 1 31 4 *", duration: 4h}'),
    ),
    Case(
        "window-cron-minute-out-of-range",
        at=f'{E}|cron: ^"61 0 * * *"',
        says="expected a cron expression with five fields (minute hour day-of-month month"
        ' day-of-week), got "61 0 * * *": minute "61" is not valid (0-59)',
        edits=window('{name: nightly, type: cron, cron: "61 0 * * *", duration: 4h}'),
    ),
    Case(
        "window-cron-with-four-fields",
        at=f'{E}|cron: ^"0 2 * *"',
        says="it has 4 fields, not 5",
        edits=window('{name: nightly, type: cron, cron: "0 2 * *", duration: 4h}'),
    ),
    Case(
        "window-cron-month-13",
        at=f'{E}|cron: ^"0 2 * 13 *"',
        says='month "13" is not valid (1-12 or JAN-DEC)',
        edits=window('{name: nightly, type: cron, cron: "0 2 * 13 *", duration: 4h}'),
    ),
    Case(
        "window-of-no-length",
        at=f"{E}|duration: ^0m}}",
        says="expected a duration longer than 0 (the window never opens)",
        edits=window('{name: nightly, type: daily, start: "22:00", duration: 0m}'),
    ),
    Case(
        "daily-window-of-a-day-never-closes",
        at=f"{E}|duration: ^24h}}",
        says="a daily window of 1d never closes: it opens again at most 1d after it opened",
        edits=window('{name: nightly, type: daily, start: "22:00", duration: 24h}'),
    ),
    Case(
        "weekly-window-of-a-week-never-closes",
        at=f"{E}|duration: ^7d}}",
        says="a weekly window of 7d never closes",
        edits=((SATURDAY, SATURDAY.replace("6h", "7d")),),
    ),
    Case(
        "weekly-window-longer-than-the-gap-between-its-days",
        at=f"{E}|duration: ^4d}}",
        says="a weekly window of 4d never closes: it opens again at most 4d after it opened",
        edits=window(
            '{name: nightly, type: weekly, days: [Mon, Thu], start: "22:00", duration: 4d}'
        ),
    ),
    Case(
        "monthly-window-of-31-days",
        at=f"{E}|duration: ^31d}}",
        says="a monthly window of 31d never closes",
        edits=window(
            '{name: nightly, type: monthly, dayOfMonth: 1, start: "22:00", duration: 31d}'
        ),
    ),
    Case(
        "patch-tuesday-window-of-five-weeks",
        at=f"{E}|duration: ^35d}}",
        says="a patchTuesday window of 35d never closes",
        edits=window('{name: nightly, type: patchTuesday, start: "22:00", duration: 35d}'),
    ),
    Case(
        "hourly-cron-window-of-two-hours",
        at=f"{E}|duration: ^2h}}",
        says="a cron window of 2h never closes: it opens again at most 1h after it opened",
        edits=window('{name: nightly, type: cron, cron: "0 * * * *", duration: 2h}'),
    ),
    Case(
        "once-window-whose-date-has-passed",
        at=f"{E}|date: ^2020-01-01",
        says="2020-01-01 has passed (Europe/London is on",
        edits=window('{name: nightly, type: once, date: 2020-01-01, start: "22:00", duration: 4h}'),
    ),
    Case(
        "pool-window-of-no-length",
        at=f"{E}|duration: ^0m}}]",
        says="expected a duration longer than 0",
        edits=pool_windows('[{name: pool-night, type: daily, start: "01:00", duration: 0m}]'),
    ),
    Case(
        "pool-windows-with-one-name-twice",
        at=f"{E}|, {{name: ^night, type: weekly",
        says='duplicate maintenance window "night"',
        edits=pool_windows(
            '[{name: night, type: daily, start: "01:00", duration: 2h},'
            ' {name: night, type: weekly, days: [Sun], start: "03:00", duration: 2h}]'
        ),
    ),
    Case(
        "pool-window-cron-never-fires",
        at=f'{E}|cron: ^"0 1 30 2 *"',
        says="never fires",
        edits=pool_windows('[{name: never, type: cron, cron: "0 1 30 2 *", duration: 2h}]'),
    ),
    Case(
        "pool-once-window-whose-date-has-passed",
        at=f"{E}|date: ^2021-03-01",
        says="2021-03-01 has passed (Australia/Sydney is on",
        edits=pool_windows(
            '[{name: once, type: once, date: 2021-03-01, start: "01:00", duration: 2h}]'
        ),
    ),
    Case(
        "build-schedule-never-fires",
        at=f'{E}|cron: ^"0 6 30 2 *"',
        says="never fires: no date matches it, so the pipeline would never be built on schedule",
        edits=((SCHEDULE, '  schedule: {type: cron, cron: "0 6 30 2 *"}\n'),),
    ),
    Case(
        "build-schedule-day-of-week-unknown",
        at=f'{E}|cron: ^"0 6 * * MOON"',
        says='day-of-week "MOON" is not valid (0-7 or SUN-SAT)',
        edits=((SCHEDULE, '  schedule: {type: cron, cron: "0 6 * * MOON"}\n'),),
    ),
]

ROLLOUTS = [
    Case(
        "canary-larger-than-its-pool",
        at=f"{E}|canary: {{hosts: ^5",
        says="a canary of 5 hosts is more than the 4 hosts of HostPool/msp-pool"
        " (spec.sessionHosts.count at",
        edits=(("canary: {hosts: 1, bakeTime: 30m}", "canary: {hosts: 5, bakeTime: 30m}"),),
    ),
    Case(
        "delete-first-canary-larger-than-its-pool",
        at=f"{E}|canary: {{hosts: ^7}}",
        says="a canary of 7 hosts is more than the 6 hosts of HostPool/contoso-pool",
        edits=careful("canary: {hosts: 7}"),
    ),
    Case(
        "delete-first-keeps-every-host-available",
        at=f"{E}|minAvailablePercent: ^100",
        says="with deleteFirst, 100% must stay available, so no host can ever be deleted",
        edits=(("minAvailablePercent: 50", "minAvailablePercent: 100"),),
    ),
    Case(
        "delete-first-floor-is-the-whole-pool",
        at=f"{E}|minAvailablePercent: ^90",
        says="with deleteFirst, 90% of the 6 hosts of HostPool/contoso-pool"
        " (spec.sessionHosts.count at",
        edits=(("minAvailablePercent: 50", "minAvailablePercent: 90"),),
    ),
    Case(
        "delete-first-floor-of-a-one-host-pool",
        at=f"{E}|minAvailablePercent: ^50",
        says="is 1: every host must stay serving, so none can be replaced; expected at most 0%",
        edits=(("    namePrefix: cso-avd\n    count: 6", "    namePrefix: cso-avd\n    count: 1"),),
    ),
    Case(
        "surge-larger-than-the-pool",
        at=f"{E}|maxSurge: ^5",
        says="maxSurge 5 is more than the 4 hosts of HostPool/msp-pool",
        edits=(("  maxSurge: 2\n", "  maxSurge: 5\n"),),
    ),
    Case(
        "batch-larger-than-the-pool",
        at=f"{E}|batchSize: ^5",
        says="batchSize 5 is more than the 4 hosts of HostPool/msp-pool",
        edits=(("  batchSize: 2\n", "  batchSize: 5\n"),),
    ),
    Case(
        "failure-budget-as-large-as-the-pool",
        at=f"{E}|failureBudget: ^4",
        says="failureBudget 4 lets every one of the 4 hosts of HostPool/msp-pool",
        edits=((STANDARD, "  failureBudget: 4\n"),),
    ),
    Case(
        "grace-period-longer-than-the-tenants-windows",
        at=f"{E}|gracePeriod: ^5h",
        says="gracePeriod 5h is not shorter than the longest maintenance window of"
        ' HostPool/msp-pool, "nightly" of 4h (Tenant/msp (spec.maintenanceWindows[0].duration at',
        edits=(("  gracePeriod: 15m\n", "  gracePeriod: 5h\n"),),
    ),
    Case(
        "grace-period-as-long-as-the-pools-own-window",
        at=f"{E}|gracePeriod: ^30m}}",
        says='"short" of 30m (HostPool/contoso-pool',
        edits=pool_windows('[{name: short, type: daily, start: "01:00", duration: 30m}]'),
    ),
    Case(
        "host-ready-timeout-of-zero",
        at=f"{E}|hostReadyTimeout: ^0m",
        says="expected a duration longer than 0: every new host would count as failed",
        edits=standard("hostReadyTimeout: 0m"),
    ),
    Case(
        "side-by-side-without-surge",
        at=f"{E}|maxSurge: ^0\n",
        says="expected a number >= 1 for sideBySide",
        edits=(("  maxSurge: 2\n", "  maxSurge: 0\n"),),
    ),
    Case(
        "keep-old-hosts-a-negative-number-of-days",
        at=f"{E}|keepOldHostsDays: ^-1",
        says="expected a number >= 0, got -1",
        edits=standard("keepOldHostsDays: -1"),
    ),
    Case(
        "failure-budget-over-1000",
        at=f"{E}|failureBudget: ^1001",
        says="expected a number <= 1000, got 1001",
        edits=((STANDARD, "  failureBudget: 1001\n"),),
    ),
    Case(
        "min-available-over-100-percent",
        at=f"{E}|minAvailablePercent: ^101",
        says="expected a number <= 100, got 101",
        edits=standard("minAvailablePercent: 101"),
    ),
    Case(
        "batch-of-zero-hosts",
        at=f"{E}|batchSize: ^0",
        says="expected a number >= 1, got 0",
        edits=(("  batchSize: 2\n", "  batchSize: 0\n"),),
    ),
    Case(
        "canary-of-more-than-100-hosts",
        at=f"{E}|canary: {{hosts: ^101",
        says="expected a number <= 100, got 101",
        edits=(("canary: {hosts: 1, bakeTime: 30m}", "canary: {hosts: 101, bakeTime: 30m}"),),
    ),
]

POOLS = [
    Case(
        "personal-pool-with-a-depth-first-balancer",
        at=f"{E}|loadBalancer: ^depthFirst",
        says='expected "persistent" for a personal pool, got "depthFirst"',
        edits=(
            (
                "  name: hp-contoso\n  type: pooled\n",
                "  name: hp-contoso\n  type: personal\n  loadBalancer: depthFirst\n",
            ),
        ),
    ),
    Case(
        "pooled-pool-with-a-persistent-balancer",
        at=f"{E}|loadBalancer: ^persistent",
        says='expected "breadthFirst" or "depthFirst" for a pooled pool, got "persistent"',
        edits=(
            (
                "  name: hp-contoso\n  type: pooled\n",
                "  name: hp-contoso\n  type: pooled\n  loadBalancer: persistent\n",
            ),
        ),
    ),
    Case(
        "session-limit-of-zero",
        at=f"{E}|maxSessionLimit: ^0",
        says="expected a number >= 1, got 0",
        edits=(("  maxSessionLimit: 8\n", "  maxSessionLimit: 0\n"),),
    ),
    Case(
        "session-limit-on-a-personal-pool",
        at=f"{E}|maxSessionLimit: ^3",
        says="only a pooled host pool takes it",
        edits=(
            (
                "  name: hp-contoso\n  type: pooled\n",
                "  name: hp-contoso\n  type: personal\n  maxSessionLimit: 3\n",
            ),
        ),
    ),
    Case(
        "dr-region-is-the-pools-region",
        at=f"{E}|drRegion: ^uksouth",
        says="expected a region other than the pool's own (uksouth)",
        edits=(("  drRegion: westeurope\n", "  drRegion: uksouth\n"),),
    ),
    Case(
        "dr-region-without-a-subnet",
        at=f"{E}|drRegion: ^westeurope",
        says="drSubnetId is required with drRegion",
        edits=((f"  {DR_SUBNET}\n", ""),),
    ),
    Case(
        "dr-group-not-declared",
        at=f"{E}|drResourceGroup: ^rg-nowhere",
        says="expected a resource group declared in subscription msp-images (rg-images,"
        ' rg-build, rg-hosts, rg-dr), got "rg-nowhere"',
        edits=(("  drResourceGroup: rg-dr\n", "  drResourceGroup: rg-nowhere\n"),),
    ),
    Case(
        "dr-region-the-image-is-not-replicated-to",
        at=f"{E}|    image: ^win11\n",
        says="ImageDefinition/win11 is not replicated to northeurope",
        edits=(("  drRegion: westeurope\n", "  drRegion: northeurope\n"),),
    ),
    Case(
        "pool-region-the-image-is-not-replicated-to",
        at=f"{E}|    image: ^win11-contoso",
        says="ImageDefinition/win11-contoso is not replicated to australiasoutheast",
        edits=(
            (
                "  location: australiaeast\n  name: hp-contoso",
                "  location: australiasoutheast\n  name: hp-contoso",
            ),
        ),
    ),
    Case(
        "subnet-in-another-customers-subscription",
        at=f"{E}|count: 4\n    subnetId: ^/subscriptions",
        says="the subnet is in subscription bbbbbbbb-0000-4000-8000-00000000000b, a subscription"
        " of Tenant/contoso, another tenant: the pool's session hosts are in subscription"
        " msp-images",
        edits=((f"    subnetId: {MSP_SUBNET}\n", f"    subnetId: {CONTOSO_SUBNET}\n"),),
    ),
    Case(
        "subnet-in-an-undeclared-subscription",
        at=f"{E}|    subnetId: ^/subscriptions/cccc",
        says="a subscription no Tenant here declares",
        edits=((f"    subnetId: {CONTOSO_SUBNET}\n", f"    subnetId: {OTHER_SUBNET}\n"),),
    ),
    Case(
        "subnet-in-another-subscription-of-the-tenant",
        at=f"{E}|    subnetId: ^/subscriptions/dddd",
        says="another subscription of Tenant/msp",
        edits=(
            (
                "      roleAssignments: [{role: Contributor}]\n",
                "      roleAssignments: [{role: Contributor}]\n"
                "    - {id: dddddddd-0000-4000-8000-00000000000d, name: msp-network}\n",
            ),
            (
                f"    subnetId: {MSP_SUBNET}\n",
                f"    subnetId: {MSP_SUBNET.replace('aaaaaaaa', 'dddddddd').replace('0000000a', '0000000d')}\n",
            ),
        ),
    ),
    Case(
        "dr-subnet-in-the-pools-own-network",
        at=f"{E}|drSubnetId: ^/subscriptions",
        says="virtual network vnet-hosts is also used in uksouth by HostPool/msp-pool"
        " (spec.sessionHosts.subnetId at",
        edits=((DR_SUBNET, "drSubnetId: " + MSP_SUBNET.replace("snet-hosts", "snet-dr")),),
    ),
    Case(
        "dr-subnet-in-another-customers-subscription",
        at=f"{E}|drSubnetId: ^/subscriptions",
        says="a subscription of Tenant/contoso, another tenant: the standby session hosts",
        edits=(
            (
                DR_SUBNET,
                DR_SUBNET.replace(
                    "aaaaaaaa-0000-4000-8000-00000000000a", "bbbbbbbb-0000-4000-8000-00000000000b"
                ),
            ),
        ),
    ),
    Case(
        "build-subnet-in-another-customers-subscription",
        at=f"{X}|    subnetId: ^/subscriptions",
        says="a subscription of Tenant/contoso, another tenant: the build VMs",
        extra=pipeline(
            "weekly",
            "{type: marketplace, publisher: P, offer: O, sku: S}",
            "win11-weekly",
        ).replace("location: uksouth}", f"location: uksouth,\n    subnetId: {CONTOSO_SUBNET}}}")
        + "---\n"
        + definition("win11-weekly"),
    ),
    Case(
        "build-subnet-in-a-network-of-another-region",
        at=f"{E}|subnetId: ^{DR_SUBNET[12:].replace('snet-dr', 'snet-build')}",
        says="virtual network vnet-dr is also used in westeurope by HostPool/msp-pool"
        " (spec.drSubnetId at",
        edits=build(f"subnetId: {DR_SUBNET[12:].replace('snet-dr', 'snet-build')}"),
    ),
    Case(
        "two-pools-in-one-network-in-two-regions",
        at=f"{X}|    subnetId: ^/subscriptions",
        says="virtual network vnet-hosts is also used in uksouth by HostPool/msp-pool",
        extra=pool("other", group="rg-dr", location="westeurope"),
    ),
    Case(
        "rdp-property-without-a-type",
        at=f'{E}|customRdpProperty: ^"audiocapturemode=1"',
        says="expected RDP properties name:type:value separated by ';' (type i for a whole"
        ' number, s for text, b for binary), got "audiocapturemode=1"',
        edits=((CONTOSO_POOL_END, '  customRdpProperty: "audiocapturemode=1"\n'),),
    ),
    Case(
        "rdp-number-property-with-text",
        at=f'{E}|customRdpProperty: ^"audiocapturemode:i:yes;"',
        says='got "audiocapturemode:i:yes"',
        edits=((CONTOSO_POOL_END, '  customRdpProperty: "audiocapturemode:i:yes;"\n'),),
    ),
    Case(
        "ou-in-another-domain",
        at=f'{E}|ouPath: ^"OU=AVD,DC=corp,DC=fabrikam,DC=com"',
        says="the OU is in domain corp.fabrikam.com, not in corp.contoso.com, the domain the"
        " hosts join: the join would fail",
        edits=(("DC=contoso,DC=com", "DC=fabrikam,DC=com"),),
    ),
    Case(
        "ou-path-that-is-not-a-distinguished-name",
        at=f'{E}|ouPath: ^"corp.contoso.com/AVD"',
        says='expected a distinguished name such as "OU=AVD,DC=corp,DC=example,DC=com"',
        edits=(('"OU=AVD,DC=corp,DC=contoso,DC=com"', '"corp.contoso.com/AVD"'),),
    ),
    Case(
        "ad-join-without-an-account",
        at=f"{E}|    join: ^{{type: ad",
        says="spec.sessionHosts.join.username: required for an AD join",
        edits=(("username: svc-join, ", ""),),
    ),
    Case(
        "entra-join-with-a-domain",
        at=f"{E}|{{type: entra, ^domain",
        says="only an AD join takes it",
        edits=(("    join: {type: entra}\n", "    join: {type: entra, domain: corp.example}\n"),),
    ),
    Case(
        "pool-image-is-linux",
        at=f"{E}|    image: ^win11-contoso",
        says="ImageDefinition/win11-contoso is a Linux image: Azure Virtual Desktop session"
        " hosts run Windows",
        edits=(("  gallery: contoso\n", "  gallery: contoso\n  osType: Linux\n"),),
        count=2,  # and its pipeline's targets disagree on the OS type
    ),
    Case(
        "pool-image-is-specialized",
        at=f"{E}|    image: ^win11-contoso",
        says="ImageDefinition/win11-contoso is Specialized: session hosts get a computer name",
        edits=(("  gallery: contoso\n", "  gallery: contoso\n  osState: Specialized\n"),),
        count=2,  # and its pipeline cannot make a Specialized version
    ),
    Case(
        "host-size-cannot-boot-a-generation-2-image",
        at=f"{E}|vmSize: ^Standard_A4_v2",
        says="expected a VM size that boots Generation 2 images (ImageDefinition/win11 is V2),"
        " got Standard_A4_v2, which is Generation 1 only",
        edits=(("    vmSize: Standard_D4as_v5\n", "    vmSize: Standard_A4_v2\n"),),
    ),
    Case(
        "host-name-prefix-of-12-characters",
        at=f"{E}|namePrefix: ^abcdefghijkl",
        says="expected a host name prefix of at most 11 letters",
        edits=(("namePrefix: msp-avd", "namePrefix: abcdefghijkl"),),
    ),
    Case(
        "more-than-1000-hosts",
        at=f"{E}|count: ^1001",
        says="expected a number <= 1000, got 1001",
        edits=(("    count: 4\n", "    count: 1001\n"),),
    ),
    Case(
        "pool-with-an-undefined-rollout-policy",
        at=f"{E}|rolloutPolicy: ^carefull",
        says='undefined RolloutPolicy "carefull" (did you mean "careful"?)',
        edits=(("  rolloutPolicy: careful\n", "  rolloutPolicy: carefull\n"),),
    ),
]

PIPELINES = [
    Case(
        "pipeline-builds-from-its-own-output",
        at=f"{E}|{{type: galleryVersion, definition: ^win11-staging}}",
        says="the pipeline builds from ImageDefinition/win11-staging, which it distributes"
        " itself: it would build from its own output, and could never make a first version",
        edits=((SOURCE, "  source: {type: galleryVersion, definition: win11-staging}\n"),),
    ),
    Case(
        "pipeline-builds-from-its-own-output-by-id",
        at=f"{E}|{{type: galleryVersion, id: ^/subscriptions",
        says="which it distributes itself",
        edits=gallery_source(
            image="/subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/RG-IMAGES/"
            "providers/Microsoft.Compute/galleries/gal_staging/images/win11/versions/1.2.3"
        ),
    ),
    Case(
        "two-pipelines-build-from-each-other",
        at=f"{X}|definition: ^win11}}",
        says="pipelines that build from each other's output, so none of them could make a first"
        " version: this pipeline builds from ImageDefinition/win11, made by"
        " ImagePipeline/monthly (spec.source.definition at",
        edits=((SOURCE, "  source: {type: galleryVersion, definition: base}\n"),),
        extra=pipeline("base-build", "{type: galleryVersion, definition: win11}", "base")
        + "---\n"
        + definition("base"),
        first=f"{E}|{{type: galleryVersion, definition: ^base}}",
    ),
    Case(
        "three-pipelines-in-a-cycle",
        at=f"{E}|{{type: galleryVersion, definition: ^two}}",
        says="which builds from ImageDefinition/one, made by ImagePipeline/p1"
        " (spec.source.definition at",
        edits=((SOURCE, "  source: {type: galleryVersion, definition: two}\n"),),
        extra=pipeline("p1", "{type: galleryVersion, definition: win11}", "one")
        + "---\n"
        + pipeline("p2", "{type: galleryVersion, definition: one}", "two")
        + "---\n"
        + definition("one")
        + "---\n"
        + definition("two"),
        first=f"{X}|{{type: galleryVersion, definition: ^win11}}",
    ),
    Case(
        "pinned-gallery-version-of-two-parts",
        at=f"{E}|version: ^'1.0'}}",
        says='expected "latest" or a version Major.Minor.Patch whose parts are whole numbers'
        ' from 0 to 2147483647 (Azure\'s rule), got "1.0"',
        edits=gallery_source("'1.0'"),
    ),
    Case(
        "pinned-gallery-version-part-over-32-bits",
        at=f"{E}|version: ^1.0.2147483648",
        says='got "1.0.2147483648"',
        edits=gallery_source("1.0.2147483648"),
    ),
    Case(
        "pinned-marketplace-version-of-two-parts",
        at=f"{E}|version: ^'26100.4349'}}",
        says='got "26100.4349"',
        edits=((SOURCE, SOURCE.replace("}", ", version: '26100.4349'}")),),
    ),
    Case(
        "gallery-source-id-with-a-four-part-version",
        at=f"{E}|{{type: galleryVersion, id: ^/subscriptions/cccc",
        says='its version: expected "latest" or a version Major.Minor.Patch',
        edits=gallery_source(image=EXTERNAL_IMAGE + "/versions/1.0.0.1"),
    ),
    Case(
        "target-definition-is-specialized",
        at=f"{E}|{{definition: ^win11-staging",
        says="ImageDefinition/win11-staging is Specialized, but builds and captures make"
        " Generalized versions",
        edits=(("  gallery: staging\n", "  gallery: staging\n  osState: Specialized\n"),),
    ),
    Case(
        "targets-of-two-generations",
        at=f"{E}|{{definition: ^win11-contoso",
        says="ImageDefinition/win11-contoso is Windows V1 and ImageDefinition/win11-staging"
        " (the first target) is Windows V2: one version cannot be in both",
        edits=(
            (
                "  gallery: contoso\n",
                "  gallery: contoso\n  hyperVGeneration: V1\n  securityType: Standard\n",
            ),
        ),
    ),
    Case(
        "windows-customization-in-a-linux-image",
        at=f"{X}|builtin: ^fslogix",
        says="fslogix is a Windows (PowerShell) customization, and ImageDefinition/ubuntu is a"
        " Linux image",
        extra=pipeline(
            "linux",
            "{type: marketplace, publisher: Canonical, offer: ubuntu, sku: '24_04'}",
            "ubuntu",
            more="  customizations:\n    - builtin: fslogix\n",
        )
        + "---\n"
        + definition("ubuntu", more=", osType: Linux, securityType: Standard"),
    ),
    Case(
        "copy-promotion-without-a-staging-replica-in-the-production-region",
        at=f"{E}|{{definition: ^win11, regions",
        says="promotion: copy copies each promoted version from a staging target with a replica"
        " in westeurope, the production gallery's region",
        edits=(
            (
                "  location: uksouth\n  name: gal_prod\n",
                "  location: westeurope\n  name: gal_prod\n",
            ),
            (STAGING_TARGET, "{definition: win11-staging, regions: [uksouth]}"),
            (SCHEDULE, SCHEDULE + "  promotion: copy\n"),
        ),
    ),
    Case(
        "captured-master-vm-with-customizations",
        at=f"{E}|    - ^builtin: timeZoneRedirection",
        says="a masterVm source is captured as it is: customizations do not run",
        edits=((SOURCE, MASTER),),
    ),
    Case(
        "staging-group-on-a-direct-build",
        at=f"{E}|    ^stagingResourceGroup: rg-stage",
        says="only an Image Builder build takes it (this build is direct)",
        edits=build("builder: direct\n    stagingResourceGroup: rg-stage"),
    ),
    Case(
        "image-builder-identity-on-a-capture",
        at=f"{E}|    ^identity: /subscriptions",
        says="only an Image Builder build takes it (a masterVm source is captured)",
        edits=captured(
            "identity: /subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/"
            "rg-build/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-build"
        ),
    ),
    Case(
        "backup-of-a-master-without-a-master",
        at=f"{E}|    ^backupMaster: true",
        says="only a capture (a masterVm source) takes it",
        edits=build("backupMaster: true"),
    ),
    Case(
        "pre-sysprep-script-without-a-checksum",
        at=f"{E}|preSysprepScripts: [^{{script",
        says="spec.build.preSysprepScripts[0].sha256: required field is missing: a script runs"
        " only with the SHA-256 of its content",
        edits=captured("preSysprepScripts: [{script: 'https://scripts.example.com/clean.ps1'}]"),
    ),
    Case(
        "new-source-version-with-a-pinned-source",
        at=f"{E}|schedule: {{type: ^newSourceVersion",
        says="newSourceVersion needs the source's version to be latest (it is pinned to"
        ' "26100.1.1")',
        edits=(
            (SCHEDULE, "  schedule: {type: newSourceVersion}\n"),
            (SOURCE, SOURCE.replace("}", ", version: 26100.1.1}")),
        ),
    ),
    Case(
        "replica-count-of-zero",
        at=f"{E}|replicaCount: ^0",
        says="expected a number >= 1, got 0",
        edits=((STAGING_TARGET, STAGING_TARGET[:-1] + ", replicaCount: 0}"),),
    ),
    Case(
        "region-with-101-replicas",
        at=f"{E}|replicas: ^101",
        says="expected a number <= 100, got 101",
        edits=(
            (
                STAGING_TARGET,
                "{definition: win11-staging, regions: [{name: uksouth, replicas: 101}]}",
            ),
        ),
    ),
    Case(
        "build-size-that-boots-generation-1-only",
        at=f"{E}|vmSize: ^Standard_D4_v2",
        says="got Standard_D4_v2, which is Generation 1 only",
        edits=build("vmSize: Standard_D4_v2"),
    ),
    Case(
        "os-disk-of-20-gb",
        at=f"{E}|osDiskSizeGB: ^20",
        says="expected a number >= 30, got 20",
        edits=build("osDiskSizeGB: 20"),
    ),
    Case(
        "build-timeout-of-five-minutes",
        at=f"{E}|timeoutMinutes: ^5",
        says="expected a number >= 6, got 5",
        edits=build("timeoutMinutes: 5"),
    ),
    Case(
        "target-region-outside-the-galleries-subscription",
        at=f"{E}|[australiaeast, ^uksouth]",
        says="expected one of the regions of subscription contoso-prod (australiaeast,"
        ' australiasoutheast), got "uksouth"',
        edits=(
            (
                "{definition: win11-contoso, regions: [australiaeast]}",
                "{definition: win11-contoso, regions: [australiaeast, uksouth]}",
            ),
        ),
    ),
    Case(
        "target-without-its-galleries-region",
        at=f"{E}|{{definition: win11-staging, regions: ^[westeurope]",
        says="expected the gallery's own region uksouth among the regions",
        edits=((STAGING_TARGET, "{definition: win11-staging, regions: [westeurope]}"),),
    ),
]

TENANTS = [
    Case(
        "subscription-in-two-clouds",
        at=f"{E}|westeurope, ^usgovvirginia]",
        says="usgovvirginia and uksouth are in different clouds (Azure Government and Azure's"
        " global cloud): a subscription is in one",
        edits=(
            (
                "regions: [uksouth, westeurope, northeurope]",
                "regions: [uksouth, westeurope, usgovvirginia]",
            ),
        ),
    ),
    Case(
        "resource-group-outside-the-subscriptions-regions",
        at=f"{E}|{{name: rg-build, location: ^eastus",
        says="expected one of the regions of subscription msp-images (uksouth, westeurope,"
        ' northeurope), got "eastus"',
        edits=(("{name: rg-build, location: uksouth}", "{name: rg-build, location: eastus}"),),
    ),
    Case(
        "tag-name-with-a-slash",
        at=f"{E}|tags: {{owner: platform, ^cost/centre",
        says='tag name "cost/centre" has a character Azure refuses',
        edits=(
            (
                RG_IMAGES,
                "{name: rg-images, location: uksouth, tags: {owner: platform, cost/centre: it}}",
            ),
        ),
    ),
    Case(
        "tag-name-with-a-prefix-azure-reserves",
        at=f"{E}|tags: {{owner: platform, ^AzureOwner",
        says='tag name "AzureOwner" starts with a prefix Azure reserves',
        edits=(
            (
                RG_IMAGES,
                "{name: rg-images, location: uksouth, tags: {owner: platform, AzureOwner: it}}",
            ),
        ),
    ),
    Case(
        "tag-name-goldfleet-uses-for-ownership",
        at=f"{E}|tags: {{owner: platform, ^managed-by",
        says='tag name "managed-by" is goldfleet\'s own',
        edits=(
            (
                RG_IMAGES,
                "{name: rg-images, location: uksouth, tags: {owner: platform, managed-by: terraform}}",
            ),
        ),
    ),
    Case(
        "tag-names-differ-only-in-case",
        at=f"{E}|tags: {{owner: platform, ^Owner",
        says='tag names are case-insensitive: "Owner" is "owner"',
        edits=(
            (RG_IMAGES, "{name: rg-images, location: uksouth, tags: {owner: platform, Owner: it}}"),
        ),
    ),
    Case(
        "tag-value-of-257-characters",
        at=f"{E}|note: ^{'n' * 257}",
        says="tag value of 257 characters; Azure allows 256",
        edits=(
            (
                RG_IMAGES,
                f"{{name: rg-images, location: uksouth, tags: {{owner: platform, note: {'n' * 257}}}}}",
            ),
        ),
    ),
    Case(
        "tag-name-of-513-characters",
        at=f"{E}|tags: {{owner: platform, ^{'k' * 513}",
        says="tag name of 513 characters; Azure allows 512",
        edits=(
            (
                RG_IMAGES,
                f"{{name: rg-images, location: uksouth, tags: {{owner: platform, {'k' * 513}: x}}}}",
            ),
        ),
    ),
    Case(
        "forty-nine-tags",
        at=f"{E}|{{name: rg-build, location: uksouth, tags: ^{{",
        says="49 tags: Azure allows 50 on a resource group and goldfleet adds 2, so at most 48",
        edits=(
            (
                "{name: rg-build, location: uksouth}",
                "{name: rg-build, location: uksouth, tags: {"
                + ", ".join(f"t{i}: v" for i in range(49))
                + "}}",
            ),
        ),
    ),
    Case(
        "freeze-that-ends-before-it-starts",
        at=f"{E}|end: ^2026-12-20",
        says="expected a date on or after the start 2026-12-24",
        edits=(("end: 2026-12-26", "end: 2026-12-20"),),
    ),
    Case(
        "role-scope-outside-the-subscription",
        at=f"{E}|scope: ^/subscriptions/bbbb",
        says="expected a scope inside subscription aaaaaaaa-0000-4000-8000-00000000000a",
        edits=(
            (
                "[{role: Contributor}]",
                "[{role: Contributor, scope: /subscriptions/bbbbbbbb-0000-4000-8000-00000000000b}]",
            ),
        ),
    ),
    Case(
        "tenant-windows-with-one-name-twice",
        at=f"{E}|    - {{name: ^nightly, type: weekly",
        says='duplicate maintenance window "nightly"',
        edits=(
            (
                NIGHTLY,
                NIGHTLY
                + '    - {name: nightly, type: weekly, days: [Sun], start: "03:00", duration: 2h}\n',
            ),
        ),
    ),
    Case(
        "identifier-publisher-of-129-characters",
        at=f"{E}|identifier: {{publisher: ^{'P' * 129}",
        says="publisher of 129 characters; Azure allows 128",
        edits=(
            (
                "  gallery: contoso\n  name: win11\n  identifier: {publisher: Msp,",
                f"  gallery: contoso\n  name: win11\n  identifier: {{publisher: {'P' * 129},",
            ),
        ),
    ),
    Case(
        "identifier-sku-of-65-characters",
        at=f"{E}|sku: ^{'s' * 65}",
        says="sku of 65 characters; Azure allows 64",
        edits=(
            (
                "  gallery: contoso\n  name: win11\n  identifier: {publisher: Msp, offer: win11, sku: avd}",
                f"  gallery: contoso\n  name: win11\n  identifier: {{publisher: Msp, offer: win11, sku: {'s' * 65}}}",
            ),
        ),
    ),
    Case(
        "trusted-launch-on-generation-1",
        at=f"{E}|hyperVGeneration: ^V1",
        says='expected "V2" for securityType TrustedLaunch, got "V1"',
        edits=(("  gallery: contoso\n", "  gallery: contoso\n  hyperVGeneration: V1\n"),),
        count=2,  # and the pipeline's targets now disagree on the generation
    ),
    Case(
        "confidential-vm-on-generation-1",
        at=f"{E}|hyperVGeneration: ^V1",
        says='expected "V2" for securityType ConfidentialVM, got "V1"',
        edits=(
            (
                "  gallery: contoso\n",
                "  gallery: contoso\n  hyperVGeneration: V1\n  securityType: ConfidentialVM\n",
            ),
        ),
        count=2,
    ),
]

SECRETS = [
    Case(
        "sas-signature-in-a-tag",
        at=f"{E}|link: ^'https",
        says="this value looks like a SAS token signature (sig=): secrets must not be written",
        edits=(
            (
                RG_IMAGES,
                "{name: rg-images, location: uksouth, tags: {owner: platform, link: 'https://x.blob.core.windows.net/c?sv=2024-05-04&sig=AbCdEf0123456789%3D'}}",
            ),
        ),
    ),
    Case(
        "account-key-in-a-description",
        at=f"{E}|description: ^DefaultEndpointsProtocol",
        says="this value looks like an account key (AccountKey=)",
        edits=(
            (
                "  description: Validated versions\n",
                "  description: DefaultEndpointsProtocol=https;AccountName=st;AccountKey=c2VjcmV0a2V5==\n",
            ),
        ),
    ),
    Case(
        "private-key-in-a-description",
        at=f"{E}|description: ^'-----BEGIN",
        says="this value looks like a private key (BEGIN PRIVATE KEY)",
        edits=(
            (
                "  description: Windows 11 multi-session\n",
                "  description: '-----BEGIN PRIVATE KEY----- MIIEvQIBADANBg'\n",
            ),
        ),
    ),
    Case(
        "client-secret-in-a-drain-message",
        at=f"{E}|body: ^Ab38Q~",
        says="this value looks like a Microsoft Entra client secret",
        edits=(
            ("body: Please save your work and sign out.", "body: Ab38Q~" + "x1Y2z3" * 5 + "a_b-"),
        ),
    ),
    Case(
        "access-token-in-a-label",
        at=f"{E}|note: ^eyJ",
        says="this value looks like an access token (a JWT)",
        edits=(
            (
                "labels: {tier: pilot}",
                "labels: {tier: pilot, note: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2ln}",
            ),
        ),
    ),
    Case(
        "password-in-a-display-name",
        at=f"{E}|displayName: ^Northwind MSP Password=",
        says="this value looks like a password (password=...)",
        edits=(("displayName: Northwind MSP\n", "displayName: Northwind MSP Password=Hunter2\n"),),
    ),
    Case(
        "password-looking-tag-value",
        at=f"{E}|owner: ^Hunter2!x9",
        says="this value looks like a password: secrets must not be written",
        edits=((RG_IMAGES, "{name: rg-images, location: uksouth, tags: {owner: Hunter2!x9}}"),),
    ),
    Case(
        "password-looking-freeze-reason",
        at=f"{E}|reason: ^Tr0ub4dor#3x",
        says="this value looks like a password",
        edits=(("reason: Christmas", "reason: Tr0ub4dor#3x"),),
    ),
    Case(
        "password-in-a-customization-parameter",
        at=f"{E}|profilePath: ^'",
        says="this value looks like a password (password=...)",
        edits=(
            (
                "    - builtin: timeZoneRedirection\n",
                "    - builtin: fslogix\n      parameters: {profilePath: '\\\\fs\\profiles;password=Secr3t'}\n",
            ),
        ),
    ),
    Case(
        "sas-signature-in-a-friendly-name",
        at=f"{E}|friendlyName: ^MSP desktop sig=",
        says="this value looks like a SAS token signature (sig=)",
        edits=(("friendlyName: MSP desktop}", "friendlyName: MSP desktop sig=AbCdEf0123456789}"),),
    ),
]

RINGS = [
    Case(
        "ring-with-no-members-and-no-selector",
        at=f"{X}|spec: ^{{order: 2",
        says="the ring has no members and no selector, and no tenant names it in spec.ring: it"
        " would release to no tenant",
        extra=ring("third", "{order: 2, bakeTime: 1d}"),
    ),
    Case(
        "ring-whose-selector-matches-no-tenant",
        at=f"{X}|selector: ^{{matchLabels",
        says="no tenant is in this ring",
        extra=ring("third", "{order: 2, bakeTime: 1d, selector: {matchLabels: {tier: nobody}}}"),
    ),
    Case(
        "ring-whose-tenants-an-earlier-ring-took",
        at=f"{X}|selector: ^{{matchLabels",
        says="its selector matches no tenant that a ring of lower order has not taken",
        extra=ring("third", "{order: 2, bakeTime: 1d, selector: {matchLabels: {tier: pilot}}}"),
    ),
    Case(
        "ring-member-undefined",
        at=f"{X}|members: [^fabrikam]",
        says='undefined Tenant "fabrikam"',
        extra=ring("third", "{order: 2, bakeTime: 1d, members: [fabrikam]}"),
    ),
    Case(
        "tenant-in-an-undefined-ring",
        at=f"{E}|  ring: ^broad",
        says='undefined Ring "broad"',
        edits=(
            ("  timeZone: Australia/Sydney\n", "  timeZone: Australia/Sydney\n  ring: broad\n"),
        ),
    ),
]

CASES = WINDOWS + ROLLOUTS + POOLS + PIPELINES + TENANTS + SECRETS + RINGS


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_configuration_that_cannot_work_is_refused(tmp_path, case):
    check(tmp_path, case)


def test_every_case_is_distinct():
    from tests.config.test_unique_names import CASES as NAME_CASES

    every = CASES + NAME_CASES
    assert len({c.id for c in every}) == len(every)
    assert len({tuple(sorted(mutated(c).items())) for c in every}) == len(every) >= 100


def test_a_once_window_is_judged_at_the_instant_given():
    """The clock is injected: a window dated 2020-01-01 is fine on 2019-12-31."""
    text = mutated(WINDOWS[12])["estate.yaml"]
    entries = [
        Entry(
            d,
            d.data["kind"],
            d.data["metadata"]["name"],
            DOCUMENT_CLASSES[d.data["kind"]].model_validate(d.data),
        )
        for d in read_documents(text, "estate.yaml").documents
    ]
    before = CrossChecks(entries, complete=True, now=datetime(2019, 12, 31, tzinfo=UTC)).run()
    after = CrossChecks(entries, complete=True, now=datetime(2020, 1, 2, tzinfo=UTC)).run()
    assert before == [] and [p.field for p in after] == ["spec.maintenanceWindows[0].date"]
