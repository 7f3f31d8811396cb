"""Replay of Microsoft's official REST examples for the gallery API (2026-03-03).

For every example in ``examples/`` (copied into the repository with their manifest, so a clean
clone has them): build the request from the example's ``parameters`` (path parameters into the
operation's URL template, the body parameter as the body, ``$expand``/``$select`` as query),
seed what the example needs (translating its placeholder ids into this test world's ids),
send it with a token over HTTPS, drive the long-running operation to completion with the clock,
and compare the answer's *shape* with the example's response for the same status code: the same
keys, recursively, with the same JSON types. Values and ids may differ. Keys the emulator leaves
out on purpose, or adds where an example is incomplete, are listed below - and on
docs/emulator/compute-gallery.md - with the reason.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CUSTOMER, CUSTOMER_SUB, PROVIDER_SUB, mint, raw
from tests.emulator.compute.support import advance, grant, post_scenario

EXAMPLES = Path(__file__).resolve().parent / "examples"
SHARED_SPEC = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "azure-rest-specs"
    / "compute-gallery"
    / "2026-03-03"
    / "GalleryRP.json"
)
API = "2026-03-03"
RG = "myResourceGroup"
RG_ID = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{RG}"
COMPUTE = f"{RG_ID}/providers/Microsoft.Compute"
SUB = "/subscriptions/{subscriptionId}"
RG_PATH = f"{SUB}/resourceGroups/{{resourceGroupName}}/providers/Microsoft.Compute"
GALLERY_PATH = f"{RG_PATH}/galleries/{{galleryName}}"
IMAGE_PATH = f"{GALLERY_PATH}/images/{{galleryImageName}}"
VERSION_PATH = f"{IMAGE_PATH}/versions/{{galleryImageVersionName}}"
LOCATION_PATH = f"{SUB}/providers/Microsoft.Compute/locations/{{location}}"
SHARED_IMAGE = f"{LOCATION_PATH}/sharedGalleries/{{galleryUniqueName}}/images/{{galleryImageName}}"
COMMUNITY = f"{LOCATION_PATH}/communityGalleries/{{publicGalleryName}}"

# operationId -> (method, URL template); checked against the OpenAPI document when it is present.
OPERATIONS = {
    "Galleries_CreateOrUpdate": ("PUT", GALLERY_PATH),
    "Galleries_Get": ("GET", GALLERY_PATH),
    "Galleries_Update": ("PATCH", GALLERY_PATH),
    "Galleries_ListByResourceGroup": ("GET", f"{RG_PATH}/galleries"),
    "Galleries_List": ("GET", f"{SUB}/providers/Microsoft.Compute/galleries"),
    "GallerySharingProfile_Update": ("POST", f"{GALLERY_PATH}/share"),
    "GalleryImages_CreateOrUpdate": ("PUT", IMAGE_PATH),
    "GalleryImages_Get": ("GET", IMAGE_PATH),
    "GalleryImages_Update": ("PATCH", IMAGE_PATH),
    "GalleryImageVersions_CreateOrUpdate": ("PUT", VERSION_PATH),
    "GalleryImageVersions_Get": ("GET", VERSION_PATH),
    "GalleryImageVersions_Update": ("PATCH", VERSION_PATH),
    "GalleryImageVersions_ListByGalleryImage": ("GET", f"{IMAGE_PATH}/versions"),
    "SharedGalleries_Get": ("GET", f"{LOCATION_PATH}/sharedGalleries/{{galleryUniqueName}}"),
    "SharedGalleryImageVersions_Get": (
        "GET",
        f"{SHARED_IMAGE}/versions/{{galleryImageVersionName}}",
    ),
    "CommunityGalleries_Get": ("GET", COMMUNITY),
    "CommunityGalleryImages_Get": ("GET", f"{COMMUNITY}/images/{{galleryImageName}}"),
    "CommunityGalleryImageVersions_List": (
        "GET",
        f"{COMMUNITY}/images/{{galleryImageName}}/versions",
    ),
}
BODY_PARAMETERS = ("gallery", "galleryImage", "galleryImageVersion", "sharingUpdate")
QUERY_PARAMETERS = ("$expand", "$select")
CONSUMER_OPERATIONS = ("SharedGalleries_", "SharedGalleryImage", "CommunityGaller")

# Keys an example shows that the emulator deliberately does not return: (key path, reason).
OMITTED = {
    "nextLink": "a list has nextLink only when there is a next page (examples always show one)",
    "properties/safetyProfile/policyViolations": "the emulator never reports policy violations",
    "properties/softDeletePolicy": "returned only when the request sets it (the example's 201 "
    "answer shows a policy its request did not ask for)",
    "properties/communityMetadata/privacyStatementUri": "no request field sets it",
}
# Keys the emulator returns that an example leaves out (the examples are incomplete; the
# OpenAPI document defines every one of these): (key, reason).
ADDED = {
    "id": "every resource has its id; some examples leave it out",
    "type": "every resource has its type; most examples leave it out",
    "tags": "every tracked resource has tags (empty when none)",
    "systemData": "every tracked resource has systemData",
    "identifier": "the $expand/$select examples show only the sharing profile",
    "description": "the $expand/$select examples show only the sharing profile",
    "provisioningState": "the $expand/$select examples show only the sharing profile",
    "architecture": "a definition's default architecture (x64) is returned",
    "excludeFromLatest": "defaults (false) are returned explicitly",
    "safetyProfile": "returned by updates too (the update examples leave it out)",
    "dataDiskImages": "consumer views list the data disks of versions that have them",
    "communityGalleryEnabled": "read-only state of communityGalleryInfo",
    "publicNames": "read-only state of communityGalleryInfo",
    "publicNamePrefix": "part of communityGalleryInfo (one example leaves it out)",
    "sharingStatus": "a shared or community gallery shows its sharing status",
    "imageState": "consumer views of versions say Active or SoftDeleted",
}
# Objects whose keys are data (tags, ids), not schema.
FREE_FORM = {"tags", "artifactTags", "userAssignedIdentities"}
LOCATIONS = {"West US": "West Europe", "East US": "North Europe", "westus": "westeurope"}
SHARED_UNIQUE = f"{PROVIDER_SUB}-SHAREDGALLERY"


def example_files() -> list[str]:
    if not EXAMPLES.is_dir():
        pytest.fail(f"the REST examples are missing: expected them in {EXAMPLES}")
    return sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.json"))


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / name).read_text()))


def test_the_copied_examples_match_their_manifest():
    rows = list(csv.DictReader((EXAMPLES / "MANIFEST.tsv").open(), delimiter="\t"))
    assert sorted(r["file_name"] for r in rows) == example_files()
    assert len(rows) == 33
    for row in rows:
        digest = hashlib.sha256((EXAMPLES / row["file_name"]).read_bytes()).hexdigest()
        assert digest == row["sha256"], row["file_name"]


def test_the_url_templates_are_the_specs():
    if not SHARED_SPEC.exists():
        pytest.skip(f"the OpenAPI document is not beside the repository ({SHARED_SPEC})")
    paths = json.loads(SHARED_SPEC.read_text())["paths"]
    by_operation = {
        op["operationId"]: (method.upper(), path)
        for path, ops in paths.items()
        for method, op in ops.items()
        if isinstance(op, dict) and "operationId" in op
    }
    for operation_id, entry in OPERATIONS.items():
        assert by_operation[operation_id] == entry, operation_id


# --- the test world ----------------------------------------------------------------------------


class Replay:
    """Seeds what an example needs and remembers names the example's placeholders map to."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.token = mint(emu)
        self.consumer_token = mint(emu, tenant=CUSTOMER)
        self.public_name = ""
        raw(
            emu,
            "PUT",
            f"{RG_ID}?api-version=2021-04-01",
            token=self.token,
            body={"location": "westeurope"},
        )
        grant(emu, "Compute Gallery Sharing Admin", "/subscriptions/provider-sub")
        post_scenario(emu, SOURCES)
        identity = (
            f"{RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"
            "?api-version=2023-01-31"
        )
        assert raw(
            emu, "PUT", identity, token=self.token, body={"location": "westeurope"}
        ).is_success

    def write(self, method: str, path: str, body: Any = None) -> Any:
        response = raw(
            emu_of(self), method, f"{path}?api-version={API}", token=self.token, body=body
        )
        assert response.status_code in (200, 201, 202), response.text
        advance(self.emu, 6 * 3600)
        return response

    def gallery(self, name: str = "myGalleryName", **properties: Any) -> None:
        properties.setdefault("description", "This is the gallery description.")
        body = {"location": "westeurope", "properties": properties}
        self.write("PUT", f"{COMPUTE}/galleries/{name}", body)

    def definition(
        self,
        gallery: str = "myGalleryName",
        name: str = "myGalleryImageName",
        generation: str = "V2",
        **extra: Any,
    ) -> None:
        body = {
            "location": "westeurope",
            "properties": {
                "osType": "Windows",
                "osState": "Generalized",
                "hyperVGeneration": generation,
                "identifier": {
                    "publisher": "myPublisherName",
                    "offer": "myOfferName",
                    "sku": "mySkuName",
                },
                **extra,
            },
        }
        self.write("PUT", f"{COMPUTE}/galleries/{gallery}/images/{name}", body)

    def version(
        self,
        gallery: str = "myGalleryName",
        image: str = "myGalleryImageName",
        name: str = "1.0.0",
        like: str = "GalleryImageVersion_Create.json",
        **publishing: Any,
    ) -> None:
        """A version made with the request body of a create example (translated)."""
        body = self.translate(load(like)["parameters"]["galleryImageVersion"])
        if publishing.pop("encrypted", True) is False:
            for target in body["properties"]["publishingProfile"]["targetRegions"]:
                target.pop("encryption", None)
        body["properties"]["publishingProfile"].update(publishing)
        self.write("PUT", f"{COMPUTE}/galleries/{gallery}/images/{image}/versions/{name}", body)

    def share(self, gallery: str, groups: list[dict[str, Any]]) -> None:
        self.write(
            "POST",
            f"{COMPUTE}/galleries/{gallery}/share",
            {"operationType": "Add", "groups": groups},
        )

    def community(
        self, gallery: str = "publicGallery", image: str = "myGalleryImageName", enable: bool = True
    ) -> None:
        self.gallery(
            gallery,
            sharingProfile={
                "permissions": "Community",
                "communityGalleryInfo": {
                    "publisherUri": "https://contoso.example",
                    "publisherContact": "images@contoso.example",
                    "eula": "https://contoso.example/eula",
                    "publicNamePrefix": "contoso",
                },
            },
        )
        if not enable:
            return
        self.definition(
            gallery,
            image,
            eula="https://contoso.example/eula",
            privacyStatementUri="https://contoso.example/privacy",
        )
        self.version(gallery, image, endOfLifeDate="2030-01-01T00:00:00Z")
        self.write(
            "POST", f"{COMPUTE}/galleries/{gallery}/share", {"operationType": "EnableCommunity"}
        )
        found = raw(
            self.emu, "GET", f"{COMPUTE}/galleries/{gallery}?api-version={API}", token=self.token
        )
        self.public_name = found.json()["properties"]["sharingProfile"]["communityGalleryInfo"][
            "publicNames"
        ][0]

    def translate(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {self.translate(k): self.translate(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.translate(v) for v in value]
        if not isinstance(value, str):
            return value
        if value in LOCATIONS:
            return LOCATIONS[value]
        for placeholder, actual in {
            "{subscription-id}": PROVIDER_SUB,
            "{subscriptionId}": PROVIDER_SUB,
            "{resourceGroup}": RG,
            "{imageName}": "exampleImage",
            "{osSnapshotName}": "exampleOsSnapshot",
            "{dataDiskName}": "exampleDataDisk",
            "{vmName}": "exampleVm",
            "{galleryName}": "sourceGallery",
            "{imageDefinitionName}": "sourceImage",
            "{versionName}": "1.0.0",
            "{communityGalleryName}": self.public_name,
            "{communityGalleryImageName}": "communityImage",
        }.items():
            value = value.replace(placeholder, actual)
        return value


def emu_of(replay: Replay) -> Any:
    return replay.emu


SOURCES = f"""resources:
  - id: {COMPUTE}/images/exampleImage
    location: westeurope
    properties:
      hyperVGeneration: V2
      storageProfile:
        osDisk: {{osType: Windows, osState: Generalized, diskSizeGB: 10, caching: ReadOnly}}
        dataDisks: [{{lun: 1, diskSizeGB: 10, caching: None}}]
  - id: {COMPUTE}/snapshots/exampleOsSnapshot
    location: westeurope
    properties: {{osType: Windows, hyperVGeneration: V2, diskSizeGB: 10}}
  - id: {COMPUTE}/disks/exampleDataDisk
    location: westeurope
    properties: {{diskSizeGB: 10}}
  - id: {COMPUTE}/virtualMachines/exampleVm
    location: westeurope
    properties:
      securityProfile: {{securityType: TrustedLaunch}}
      storageProfile:
        osDisk: {{osType: Windows, diskSizeGB: 10, caching: ReadOnly}}
        dataDisks: [{{lun: 1, diskSizeGB: 10}}]
      instanceView: {{statuses: [{{code: OSState/generalized}}]}}
"""


def _shared(replay: Replay, soft_delete: bool = False) -> None:
    policy = {"softDeletePolicy": {"isSoftDeleteEnabled": True}} if soft_delete else {}
    replay.gallery("sharedGallery", sharingProfile={"permissions": "Groups"}, **policy)
    replay.definition("sharedGallery", "myGalleryImageName")
    replay.version("sharedGallery", "myGalleryImageName", endOfLifeDate="2030-01-01T00:00:00Z")
    replay.share("sharedGallery", [{"type": "Subscriptions", "ids": [CUSTOMER_SUB]}])


def _shared_soft_deleted(replay: Replay) -> None:
    _shared(replay, soft_delete=True)
    path = f"{COMPUTE}/galleries/sharedGallery/images/myGalleryImageName/versions/1.0.0"
    replay.write("DELETE", path)


def _groups(replay: Replay) -> None:
    replay.gallery(sharingProfile={"permissions": "Groups"})
    replay.share(
        "myGalleryName",
        [
            {"type": "Subscriptions", "ids": [CUSTOMER_SUB]},
            {"type": "AADTenants", "ids": [CUSTOMER]},
        ],
    )


def _versions_target(replay: Replay) -> None:
    replay.gallery()
    replay.definition()


def _from_version(replay: Replay) -> None:
    _versions_target(replay)
    replay.gallery("sourceGallery")
    replay.definition("sourceGallery", "sourceImage")
    replay.version("sourceGallery", "sourceImage")


def _from_community(replay: Replay) -> None:
    _versions_target(replay)
    replay.community("publicGallery", "communityImage")


def _with_version(like: str = "GalleryImageVersion_Create.json") -> Callable[[Replay], None]:
    def setup(replay: Replay) -> None:
        _versions_target(replay)
        replay.version(like=like)

    return setup


def _soft_deleted_version(replay: Replay) -> None:
    replay.gallery(softDeletePolicy={"isSoftDeleteEnabled": True})
    replay.definition()
    replay.version(encrypted=False)
    replay.write(
        "DELETE", f"{COMPUTE}/galleries/myGalleryName/images/myGalleryImageName/versions/1.0.0"
    )


SETUPS: dict[str, Callable[[Replay], None]] = {
    "Gallery_Get.json": lambda r: r.gallery(),
    "Gallery_Update.json": lambda r: r.gallery(),
    "Gallery_ListByResourceGroup.json": lambda r: r.gallery(),
    "Gallery_ListBySubscription.json": lambda r: r.gallery(),
    "Gallery_Get_WithExpandSharingProfileGroups.json": _groups,
    "Gallery_Get_WithSelectPermissions.json": _groups,
    "Gallery_ResetSharingProfile.json": _groups,
    "Gallery_EnableCommunityGallery.json": lambda r: r.community("myGalleryName", enable=False),
    "galleryExamples/CommunityGallery_Get.json": lambda r: r.community("myGalleryName"),
    "GalleryImage_Create.json": lambda r: r.gallery(),
    "GalleryImage_Get.json": lambda r: (r.gallery(), r.definition(generation="V1")),
    "GalleryImage_Update.json": lambda r: (r.gallery(), r.definition(generation="V1")),
    "GalleryImage_UpdateFeatures.json": _versions_target,
    "GalleryImageVersion_Create.json": _versions_target,
    "GalleryImageVersion_Create_WithSnapshotsAsSource.json": _versions_target,
    "GalleryImageVersion_Create_WithVmAsSource.json": _versions_target,
    "GalleryImageVersion_Create_WithImageVersionAsSource.json": _from_version,
    "GalleryImageVersion_Create_WithCommunityImageVersionAsSource.json": _from_community,
    "GalleryImageVersion_Get.json": _with_version(),
    "GalleryImageVersion_Get_WithReplicationStatus.json": _with_version(),
    "GalleryImageVersion_ListByGalleryImage.json": _with_version(),
    "GalleryImageVersion_Update.json": _with_version(),
    "GalleryImageVersion_Get_WithSnapshotsAsSource.json": _with_version(
        "GalleryImageVersion_Create_WithSnapshotsAsSource.json"
    ),
    "GalleryImageVersion_Update_RestoreSoftDeleted.json": _soft_deleted_version,
    "SharedGallery_Get.json": _shared,
    "SharedGalleryImageVersion_Get.json": _shared_soft_deleted,
    "communityGalleryExamples/CommunityGallery_Get.json": lambda r: r.community(),
    "CommunityGalleryImage_Get.json": lambda r: r.community(),
    "CommunityGalleryImageVersion_List.json": lambda r: r.community(),
}


# --- the replay --------------------------------------------------------------------------------


def build_request(replay: Replay, example: dict[str, Any]) -> tuple[str, str, Any, bool]:
    """Method, path with query, body, and whether the caller is the consumer."""
    method, template = OPERATIONS[example["operationId"]]
    consumer = example["operationId"].startswith(CONSUMER_OPERATIONS)
    parameters = dict(example["parameters"])
    values = {
        "subscriptionId": CUSTOMER_SUB if consumer else PROVIDER_SUB,
        "location": "westeurope",
        "galleryUniqueName": SHARED_UNIQUE,
        "publicGalleryName": replay.public_name,
    }
    if parameters.get("galleryImageVersionName") == "myGalleryImageVersionName":
        parameters["galleryImageVersionName"] = "1.0.0"
    if consumer and "galleryUniqueName" in parameters:
        parameters["galleryUniqueName"] = SHARED_UNIQUE

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values.get(name) if name in values else parameters[name])

    path = re.sub(r"\{(\w+)\}", fill, template)
    query = [f"api-version={parameters['api-version']}"]
    query += [f"{q}={parameters[q]}" for q in QUERY_PARAMETERS if q in parameters]
    body = next((parameters[b] for b in BODY_PARAMETERS if b in parameters), None)
    return method, f"{path}?{'&'.join(query)}", replay.translate(body), consumer


def shape_problems(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` differs in shape from ``expected`` (documented exceptions aside)."""
    where = path or "(body)"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {type(actual).__name__}"]
        if path.rsplit("/", 1)[-1] in FREE_FORM:
            return []
        problems = []
        for key, value in expected.items():
            child = f"{path}/{key}" if path else key
            if key not in actual:
                if _generic(child) not in OMITTED:
                    problems.append(f"{child}: missing")
                continue
            problems += shape_problems(value, actual[key], child)
        for key in actual:
            if key not in expected and key not in ADDED:
                problems.append(f"{path}/{key}: not in the example")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected an array, got {type(actual).__name__}"]
        if expected and not actual:
            return [f"{where}: empty, the example has items"]
        if not expected:
            return []
        # The items' shape is the union of every item's (examples vary from item to item).
        return shape_problems(_union(expected), _union(actual), f"{path}[]")
    if _json_type(expected) != _json_type(actual):
        return [f"{where}: expected {_json_type(expected)}, got {_json_type(actual)}"]
    return []


def _union(items: list[Any]) -> Any:
    merged: Any = None
    for item in items:
        merged = _merge(merged, item)
    return merged


def _merge(left: Any, right: Any) -> Any:
    if isinstance(left, dict) and isinstance(right, dict):
        out = dict(left)
        for key, value in right.items():
            out[key] = _merge(out[key], value) if key in out else value
        return out
    if isinstance(left, list) and isinstance(right, list):
        return left + right
    return right if left is None else left


def _generic(path: str) -> str:
    return re.sub(r"^value/", "", path.replace("[]", ""))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


@pytest.mark.parametrize("name", example_files())
def test_the_example_replays(emu, name):
    example = load(name)
    replay = Replay(emu)
    SETUPS.get(name, lambda r: None)(replay)
    method, path, body, consumer = build_request(replay, example)
    token = replay.consumer_token if consumer else replay.token
    response = raw(emu, method, path, token=token, body=body)
    documented = example["responses"]
    assert str(response.status_code) in documented, (response.status_code, response.text)
    answer = documented[str(response.status_code)]
    for header in answer.get("headers", {}):
        assert header in response.headers, f"the example's answer has {header}"
    problems = shape_problems(answer.get("body"), response.json() if response.content else None)
    assert problems == [], f"{name}: {problems}"
    if "Azure-AsyncOperation" in response.headers:
        advance(emu, 6 * 3600)
        status_path = response.headers["Azure-AsyncOperation"].split(emu.endpoint, 1)[1]
        assert raw(emu, "GET", status_path, token=token).json()["status"] == "Succeeded"
