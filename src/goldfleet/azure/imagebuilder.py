"""Azure VM Image Builder, as a build needs it: the template's identity and its roles, the
template itself (replaced, never updated: Azure refuses updates in place), starting its run,
reading its status and run outputs, its customization log, and deleting it.

The template's body is built by :func:`template_body` from goldfleet's build spec (see
``lifecycle/image_builder.py``): built-ins become inline PowerShell (``windowsUpdate`` and
``windowsRestart`` become Image Builder's own ``WindowsUpdate`` / ``WindowsRestart``), a user's
script without parameters goes by ``scriptUri`` with its ``sha256Checksum`` (Image Builder checks
it again on the build VM), a step with ``restartAfter`` is followed by a ``WindowsRestart``, and
the version is distributed to the first target's gallery definition under goldfleet's version
name, with the provenance tags as ``artifactTags``.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.imagebuilder import models as ib
from azure.mgmt.msi import models as msi

from goldfleet.azure import blobs
from goldfleet.azure.changes import create_role_assignment
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.errors import translate
from goldfleet.domain.tenancy import CredentialRef

CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
DEFAULT_IDENTITY = "id-goldfleet-image-builder"
RUN_OUTPUT = "goldfleet"
FINISHED = {"Succeeded", "PartiallySucceeded", "Failed", "Canceled"}
_LOG_URI = re.compile(r"https://\S+?/customization\.log")


@dataclass(frozen=True)
class TemplateView:
    id: str
    provisioning_state: str | None
    provisioning_error: str | None
    run_state: str | None  # None: never run
    run_sub_state: str | None
    message: str | None
    started: str | None
    ended: str | None

    @property
    def finished(self) -> bool:
        return self.run_state in FINISHED


@dataclass(frozen=True)
class RunOutput:
    name: str
    artifact_id: str | None
    state: str | None
    log_uri: str | None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def template_id(subscription_id: str, group: str, name: str) -> str:
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{group}"
        "/providers/Microsoft.VirtualMachineImages/imageTemplates/" + name
    )


def _customizers(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for step in steps:
        builtin, name = step.get("builtin"), step["name"]
        if builtin == "windowsRestart":
            out.append({"type": "WindowsRestart", "name": name, "restartTimeout": "10m"})
            continue
        if builtin == "windowsUpdate":
            update: dict[str, Any] = {"type": "WindowsUpdate", "name": name}
            params = dict(step.get("parameters") or {})
            if params.get("searchCriteria"):
                update["searchCriteria"] = params["searchCriteria"]
            if params.get("updateLimit") is not None:
                update["updateLimit"] = int(params["updateLimit"])
            out.append(update)
        elif step.get("uri") and not step.get("arguments"):
            out.append(
                {
                    "type": "PowerShell",
                    "name": name,
                    "scriptUri": step["uri"],
                    "sha256Checksum": step["sha256"],
                    "runElevated": True,
                    "runAsSystem": True,
                }
            )
        else:
            out.append(
                {
                    "type": "PowerShell",
                    "name": name,
                    "inline": step["text"].splitlines(),
                    "runElevated": True,
                    "runAsSystem": True,
                }
            )
        if step.get("restartAfter"):
            out.append({"type": "WindowsRestart", "name": f"{name} (restart)"})
    return out


def customizer_owners(steps: list[dict[str, Any]]) -> list[int]:
    """For each customizer :func:`template_body` writes, the index of the step it belongs to."""
    owners: list[int] = []
    for index, step in enumerate(steps):
        owners.append(index)
        if step.get("restartAfter") and step.get("builtin") != "windowsRestart":
            owners.append(index)
    return owners


def template_body(spec: dict[str, Any], identity_id: str) -> dict[str, Any]:
    """The image template for a build spec (REST shape, api-version 2025-10-01)."""
    target = spec["target"]
    distribute = {
        "type": "SharedImage",
        "runOutputName": RUN_OUTPUT,
        "galleryImageId": f"{target['galleryImageId']}/versions/{spec['version']}",
        "targetRegions": [
            {
                "name": r["name"],
                "replicaCount": r.get("replicas") or 1,
                "storageAccountType": r.get("storageAccountType") or "Standard_LRS",
            }
            for r in target["regions"]
        ],
        "excludeFromLatest": bool(target.get("excludeFromLatest")),
        "artifactTags": spec["tags"],
    }
    profile: dict[str, Any] = {"vmSize": spec["vmSize"]}
    if spec.get("osDiskSizeGb"):
        profile["osDiskSizeGB"] = spec["osDiskSizeGb"]
    if spec.get("subnetId"):
        profile["vnetConfig"] = {"subnetId": spec["subnetId"]}
    properties: dict[str, Any] = {
        "source": spec["source"],
        "customize": _customizers(spec["steps"]),
        "distribute": [distribute],
        "buildTimeoutInMinutes": spec["timeoutMinutes"],
        "vmProfile": profile,
        "errorHandling": {"onCustomizerError": "cleanup", "onValidationError": "cleanup"},
    }
    if spec.get("stagingResourceGroup"):
        properties["stagingResourceGroup"] = (
            f"/subscriptions/{spec['subscriptionId']}/resourceGroups/{spec['stagingResourceGroup']}"
        )
    return {
        "location": spec["location"],
        "tags": {
            "managed-by": "goldfleet",
            "goldfleet-pipeline": spec["pipeline"],
            "goldfleet-build": spec["buildId"][:256],
        },
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}},
        "properties": properties,
    }


async def ensure_identity(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    location: str,
    scopes: list[str],
) -> str:
    """goldfleet's own identity for Image Builder (create-or-get), with Contributor at each of
    ``scopes`` (the build resource group, the target gallery's group); its id."""
    identity_id = (
        f"/subscriptions/{subscription_id}/resourceGroups/{group}"
        f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{DEFAULT_IDENTITY}"
    )
    client = factory.managed_identities(tenant_id, subscription_id, ref)
    try:
        async with client:
            made = await client.user_assigned_identities.create_or_update(
                group,
                DEFAULT_IDENTITY,
                msi.Identity(location=location, tags={"managed-by": "goldfleet"}),
            )
    except Exception as exc:
        raise translate(exc, "creating the Image Builder identity", identity_id) from exc
    for scope in scopes:
        await create_role_assignment(
            factory,
            tenant_id,
            subscription_id,
            ref,
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"{identity_id.lower()}|{scope.lower()}")),
            {
                "scope": scope,
                "roleDefinitionGuid": CONTRIBUTOR,
                "principalId": made.principal_id,
                "role": "Contributor",
                "description": "goldfleet: Azure VM Image Builder builds",
            },
        )
    return identity_id


def _view(found: Any) -> TemplateView:
    props = found.properties
    status = props.last_run_status if props else None
    error = props.provisioning_error if props else None
    return TemplateView(
        id=str(found.id),
        provisioning_state=_text(props.provisioning_state) if props else None,
        provisioning_error=(
            f"{_text(error.provisioning_error_code)}: {error.message}" if error else None
        ),
        run_state=_text(status.run_state) if status else None,
        run_sub_state=_text(status.run_sub_state) if status else None,
        message=status.message if status else None,
        started=status.start_time.isoformat() if status and status.start_time else None,
        ended=status.end_time.isoformat() if status and status.end_time else None,
    )


async def read_template(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> TemplateView | None:
    client = factory.image_builder(tenant_id, subscription_id, ref)
    try:
        async with client:
            found = await client.virtual_machine_image_templates.get(group, name)
    except ResourceNotFoundError:
        return None
    except Exception as exc:
        raise translate(
            exc, "reading image template", template_id(subscription_id, group, name)
        ) from exc
    return _view(found)


async def put_template(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
    body: dict[str, Any],
) -> TemplateView:
    """Submit the template and wait until it has provisioned (or failed to). A template of that
    name that differs (Azure answers 409: no update in place) is deleted and submitted again."""
    tid = template_id(subscription_id, group, name)
    client = factory.image_builder(tenant_id, subscription_id, ref)
    try:
        async with client:
            operations = client.virtual_machine_image_templates
            try:
                poller = await operations.begin_create_or_update(
                    group, name, ib.ImageTemplate(body)
                )
            except HttpResponseError as exc:
                if exc.status_code != 409:
                    raise
                await (await operations.begin_delete(group, name)).result()
                poller = await operations.begin_create_or_update(
                    group, name, ib.ImageTemplate(body)
                )
            # a template that failed to provision says why in provisioningError
            with contextlib.suppress(HttpResponseError):
                await poller.result()
            found = await operations.get(group, name)
    except Exception as exc:
        raise translate(exc, "submitting image template", tid) from exc
    return _view(found)


async def start_run(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> None:
    """POST run without waiting for the build (its status is read from the template). A run
    already going (409) is the one we want."""
    client = factory.image_builder(tenant_id, subscription_id, ref)
    try:
        async with client:
            await client.virtual_machine_image_templates.begin_run(group, name)
    except HttpResponseError as exc:
        if exc.status_code == 409:
            return
        raise translate(
            exc, "starting the build of image template", template_id(subscription_id, group, name)
        ) from exc
    except Exception as exc:
        raise translate(
            exc, "starting the build of image template", template_id(subscription_id, group, name)
        ) from exc


async def run_outputs(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> list[RunOutput]:
    client = factory.image_builder(tenant_id, subscription_id, ref)
    try:
        async with client:
            found = [
                o
                async for o in client.virtual_machine_image_templates.list_run_outputs(group, name)
            ]
    except ResourceNotFoundError:
        return []
    except Exception as exc:
        raise translate(
            exc, "reading the run outputs of", template_id(subscription_id, group, name)
        ) from exc
    outputs = []
    for output in found:
        props = output.properties
        extra = dict(props) if props is not None else {}
        outputs.append(
            RunOutput(
                name=str(output.name),
                artifact_id=props.artifact_id if props else None,
                state=_text(props.provisioning_state) if props else None,
                log_uri=extra.get("customizationLogUri"),
            )
        )
    return outputs


async def customization_log(
    factory: ClientFactory, tenant_id: str, ref: CredentialRef, uri: str
) -> str | None:
    """The customization log at ``uri`` (a blob in the staging storage account): anonymously
    where that is allowed, else with a Storage token of the build's credential; None if it
    cannot be read (the log is a courtesy: a build's outcome never depends on it)."""
    try:
        content = await blobs.fetch_script(factory.cloud, uri)
    except blobs.ScriptUnavailableError:
        try:
            credential = factory.credentials.get(tenant_id, ref)
            token = (await credential.get_token("https://storage.azure.com/.default")).token
            content = await blobs.fetch_script(factory.cloud, uri, bearer_token=token)
        except Exception:
            return None
    except Exception:
        return None
    return content.decode("utf-8", "replace")


def log_uri(message: str | None) -> str | None:
    """The log's URI as a failed run's message names it."""
    found = _LOG_URI.search(message or "")
    return found.group(0) if found else None


async def delete_template(
    factory: ClientFactory,
    tenant_id: str,
    subscription_id: str,
    ref: CredentialRef,
    group: str,
    name: str,
) -> bool:
    """Delete the template (its staging resources go with it) and wait; False if it was gone."""
    client = factory.image_builder(tenant_id, subscription_id, ref)
    try:
        async with client:
            poller = await client.virtual_machine_image_templates.begin_delete(group, name)
            await poller.result()
    except ResourceNotFoundError:
        return False
    except Exception as exc:
        raise translate(
            exc, "deleting image template", template_id(subscription_id, group, name)
        ) from exc
    return True


async def resources_in_group(
    factory: ClientFactory, tenant_id: str, subscription_id: str, ref: CredentialRef, group: str
) -> list[str] | None:
    """The ids of the resources in ``group``; None if the group does not exist."""
    client = factory.resources(tenant_id, subscription_id, ref)
    try:
        async with client:
            if not await client.resource_groups.check_existence(group):
                return None
            return [str(r.id) async for r in client.resources.list_by_resource_group(group)]
    except Exception as exc:
        raise translate(
            exc,
            "listing the resources of",
            f"/subscriptions/{subscription_id}/resourceGroups/{group}",
        ) from exc
