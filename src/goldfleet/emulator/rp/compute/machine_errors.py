"""Every error the machine resources (disks, snapshots, managed images, VMs, run commands,
extensions) answer, with where its text comes from.

Texts marked *Azure* were seen in real responses (public logs, issues, Microsoft Learn); texts
marked *ours* are the emulator's where Azure's exact wording was not found (listed on
docs/emulator/compute-machines.md).
"""

from __future__ import annotations

from goldfleet.emulator.arm.errors import ArmError


def invalid_parameter(message: str, target: str | None = None) -> ArmError:
    return ArmError(400, "InvalidParameter", message, target=target)


def required(parameter: str) -> ArmError:
    """Azure: "Required parameter 'osProfile' is missing (null)." """
    return invalid_parameter(f"Required parameter '{parameter}' is missing (null).", parameter)


def not_allowed(parameter: str) -> ArmError:
    """Azure: "Parameter 'osProfile' is not allowed." (a specialized source)."""
    return invalid_parameter(f"Parameter '{parameter}' is not allowed.", parameter)


def invalid_value(parameter: str) -> ArmError:
    return invalid_parameter(f"The value of parameter {parameter} is invalid.", parameter)


def not_implemented(what: str) -> ArmError:
    """Ours: a feature of an implemented operation the emulator does not model."""
    return ArmError(
        501,
        "NotImplemented",
        f"The goldfleet emulator does not implement {what}. See docs/emulator/compute-machines.md.",
    )


def disk_attached(disk_name: str, vm_id: str) -> ArmError:
    """Azure (OperationNotAllowed, seen deleting an attached disk):
    "Disk mdb57dc956081 is attached to VM /subscriptions/.../virtualMachines/trb57dc95608." """
    return ArmError(409, "OperationNotAllowed", f"Disk {disk_name} is attached to VM {vm_id}.")


def disk_shrink(current: int, requested: int) -> ArmError:
    """Ours (Azure refuses shrinking; its exact text was not found)."""
    return ArmError(
        400,
        "BadRequest",
        f"Disk size reduction is not supported. Current size is {current} GB. "
        f"Requested size is {requested} GB.",
    )


def source_resource_not_found(source_id: str) -> ArmError:
    """Ours (the shape of ARM's linked-resource 404)."""
    return ArmError(
        404,
        "NotFound",
        f"Resource {source_id} is not found. Please check that the source exists and is in "
        "the same region as the resource being created.",
    )


def platform_image_not_found(urn: str) -> ArmError:
    """Azure: PlatformImageNotFound."""
    return ArmError(
        404,
        "PlatformImageNotFound",
        f"The platform image '{urn}' is not available. Verify that all fields in the storage "
        "profile are correct. For more details about storage profile information, please "
        "refer to https://aka.ms/storageprofile",
    )


def gallery_image_not_available(image_id: str, region: str) -> ArmError:
    """Azure's text (Microsoft Learn, troubleshooting shared images) and code (404
    ``GalleryImageNotFound`` in public logs: confidential-containers/cloud-api-adaptor#1709,
    Azure/AgentBaker#8239)."""
    return ArmError(
        404,
        "GalleryImageNotFound",
        f"The gallery image {image_id} is not available in {region} region. Please contact "
        "image owner to replicate to this region, or change your requested region.",
    )


def consumer_image_not_available(reference: str, region: str) -> ArmError:
    """A ``sharedGalleryImageId`` / ``communityGalleryImageId`` Compute cannot use in the region.
    A real answer for a community image (confidential-containers/cloud-api-adaptor#1709): 404
    ``GalleryImageNotFound``, target ``imageReference``, the message wrapped in quotes."""
    return ArmError(
        404,
        "GalleryImageNotFound",
        f'"The gallery image {reference} is not available in {region} region. Please contact '
        'image owner to replicate to this region, or change your requested region."',
        target="imageReference",
    )


def managed_image_not_found(image_id: str, region: str) -> ArmError:
    """Ours (the shape of Azure's "cannot be found in region" answers)."""
    return ArmError(
        404,
        "NotFound",
        f"The Image '{image_id}' cannot be found in '{region}' region.",
    )


def image_needs_generalized_vm(vm_name: str) -> ArmError:
    """Azure (OperationNotAllowed, azure_rm_image logs):
    "The operation 'Create Image' requires the Virtual Machine 'opstest' to be Generalized." """
    return ArmError(
        409,
        "OperationNotAllowed",
        f"The operation 'Create Image' requires the Virtual Machine '{vm_name}' to be Generalized.",
    )


def vm_generalized(operation: str, vm_name: str) -> ArmError:
    """Azure: "Operation 'Start VM' is not allowed on VM 'x' since the VM is generalized." """
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Operation '{operation}' is not allowed on VM '{vm_name}' since the VM is generalized.",
    )


def generalize_running(vm_name: str) -> ArmError:
    """Azure: "Operation 'generalize' is not allowed on VM 'myVM' since the VM is running." """
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Operation 'generalize' is not allowed on VM '{vm_name}' since the VM is running.",
    )


def guest_not_sysprepped(vm_name: str) -> ArmError:
    """Ours: Azure marks any stopped VM generalized (and the VM then fails to boot); the
    emulator refuses when the guest has not run sysprep /generalize."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Operation 'generalize' is not allowed on VM '{vm_name}' since its guest OS has not "
        "been generalized with Sysprep (sysprep /generalize).",
    )


def vm_not_running(vm_name: str) -> ArmError:
    """Azure (run commands and extensions on a VM that is stopped or deallocated)."""
    return ArmError(
        409,
        "OperationNotAllowed",
        "The operation requires the VM to be running (or set to run).",
        target=vm_name,
    )


def restart_not_running(vm_name: str) -> ArmError:
    """Ours."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Operation 'Restart VM' is not allowed on VM '{vm_name}' since the VM is not running.",
    )


def size_not_available(size: str, region: str) -> ArmError:
    """Azure's code; the text is ours."""
    return ArmError(
        409,
        "SkuNotAvailable",
        f"The requested VM size '{size}' is not available in location '{region}'.",
    )


def size_cannot_boot(size: str, generation: str) -> ArmError:
    """Azure (BadRequest) when the image's Hyper-V generation does not fit the size."""
    number = generation.removeprefix("V")
    return ArmError(
        400,
        "BadRequest",
        f"The selected VM size '{size}' cannot boot Hypervisor Generation '{number}'. If this "
        "was a Create operation please check that the Hypervisor Generation of the Image "
        "matches the Hypervisor Generation of the selected VM Size. If this was an Update "
        f"operation please select a Hypervisor Generation '{number}' VM Size.",
    )


def trusted_launch_needs_gen2(image_id: str) -> ArmError:
    """Azure's text since November 2023 for an image that does not support Trusted Launch (the
    table in Azure/azure-cli#28005, which shows the name in curly quotes); the code is ours."""
    return ArmError(
        400,
        "BadRequest",
        f"Use of TrustedLaunch setting is not supported for the provided image \u201c{image_id}"
        "\u201d. Please select Trusted Launch Supported Gen2 OS Image. For more information, see "
        "https://aka.ms/TrustedLaunch-FAQ",
    )


def size_no_trusted_launch(size: str) -> ArmError:
    """Azure's text since November 2023 (Azure/azure-cli#28005); the code is ours."""
    return ArmError(
        400,
        "BadRequest",
        f"The VM size '{size}' is not supported for creation of VMs and Virtual Machine Scale "
        "Set with 'TrustedLaunch' security type. For more information, see "
        "https://aka.ms/TrustedLaunch-FAQ",
    )


def image_needs_trusted_launch() -> ArmError:
    """Azure (400 BadRequest) for a VM or scale set that is not Trusted Launch made from a gallery
    image whose definition is (kubermatic/machine-controller#2013, microsoft/STL#3159)."""
    return ArmError(
        400,
        "BadRequest",
        "The provided gallery image only supports creation of VMs and VM Scale Sets with "
        "'TrustedLaunch' security type.",
    )


def managed_image_of_trusted_launch_vm() -> ArmError:
    """Azure (OperationNotAllowed, in public logs: hashicorp/packer#13189,
    taskcluster/community-tc-config#936); the status 409 is ours, as for the other
    OperationNotAllowed answers of Compute."""
    return ArmError(
        409,
        "OperationNotAllowed",
        "Creation of managed images are not supported for virtual machine with TrustedLaunch "
        "security type.",
    )


def nic_not_found(nic_id: str) -> ArmError:
    """Ours (the shape of ARM's InvalidResourceReference)."""
    return ArmError(
        400,
        "InvalidResourceReference",
        f"Resource {nic_id} referenced by the virtual machine was not found. Please make sure "
        "that the referenced resource exists, and that both resources are in the same region.",
    )


def os_disk_smaller_than_image(requested: int, image: int) -> ArmError:
    """Azure's text."""
    return ArmError(
        400,
        "ResourceDiskSizeLessThanImageSize",
        f"The specified disk size {requested} GB is smaller than the size of the corresponding "
        f"disk in the VM image: {image} GB. This is not allowed. Please choose equal or greater "
        "size or do not specify a value.",
        target="osDisk.diskSizeGB",
    )


def run_command_script_uri(uri: str) -> str:
    """Ours: the execution error of a run command whose script lives at a URI."""
    return (
        f"The goldfleet emulator cannot download scripts; '{uri}' was not fetched. Use "
        "source.script (inline) instead."
    )
