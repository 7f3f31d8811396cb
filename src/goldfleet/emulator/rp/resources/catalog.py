"""What the emulated cloud offers: its regions and the resource provider namespaces it knows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    display_name: str
    geography: str
    geography_group: str
    latitude: str
    longitude: str
    paired: str
    physical_location: str


REGIONS: tuple[Region, ...] = (
    Region("eastus", "East US", "United States", "US", "37.3719", "-79.8164", "westus", "Virginia"),
    Region(
        "eastus2",
        "East US 2",
        "United States",
        "US",
        "36.6681",
        "-78.3889",
        "centralus",
        "Virginia",
    ),
    Region(
        "centralus", "Central US", "United States", "US", "41.5908", "-93.6208", "eastus2", "Iowa"
    ),
    Region(
        "westus", "West US", "United States", "US", "37.783", "-122.417", "eastus", "California"
    ),
    Region(
        "westus2",
        "West US 2",
        "United States",
        "US",
        "47.233",
        "-119.852",
        "westcentralus",
        "Washington",
    ),
    Region(
        "westus3",
        "West US 3",
        "United States",
        "US",
        "33.448376",
        "-112.074036",
        "eastus",
        "Phoenix",
    ),
    Region(
        "canadacentral",
        "Canada Central",
        "Canada",
        "Canada",
        "43.653",
        "-79.383",
        "canadaeast",
        "Toronto",
    ),
    Region(
        "canadaeast",
        "Canada East",
        "Canada",
        "Canada",
        "46.817",
        "-71.217",
        "canadacentral",
        "Quebec",
    ),
    Region(
        "northeurope",
        "North Europe",
        "Europe",
        "Europe",
        "53.3478",
        "-6.2597",
        "westeurope",
        "Ireland",
    ),
    Region(
        "westeurope",
        "West Europe",
        "Europe",
        "Europe",
        "52.3667",
        "4.9",
        "northeurope",
        "Netherlands",
    ),
    Region(
        "uksouth", "UK South", "United Kingdom", "Europe", "50.941", "-0.799", "ukwest", "London"
    ),
    Region(
        "ukwest", "UK West", "United Kingdom", "Europe", "53.427", "-3.084", "uksouth", "Cardiff"
    ),
    Region(
        "germanywestcentral",
        "Germany West Central",
        "Germany",
        "Europe",
        "50.110924",
        "8.682127",
        "germanynorth",
        "Frankfurt",
    ),
    Region(
        "germanynorth",
        "Germany North",
        "Germany",
        "Europe",
        "53.073635",
        "8.806422",
        "germanywestcentral",
        "Berlin",
    ),
    Region(
        "francecentral",
        "France Central",
        "France",
        "Europe",
        "46.3772",
        "2.3730",
        "francesouth",
        "Paris",
    ),
    Region(
        "swedencentral",
        "Sweden Central",
        "Sweden",
        "Europe",
        "60.67488",
        "17.14127",
        "swedensouth",
        "Gävle",
    ),
    Region(
        "switzerlandnorth",
        "Switzerland North",
        "Switzerland",
        "Europe",
        "47.451542",
        "8.564572",
        "switzerlandwest",
        "Zurich",
    ),
    Region(
        "australiaeast",
        "Australia East",
        "Australia",
        "Asia Pacific",
        "-33.86",
        "151.2094",
        "australiasoutheast",
        "New South Wales",
    ),
    Region(
        "australiasoutheast",
        "Australia Southeast",
        "Australia",
        "Asia Pacific",
        "-37.8136",
        "144.9631",
        "australiaeast",
        "Victoria",
    ),
    Region(
        "southeastasia",
        "Southeast Asia",
        "Asia Pacific",
        "Asia Pacific",
        "1.283",
        "103.833",
        "eastasia",
        "Singapore",
    ),
    Region(
        "eastasia",
        "East Asia",
        "Asia Pacific",
        "Asia Pacific",
        "22.267",
        "114.188",
        "southeastasia",
        "Hong Kong",
    ),
    Region(
        "japaneast",
        "Japan East",
        "Japan",
        "Asia Pacific",
        "35.68",
        "139.77",
        "japanwest",
        "Tokyo, Saitama",
    ),
    Region(
        "japanwest",
        "Japan West",
        "Japan",
        "Asia Pacific",
        "34.6939",
        "135.5022",
        "japaneast",
        "Osaka",
    ),
    Region(
        "centralindia",
        "Central India",
        "India",
        "Asia Pacific",
        "18.5822",
        "73.9197",
        "southindia",
        "Pune",
    ),
    Region(
        "brazilsouth",
        "Brazil South",
        "Brazil",
        "South America",
        "-23.55",
        "-46.633",
        "southcentralus",
        "Sao Paulo State",
    ),
    Region(
        "southcentralus",
        "South Central US",
        "United States",
        "US",
        "29.4167",
        "-98.5",
        "northcentralus",
        "Texas",
    ),
    Region(
        "northcentralus",
        "North Central US",
        "United States",
        "US",
        "41.8819",
        "-87.6278",
        "southcentralus",
        "Illinois",
    ),
    Region(
        "westcentralus",
        "West Central US",
        "United States",
        "US",
        "40.89",
        "-110.234",
        "westus2",
        "Wyoming",
    ),
)

REGIONS_BY_NAME = {r.name: r for r in REGIONS}


def normalise_location(value: str) -> str:
    """ARM accepts ``West Europe`` and ``westeurope`` alike and stores the short name."""
    key = value.replace(" ", "").lower()
    for region in REGIONS:
        if region.name == key or region.display_name.replace(" ", "").lower() == key:
            return region.name
    return key


# Namespace -> resource types the emulated cloud lists for it (registration and discovery).
NAMESPACES: dict[str, tuple[str, ...]] = {
    "Microsoft.Resources": ("resourceGroups", "subscriptions", "tenants", "deployments", "tags"),
    "Microsoft.Authorization": ("roleAssignments", "roleDefinitions"),
    "Microsoft.ManagedIdentity": ("userAssignedIdentities", "operations"),
    "Microsoft.Compute": (
        "galleries",
        "galleries/images",
        "galleries/images/versions",
        "virtualMachines",
        "virtualMachineScaleSets",
        "disks",
        "snapshots",
        "images",
        "locations",
        "locations/operations",
        "locations/capsOperations",
        "locations/diskOperations",
    ),
    "Microsoft.Network": ("virtualNetworks", "networkInterfaces", "networkSecurityGroups"),
    "Microsoft.DesktopVirtualization": (
        "hostPools",
        "applicationGroups",
        "workspaces",
        "scalingPlans",
    ),
    "Microsoft.VirtualMachineImages": ("imageTemplates", "locations/operations"),
    "Microsoft.Storage": ("storageAccounts",),
    "Microsoft.KeyVault": ("vaults",),
}


def canonical_namespace(name: str) -> str | None:
    for namespace in NAMESPACES:
        if namespace.lower() == name.lower():
            return namespace
    return None
