"""Names of Microsoft.VirtualMachineImages and the errors it answers, with Azure's texts.

Sources (docs/emulator/imagebuilder.md lists them): the Image Builder troubleshooting page
(``Update/Upgrade of image templates is currently not supported...`` as 409 ``Conflict``; the
``ValidationFailed`` shape ``Validation failed: 'ImageTemplate.properties.source': Field
'imageId' has a bad value: '...'. Please review http://aka.ms/azvmimagebuildertmplref ...``;
the build failure and time-out texts of ``lastRunStatus.message``), and the REST reference's
``provisioningErrorCode`` enum. Texts marked "ours" in the coverage page have no public source.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.errors import ArmError

NAMESPACE = "Microsoft.VirtualMachineImages"
TEMPLATE = f"{NAMESPACE}/imageTemplates"
RUN_OUTPUT = f"{TEMPLATE}/runOutputs"
API_VERSION = "2025-10-01"
TEMPLATE_REFERENCE = "http://aka.ms/azvmimagebuildertmplref"
TROUBLESHOOTING = "https://aka.ms/azvmimagebuilderts"


def validation_failed(path: str, field: str, value: Any) -> ArmError:
    """400 ``ValidationFailed`` for one field, in Image Builder's words."""
    return ArmError(
        400,
        "ValidationFailed",
        f"Validation failed: 'ImageTemplate.properties.{path}': Field '{field}' has a bad value: "
        f"'{_show(value)}'. Please review  {TEMPLATE_REFERENCE}  for details on fields "
        "requirements in the Image Builder Template.",
    )


def validation_problem(path: str, problem: str) -> ArmError:
    """400 ``ValidationFailed`` for a rule that is not one field's value (texts are ours)."""
    return ArmError(
        400,
        "ValidationFailed",
        f"Validation failed: 'ImageTemplate.{path}': {problem} Please review  "
        f"{TEMPLATE_REFERENCE}  for details on fields requirements in the Image Builder Template.",
    )


def update_not_supported() -> ArmError:
    """A PUT that would change an existing template (documented text)."""
    return ArmError(
        409,
        "Conflict",
        "Update/Upgrade of image templates is currently not supported. Please change the name of "
        "the template you are submitting. If you have previously tried to submit a template and "
        "it failed to provision, you must delete it first and then resubmit. For more "
        f"information, go to {TROUBLESHOOTING}.",
    )


def patch_not_allowed(field: str) -> ArmError:
    return ArmError(
        400,
        "BadRequest",
        f"Updating '{field}' is not supported: only 'tags', 'identity', 'properties.vmProfile' "
        "and 'properties.distribute' of an image template can be updated.",
    )


def run_in_progress(name: str) -> ArmError:
    return ArmError(
        409,
        "Conflict",
        f"The image template '{name}' already has a build in progress. Wait for it to finish, "
        f"or cancel it, before starting another one. For more information, go to "
        f"{TROUBLESHOOTING}.",
    )


def no_run_to_cancel(name: str) -> ArmError:
    return ArmError(
        409,
        "Conflict",
        f"The image template '{name}' has no build in progress to cancel.",
    )


def not_provisioned(name: str, state: str) -> ArmError:
    return ArmError(
        409,
        "Conflict",
        f"The image template '{name}' cannot be run: its provisioning state is '{state}'. "
        "Delete the template and resubmit it.",
    )


def template_not_found(name: str, group: str) -> ArmError:
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{TEMPLATE}/{name}' under resource group '{group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def run_output_not_found(template: str, name: str, group: str) -> ArmError:
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{TEMPLATE}/{template}/runOutputs/{name}' under resource group "
        f"'{group}' was not found. For more details please go to "
        "https://aka.ms/ARMResourceNotFoundFix",
    )


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "..."
