"""Helpers for the Image Builder tests: real ImageBuilderClients against the session emulator,
a user-assigned identity for templates, template bodies, published script blobs, and moving the
frozen clock until a build settles."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, raw, sdk_kwargs, secret_credential
from tests.emulator.compute.support import IMAGE_GEN2, RG, RG_ID, advance

IDENTITY = f"{RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aib-identity"
TEMPLATE_RG = RG
LOCATION = "westeurope"
SCRIPT_ACCOUNT = "gfscripts"


def ib_client(emu: Any, **extra: Any) -> Any:
    from azure.mgmt.imagebuilder import ImageBuilderClient

    return ImageBuilderClient(
        secret_credential(emu, GF_APP, PROVIDER), PROVIDER_SUB, **sdk_kwargs(emu, **extra)
    )


def make_identity(emu: Any) -> str:
    from azure.mgmt.msi import ManagedServiceIdentityClient

    msi = ManagedServiceIdentityClient(secret_credential(emu), PROVIDER_SUB, **sdk_kwargs(emu))
    msi.user_assigned_identities.create_or_update(RG, "aib-identity", {"location": LOCATION})
    return IDENTITY


def template_body(
    customize: list[dict[str, Any]] | None = None,
    distribute: list[dict[str, Any]] | None = None,
    source: dict[str, Any] | None = None,
    **properties: Any,
) -> dict[str, Any]:
    return {
        "location": LOCATION,
        "tags": {"team": "imaging"},
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {IDENTITY: {}}},
        "properties": {
            "source": source or {"type": "ManagedImage", "imageId": IMAGE_GEN2},
            "customize": customize or [],
            "distribute": distribute
            or [
                {
                    "type": "ManagedImage",
                    "imageId": f"{RG_ID}/providers/Microsoft.Compute/images/built-image",
                    "location": LOCATION,
                    "runOutputName": "managed",
                }
            ],
            **properties,
        },
    }


def create_template(emu: Any, client: Any, name: str, body: dict[str, Any]) -> Any:
    """Submit a template and let it provision (the clock moves 60 s)."""
    poller = client.virtual_machine_image_templates.begin_create_or_update(TEMPLATE_RG, name, body)
    advance(emu, 60)
    return poller.result()


def publish(emu: Any, blob: str, content: str) -> tuple[str, str]:
    """Put a blob (Put Blob, path-style) and return its https URI and SHA-256."""
    response = raw(
        emu,
        "PUT",
        f"/_storage/{SCRIPT_ACCOUNT}/scripts/{blob}",
        content=content.encode(),
        headers={"x-ms-blob-type": "BlockBlob"},
    )
    assert response.status_code == 201
    uri = f"https://{SCRIPT_ACCOUNT}.blob.core.windows.net/scripts/{blob}"
    return uri, hashlib.sha256(content.encode()).hexdigest()


def run_to_end(
    emu: Any, client: Any, name: str, *, step: float = 600, limit: float = 6 * 3600
) -> Any:
    """Start a build and move the clock until its lastRunStatus leaves Running."""
    poller = client.virtual_machine_image_templates.begin_run(TEMPLATE_RG, name)
    return poller, drive(emu, client, name, step=step, limit=limit)


def drive(emu: Any, client: Any, name: str, *, step: float = 600, limit: float = 6 * 3600) -> Any:
    moved = 0.0
    while moved < limit:
        template = client.virtual_machine_image_templates.get(TEMPLATE_RG, name)
        state = template.last_run_status.run_state if template.last_run_status else None
        if state not in ("Running", "Canceling"):
            return template
        advance(emu, step)
        moved += step
    raise AssertionError(f"the build of {name} did not finish in {limit} simulated seconds")


def customization_log(emu: Any, template_id: str) -> str:
    response = raw(emu, "GET", f"/_emulator/imageTemplates/log?id={template_id}")
    assert response.status_code == 200
    return str(response.text)
