"""Building a version without Azure VM Image Builder, durably: goldfleet's own build VM.

For tenants that cannot use Image Builder. In a temporary resource group tagged
``goldfleet-temporary: <build id>`` (the capture's, so ``goldfleet image sweep`` finds it too):
an isolated network (or the configured subnet), a NIC and a build VM from the pipeline's source
(marketplace image, managed image or gallery version) with a one-time administrator password
that is never stored; every customization in order as a managed Run Command ``gf-step-NN`` (the
``windowsRestart`` built-in, and ``restartAfter``, restart the VM through the API); then the
capture's ending (``capture.seal``): sysprep, the wait for the shutdown, deallocate and
generalize, and the version in the pipeline's first target. The temporary group is deleted in
a ``finally``, after success, failure or a crash at any step.

``spec`` (built by ``api/builds.py``): the capture's keys (buildId, pipeline, version, tenantId,
subscriptionId, location, tempGroup, subnetId, target, release) plus vmSize, osDiskSizeGb,
securityType, image (``{publisher, offer, sku, version}`` or ``{id}``) and steps ([{name, text,
builtin, restartAfter}]). The result: state, steps ([{name, exitCode, durationSeconds, error}]),
versionId, cleanedUp, error.
"""

from __future__ import annotations

import secrets
from typing import Any

from goldfleet import engine
from goldfleet.azure import compute
from goldfleet.domain.errors import AzureCallError, GoldfleetError
from goldfleet.domain.ownership import OwnerKind
from goldfleet.lifecycle import capture
from goldfleet.lifecycle.calls import StepCall, step_error
from goldfleet.lifecycle.context import acts_for


def _password() -> str:
    """Azure's rules: 12-123 characters from three of lower, upper, digit and symbol."""
    return f"Gf!{secrets.token_urlsafe(24)}9a"


@engine.step("direct.build_vm", retry=engine.Retry(attempts=4))
async def build_vm(context_json: dict[str, Any], spec: dict[str, Any]) -> str:
    """The network, NIC and build VM (create-or-get: safe to run again). The password is made
    here and sent only to Azure: it is in no checkpoint."""
    call = StepCall(context_json, spec)
    group, location = spec["tempGroup"], spec["location"]
    tags = {
        "managed-by": "goldfleet",
        "goldfleet-pipeline": spec["pipeline"],
        capture.TEMPORARY_TAG: spec["buildId"],
    }
    try:
        subnet = spec.get("subnetId") or await compute.create_network(
            *call.args, group, "vnet-gf-build", location, tags
        )
        nic_id = await compute.create_nic(*call.args, group, "nic-gf-build", location, subnet, tags)
        return await compute.create_vm_from_image(
            *call.args,
            group,
            capture.CLONE_VM,
            location,
            spec["vmSize"],
            spec["image"],
            nic_id,
            tags,
            admin_password=_password(),
            os_disk_size_gb=spec.get("osDiskSizeGb"),
            security_type=spec.get("securityType"),
        )
    except AzureCallError as exc:
        raise step_error(exc) from exc


def _build(
    context_json: dict[str, Any], spec: dict[str, Any], outcome: dict[str, Any]
) -> dict[str, Any]:
    try:
        engine.run_async_step(capture.make_group, context_json, spec, engine.now().isoformat())
        engine.run_async_step(build_vm, context_json, spec)
        failed = capture.run_scripts(context_json, spec, outcome, spec["steps"])
        if failed is not None:
            return failed
        return capture.seal(context_json, spec, outcome)
    except GoldfleetError as exc:
        return {**outcome, "state": "failed", "error": str(exc)}


@engine.workflow("image.build_direct")
@acts_for(OwnerKind.BUILD, lambda _, spec: spec["buildId"])
def build_direct(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """One direct build (see the module docstring); its temporary group is always removed."""
    outcome: dict[str, Any] = {"build": spec["buildId"], "version": spec["version"], "steps": []}
    try:
        result = _build(context_json, spec, outcome)
    finally:
        removed = engine.run_async_step(capture.remove_group, context_json, spec)
    return {**result, "cleanedUp": removed}
