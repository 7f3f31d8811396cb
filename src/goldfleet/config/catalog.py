"""What a configuration may name: Azure regions and goldfleet's built-in image customizations.

The region list is Azure's public regions plus the US Government ones (the ``name`` ARM uses,
e.g. ``westeurope``). The built-ins mirror the AVD custom image template scripts
(Azure/RDS-Templates) plus Windows Update and restart; each lists the parameters it accepts and
which of them are required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AZURE_REGIONS: frozenset[str] = frozenset(
    [
        "australiacentral",
        "australiacentral2",
        "australiaeast",
        "australiasoutheast",
        "austriaeast",
        "belgiumcentral",
        "brazilsouth",
        "brazilsoutheast",
        "canadacentral",
        "canadaeast",
        "centralindia",
        "centralus",
        "chilecentral",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "francesouth",
        "germanynorth",
        "germanywestcentral",
        "indonesiacentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "jioindiacentral",
        "jioindiawest",
        "koreacentral",
        "koreasouth",
        "malaysiawest",
        "mexicocentral",
        "newzealandnorth",
        "northcentralus",
        "northeurope",
        "norwayeast",
        "norwaywest",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southafricawest",
        "southcentralus",
        "southeastasia",
        "southindia",
        "spaincentral",
        "swedencentral",
        "swedensouth",
        "switzerlandnorth",
        "switzerlandwest",
        "uaecentral",
        "uaenorth",
        "uksouth",
        "ukwest",
        "westcentralus",
        "westeurope",
        "westindia",
        "westus",
        "westus2",
        "westus3",
        "usgovarizona",
        "usgovtexas",
        "usgovvirginia",
    ]
)


@dataclass(frozen=True)
class BuiltinCustomization:
    name: str
    description: str
    parameters: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()


def _builtin(
    name: str, description: str, parameters: str = "", required: str = ""
) -> BuiltinCustomization:
    return BuiltinCustomization(
        name, description, frozenset(parameters.split()), frozenset(required.split())
    )


BUILTIN_CUSTOMIZATIONS: dict[str, BuiltinCustomization] = {
    c.name: c
    for c in (
        _builtin("installLanguagePacks", "Install language packs", "languages", "languages"),
        _builtin("setDefaultLanguage", "Set the default OS language", "language", "language"),
        _builtin("timeZoneRedirection", "Redirect the client's time zone into sessions"),
        _builtin("fslogix", "Install and configure FSLogix profile containers", "profilePath"),
        _builtin("fslogixKerberos", "Enable FSLogix with Entra ID Kerberos"),
        _builtin("disableStorageSense", "Disable Storage Sense"),
        _builtin("removeAppxPackages", "Remove provisioned AppX packages", "packages", "packages"),
        _builtin(
            "windowsOptimization", "Apply the Virtual Desktop Optimization Tool", "optimizations"
        ),
        _builtin("disableAutoUpdates", "Disable automatic Windows updates"),
        _builtin("rdpShortpath", "Configure RDP Shortpath for managed networks"),
        _builtin("screenCaptureProtection", "Enable screen capture protection", "blockOption"),
        _builtin("teamsOptimization", "Install Teams with AVD media optimization"),
        _builtin("multimediaRedirection", "Install multimedia redirection", "architecture"),
        _builtin(
            "configureSessionTimeouts",
            "Configure session time limits",
            "maxDisconnectionTime maxIdleTime maxConnectionTime remoteAppLogoffTimeLimit",
        ),
        _builtin("configureOfficeApps", "Install or configure Microsoft 365 Apps", "apps"),
        _builtin("windowsUpdate", "Install Windows updates", "searchCriteria filters updateLimit"),
        _builtin("windowsRestart", "Restart the build VM", "restartTimeout"),
    )
}


# VM sizes that cannot boot a Generation 2 image (Azure: "Support for generation 2 VMs"):
# Basic A, A v1 and v2, D v1, Dv2 without premium storage, NV v1.
_GENERATION_ONE_ONLY = re.compile(
    r"^(Basic_A\d+|Standard_A\d+(m?_v2)?|Standard_D\d+(_v2)?|Standard_NV\d+)$", re.IGNORECASE
)


def generation_one_only(vm_size: str) -> bool:
    """Whether ``vm_size`` boots only Generation 1 images."""
    return bool(_GENERATION_ONE_ONLY.match(vm_size))
