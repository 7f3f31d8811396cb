"""Helpers for the gallery tests: real ComputeManagementClients against the session emulator,
moving the frozen clock, and ready-made galleries, definitions and versions."""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.access import CONTROL_SECRET_HEADER
from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, sdk_kwargs, secret_credential

RG = "rg-images"
RG_ID = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{RG}"
COMPUTE = f"{RG_ID}/providers/Microsoft.Compute"
IMAGE_GEN2 = f"{COMPUTE}/images/img-win11-gen2"
IMAGE_GEN1 = f"{COMPUTE}/images/img-win11-gen1"
IMAGE_SPECIALIZED = f"{COMPUTE}/images/img-specialized"
IMAGE_LINUX = f"{COMPUTE}/images/img-ubuntu"
SNAPSHOT_OS = f"{COMPUTE}/snapshots/snap-os-gen2"
SNAPSHOT_DATA = f"{COMPUTE}/snapshots/snap-data"
IMAGE_NORTH = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-other/providers/Microsoft.Compute/images/img-north"
API = "api-version=2026-03-03"
HOUR = 3600


def advance(emu: Any, seconds: float) -> dict[str, Any]:
    """Move the frozen clock (scheduled transitions run)."""
    return emu.control("PUT", "/clock", {"advanceSeconds": seconds})


def compute_client(
    emu: Any,
    *,
    app_id: str = GF_APP,
    tenant: str = PROVIDER,
    subscription: str = PROVIDER_SUB,
    advance_on_accept: float | None = None,
    **extra: Any,
) -> Any:
    """A real ComputeManagementClient. With ``advance_on_accept``, the clock moves by that many
    simulated seconds whenever a long-running operation is accepted, so pollers finish at once
    instead of sleeping through Retry-After."""
    from azure.mgmt.compute import ComputeManagementClient

    if advance_on_accept is not None:

        def hook(response: Any) -> None:
            http = response.http_response
            if http.request.method != "GET" and "azure-asyncoperation" in http.headers:
                advance(emu, advance_on_accept)

        extra.setdefault("raw_response_hook", hook)
    return ComputeManagementClient(
        secret_credential(emu, app_id, tenant), subscription, **sdk_kwargs(emu, **extra)
    )


def gallery_body(location: str = "westeurope", **properties: Any) -> dict[str, Any]:
    return {"location": location, "properties": {"description": "golden images", **properties}}


def definition_body(
    sku: str = "win11",
    generation: str = "V2",
    os_state: str = "Generalized",
    location: str = "westeurope",
    **properties: Any,
) -> dict[str, Any]:
    return {
        "location": location,
        "properties": {
            "osType": "Windows",
            "osState": os_state,
            "hyperVGeneration": generation,
            "identifier": {"publisher": "contoso", "offer": "avd", "sku": sku},
            **properties,
        },
    }


def version_body(
    source: str = IMAGE_GEN2,
    regions: list[Any] | None = None,
    location: str = "westeurope",
    **publishing: Any,
) -> dict[str, Any]:
    targets = [
        r if isinstance(r, dict) else {"name": r, "regionalReplicaCount": 1}
        for r in (regions or ["westeurope"])
    ]
    return {
        "location": location,
        "properties": {
            "publishingProfile": {"targetRegions": targets, **publishing},
            "storageProfile": {"source": {"id": source}},
        },
    }


def make_gallery(client: Any, name: str = "gal", **properties: Any) -> Any:
    return client.galleries.begin_create_or_update(RG, name, gallery_body(**properties)).result()


def make_definition(client: Any, gallery: str = "gal", name: str = "win11", **kwargs: Any) -> Any:
    return client.gallery_images.begin_create_or_update(
        RG, gallery, name, definition_body(**kwargs)
    ).result()


def make_version(
    client: Any,
    gallery: str = "gal",
    definition: str = "win11",
    name: str = "1.0.0",
    **kwargs: Any,
) -> Any:
    return client.gallery_image_versions.begin_create_or_update(
        RG, gallery, definition, name, version_body(**kwargs)
    ).result()


def error_of(excinfo: Any) -> dict[str, Any]:
    """The ARM error body of an HttpResponseError."""
    return dict(excinfo.value.response.json()["error"])


def post_scenario(emu: Any, text: str) -> None:
    """Seed more of a scenario into the running world (restored after the test)."""
    import ssl
    import urllib.request

    request = urllib.request.Request(
        f"{emu.endpoint}/_emulator/scenario",
        data=text.encode(),
        method="POST",
        headers={"Content-Type": "application/yaml", CONTROL_SECRET_HEADER: emu.control_secret},
    )
    context = ssl.create_default_context(cafile=str(emu.ca_path))
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        assert response.status == 200


def grant(emu: Any, role: str, scope: str, principal: str = "gf") -> None:
    """A role assignment for an application (by name), seeded like the scenario's."""
    post_scenario(
        emu, f"roleAssignments:\n  - {{principal: {principal}, role: {role}, scope: {scope}}}\n"
    )


def share_with(client: Any, gallery: str, kind: str, ids: list[str], op: str = "Add") -> Any:
    return client.gallery_sharing_profile.begin_update(
        RG, gallery, {"operationType": op, "groups": [{"type": kind, "ids": ids}]}
    ).result()
