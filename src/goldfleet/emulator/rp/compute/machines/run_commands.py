"""Run Commands on virtual machines, the action (``POST .../runCommand``) and the managed child
resource (``.../runCommands/{name}``), executed by the simulated guest.

The script runs on the VM's OS disk contents through ``guest.scripts.run_script``; the new
contents, exit code and output are applied when the simulated run ends. A managed run command
is ``Pending`` for ``runCommandQueue`` seconds, ``Running`` for as long as the script takes
(20 s + 1 s a line + what its lines cost), then ``Succeeded`` or ``Failed`` by exit code, or
``TimedOut`` after ``timeoutInSeconds`` (nothing it did is kept). Without ``asyncExecution`` the
PUT's operation completes when the script ends; with it, as soon as the script starts. A
script that ran ``sysprep /shutdown`` stops the VM. The VM must be running. Scripts at a
``scriptUri`` cannot be fetched: the run fails with a clear error. No HTTP here.
"""

from __future__ import annotations

import copy
from typing import Any

from goldfleet.emulator.arm.errors import not_found
from goldfleet.emulator.arm.lro import Operation
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import GuestContents, put_contents
from goldfleet.emulator.guest.scripts import run_script
from goldfleet.emulator.rp.compute import machine_errors as errors
from goldfleet.emulator.rp.compute import machine_operations, operations
from goldfleet.emulator.rp.compute.machine_contents import contents_for, contents_key
from goldfleet.emulator.rp.compute.machine_timing import seconds
from goldfleet.emulator.rp.compute.machines import vm_backend, vm_power
from goldfleet.emulator.rp.compute.naming import object_at
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.world import World

RUN_COMMAND = vm_backend.RUN_COMMANDS
ACTION_EVENT = "compute.vm.runCommand.done"
START_EVENT = "compute.runCommand.start"
END_EVENT = "compute.runCommand.end"
SCRIPT_COMMANDS = ("RunPowerShellScript", "RunShellScript")
DEFAULT_TIMEOUT = 5400  # 90 minutes, as for the action
_SECRET = ("protectedParameters", "runAsPassword")


def _require_running(vm: StoredResource) -> None:
    if vm_backend.power_of(vm) != "running":
        raise errors.vm_not_running(vm.body["name"])


def _execute(
    world: World, vm: StoredResource, name: str, script: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``script`` on a copy of the VM's contents: (result as JSON, new contents as JSON)."""
    contents = (contents_for(world, vm.id) or GuestContents()).copy()
    result = run_script(world, contents, name, script)
    outcome = {
        "exitCode": result.exit_code,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "seconds": result.duration_seconds,
        "shutdown": result.shutdown,
    }
    return outcome, contents.to_json()


def _apply(world: World, vm: StoredResource | None, outcome: dict[str, Any], data: Any) -> None:
    if vm is None or data is None:
        return
    put_contents(world, contents_key(world, vm.id), GuestContents.from_json(data))
    if outcome.get("shutdown"):
        vm_power.stopped_by_guest(world, vm)


# --- the action: POST .../runCommand -----------------------------------------------------------


def run_action(world: World, vm: StoredResource, body: dict[str, Any], caller: Caller) -> Operation:
    """VirtualMachines_RunCommand: the script runs; the operation's result is StdOut/StdErr."""
    _require_running(vm)
    command = str(body.get("commandId") or "")
    if not command:
        raise errors.required("commandId")
    if command not in SCRIPT_COMMANDS:
        raise errors.not_implemented(f"the built-in run command '{command}'")
    lines = body.get("script") or []
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise errors.invalid_value("script")
    outcome, data = _execute(world, vm, command, "\n".join(lines))
    op = machine_operations.begin(world, vm, caller, vm.body["location"], pending=False)
    machine_operations.later(
        world,
        float(outcome["seconds"]),
        ACTION_EVENT,
        {"vm": vm.id, "op": op.id, "outcome": outcome, "contents": data},
    )
    return op


def _component(stream: str, text: str) -> dict[str, Any]:
    return {
        "code": f"ComponentStatus/{stream}/succeeded",
        "level": "Info",
        "displayStatus": "Provisioning succeeded",
        "message": text,
    }


def _action_done(world: World, args: dict[str, Any]) -> None:
    outcome = args["outcome"]
    _apply(world, world.store.get(args["vm"]), outcome, args["contents"])
    body = {
        "value": [_component("StdOut", outcome["stdout"]), _component("StdErr", outcome["stderr"])]
    }
    machine_operations.finish(world, args["op"], body=body)


# --- the managed resource: .../runCommands/{name} ----------------------------------------------


def run_command_id(vm: StoredResource, name: str) -> str:
    return f"{vm.id}/runCommands/{name}"


def get_run_command(world: World, vm: StoredResource, name: str) -> StoredResource:
    item = world.store.get(run_command_id(vm, name))
    if item is None:
        raise not_found(RUN_COMMAND, f"{vm.body['name']}/runCommands/{name}", vm.id.split("/")[4])
    return item


def run_commands_of(world: World, vm: StoredResource) -> list[StoredResource]:
    return world.store.children(vm.id, RUN_COMMAND)


def view(item: StoredResource, *, with_instance_view: bool = False) -> dict[str, Any]:
    body = copy.deepcopy(item.body)
    if with_instance_view:
        body["properties"]["instanceView"] = instance_view(item)
    return body


def instance_view(item: StoredResource) -> dict[str, Any]:
    run = item.meta.get("run") or {}
    state = str(item.body["properties"].get("provisioningState", "Succeeded")).lower()
    out: dict[str, Any] = {
        "executionState": run.get("state", "Unknown"),
        "executionMessage": run.get("message", ""),
        "exitCode": run.get("exitCode", 0),
        "output": run.get("output", ""),
        "error": run.get("error", ""),
        "statuses": [
            {
                "code": f"ProvisioningState/{state}",
                "level": "Info",
                "displayStatus": f"Provisioning {state}",
            }
        ],
    }
    for key in ("startTime", "endTime"):
        if run.get(key):
            out[key] = run[key]
    return out


def put_run_command(
    world: World,
    vm: StoredResource,
    name: str,
    body: dict[str, Any],
    caller: Caller,
    *,
    merge: bool = False,
) -> tuple[StoredResource, Operation, bool]:
    """VirtualMachineRunCommands_CreateOrUpdate (and _Update with ``merge``): stored, then run."""
    _require_running(vm)
    existing = world.store.get(run_command_id(vm, name))
    props = object_at(body, "properties", "properties")
    if merge and existing is not None:
        props = {**existing.body["properties"], **props}
    source = object_at(props, "source", "properties.source")
    if not (source.get("script") or source.get("scriptUri") or source.get("commandId")):
        raise errors.required("properties.source")
    timeout = props.get("timeoutInSeconds", 0)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 0:
        raise errors.invalid_value("properties.timeoutInSeconds")
    stored = {k: copy.deepcopy(v) for k, v in props.items() if k not in (*_SECRET, "instanceView")}
    stored.setdefault("asyncExecution", False)
    stored.setdefault("treatFailureAsDeploymentFailure", False)
    stored["timeoutInSeconds"] = timeout
    stored["provisioningState"] = "Updating" if existing else "Creating"
    item_body = {
        "id": run_command_id(vm, name),
        "name": name,
        "type": RUN_COMMAND,
        "location": vm.body["location"],
        "tags": dict(
            body.get("tags") or (existing.body.get("tags") if existing and merge else {}) or {}
        ),
        "properties": stored,
    }
    item = world.store.put(item_body)
    item.meta["run"] = {"state": "Pending", "exitCode": 0, "output": "", "error": ""}
    operations.stamp_system_data(world, item.body, caller)
    op = machine_operations.begin(world, item, caller, vm.body["location"])
    gen = machine_operations.bump(item)
    machine_operations.later(
        world, seconds(world, "runCommandQueue"), START_EVENT, {"id": item.id, "gen": gen}
    )
    return item, op, existing is None


def _start(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is None or machine_operations.generation(item) != int(args["gen"]):
        return
    vm = world.store.get(item.id.rsplit("/runCommands/", 1)[0])
    props = item.body["properties"]
    source = props.get("source") or {}
    run = item.meta.setdefault("run", {})
    run.update(state="Running", startTime=machine_operations.due_iso(world, args))
    if vm is None or vm_backend.power_of(vm) != "running":
        _end(
            world,
            {
                **args,
                "outcome": {"exitCode": -1, "stdout": "", "stderr": "The VM is not running."},
                "contents": None,
            },
        )
        return
    if source.get("scriptUri") and not source.get("script"):
        message = errors.run_command_script_uri(str(source["scriptUri"]))
        _end(
            world,
            {
                **args,
                "outcome": {"exitCode": -1, "stdout": "", "stderr": message},
                "contents": None,
            },
        )
        return
    outcome, executed = _execute(world, vm, item.body["name"], str(source.get("script") or ""))
    data: dict[str, Any] | None = executed
    timeout = int(props.get("timeoutInSeconds") or 0) or DEFAULT_TIMEOUT
    duration = float(outcome["seconds"])
    if duration > timeout:
        outcome = {"exitCode": -1, "stdout": "", "stderr": "", "timedOut": True}
        data, duration = None, float(timeout)
    if props.get("asyncExecution"):
        props["provisioningState"] = "Succeeded"
        operations.finish_pending(world, item, body=view(item))
    machine_operations.later(
        world,
        duration,
        END_EVENT,
        {**args, "outcome": outcome, "contents": data},
        base=machine_operations.due_time(world, args),
    )


def _end(world: World, args: dict[str, Any]) -> None:
    item = world.store.get(args["id"])
    if item is None or machine_operations.generation(item) != int(args["gen"]):
        return
    outcome = args["outcome"]
    vm = world.store.get(item.id.rsplit("/runCommands/", 1)[0])
    _apply(world, vm, outcome, args.get("contents"))
    run = item.meta.setdefault("run", {})
    if outcome.get("timedOut"):
        state = "TimedOut"
    else:
        state = "Succeeded" if outcome["exitCode"] == 0 else "Failed"
    run.update(
        state=state,
        exitCode=outcome["exitCode"],
        output=outcome.get("stdout", ""),
        error=outcome.get("stderr", ""),
        endTime=machine_operations.due_iso(world, args),
        message="" if state == "Succeeded" else f"Execution {state.lower()}.",
    )
    props = item.body["properties"]
    failed = state != "Succeeded" and props.get("treatFailureAsDeploymentFailure")
    props["provisioningState"] = "Failed" if failed else "Succeeded"
    error = None
    if failed:
        error = {
            "code": "VMExtensionProvisioningError",
            "message": f"Run command '{item.body['name']}' ended with executionState {state} "
            f"(exit code {outcome['exitCode']}).",
        }
    operations.finish_pending(world, item, body=view(item), error=error)


def delete_run_command(
    world: World, vm: StoredResource, name: str, caller: Caller
) -> Operation | None:
    """VirtualMachineRunCommands_Delete: None when there is no such run command."""
    item = world.store.get(run_command_id(vm, name))
    if item is None:
        return None
    operations.preempt_pending(world, item)
    machine_operations.bump(item)
    op = machine_operations.begin(world, item, caller, vm.body["location"], pending=False)
    world.delete_resource(item.id)
    machine_operations.finish(world, op.id)
    return op


def register_events(world: World) -> None:
    world.scheduler.register(ACTION_EVENT, _action_done)
    world.scheduler.register(START_EVENT, _start)
    world.scheduler.register(END_EVENT, _end)
