"""The gallery resource provider's errors, with Azure's codes and texts.

Texts marked *documented* are quoted from Microsoft's troubleshooting page for shared images
(learn.microsoft.com/azure/virtual-machines/troubleshooting-shared-images), public logs of real
responses, or the REST reference; the others were chosen by us and are listed as such in
docs/emulator/compute-gallery.md. Nothing here decides when an error applies.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.errors import ArmError


def invalid_parameter(message: str, target: str | None = None) -> ArmError:
    return ArmError(400, "InvalidParameter", message, target=target)


# --- names (documented) ------------------------------------------------------------------------


def invalid_gallery_name() -> ArmError:
    return invalid_parameter(
        "Gallery name is invalid. Allowed characters are English alphanumeric characters, with "
        "underscores, and periods allowed in the middle, up to 80 characters total. All other "
        "special characters, including dashes, are disallowed.",
        "galleryName",
    )


def invalid_entity_name(name: str, target: str) -> ArmError:
    return invalid_parameter(
        f"The entity name '{name}' is invalid according to its validation rule: "
        r"^[^_\W][\w-._]{0,79}(?<![-.])$.",
        target,
    )


def invalid_version_name() -> ArmError:
    return invalid_parameter(
        "The image version name is invalid. The image version name should follow "
        "Major(int).Minor(int).Patch(int) format, where int is between 0 and 2,147,483,647 "
        "(inclusive). For e.g: 1.0.0, 2018.12.1 etc",
        "galleryImageVersionName",
    )


def invalid_identifier(field: str, max_length: int) -> ArmError:
    return invalid_parameter(
        f"Asset name galleryImage.properties.identifier.{field} is not valid. It cannot be "
        "empty. Allowed characters are uppercase or lowercase letters, digits, hyphen(-), "
        "period (.), underscore (_). Names are not allowed to end with period(.). The length "
        f"of the name cannot exceed {max_length} characters.",
        f"galleryImage.properties.identifier.{field}",
    )


# --- generic parameter problems -------------------------------------------------------------


def required(parameter: str) -> ArmError:
    """Documented form (``Required parameter 'osProfile' is missing (null).``)."""
    return invalid_parameter(f"Required parameter '{parameter}' is missing (null).", parameter)


def invalid_enum(value: Any, parameter: str, allowed: tuple[str, ...]) -> ArmError:
    return invalid_parameter(
        f"The value '{value}' of parameter '{parameter}' is not valid. Allowed values are: "
        f"{', '.join(allowed)}.",
        parameter,
    )


def invalid_date(value: Any, parameter: str) -> ArmError:
    return invalid_parameter(
        f"Could not convert string to DateTimeOffset: {value}. Path '{parameter}'", parameter
    )


def out_of_range(value: Any, parameter: str, low: int, high: int) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"The value {value} of parameter {parameter} is out of range. The value must be "
        f"between {low} and {high}, inclusive.",
        parameter,
    )


def end_of_life_in_past(parameter: str) -> ArmError:
    """Documented."""
    return invalid_parameter("EndOfLifeDate must be set to a future date.", parameter)


def property_change_not_allowed(prefix: str, prop: str) -> ArmError:
    """Documented: 409 ``PropertyChangeNotAllowed`` for immutable properties."""
    target = f"{prefix}.properties.{prop}"
    return ArmError(
        409,
        "PropertyChangeNotAllowed",
        f"Changing property '{target}' is not allowed.",
        target=target,
    )


# --- hierarchy (documented) -------------------------------------------------------------------


def parent_not_found(parent: str) -> ArmError:
    return ArmError(
        404,
        "ParentResourceNotFound",
        f"Can not perform requested operation on nested resource. Parent resource '{parent}' "
        "not found.",
    )


def nested_resources_exist() -> ArmError:
    return ArmError(
        409, "CannotDeleteResource", "Can not delete resource before nested resources are deleted."
    )


def gallery_name_not_unique(name: str, subscription_id: str) -> ArmError:
    return ArmError(
        409,
        "Conflict",
        f"The gallery name '{name}' is not unique within the subscription '{subscription_id}'. "
        "Please pick another gallery name.",
    )


def exists_in_other_location(name: str, location: str, group: str, wanted: str) -> ArmError:
    return ArmError(
        409,
        "InvalidResourceLocation",
        f"The resource '{name}' already exists in location '{location}' in resource group "
        f"'{group}'. A resource with the same name cannot be created in location '{wanted}'. "
        "Please select a new resource name.",
    )


def child_location_mismatch(kind: str, location: str, gallery_location: str) -> ArmError:
    """Chosen text."""
    return invalid_parameter(
        f"The location '{location}' of the {kind} must be the location '{gallery_location}' of "
        "its gallery.",
        "location",
    )


# --- image definitions ------------------------------------------------------------------------


def duplicate_identifier(name: str, publisher: str, offer: str, sku: str) -> ArmError:
    """Documented text; the code is ours."""
    return ArmError(
        409,
        "Conflict",
        f"Gallery image: {name} identified by (publisher:{publisher}, offer:{offer}, sku:{sku}) "
        "already exists. Choose a different publisher, offer, sku combination.",
    )


def security_type_needs_v2(value: str, generation: str) -> ArmError:
    """Chosen text."""
    return invalid_parameter(
        f"The gallery image feature 'SecurityType' with value '{value}' requires "
        f"hyperVGeneration 'V2', but the gallery image has hyperVGeneration '{generation}'.",
        "galleryImage.properties.features",
    )


# --- image versions ---------------------------------------------------------------------------


def source_not_found(source_id: str) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"Source {source_id} is not found. Please check source exists, and is in the same "
        "region as gallery image version being created.",
        "galleryImageVersion.properties.storageProfile.source.id",
    )


def disk_source_not_found(source_id: str) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"Source was not found: {source_id}. Please make sure the source exists.",
        "galleryImageVersion.properties.storageProfile",
    )


def source_choice() -> ArmError:
    """Documented."""
    return invalid_parameter(
        "The gallery artifact version source can only be specified either directly under "
        "storageProfile or within individual OS or data disks. One and only one source type "
        "(user image, snapshot, disk, virtual machine) can be provided.",
        "galleryImageVersion.properties.storageProfile",
    )


def not_an_image_source(source_id: str) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"The source id: {source_id} must either be a managed image, virtual machine or "
        "another gallery image version",
        "galleryImageVersion.properties.storageProfile.source.id",
    )


def not_a_disk_source(source_id: str) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"The source id: {source_id} must be a managed disk or snapshot.",
        "galleryImageVersion.properties.storageProfile",
    )


def invalid_resource_id(value: str, path: str) -> ArmError:
    """ARM's text for a malformed linked id (documented)."""
    return ArmError(
        400,
        "LinkedInvalidPropertyId",
        f"Property id '{value}' at path '{path}' is invalid. Expect fully qualified resource Id "
        "that start with '/subscriptions/{subscriptionId}' or "
        "'/providers/{resourceProviderNamespace}/'.",
    )


def duplicate_luns() -> ArmError:
    """Documented."""
    return invalid_parameter(
        "Duplicated lun numbers have been detected in the input data disks. Lun number must be "
        "unique for each data disk.",
        "galleryImageVersion.properties.storageProfile.dataDiskImages",
    )


def duplicate_disk_sources() -> ArmError:
    """Documented."""
    return invalid_parameter(
        "Duplicated source ids are found in the input disks. Source id should be unique for "
        "each disk.",
        "galleryImageVersion.properties.storageProfile",
    )


def os_state_mismatch(source_id: str, definition_state: str, source_state: str) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"Cannot create Gallery Image Version from: {source_id} since the OS State in the "
        f"parent gallery image ('{definition_state}') is not '{source_state}'.",
    )


def generation_mismatch(source_id: str, source_gen: str, definition_gen: str) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"The resource with id '{source_id}' has a different Hypervisor generation "
        f"['{source_gen}'] than the parent gallery image Hypervisor generation "
        f"['{definition_gen}']"
    )


def os_type_mismatch(source_id: str, source_type: str, definition_type: str) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"The resource with id '{source_id}' has a different OS type ['{source_type}'] than the "
        f"parent gallery image OS type generation ['{definition_type}']"
    )


def duplicate_regions() -> ArmError:
    """Documented."""
    return invalid_parameter(
        "Duplicate regions are not allowed in target publishing regions.",
        "galleryImageVersion.properties.publishingProfile.targetRegions",
    )


def regions_miss_source_region(regions: list[str], location: str) -> ArmError:
    """Documented."""
    return invalid_parameter(
        f"Gallery image version publishing profile regions {', '.join(regions)} must contain "
        f"the location of image version {location}",
        "galleryImageVersion.properties.publishingProfile.targetRegions",
    )


def replicated_region_removed(version: str) -> ArmError:
    """Documented (quoted in hashicorp/terraform-provider-azurerm#21999)."""
    return ArmError(
        400,
        "BadRequest",
        f"Complete set of target locations not specified while updating gallery artifact "
        f"'{version}' and type 'GalleryImageVersion'. Deletion of previously replicated "
        "locations is not allowed, and you need to specify a complete set of target locations "
        "in the update request or specify null or empty set for target regions in the update "
        "request or set allow deletion of replicated locations under safety profile property. "
        "To figure out complete set of target locations, you can perform a get first on "
        "gallery artifact",
    )


def deletion_blocked_before_end_of_life(version: str, end_of_life: str) -> ArmError:
    """Chosen text."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Gallery image version '{version}' cannot be deleted before its end of life date "
        f"'{end_of_life}' because safetyProfile.blockDeletionBeforeEndOfLife is true.",
    )


def no_latest_version(definition_id: str) -> ArmError:
    """Documented (what VM creation answers for 'latest' with nothing eligible)."""
    return invalid_parameter(f'There is no latest image version exists for "{definition_id}"')


def security_type_not_supported_for_source(security_type: str, source_id: str) -> ArmError:
    """Azure's text for a VM source of a TrustedLaunchSupported definition, seen in a public log
    (hashicorp/packer-plugin-azure#304, 2023); we apply it to every generic security type."""
    return invalid_parameter(
        f"The security type '{security_type}' is not supported for the source id "
        f"'{source_id}'. Currently only Vhd Blob, User Image and Gallery Image Version sources "
        f"are supported for '{security_type}' images."
    )


def source_lacks_security_type(source_id: str, security_type: str) -> ArmError:
    """Ours, in the form of Azure's text above: a managed image (which has no VM guest state)
    for a TrustedLaunch or ConfidentialVM definition."""
    return invalid_parameter(
        f"The security type '{security_type}' is not supported for the source id "
        f"'{source_id}'. Currently only Virtual Machine, Disk, Snapshot and Gallery Image "
        f"Version sources are supported for '{security_type}' images."
    )


def source_security_type_not_allowed(
    source_id: str, source_type: str, definition: str, definition_type: str
) -> ArmError:
    """Ours: a source with a VM guest state for a definition that cannot hold one."""
    return invalid_parameter(
        f"The source '{source_id}' has security type '{source_type}', which gallery image "
        f"'{definition}' with security type '{definition_type}' does not support. Use an image "
        f"definition with the feature 'SecurityType' set to '{source_type}'."
    )


def limit_reached(what: str, limit: int, subscription_id: str, region: str) -> ArmError:
    """Chosen text for the documented per-subscription, per-region limits."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Operation could not be completed as it results in exceeding the limit of {limit} "
        f"{what} per subscription per region (subscription '{subscription_id}', region "
        f"'{region}').",
    )


# --- sharing ----------------------------------------------------------------------------------


def sharing_needs_groups(gallery: str) -> ArmError:
    """Chosen text."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"Gallery '{gallery}' can be shared with subscriptions and tenants only when its "
        "sharingProfile.permissions is 'Groups'.",
    )


def sharing_limit(kind: str, limit: int, count: int) -> ArmError:
    """Chosen text for the documented limits (30 subscriptions, 5 tenants)."""
    return invalid_parameter(
        f"A gallery can be shared with at most {limit} {kind}; this update would share it "
        f"with {count}.",
        "sharingUpdate.groups",
    )


def permissions_change_while_shared(gallery: str) -> ArmError:
    """Chosen text."""
    return ArmError(
        409,
        "OperationNotAllowed",
        f"The sharing permissions of gallery '{gallery}' cannot change while it is shared. "
        "Reset its sharing profile first.",
    )


def community_info_required() -> ArmError:
    """Chosen text."""
    return invalid_parameter(
        "sharingProfile.communityGalleryInfo with publisherUri, publisherContact, eula and "
        "publicNamePrefix is required when permissions is 'Community'.",
        "gallery.properties.sharingProfile.communityGalleryInfo",
    )


def feature_not_implemented(feature: str) -> ArmError:
    """The uniform 501 for a part of an operation the emulator does not implement."""
    return ArmError(
        501,
        "NotImplemented",
        f"The goldfleet emulator does not implement {feature}. See "
        "docs/emulator/compute-gallery.md for what is implemented.",
    )
