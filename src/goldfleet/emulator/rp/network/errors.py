"""Microsoft.Network's errors, with Azure's codes and texts where public logs of real responses
show them (sources on docs/emulator/network.md); every one is a 400 unless said otherwise."""

from __future__ import annotations

from goldfleet.emulator.arm.errors import ArmError


def subnet_is_full(subnet_id: str, prefix: str, count: int = 1) -> ArmError:
    return ArmError(
        400,
        "SubnetIsFull",
        f"Subnet {subnet_id} with address prefix {prefix} does not have enough capacity for "
        f"{count} IP addresses.",
    )


def nic_in_use(nic_id: str, vm_id: str) -> ArmError:
    """Deleting a NIC that a VM still uses."""
    return ArmError(
        400,
        "NicInUse",
        f"Network Interface {nic_id} is used by existing resource {vm_id}. In order to delete "
        "the network interface, it must be dissociated from the resource. To learn more, see "
        "aka.ms/deletenic.",
    )


def nic_attached_elsewhere(nic_id: str, vm_id: str) -> ArmError:
    """Attaching a NIC that another VM already uses (the wording is ours, the code Azure's)."""
    return ArmError(
        400, "NicInUse", f"Network Interface {nic_id} is used by existing resource {vm_id}."
    )


def subnet_in_use(subnet_name: str, user_id: str) -> ArmError:
    return ArmError(
        400,
        "InUseSubnetCannotBeDeleted",
        f"Subnet {subnet_name} is in use by {user_id} and cannot be deleted. In order to delete "
        "the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.",
    )


def subnet_in_use_update(subnet_name: str) -> ArmError:
    return ArmError(
        400, "InUseSubnetCannotBeUpdated", f"Subnet {subnet_name} is in use and cannot be updated."
    )


def invalid_reference(referenced: str, referencing: str) -> ArmError:
    """A subnet that does not exist, or lies in another region than the NIC."""
    return ArmError(
        400,
        "InvalidResourceReference",
        f"Resource {referenced} referenced by resource {referencing} was not found. Please make "
        "sure that the referenced resource exists, and that both resources are in the same "
        "region.",
    )


def invalid_cidr(prefix: str, resource_id: str) -> ArmError:
    return ArmError(
        400,
        "InvalidCIDRNotation",
        f"The address prefix {prefix} in resource {resource_id} has an invalid CIDR notation. "
        "For the given prefix length, the address prefix should be a network address.",
    )


def subnet_outside_vnet(subnet: str, vnet: str) -> ArmError:
    return ArmError(
        400,
        "NetcfgSubnetRangeOutsideVnet",
        f"Subnet '{subnet}' is not valid because its IP address range is outside the IP "
        f"address range of virtual network '{vnet}'.",
    )


def subnets_overlap(subnet: str, vnet: str) -> ArmError:
    return ArmError(
        400,
        "NetcfgSubnetRangesOverlap",
        f"Subnet '{subnet}' is not valid because its IP address range overlaps with that of an "
        f"existing subnet in virtual network '{vnet}'.",
    )


def invalid_subnet(subnet: str, vnet: str) -> ArmError:
    return ArmError(
        400, "NetcfgInvalidSubnet", f"Subnet '{subnet}' is not valid in virtual network '{vnet}'."
    )


def private_ip_in_use(ipconfig_id: str, address: str, owner: str) -> ArmError:
    return ArmError(
        400,
        "PrivateIPAddressInUse",
        f"IP configuration {ipconfig_id} is using the private IP address {address} which is "
        f"already allocated to resource {owner}.",
    )


def private_ip_not_in_subnet(ipconfig_id: str, address: str, subnet_id: str) -> ArmError:
    return ArmError(
        400,
        "PrivateIPAddressNotInSubnet",
        f"IP configuration {ipconfig_id} is referencing the private IP address {address} which "
        f"is not in the range of subnet {subnet_id}.",
    )


def location_changed(name: str, existing: str, resource_group: str, requested: str) -> ArmError:
    return ArmError(
        400,
        "InvalidResourceLocation",
        f"The resource '{name}' already exists in location '{existing}' in resource group "
        f"'{resource_group}'. A resource with the same name cannot be created in location "
        f"'{requested}'. Please select a new resource name.",
    )


def bad_property(message: str) -> ArmError:
    return ArmError(400, "InvalidRequestFormat", message)


def not_found(resource_id: str) -> ArmError:
    """Network's 404 for a child resource (subnet) or a NIC looked up by id."""
    return ArmError(404, "NotFound", f"Resource {resource_id} not found.")
