"""DR for a host pool: its standby scale set in the DR region, durably (workflows ``dr.scale``
and ``dr.drill``).

* ``dr.scale``: write the model (the newest promoted version replicated to the DR region, a
  fresh registration token) with the capacity asked for; wait until every instance is
  registered with the DR host pool, ``Available`` and healthy (or ``readyTimeout``); remove the
  session hosts whose VM is gone (instances deleted by a scale-in). Capacity 0 with an unchanged
  version is how the model is kept current (``goldfleet dr sync``).
* ``dr.drill``: scale out by ``instances``, verify that each new instance registers and is
  healthy, delete exactly those instances and their session hosts, and report (time to ready
  per host, problems, the capacity restored).

Both read the scale set first and decide from what is there, so a worker that crashed resumes
without making a second set of instances.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

from goldfleet import engine
from goldfleet.domain.dr import DrillHost, drill_problems
from goldfleet.domain.ownership import OwnerKind
from goldfleet.lifecycle import dr_steps, rollout_steps
from goldfleet.lifecycle.context import acts_for
from goldfleet.lifecycle.rollout import ROLLOUTS

T = TypeVar("T")
POLL = timedelta(minutes=1)
QUEUE = ROLLOUTS  # DR work runs on the same workers as rollouts


class _Run:
    def __init__(self, context_json: dict[str, Any], spec: dict[str, Any]) -> None:
        self.context, self.spec = context_json, spec
        self.timeout = timedelta(seconds=int(spec.get("readyTimeoutSeconds") or 1800))

    def call(self, step: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        return engine.run_async_step(step, self.context, self.spec, *args)

    def report(self) -> dict[str, Any]:
        return {
            "pool": self.spec["primaryPool"],
            "drPool": self.spec["pool"],
            "scaleSet": self.spec["scaleSet"],
            "region": self.spec["location"],
            "version": self.spec["versionId"],
        }

    def instances(self) -> list[dict[str, Any]]:
        found = self.call(dr_steps.read)
        return list(found["instances"]) if found else []

    def wait_ready(self, vm_ids: list[str], started: datetime) -> list[DrillHost]:
        """Wait until each VM's session host is healthy, or the time is up."""
        deadline = started + self.timeout
        ready: dict[str, float] = {}
        last: dict[str, dict[str, Any]] = {}
        while True:
            for host in self.call(rollout_steps.session_hosts):
                vm_id = str(host["vmId"]).lower()
                last[vm_id] = host
                if host["healthy"] and vm_id not in ready:
                    ready[vm_id] = (engine.now() - started).total_seconds()
            if all(v.lower() in ready for v in vm_ids) or engine.now() >= deadline:
                break
            engine.sleep_until(engine.now() + POLL)
        hosts = []
        for vm_id in vm_ids:
            seen = last.get(vm_id.lower())
            hosts.append(
                DrillHost(
                    name=vm_id.rstrip("/").rsplit("/", 1)[-1],
                    registered=seen is not None,
                    status=seen["status"] if seen else None,
                    healthy=vm_id.lower() in ready,
                    ready_after_seconds=ready.get(vm_id.lower()),
                )
            )
        return hosts

    def remove_ghosts(self) -> list[str]:
        """Session hosts of the DR pool whose VM is no longer an instance."""
        alive = {str(i["vmId"]).lower() for i in self.instances()}
        ghosts = [
            str(h["name"])
            for h in self.call(rollout_steps.session_hosts)
            if str(h["vmId"]).lower() not in alive
        ]
        if ghosts:  # only those whose VM is gone: another's machine registered here stays
            ghosts = self.call(rollout_steps.ghosts_among, ghosts)
        if ghosts:
            self.call(rollout_steps.remove_ghosts, ghosts)
        return ghosts


def _host_json(host: DrillHost) -> dict[str, Any]:
    return {
        "name": host.name,
        "registered": host.registered,
        "status": host.status,
        "healthy": host.healthy,
        "readyAfterSeconds": host.ready_after_seconds,
    }


@engine.workflow("dr.scale")
@acts_for(OwnerKind.POOL, lambda _, spec: spec["primaryPool"])
def scale(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Bring the standby scale set to ``spec['capacity']`` (None: as many as it has) on the
    current model (see the module docstring)."""
    run = _Run(context_json, spec)
    report = run.report()
    started = engine.now()
    before = run.instances()
    capacity = len(before) if spec.get("capacity") is None else int(spec["capacity"])
    written = run.call(dr_steps.write_model, capacity, started.isoformat())
    report["capacityBefore"] = len(before)
    if written["error"]:
        report.update(state="failed", reason=written["error"], ghostsRemoved=run.remove_ghosts())
        return report
    instances = run.instances()
    hosts = run.wait_ready([str(i["vmId"]) for i in instances], started)
    report["ghostsRemoved"] = run.remove_ghosts()
    report["capacity"] = len(instances)
    report["hosts"] = [_host_json(h) for h in hosts]
    unready = [h.name for h in hosts if not h.healthy]
    report["state"] = "failed" if unready else "done"
    if unready:
        report["reason"] = f"not healthy within {run.timeout}: {', '.join(unready)}"
    return report


@engine.workflow("dr.drill")
@acts_for(OwnerKind.POOL, lambda _, spec: spec["primaryPool"])
def drill(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Scale out by ``spec['instances']``, verify, scale back in, report (see the module
    docstring)."""
    run = _Run(context_json, spec)
    instances = int(spec["instances"])
    report = run.report()
    started = engine.now()
    before = run.instances()
    known = {str(i["vmId"]).lower() for i in before}
    written = run.call(dr_steps.write_model, len(before) + instances, started.isoformat())
    made = [i for i in run.instances() if str(i["vmId"]).lower() not in known]
    hosts = run.wait_ready([str(i["vmId"]) for i in made], started) if made else []
    if made:
        run.call(dr_steps.delete_instances, [str(i["name"]) for i in made])
    left = run.instances()
    if len(left) != len(before):  # a failed scale-out may leave the capacity raised
        run.call(dr_steps.write_model, len(before), engine.now().isoformat())
        left = run.instances()
    report["ghostsRemoved"] = run.remove_ghosts()
    problems = drill_problems(instances, hosts, written["error"], len(left), len(before))
    report.update(
        state="passed" if not problems else "failed",
        problems=problems,
        instancesAsked=instances,
        hosts=[_host_json(h) for h in hosts],
        capacityBefore=len(before),
        capacityAfter=len(left),
        startedAt=started.isoformat(),
        finishedAt=engine.now().isoformat(),
        minutes=round((engine.now() - started).total_seconds() / 60, 1),
    )
    return report


__all__ = ["QUEUE", "drill", "scale"]
