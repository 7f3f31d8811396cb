"""Capturing a hand-maintained master VM without touching it, durably.

The master is only read and snapshotted. Everything else happens to a clone in a temporary
resource group tagged ``goldfleet-temporary: <build id>``: a disk from the snapshot, a NIC on an
isolated network (or the configured subnet), a VM that boots from the disk, the pre-sysprep
checks (a Run Command; a blocking finding stops the capture unless overridden), the optional
scripts, sysprep through a Run Command, then deallocate and generalize, and the image version
in the pipeline's first target (the staging gallery) from the generalized clone. The temporary
group is deleted in a ``finally``: after success, a blocked check, a failure or - because the
workflow resumes after a crash and reaches its ``finally`` - a crash at any step. A group a
workflow can no longer reach (its state was lost) is found by its tag and removed by
``goldfleet image sweep`` (``sweep_group`` below).

``spec`` (built by ``api/builds.py``): buildId, pipeline, version, tenantId, subscriptionId,
masterVmId, location, tempGroup, buildGroup, vmSize (None: the master's), subnetId, override
(None or the reason), backup, scripts ([{name, text, sha256}]), target (the first release target
as JSON), release (the distribution spec: pipeline, version, sourceId, providerTenant,
extraTags). The result: state (succeeded | blocked | failed), report, steps, snapshotId,
backupSnapshotId, versionId, error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from goldfleet import engine
from goldfleet.azure import compute
from goldfleet.domain.capture_checks import CHECK_SCRIPT, SYSPREP_SCRIPT, report
from goldfleet.domain.errors import AzureCallError, GoldfleetError
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.names import short_build_id as short_id
from goldfleet.domain.names import temporary_group_name
from goldfleet.domain.ownership import OwnerKind
from goldfleet.lifecycle import distribute
from goldfleet.lifecycle.calls import StepCall, step_error
from goldfleet.lifecycle.context import acts_for

BUILDS = engine.queue("builds", worker_concurrency=8)  # captures and builds, on any worker
TEMPORARY_TAG = "goldfleet-temporary"  # value: the build id
BACKUP_TAG = "goldfleet-backup"  # value: the build id (kept on purpose)
STOP_POLL = timedelta(seconds=30)
STOP_TIMEOUT = timedelta(hours=1)  # sysprep normally shuts the machine down in minutes
CLONE_VM = "vm-gf-capture"


def temporary_group(build_id: str) -> str:
    """The group a capture clones into (the formula is ``goldfleet.domain.names``')."""
    return temporary_group_name(build_id)


def _tags(spec: dict[str, Any], **extra: str) -> dict[str, str]:
    return {
        "managed-by": "goldfleet",
        "goldfleet-pipeline": spec["pipeline"],
        **extra,
    }


@engine.step("capture.read_master", retry=engine.Retry(attempts=4))
async def read_master(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """What the clone needs of the master (read only): size, disk, security type."""
    rid = ResourceId(spec["masterVmId"])
    call = StepCall(context_json, spec)
    try:
        vm = await compute.read_vm(*call.args, rid.resource_group or "", rid.name)
        if vm is None:
            raise engine.PermanentError(
                f"the master VM {spec['masterVmId']} does not exist; nothing was created",
                hint="check the pipeline's source.vmId",
            )
        disk = await compute.read_disk(*call.args, vm.os_disk_id)
    except AzureCallError as exc:
        raise step_error(exc) from exc
    return {
        "id": vm.id,
        "size": vm.size,
        "location": vm.location,
        "powerState": vm.power_state,
        "osDiskId": vm.os_disk_id,
        "osType": vm.os_type,
        "securityType": vm.security_type,
        "generation": disk.hyper_v_generation if disk else None,
        "diskSku": disk.sku if disk else None,
    }


@engine.step("capture.make_group", retry=engine.Retry(attempts=4))
async def make_group(context_json: dict[str, Any], spec: dict[str, Any], at: str) -> None:
    call = StepCall(context_json, spec)
    tags = _tags(spec, **{TEMPORARY_TAG: spec["buildId"], "goldfleet-created": at})
    try:
        await compute.ensure_group(*call.args, spec["tempGroup"], spec["location"], tags)
    except AzureCallError as exc:
        raise step_error(exc) from exc


@engine.step("capture.snapshot", retry=engine.Retry(attempts=4))
async def snapshot(
    context_json: dict[str, Any], spec: dict[str, Any], master: dict[str, Any], backup: bool
) -> str:
    """A full snapshot of the master's OS disk: in the temporary group for the clone, or (the
    backup) in the build group, kept."""
    call = StepCall(context_json, spec)
    short = short_id(spec["buildId"])
    if backup:
        group, name = spec["buildGroup"], f"snap-{ResourceId(master['id']).name}-{short}"
        tags = _tags(spec, **{BACKUP_TAG: spec["buildId"]})
    else:
        group, name = spec["tempGroup"], f"snap-capture-{short}"
        tags = _tags(spec, **{TEMPORARY_TAG: spec["buildId"]})
    try:
        return await compute.create_snapshot(
            *call.args, group, name, master["location"], master["osDiskId"], tags
        )
    except AzureCallError as exc:
        raise step_error(exc) from exc


@engine.step("capture.clone", retry=engine.Retry(attempts=4))
async def clone(
    context_json: dict[str, Any], spec: dict[str, Any], master: dict[str, Any], snapshot_id: str
) -> str:
    """Disk from the snapshot, a NIC (on an isolated network unless a subnet is configured),
    and the clone VM booting from the disk. Each piece is create-or-get: safe to run again."""
    call = StepCall(context_json, spec)
    group, location = spec["tempGroup"], master["location"]
    tags = _tags(spec, **{TEMPORARY_TAG: spec["buildId"]})
    try:
        disk_id = await compute.create_disk_from_snapshot(
            *call.args,
            group,
            "osdisk-gf-capture",
            location,
            snapshot_id,
            tags,
            hyper_v_generation=master["generation"],
            security_type=master["securityType"],
            os_type=master["osType"] or "Windows",
        )
        subnet = spec.get("subnetId") or await compute.create_network(
            *call.args, group, "vnet-gf-capture", location, tags
        )
        nic_id = await compute.create_nic(
            *call.args, group, "nic-gf-capture", location, subnet, tags
        )
        return await compute.create_vm_from_disk(
            *call.args,
            group,
            CLONE_VM,
            location,
            spec.get("vmSize") or master["size"],
            disk_id,
            nic_id,
            tags,
            security_type=master["securityType"],
            os_type=master["osType"] or "Windows",
        )
    except AzureCallError as exc:
        raise step_error(exc) from exc


@engine.step("capture.run_command", retry=engine.Retry(attempts=4))
async def run_command(
    context_json: dict[str, Any], spec: dict[str, Any], name: str, script: str
) -> dict[str, Any]:
    """One script on the clone (a managed Run Command; by name, so a re-run reads the result
    of the first instead of running it twice)."""
    call = StepCall(context_json, spec)
    try:
        result = await compute.run_command(*call.args, spec["tempGroup"], CLONE_VM, name, script)
    except AzureCallError as exc:
        raise step_error(exc) from exc
    return {
        "name": name,
        "state": result.state,
        "exitCode": result.exit_code,
        "output": result.output,
        "error": result.error,
        "started": result.started,
        "finished": result.finished,
        "succeeded": result.succeeded,
    }


@engine.step("capture.restart", retry=engine.Retry(attempts=4))
async def restart(context_json: dict[str, Any], spec: dict[str, Any]) -> None:
    """Restart the machine (a step that asked for it, or the windowsRestart built-in)."""
    call = StepCall(context_json, spec)
    try:
        await compute.restart(*call.args, spec["tempGroup"], CLONE_VM)
    except AzureCallError as exc:
        raise step_error(exc) from exc


@engine.step("capture.power_state", retry=engine.Retry(attempts=4))
async def power_state(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    call = StepCall(context_json, spec)
    at = engine.clock().now().isoformat()
    try:
        vm = await compute.read_vm(*call.args, spec["tempGroup"], CLONE_VM)
    except AzureCallError as exc:
        raise step_error(exc) from exc
    return {"at": at, "state": vm.power_state if vm else None}


@engine.step("capture.generalize", retry=engine.Retry(attempts=4))
async def generalize(context_json: dict[str, Any], spec: dict[str, Any]) -> str:
    """Deallocate and generalize the clone; its id (the version's source)."""
    call = StepCall(context_json, spec)
    try:
        await compute.deallocate(*call.args, spec["tempGroup"], CLONE_VM)
        await compute.generalize(*call.args, spec["tempGroup"], CLONE_VM)
    except AzureCallError as exc:
        raise step_error(exc) from exc
    return clone_id(spec)


def clone_id(spec: dict[str, Any]) -> str:
    """The clone VM's id: the source of the capture's first version."""
    return (
        f"/subscriptions/{spec['subscriptionId']}/resourceGroups/{spec['tempGroup']}"
        f"/providers/Microsoft.Compute/virtualMachines/{CLONE_VM}"
    )


@engine.step("capture.remove_group", retry=engine.Retry(attempts=6))
async def remove_group(context_json: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Delete the temporary group and everything in it (already gone is fine)."""
    call = StepCall(context_json, spec)
    try:
        return await compute.delete_group(*call.args, spec["tempGroup"])
    except AzureCallError as exc:
        raise step_error(exc) from exc


def _duration(result: dict[str, Any]) -> float | None:
    if not result.get("started") or not result.get("finished"):
        return None
    began = datetime.fromisoformat(str(result["started"]).replace("Z", "+00:00"))
    ended = datetime.fromisoformat(str(result["finished"]).replace("Z", "+00:00"))
    return (ended - began).total_seconds()


def _wait_until_stopped(context_json: dict[str, Any], spec: dict[str, Any]) -> str | None:
    """Durably wait for sysprep's shutdown; the power state last seen."""
    first: datetime | None = None
    while True:
        seen = engine.run_async_step(power_state, context_json, spec)
        if seen["state"] in ("stopped", "deallocated"):
            return str(seen["state"])
        now = datetime.fromisoformat(seen["at"])
        first = first or now
        if now - first > STOP_TIMEOUT:
            return str(seen["state"])
        engine.sleep_until(now + STOP_POLL)


def _failed(outcome: dict[str, Any], error: str) -> dict[str, Any]:
    return {**outcome, "state": "failed", "error": error}


def run_scripts(
    context_json: dict[str, Any],
    spec: dict[str, Any],
    outcome: dict[str, Any],
    scripts: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """Each script on the machine as Run Command ``gf-step-NN`` (a ``restartAfter`` step is
    followed by a restart; the ``windowsRestart`` built-in is one), recorded in ``outcome``'s
    steps; the failed outcome at the first that fails, else None."""
    for index, step in enumerate(scripts, start=1):
        if step.get("builtin") == "windowsRestart":  # a restart is the API's, not a script's
            engine.run_async_step(restart, context_json, spec)
            outcome["steps"].append(
                {"name": step["name"], "exitCode": 0, "durationSeconds": None, "error": ""}
            )
            continue
        ran = engine.run_async_step(
            run_command, context_json, spec, f"gf-step-{index:02d}", step["text"]
        )
        outcome["steps"].append(
            {
                "name": step["name"],
                "exitCode": ran["exitCode"],
                "durationSeconds": _duration(ran),
                "error": ran["error"],
            }
        )
        if not ran["succeeded"]:
            return _failed(
                outcome,
                f"the script {step['name']!r} failed (exit code {ran['exitCode']}):"
                f" {ran['error'].strip() or ran['output'].strip()}",
            )
        if step.get("restartAfter"):
            engine.run_async_step(restart, context_json, spec)
    return None


def seal(
    context_json: dict[str, Any], spec: dict[str, Any], outcome: dict[str, Any]
) -> dict[str, Any]:
    """Sysprep the machine, wait for its shutdown, generalize it, and make the version in the
    first target from it (waiting until that target's regions completed)."""
    sysprep = engine.run_async_step(run_command, context_json, spec, "gf-sysprep", SYSPREP_SCRIPT)
    if not sysprep["succeeded"]:
        return _failed(
            outcome,
            f"sysprep failed on the {spec.get('machineRole', 'clone')} (exit code"
            f" {sysprep['exitCode']}): {sysprep['error'].strip() or sysprep['output'].strip()}",
        )
    state = _wait_until_stopped(context_json, spec)
    if state not in ("stopped", "deallocated"):
        return _failed(outcome, f"the machine did not shut down after sysprep (it is {state})")
    vm_id = engine.run_async_step(generalize, context_json, spec)
    target = distribute.target_from_json(spec["target"])
    release = {**spec["release"], "sourceId": vm_id}
    replicated = distribute.replicate(context_json, target, release)
    outcome["versionId"] = replicated.get("versionId")
    outcome["replication"] = replicated
    if replicated["state"] != "Completed":
        return _failed(
            outcome,
            f"the version did not replicate in {target.definition}: "
            f"{replicated.get('error') or replicated.get('failedRegions')}",
        )
    return {**outcome, "state": "succeeded"}


@engine.workflow("image.capture")
@acts_for(OwnerKind.BUILD, lambda _, spec: spec["buildId"])
def capture(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The capture; its temporary group is always removed (see the module's docstring)."""
    outcome: dict[str, Any] = {"build": spec["buildId"], "version": spec["version"], "steps": []}
    try:
        result = _capture(context_json, spec, outcome)
    finally:
        removed = engine.run_async_step(remove_group, context_json, spec)
    return {**result, "cleanedUp": removed}


def _capture(
    context_json: dict[str, Any], spec: dict[str, Any], outcome: dict[str, Any]
) -> dict[str, Any]:
    try:
        master = engine.run_async_step(read_master, context_json, spec)
        outcome["master"] = master
        engine.run_async_step(make_group, context_json, spec, engine.now().isoformat())
        if spec.get("backup"):
            outcome["backupSnapshotId"] = engine.run_async_step(
                snapshot, context_json, spec, master, True
            )
        snapshot_id = engine.run_async_step(snapshot, context_json, spec, master, False)
        outcome["snapshotId"] = snapshot_id
        engine.run_async_step(clone, context_json, spec, master, snapshot_id)
        checked = engine.run_async_step(
            run_command, context_json, spec, "gf-presysprep-checks", CHECK_SCRIPT
        )
        findings = report(checked["output"])
        outcome["report"] = findings.to_json()
        if findings.blocked and not spec.get("override"):
            return {**outcome, "state": "blocked", "error": "the pre-sysprep checks failed"}
        failed = run_scripts(context_json, spec, outcome, spec.get("scripts") or [])
        if failed is not None:
            return failed
        return seal(context_json, spec, outcome)
    except GoldfleetError as exc:
        return _failed(outcome, str(exc))
