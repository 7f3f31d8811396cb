"""What Image Builder checks when an image template is submitted, before anything is created.

``check_template`` turns a PUT body into the template's stored spec (fields as Azure answers
them, defaults filled in: ``runElevated``/``runAsSystem`` on PowerShell customizers) or raises
400 ``ValidationFailed`` naming the field. Checks that need other resources (the source image,
the staging resource group) happen while the template provisions (backend.py), as in Azure,
where they end in ``provisioningState: Failed`` with a ``provisioningError``. No HTTP here.
"""

from __future__ import annotations

import re
from typing import Any

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.ids import parent_and_type
from goldfleet.emulator.rp.imagebuilder.errors import validation_failed, validation_problem
from goldfleet.emulator.world import Subscription, World

DEFAULT_TIMEOUT_MINUTES = 240
MAX_TIMEOUT_MINUTES = 960
SOURCE_TYPES = ("PlatformImage", "ManagedImage", "SharedImageVersion")
CUSTOMIZER_TYPES = ("PowerShell", "Shell", "File", "WindowsRestart", "WindowsUpdate")
VALIDATOR_TYPES = ("PowerShell", "Shell", "File")
DISTRIBUTOR_TYPES = ("ManagedImage", "SharedImage", "VHD")
ON_ERROR = ("cleanup", "abort")
STORAGE_TYPES = ("Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS")
_RUN_OUTPUT_NAME = re.compile(r"^[A-Za-z0-9\-_.]{1,64}$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
MANAGED_IMAGE = "microsoft.compute/images"
GALLERY_IMAGE = "microsoft.compute/galleries/images"
GALLERY_VERSION = "microsoft.compute/galleries/images/versions"
IDENTITY = "microsoft.managedidentity/userassignedidentities"
SUBNET = "microsoft.network/virtualnetworks/subnets"


def effective_timeout_minutes(properties: dict[str, Any]) -> int:
    value = int(properties.get("buildTimeoutInMinutes") or 0)
    return value or DEFAULT_TIMEOUT_MINUTES


def resource_type_of(value: Any) -> str | None:
    """The lower-case ARM type of a resource id, or None if ``value`` is not one."""
    if not isinstance(value, str) or not value.lower().startswith("/subscriptions/"):
        return None
    parts = [p for p in value.split("/") if p]
    if len(parts) < 8 or parts[2].lower() != "resourcegroups" or parts[4].lower() != "providers":
        return None
    return parent_and_type(value)[1].lower()


def check_template(world: World, sub: Subscription, body: dict[str, Any]) -> dict[str, Any]:
    """The validated spec of a submitted template: ``identity`` and ``properties``."""
    props = body.get("properties")
    if not isinstance(props, dict):
        raise validation_problem("properties", "The template has no properties.")
    out: dict[str, Any] = {
        "source": _source(props.get("source")),
        "customize": [
            _customizer(c, i, "customize", CUSTOMIZER_TYPES)
            for i, c in enumerate(_list(props, "customize"))
        ],
        "distribute": _distributors(props.get("distribute")),
    }
    validate = props.get("validate")
    if validate is not None:
        out["validate"] = _validate(validate, bool(out["customize"]))
    timeout = props.get("buildTimeoutInMinutes", 0)
    if (
        not isinstance(timeout, int)
        or isinstance(timeout, bool)
        or not 0 <= timeout <= MAX_TIMEOUT_MINUTES
    ):
        raise validation_failed("buildTimeoutInMinutes", "buildTimeoutInMinutes", timeout)
    out["buildTimeoutInMinutes"] = timeout
    out["vmProfile"] = check_vm_profile(props.get("vmProfile"))
    staging = props.get("stagingResourceGroup")
    if staging:
        out["stagingResourceGroup"] = _staging_group(sub, staging)
    handling = props.get("errorHandling")
    if handling is not None:
        out["errorHandling"] = _error_handling(handling)
    for key in ("optimize", "autoRun", "managedResourceTags"):
        if props.get(key) is not None:
            if not isinstance(props[key], dict):
                raise validation_failed(key, key, props[key])
            out[key] = props[key]
    state = (out.get("autoRun") or {}).get("state", "Disabled")
    if state not in ("Enabled", "Disabled"):
        raise validation_failed("autoRun", "state", state)
    return {"identity": check_identity(world, body.get("identity")), "properties": out}


def check_identity(world: World, identity: Any) -> dict[str, Any]:
    """One user-assigned identity that exists; its principal and client ids filled in."""
    if not isinstance(identity, dict) or identity.get("type") != "UserAssigned":
        raise validation_problem(
            "identity",
            "A user-assigned managed identity is required: set identity.type to 'UserAssigned' "
            "with exactly one identity in identity.userAssignedIdentities.",
        )
    given = identity.get("userAssignedIdentities")
    if not isinstance(given, dict) or len(given) != 1:
        raise validation_problem(
            "identity.userAssignedIdentities",
            "Exactly one user-assigned identity must be given.",
        )
    (identity_id,) = given
    if resource_type_of(identity_id) != IDENTITY:
        raise validation_failed("identity", "userAssignedIdentities", identity_id)
    found = world.store.get(identity_id)
    if found is None:
        raise ArmError(
            400,
            "InvalidIdentity",
            f"The user-assigned identity '{identity_id}' was not found.",
        )
    found_props = found.body.get("properties") or {}
    return {
        "type": "UserAssigned",
        "userAssignedIdentities": {
            identity_id: {
                "principalId": found_props.get("principalId"),
                "clientId": found_props.get("clientId"),
            }
        },
    }


def _list(props: dict[str, Any], key: str) -> list[Any]:
    value = props.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise validation_failed(key, key, value)
    return value


def _text(item: dict[str, Any], key: str, path: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise validation_failed(path, key, value if value is not None else "")
    return value


def _source(source: Any) -> dict[str, Any]:
    if not isinstance(source, dict):
        raise validation_problem("properties.source", "The template has no source.")
    kind = source.get("type")
    if kind not in SOURCE_TYPES:
        raise validation_failed("source", "type", kind)
    out: dict[str, Any] = {"type": kind}
    if kind == "PlatformImage":
        for key in ("publisher", "offer", "sku", "version"):
            out[key] = _text(source, key, "source")
        if source.get("planInfo") is not None:
            out["planInfo"] = source["planInfo"]
    elif kind == "ManagedImage":
        out["imageId"] = _text(source, "imageId", "source")
        if resource_type_of(out["imageId"]) != MANAGED_IMAGE:
            raise validation_failed("source", "imageId", out["imageId"])
    else:
        out["imageVersionId"] = _text(source, "imageVersionId", "source")
        if resource_type_of(out["imageVersionId"]) not in (GALLERY_VERSION, GALLERY_IMAGE):
            raise validation_failed("source", "imageVersionId", out["imageVersionId"])
    return out


def _script_fields(item: dict[str, Any], out: dict[str, Any], path: str) -> None:
    inline, uri = item.get("inline"), item.get("scriptUri")
    if bool(inline) == bool(uri):
        raise validation_problem(
            path, "Exactly one of 'scriptUri' and 'inline' must be given for this customizer."
        )
    if inline:
        if not isinstance(inline, list) or not all(isinstance(x, str) for x in inline):
            raise validation_failed(path, "inline", inline)
        out["inline"] = list(inline)
    else:
        out["scriptUri"] = _text(item, "scriptUri", path)
    _checksum(item, out, path)


def _checksum(item: dict[str, Any], out: dict[str, Any], path: str) -> None:
    checksum = item.get("sha256Checksum")
    if checksum:
        if not isinstance(checksum, str) or not _SHA256.match(checksum):
            raise validation_failed(path, "sha256Checksum", checksum)
        out["sha256Checksum"] = checksum.lower()


def _customizer(item: Any, index: int, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    path = f"{where}[{index}]"
    if not isinstance(item, dict):
        raise validation_failed(where, "type", item)
    kind = item.get("type")
    if kind not in allowed:
        raise validation_failed(path, "type", kind)
    out: dict[str, Any] = {"type": kind}
    if item.get("name") is not None:
        out["name"] = str(item["name"])
    if kind in ("PowerShell", "Shell"):
        _script_fields(item, out, path)
    if kind == "PowerShell":
        elevated, system = item.get("runElevated", False), item.get("runAsSystem", False)
        if not isinstance(elevated, bool) or not isinstance(system, bool):
            raise validation_failed(path, "runElevated", elevated)
        if system and not elevated:
            raise validation_problem(path, "'runAsSystem' can only be true when 'runElevated' is.")
        out.update(runAsSystem=system, runElevated=elevated)
        codes = item.get("validExitCodes")
        if codes is not None:
            if not isinstance(codes, list) or not all(
                isinstance(c, int) and not isinstance(c, bool) for c in codes
            ):
                raise validation_failed(path, "validExitCodes", codes)
            out["validExitCodes"] = list(codes)
    elif kind == "File":
        out["sourceUri"] = _text(item, "sourceUri", path)
        out["destination"] = _text(item, "destination", path)
        _checksum(item, out, path)
    elif kind == "WindowsRestart":
        for key in ("restartCommand", "restartCheckCommand", "restartTimeout"):
            if item.get(key) is not None:
                out[key] = str(item[key])
        if out.get("restartTimeout") and not re.match(r"^\d+[smh]$", out["restartTimeout"]):
            raise validation_failed(path, "restartTimeout", out["restartTimeout"])
    elif kind == "WindowsUpdate":
        if item.get("searchCriteria") is not None:
            out["searchCriteria"] = str(item["searchCriteria"])
        filters = item.get("filters")
        if filters is not None:
            if not isinstance(filters, list) or not all(isinstance(f, str) for f in filters):
                raise validation_failed(path, "filters", filters)
            out["filters"] = list(filters)
        limit = item.get("updateLimit")
        if limit is not None:
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
                raise validation_failed(path, "updateLimit", limit)
            out["updateLimit"] = limit
    return out


def _validate(validate: Any, has_customizers: bool) -> dict[str, Any]:
    if not isinstance(validate, dict):
        raise validation_failed("validate", "validate", validate)
    out: dict[str, Any] = {
        "continueDistributeOnFailure": bool(validate.get("continueDistributeOnFailure", False)),
        "sourceValidationOnly": bool(validate.get("sourceValidationOnly", False)),
        "inVMValidations": [
            _customizer(v, i, "validate.inVMValidations", VALIDATOR_TYPES)
            for i, v in enumerate(_list(validate, "inVMValidations"))
        ],
    }
    if out["sourceValidationOnly"] and has_customizers:
        raise validation_problem(
            "properties.validate",
            "'sourceValidationOnly' cannot be set when the template has customizations.",
        )
    return out


def check_distributors(value: Any) -> list[dict[str, Any]]:
    return _distributors(value)


def _distributors(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise validation_problem(
            "properties.distribute", "At least one distribution target is required."
        )
    out = []
    names: set[str] = set()
    for i, item in enumerate(value):
        path = f"distribute[{i}]"
        if not isinstance(item, dict) or item.get("type") not in DISTRIBUTOR_TYPES:
            raise validation_failed(
                path, "type", item.get("type") if isinstance(item, dict) else item
            )
        name = _text(item, "runOutputName", path)
        if not _RUN_OUTPUT_NAME.match(name) or name.lower() in names:
            raise validation_failed(path, "runOutputName", name)
        names.add(name.lower())
        entry: dict[str, Any] = {"type": item["type"], "runOutputName": name}
        tags = item.get("artifactTags")
        if tags is not None:
            if not isinstance(tags, dict):
                raise validation_failed(path, "artifactTags", tags)
            entry["artifactTags"] = {str(k): str(v) for k, v in tags.items()}
        if item["type"] == "ManagedImage":
            entry["imageId"] = _text(item, "imageId", path)
            if resource_type_of(entry["imageId"]) != MANAGED_IMAGE:
                raise validation_failed(path, "imageId", entry["imageId"])
            entry["location"] = _text(item, "location", path)
        elif item["type"] == "SharedImage":
            _shared_image(item, entry, path)
        elif item.get("uri") is not None:
            entry["uri"] = str(item["uri"])
        out.append(entry)
    return out


def _shared_image(item: dict[str, Any], entry: dict[str, Any], path: str) -> None:
    entry["galleryImageId"] = _text(item, "galleryImageId", path)
    if resource_type_of(entry["galleryImageId"]) not in (GALLERY_IMAGE, GALLERY_VERSION):
        raise validation_failed(path, "galleryImageId", entry["galleryImageId"])
    targets = item.get("targetRegions")
    if targets is None and item.get("replicationRegions"):
        targets = [{"name": r} for r in item["replicationRegions"]]
    if targets is not None:
        if not isinstance(targets, list) or not all(
            isinstance(t, dict) and isinstance(t.get("name"), str) for t in targets
        ):
            raise validation_failed(path, "targetRegions", targets)
        checked = []
        for target in targets:
            count = target.get("replicaCount", 1)
            kind = target.get("storageAccountType", item.get("storageAccountType", "Standard_LRS"))
            if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100:
                raise validation_failed(path, "replicaCount", count)
            if kind not in STORAGE_TYPES:
                raise validation_failed(path, "storageAccountType", kind)
            checked.append(
                {"name": target["name"], "replicaCount": count, "storageAccountType": kind}
            )
        entry["targetRegions"] = checked
    versioning = item.get("versioning")
    if versioning is not None:
        scheme = versioning.get("scheme") if isinstance(versioning, dict) else None
        if scheme not in ("Latest", "Source"):
            raise validation_failed(path, "versioning", versioning)
        if resource_type_of(entry["galleryImageId"]) == GALLERY_VERSION:
            raise validation_problem(
                path, "'versioning' cannot be used with a galleryImageId that names a version."
            )
        entry["versioning"] = dict(versioning)
    for key in ("excludeFromLatest",):
        if item.get(key) is not None:
            entry[key] = bool(item[key])
    if item.get("replicationMode") is not None:
        if item["replicationMode"] not in ("Full", "Shallow"):
            raise validation_failed(path, "replicationMode", item["replicationMode"])
        entry["replicationMode"] = item["replicationMode"]


def check_vm_profile(profile: Any) -> dict[str, Any]:
    if profile is None:
        return {"vmSize": "", "osDiskSizeGB": 0}
    if not isinstance(profile, dict):
        raise validation_failed("vmProfile", "vmProfile", profile)
    size = profile.get("vmSize", "")
    disk = profile.get("osDiskSizeGB", 0)
    if not isinstance(size, str):
        raise validation_failed("vmProfile", "vmSize", size)
    if not isinstance(disk, int) or isinstance(disk, bool) or not 0 <= disk <= 4095:
        raise validation_failed("vmProfile", "osDiskSizeGB", disk)
    out: dict[str, Any] = {"vmSize": size, "osDiskSizeGB": disk}
    vnet = profile.get("vnetConfig")
    if vnet is not None:
        if not isinstance(vnet, dict) or resource_type_of(vnet.get("subnetId")) != SUBNET:
            raise validation_failed(
                "vmProfile.vnetConfig",
                "subnetId",
                vnet.get("subnetId") if isinstance(vnet, dict) else vnet,
            )
        out["vnetConfig"] = {k: v for k, v in vnet.items() if v is not None}
    identities = profile.get("userAssignedIdentities")
    if identities is not None:
        if not isinstance(identities, list) or any(
            resource_type_of(i) != IDENTITY for i in identities
        ):
            raise validation_failed("vmProfile", "userAssignedIdentities", identities)
        out["userAssignedIdentities"] = list(identities)
    return out


def _staging_group(sub: Subscription, value: Any) -> str:
    parts = [p for p in str(value).split("/") if p]
    if (
        len(parts) != 4
        or parts[0].lower() != "subscriptions"
        or parts[1].lower() != sub.subscription_id.lower()
        or parts[2].lower() != "resourcegroups"
    ):
        raise validation_failed("stagingResourceGroup", "stagingResourceGroup", value)
    return f"/subscriptions/{sub.subscription_id}/resourceGroups/{parts[3]}"


def _error_handling(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise validation_failed("errorHandling", "errorHandling", value)
    out = {}
    for key in ("onCustomizerError", "onValidationError"):
        choice = value.get(key, "cleanup")
        if choice not in ON_ERROR:
            raise validation_failed("errorHandling", key, choice)
        out[key] = choice
    return out
