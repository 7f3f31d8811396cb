"""The Distributing phase of a build: the customized guest contents become artifacts.

The build's OS disk is captured as a managed image in the staging resource group (one per
region a gallery needs), then each ``distribute`` target gets its artifact: ``ManagedImage``
creates the ``Microsoft.Compute/images`` resource at ``imageId``; ``SharedImage`` creates a gallery
image version through Compute's own gallery backend (``version_backend.put_version``, so the
real replication model runs), named explicitly, by ``versioning`` (``Latest`` with ``major``,
``Source``) or by date; ``VHD`` produces a SAS-like blob URI. Every artifact carries the guest
contents and becomes a run output. No HTTP, no scheduling here.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import GuestContents, copy_contents, put_contents
from goldfleet.emulator.rp.compute.galleries import version_backend
from goldfleet.emulator.rp.compute.naming import VERSION, version_key
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.imagebuilder.errors import RUN_OUTPUT
from goldfleet.emulator.rp.imagebuilder.templates import GALLERY_VERSION, resource_type_of
from goldfleet.emulator.rp.resources.catalog import normalise_location
from goldfleet.emulator.world import World

IMAGE = "Microsoft.Compute/images"


def _allow_linked(_resource_id: str, _action: str) -> None:
    """Image Builder reads the staging image with its own identity: no linked check."""


def capture(
    world: World, item: StoredResource, run: dict[str, Any], contents: GuestContents, region: str
) -> str:
    """The staging managed image of this build in ``region`` (created once per run)."""
    staging = item.meta["stagingGroup"]
    name = f"aib-{run['runId'][:8]}-{region}"
    image_id = f"{staging}/providers/{IMAGE}/{name}"
    if world.store.get(image_id) is None:
        world.store.put(
            _image_body(image_id, name, region, run, {"createdBy": "AzureVMImageBuilder"})
        )
        put_contents(world, image_id, contents)
        run["resources"].append(image_id)
    return image_id


def _image_body(
    image_id: str, name: str, region: str, run: dict[str, Any], tags: dict[str, str]
) -> dict[str, Any]:
    return {
        "id": image_id,
        "name": name,
        "type": IMAGE,
        "location": region,
        "tags": tags,
        "properties": {
            "hyperVGeneration": run["generation"],
            "storageProfile": {
                "osDisk": {
                    "osType": run["osType"],
                    "osState": "Generalized",
                    "diskSizeGB": run["osDiskSizeGB"],
                    "caching": "ReadWrite",
                    "storageAccountType": "Standard_LRS",
                },
                "dataDisks": [],
                "zoneResilient": False,
            },
            "provisioningState": "Succeeded",
        },
    }


def run_output(world: World, item: StoredResource, name: str, props: dict[str, Any]) -> None:
    world.store.put(
        {
            "id": f"{item.id}/runOutputs/{name}",
            "name": name,
            "type": RUN_OUTPUT,
            "properties": props,
        }
    )


def distribute_one(
    world: World,
    item: StoredResource,
    run: dict[str, Any],
    target: dict[str, Any],
    contents: GuestContents,
) -> str | None:
    """Create ``target``'s artifact; returns a gallery version id to wait for, or None.
    Raises ArmError when the artifact cannot be made."""
    kind = target["type"]
    log_uri = run["logUri"]
    if kind == "ManagedImage":
        region = normalise_location(target["location"])
        image_id = target["imageId"]
        group_id = "/".join(image_id.split("/")[:5])
        if world.store.get(group_id) is None:
            raise ArmError(
                404,
                "ResourceGroupNotFound",
                f"Resource group '{image_id.split('/')[4]}' could not be found.",
            )
        world.store.put(
            _image_body(
                image_id, image_id.rsplit("/", 1)[-1], region, run, target.get("artifactTags") or {}
            )
        )
        put_contents(world, image_id, contents)
        run_output(
            world, item, target["runOutputName"], _output(image_id, None, "Succeeded", log_uri)
        )
        return None
    if kind == "VHD":
        account = item.meta["storageAccount"]
        start = world.now_dt()
        signature = base64.urlsafe_b64encode(world.rng.randbytes(24)).decode().rstrip("=")
        path = target.get("uri") or (
            f"https://{account}.blob.core.windows.net/vhds/{item.body['name']}-{run['runId']}.vhd"
        )
        uri = (
            f"{path.split('?')[0]}?sp=r&st={iso(start)}&se={iso(start + timedelta(days=7))}"
            f"&spr=https&sv=2022-11-02&sr=b&sig={signature}"
        )
        put_contents(world, path.split("?")[0], contents)
        run_output(world, item, target["runOutputName"], _output(None, uri, "Succeeded", log_uri))
        return None
    return _shared_image(world, item, run, target, contents)


def _output(artifact_id: str | None, uri: str | None, state: str, log_uri: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if artifact_id:
        props["artifactId"] = artifact_id
    if uri:
        props["artifactUri"] = uri
    props["provisioningState"] = state
    props["customizationLogUri"] = log_uri
    return props


def _shared_image(
    world: World,
    item: StoredResource,
    run: dict[str, Any],
    target: dict[str, Any],
    contents: GuestContents,
) -> str:
    given = target["galleryImageId"]
    explicit = resource_type_of(given) == GALLERY_VERSION
    definition_id = given.rsplit("/versions/", 1)[0] if explicit else given
    parts = [p for p in definition_id.split("/") if p]
    sub = world.subscription(parts[1])
    definition = world.store.get(definition_id)
    if sub is None or definition is None:
        raise ArmError(
            404,
            "ParentResourceNotFound",
            f"Can not perform requested operation on nested resource. Parent resource "
            f"'{parts[-3]}/{parts[-1]}' not found.",
        )
    name = given.rsplit("/", 1)[-1] if explicit else _version_name(world, definition, target, run)
    region = str(definition.body["location"])
    source_image = capture(world, item, run, contents, region)
    targets = target.get("targetRegions") or [{"name": region, "replicaCount": 1}]
    publishing: dict[str, Any] = {
        "targetRegions": [
            {
                "name": t["name"],
                "regionalReplicaCount": t.get("replicaCount", 1),
                "storageAccountType": t.get("storageAccountType", "Standard_LRS"),
            }
            for t in targets
        ],
        "excludeFromLatest": bool(target.get("excludeFromLatest", False)),
    }
    if target.get("replicationMode"):
        publishing["replicationMode"] = target["replicationMode"]
    body = {
        "location": region,
        "tags": target.get("artifactTags") or {},
        "properties": {
            "publishingProfile": publishing,
            "storageProfile": {"source": {"id": source_image}},
        },
    }
    identity: dict[str, Any] = next(
        iter((item.body.get("identity") or {}).get("userAssignedIdentities", {}).values()), {}
    )
    caller = Caller(
        sub.tenant_id, str(identity.get("principalId") or ""), str(identity.get("clientId") or "")
    )
    version, _op, _created = version_backend.put_version(
        world,
        sub,
        (parts[3], parts[7], parts[9], name),
        body,
        caller,
        _allow_linked,
        check_security=False,
    )
    copy_contents(world, source_image, version.id)
    run_output(
        world, item, target["runOutputName"], _output(version.id, None, "Creating", run["logUri"])
    )
    return version.id


def _version_name(
    world: World, definition: StoredResource, target: dict[str, Any], run: dict[str, Any]
) -> str:
    versioning = target.get("versioning") or {}
    existing = [
        key
        for v in world.store.children(definition.id, VERSION)
        if (key := version_key(v.body["name"])) is not None
    ]
    if versioning.get("scheme") == "Source":
        if not run.get("sourceVersion") or version_key(run["sourceVersion"]) is None:
            raise ArmError(
                400,
                "InvalidParameter",
                "The 'Source' versioning scheme needs a PlatformImage or SharedImageVersion source "
                "whose version is Major.Minor.Patch.",
            )
        return str(run["sourceVersion"])
    if versioning.get("scheme") == "Latest":
        major = versioning.get("major")
        if isinstance(major, int) and major >= 0:
            same = [k for k in existing if k[0] == major]
            if not same:
                return f"{major}.0.0"
            top = max(same)
        elif existing:
            top = max(existing)
        else:
            return "0.0.1"
        return f"{top[0]}.{top[1]}.{top[2] + 1}"
    now = world.now_dt()
    seconds = now.hour * 3600 + now.minute * 60 + now.second
    name = f"0.{now.strftime('%y')}{now.timetuple().tm_yday:03d}.{seconds}"
    while version_key(name) in existing:
        major, minor, patch = name.split(".")
        name = f"{major}.{minor}.{int(patch) + 1}"
    return name
