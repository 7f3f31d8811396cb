"""Image templates: submission, provisioning, updates and deletion, the way Image Builder does them.

A PUT validates the template (templates.py) and answers 201 ``Creating``; a scheduled
``imagebuilder.provision`` event then checks the source and the staging resource group and makes
the template ``Succeeded`` - or ``Failed`` with a ``provisioningError`` (``BadManagedImageSource``,
``BadStagingResourceGroup``...), after which only a DELETE helps, as in Azure. Provisioning creates
(or adopts, when it exists and is empty) the staging resource group, tags it, and creates the
storage account that keeps the customization logs. A PUT that would change an existing template
is refused with Azure's ``Update/Upgrade of image templates is currently not supported`` (409);
PATCH changes tags, identity, ``vmProfile`` and ``distribute``. Deleting a template deletes its
run outputs and what it created in the staging group, and the group itself if Image Builder made
it. Long-running operations use ``.../locations/{loc}/operations/{id}``. No HTTP here.
"""

from __future__ import annotations

import copy
import string
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.imagebuilder import errors, templates
from goldfleet.emulator.rp.imagebuilder.errors import NAMESPACE, RUN_OUTPUT, TEMPLATE
from goldfleet.emulator.rp.imagebuilder.sources import SourceProblem, resolve_source
from goldfleet.emulator.rp.resources import backend as resources
from goldfleet.emulator.world import Subscription, World

PROVISION_EVENT = "imagebuilder.provision"
DELETE_EVENT = "imagebuilder.delete"
PROVISION_SECONDS = 20.0
DELETE_SECONDS = 30.0
STATUS_KIND = "operations"
STORAGE_ACCOUNT = "Microsoft.Storage/storageAccounts"


def template_id(subscription_id: str, group: str, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{TEMPLATE}/{name}"


def get_template(world: World, subscription_id: str, group: str, name: str) -> StoredResource:
    resources.get_group(world, subscription_id, group)
    item = world.store.get(template_id(subscription_id, group, name))
    if item is None:
        raise errors.template_not_found(name, group)
    return item


def view(item: StoredResource) -> dict[str, Any]:
    return copy.deepcopy(item.body)


def templates_under(world: World, scope: str) -> list[StoredResource]:
    return [
        r
        for r in world.store.under(scope)
        if str(r.body.get("type", "")).lower() == TEMPLATE.lower()
    ]


def begin_operation(
    world: World, item: StoredResource, tenant_id: str, principal: str
) -> Operation:
    return world.operations.add(
        Operation(
            id=world.new_uuid(),
            subscription_id=item.id.split("/")[2],
            tenant_id=tenant_id,
            principal=principal,
            namespace=NAMESPACE,
            location=str(item.body["location"]),
            status_kind=STATUS_KIND,
            result_kind=STATUS_KIND,
            start=world.now(),
            resource_id=item.id,
        )
    )


def _system_data(world: World, body: dict[str, Any], app_id: str) -> None:
    now = iso(world.now_dt())
    data = body.setdefault("systemData", {})
    if "createdAt" not in data:
        data.update(createdBy=app_id, createdByType="Application", createdAt=now)
    data.update(lastModifiedBy=app_id, lastModifiedByType="Application", lastModifiedAt=now)


def put_template(
    world: World,
    sub: Subscription,
    group: str,
    name: str,
    body: dict[str, Any],
    caller: tuple[str, str, str],
) -> tuple[StoredResource, Operation | None, bool]:
    """VirtualMachineImageTemplates_CreateOrUpdate: the template, its operation (None when an
    unchanged PUT only changed tags), and whether it was created."""
    tenant_id, object_id, app_id = caller
    rg = resources.get_group(world, sub.subscription_id, group)
    location = body.get("location")
    if not isinstance(location, str) or not location:
        raise errors.validation_problem("location", "The location of the template is required.")
    location = resources.check_location(sub, location, TEMPLATE)
    spec = templates.check_template(world, sub, body)
    tags = body.get("tags") or {}
    existing = world.store.get(template_id(sub.subscription_id, group, name))
    if existing is not None:
        if existing.meta.get("spec") != spec["properties"] or location != existing.body["location"]:
            raise errors.update_not_supported()
        existing.body["tags"] = tags
        existing.body["identity"] = spec["identity"]
        _system_data(world, existing.body, app_id)
        return existing, None, False
    properties = copy.deepcopy(spec["properties"])
    properties["provisioningState"] = "Creating"
    item = world.store.put(
        {
            "id": template_id(sub.subscription_id, rg.body["name"], name),
            "name": name,
            "type": TEMPLATE,
            "location": location,
            "tags": tags,
            "identity": spec["identity"],
            "properties": properties,
        },
        {"spec": spec["properties"], "generation": 1},
    )
    _system_data(world, item.body, app_id)
    op = begin_operation(world, item, tenant_id, object_id)
    item.meta["pendingOps"] = [op.id]
    world.scheduler.at(world.now() + PROVISION_SECONDS, PROVISION_EVENT, {"id": item.id, "gen": 1})
    return item, op, True


def provision(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: the template's source and staging group are checked and prepared."""
    item = world.store.get(args["id"])
    if item is None or item.meta.get("generation") != args.get("gen"):
        return
    props = item.body["properties"]
    try:
        resolved = resolve_source(world, props["source"], str(item.body["location"]))
        if resolved.exact_version and props["source"]["type"] != "ManagedImage":
            props["source"]["exactVersion"] = resolved.exact_version
        _prepare_staging(world, item)
    except SourceProblem as problem:
        props["provisioningState"] = "Failed"
        props["provisioningError"] = {
            "provisioningErrorCode": problem.code,
            "message": problem.message,
        }
        _finish_pending(world, item, {"code": problem.code, "message": problem.message})
        return
    props["provisioningState"] = "Succeeded"
    _finish_pending(world, item, None)
    if (props.get("autoRun") or {}).get("state") == "Enabled":
        from goldfleet.emulator.rp.imagebuilder import builds  # builds imports this module

        builds.start_run(world, item, None)


def _finish_pending(world: World, item: StoredResource, error: dict[str, Any] | None) -> None:
    for op_id in item.meta.pop("pendingOps", []):
        world.operations.finish(
            op_id,
            world.now(),
            error=error,
            result_status=200 if error is None else 400,
            result_body=view(item) if error is None else None,
        )


def _random_name(world: World, length: int) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(world.rng.choice(alphabet) for _ in range(length))


def _prepare_staging(world: World, item: StoredResource) -> None:
    props = item.body["properties"]
    sub_id = item.id.split("/")[2]
    sub = world.subscription(sub_id)
    assert sub is not None
    template_group = item.id.split("/")[4]
    wanted = props.get("stagingResourceGroup")
    created = True
    if wanted:
        name = wanted.rsplit("/", 1)[-1]
        existing = world.store.get(wanted)
        if existing is not None:
            created = False
            if str(existing.body["location"]) != str(item.body["location"]) or world.store.under(
                existing.id
            ):
                raise SourceProblem(
                    "BadStagingResourceGroup",
                    f"The staging resource group '{wanted}' must be empty and in the same "
                    f"location as the image template ('{item.body['location']}'). For more "
                    f"information, go to {errors.TROUBLESHOOTING}.",
                )
            if any(
                str(t.body["properties"].get("exactStagingResourceGroup", "")).lower()
                == wanted.lower()
                for t in templates_under(world, f"/subscriptions/{sub_id}")
                if t.id.lower() != item.id.lower()
            ):
                raise SourceProblem(
                    "BadStagingResourceGroup",
                    f"The staging resource group '{wanted}' is used by another image template.",
                )
    else:
        name = f"IT_{template_group}_{item.body['name']}_{world.new_uuid()}"[:90]
    tags = {
        "createdBy": "AzureVMImageBuilder",
        "imageTemplateName": str(item.body["name"]),
        "imageTemplateResourceGroupName": template_group,
        **(props.get("managedResourceTags") or {}),
    }
    if created:
        group, _ = resources.put_group(
            world, sub, name, {"location": item.body["location"], "tags": tags}
        )
    else:
        adopted = world.store.get(wanted or "")
        assert adopted is not None
        group = adopted.body
        group["tags"] = {**(group.get("tags") or {}), **tags}
    props["exactStagingResourceGroup"] = group["id"]
    account = _random_name(world, 24)
    storage_id = f"{group['id']}/providers/{STORAGE_ACCOUNT}/{account}"
    world.store.put(
        {
            "id": storage_id,
            "name": account,
            "type": STORAGE_ACCOUNT,
            "location": item.body["location"],
            "tags": {
                "createdBy": "AzureVMImageBuilder",
                **(props.get("managedResourceTags") or {}),
            },
            "sku": {"name": "Standard_LRS", "tier": "Standard"},
            "kind": "StorageV2",
            "properties": {
                "provisioningState": "Succeeded",
                "primaryEndpoints": {"blob": f"https://{account}.blob.core.windows.net/"},
                "allowBlobPublicAccess": False,
            },
        }
    )
    item.meta.update(stagingCreated=created, stagingGroup=group["id"], storageAccount=account)
    item.meta["stagingResources"] = [storage_id]


def patch_template(
    world: World, sub: Subscription, group: str, name: str, body: dict[str, Any], app_id: str
) -> StoredResource:
    """VirtualMachineImageTemplates_Update: tags, identity, vmProfile and distribute."""
    item = get_template(world, sub.subscription_id, group, name)
    for key in body:
        if key not in ("tags", "identity", "properties"):
            raise errors.patch_not_allowed(key)
    given = body.get("properties") or {}
    if not isinstance(given, dict):
        raise errors.patch_not_allowed("properties")
    for key in given:
        if key not in ("vmProfile", "distribute"):
            raise errors.patch_not_allowed(f"properties.{key}")
    identity = body.get("identity")
    new_identity = None
    if identity is not None:
        if isinstance(identity, dict) and identity.get("type") == "None":
            new_identity = {"type": "None"}
        else:
            new_identity = templates.check_identity(world, identity)
    profile = templates.check_vm_profile(given["vmProfile"]) if "vmProfile" in given else None
    distribute = (
        templates.check_distributors(given["distribute"]) if "distribute" in given else None
    )
    props = item.body["properties"]
    spec = item.meta["spec"]
    if profile is not None:
        props["vmProfile"] = spec["vmProfile"] = profile
    if distribute is not None:
        props["distribute"] = spec["distribute"] = distribute
    if new_identity is not None:
        item.body["identity"] = new_identity
    if "tags" in body:
        item.body["tags"] = body.get("tags") or {}
    _system_data(world, item.body, app_id)
    return item


def delete_template(
    world: World, subscription_id: str, group: str, name: str, tenant_id: str, principal: str
) -> Operation | None:
    """VirtualMachineImageTemplates_Delete: None when there is no such template (204)."""
    resources.get_group(world, subscription_id, group)
    item = world.store.get(template_id(subscription_id, group, name))
    if item is None:
        return None
    item.meta["generation"] = int(item.meta.get("generation", 0)) + 1
    item.body["properties"]["provisioningState"] = "Deleting"
    from goldfleet.emulator.rp.imagebuilder import builds

    builds.abandon_run(world, item)
    op = begin_operation(world, item, tenant_id, principal)
    world.scheduler.at(world.now() + DELETE_SECONDS, DELETE_EVENT, {"id": item.id, "op": op.id})
    return op


def finish_delete(world: World, args: dict[str, Any]) -> None:
    """Scheduled event: the template, its run outputs and its staging resources go."""
    item = world.store.get(args["id"])
    if item is not None:
        for output in world.store.children(item.id, RUN_OUTPUT):
            world.delete_resource(output.id)
        staging = item.meta.get("stagingGroup")
        if staging and item.meta.get("stagingCreated"):
            for child in sorted(world.store.under(staging), key=lambda c: -len(c.id)):
                world.delete_resource(child.id)
            world.delete_resource(staging)
        else:
            for resource_id in item.meta.get("stagingResources", []):
                world.delete_resource(resource_id)
        world.delete_resource(item.id)
    world.operations.finish(args["op"], world.now(), result_status=200)


def register_events(world: World) -> None:
    world.scheduler.register(PROVISION_EVENT, provision)
    world.scheduler.register(DELETE_EVENT, finish_delete)
