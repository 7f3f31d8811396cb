"""Re-imaging one host pool to a new image version, durably (workflow ``pool.rollout``).

The workflow is state-driven: every batch starts from what Azure says the pool is now
(``observe``), so a rollout that stopped at a window's end, or whose worker crashed, carries on
from where the pool is, and a step that runs again finds what it made.

A batch, in the pool's maintenance window only (it starts only if it is expected to finish
before the window closes):

* **sideBySide**: create new hosts (at most ``maxSurge``) on the target version, wait until each
  is registered, ``Available`` and healthy (``hostReadyTimeout``), then empty as many old hosts
  and retire them;
* **deleteFirst**: empty old hosts (never below ``minAvailablePercent`` of the pool serving),
  remove them, and create their replacements (same names with ``keepNames``).

Emptying a host: drain it (no new sessions), message its users, wait the grace period, then
either wait for them to sign out (``Wait``: into the next window if need be, and the host is
undrained when the window closes so that no host stays drained without a reason) or log them
off (``Force``). Personal pools are never drained or messaged: a host is replaced when its
assigned user is signed out, and the assignment moves to the new host.

The first batch is the canary (``canary.hosts`` hosts, watched for its bake time); a canary that
fails stops the rollout with the old hosts untouched. Failed new hosts are deleted and count
against the failure budget; past it the rollout halts. Batches double after each success
(``progressive``). Retired hosts are kept deallocated (``keepOldHostsDays``) for ``pool
rollback``, or deleted.

Under a scaling plan with an exclusion tag, the hosts a batch works on carry the tag (new ones
from creation, old ones before they are drained) so that autoscale leaves them alone; new hosts
lose it when their batch is done, kept old hosts keep it. Hosts autoscale deallocated are taken
as they are: an old one is empty, a new one is on target (never started against the plan).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

from goldfleet import engine
from goldfleet.domain.ownership import OwnerKind
from goldfleet.domain.replacement import (
    PoolHost,
    drift,
    free_names,
    grown,
    next_batch,
    outdated,
)
from goldfleet.domain.rollout import LogoffMode, RolloutPolicy, RolloutStrategy, policy_from_json
from goldfleet.domain.scaling import ScalingPlan, floor_hosts
from goldfleet.domain.windows import MaintenanceSchedule, WindowInstance
from goldfleet.lifecycle import rollout_steps as steps
from goldfleet.lifecycle.context import acts_for

T = TypeVar("T")
ROLLOUTS = engine.queue("rollouts", worker_concurrency=50)
POLL = timedelta(minutes=1)  # while new hosts come up
SIGN_OUT_POLL = timedelta(minutes=1)  # while waiting for users to sign out (one call a minute)
CLOSING_MARGIN = timedelta(minutes=5)  # undrain this long before the window closes
FIRST_ESTIMATE = timedelta(minutes=30)  # a batch's duration before one was measured


class _Run:
    """The rollout's running state and report (JSON-able values only)."""

    def __init__(self, context_json: dict[str, Any], spec: dict[str, Any]) -> None:
        self.context = context_json
        self.spec = spec
        self.policy: RolloutPolicy = policy_from_json(spec["policy"])
        self.schedule = MaintenanceSchedule.from_json(spec["schedule"])
        self.version = str(spec["versionId"])
        self.size = str(spec["size"])
        self.count = int(spec["count"])
        self.personal = spec["poolType"] == "personal"
        plan = spec.get("scalingPlan")
        self.scaling_plan = ScalingPlan.from_json(plan) if plan else None
        self.failures = 0
        self.canary = False  # the batch running is the canary
        self.create_time = timedelta(0)  # the longest creation of a batch's hosts so far
        self.report: dict[str, Any] = {
            "pool": spec["pool"],
            "version": self.version,
            "strategy": self.policy.strategy.value,
            "state": "running",
            "created": [],
            "retired": [],
            "failed": {},
            "batches": [],
            "windowsWaited": 0,
            "forcedLogoffs": 0,
            "messagedSessions": 0,
            "ghostsRemoved": [],
            "foreignHosts": [],  # registered here, but another's VM: left alone
            "orphansRemoved": [],
            "expiredRemoved": [],
        }

    def call(self, step: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """Run one of the async steps with the rollout's context and spec."""
        return engine.run_async_step(step, self.context, self.spec, *args)

    def hosts(self) -> list[PoolHost]:
        seen = self.call(steps.observe)
        if seen["ghosts"]:
            self.call(steps.remove_ghosts, seen["ghosts"])
            self.report["ghostsRemoved"].extend(seen["ghosts"])
        for name in seen.get("foreign") or ():
            if name not in self.report["foreignHosts"]:
                self.report["foreignHosts"].append(name)
        hosts = [PoolHost.from_json(h) for h in seen["hosts"]]
        if any(h.retired_at or h.session_host is None for h in hosts):
            now = engine.now()
            orphans = [h.name for h in hosts if self._orphan(h, now)]
            if orphans:
                self.call(steps.delete_hosts, orphans)
                self.report["orphansRemoved"].extend(orphans)
            expired = [h.name for h in hosts if self._expired(h, now)]
            if expired:  # kept for rollback long enough
                self.call(steps.delete_hosts, expired)
                self.report["expiredRemoved"].extend(expired)
            hosts = [h for h in hosts if h.name not in orphans + expired]
        return hosts

    def _orphan(self, host: PoolHost, now: datetime) -> bool:
        """A VM goldfleet made that never registered, long after it should have."""
        if host.session_host is not None or not host.created_at or host.retired_at:
            return False
        made = datetime.fromisoformat(host.created_at)
        return now - made > self.policy.host_ready_timeout

    def _expired(self, host: PoolHost, now: datetime) -> bool:
        """A retired host kept longer than ``keepOldHostsDays``."""
        if not host.retired_at:
            return False
        kept = now - datetime.fromisoformat(host.retired_at)
        return kept > timedelta(days=self.policy.keep_old_hosts_days)

    def on_target(self, hosts: list[PoolHost]) -> list[PoolHost]:
        return [h for h in hosts if h.retired_at is None and not drift(h, self.version, self.size)]


def _wait_ready(run: _Run, names: list[str], failed: dict[str, str]) -> list[str]:
    """Wait until each new host is registered, Available and healthy, or its time is up; the
    hosts that never got there are added to ``failed``. Returns the ready hosts' VM names."""
    deadline = engine.now() + run.policy.host_ready_timeout
    waiting = [n for n in names if n not in failed]
    ready: list[str] = []
    last: dict[str, dict[str, Any]] = {}
    while waiting:
        for host in run.call(steps.session_hosts):
            vm = str(host["vmId"]).rstrip("/").rsplit("/", 1)[-1].lower()
            last[vm] = host
        for name in list(waiting):
            found = last.get(name.lower())
            if found is not None and found["healthy"]:
                ready.append(name)
                waiting.remove(name)
        if not waiting:
            break
        if engine.now() >= deadline:
            for name in waiting:
                found = last.get(name.lower())
                failed[name] = (
                    f"registered {found['status']} with failed checks "
                    f"{', '.join(found['failedChecks']) or 'none'}"
                    if found
                    else "never registered with the host pool"
                ) + f" within {run.policy.host_ready_timeout}"
            break
        engine.sleep_until(engine.now() + POLL)
    return ready


def _exclude(run: _Run, names: list[str], exclude: bool) -> None:
    """Tag (or untag) VMs with the scaling plan's exclusion tag: autoscale must not power or
    drain the hosts a rollout works on (``steps.exclude_from_scaling``)."""
    if names and run.scaling_plan is not None and run.scaling_plan.exclusion_tag:
        run.call(steps.exclude_from_scaling, names, exclude)


def _empty(run: _Run, hosts: list[PoolHost], window: WindowInstance | None) -> list[PoolHost]:
    """Empty the hosts of users (see the module docstring). Returns those that are empty; the
    others are undrained again (their users stay) because the window is closing. The hosts are
    excluded from autoscale first (a host autoscale already deallocated is simply empty)."""
    if not hosts:
        return []
    _exclude(run, [h.name for h in hosts], True)
    names = [h.session_host for h in hosts if h.session_host]
    if not run.personal and names:
        run.call(steps.allow_sessions, names, False)
        counts = run.call(steps.sessions_on, names)
        if any(counts.values()):
            run.report["messagedSessions"] += run.call(
                steps.message_users,
                names,
                run.policy.drain_message.title,
                run.policy.drain_message.body,
            )
            engine.sleep_until(engine.now() + run.policy.grace_period)
    while True:
        counts = run.call(steps.sessions_on, names) if names else {}
        busy = [n for n, c in counts.items() if c]
        if not busy:
            return hosts
        if run.policy.logoff is LogoffMode.FORCE and not run.personal:
            run.report["forcedLogoffs"] += run.call(steps.log_off, busy)
            return hosts
        if window is not None and engine.now() + SIGN_OUT_POLL + CLOSING_MARGIN >= window.end:
            if not run.personal:
                run.call(steps.allow_sessions, busy, True)
            _exclude(run, [h.name for h in hosts if h.session_host in busy], False)
            return [h for h in hosts if h.session_host not in busy]
        engine.sleep_until(engine.now() + SIGN_OUT_POLL)


def _create(run: _Run, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Create hosts and wait for them; failed ones are deleted. (ready, failed)."""
    if not names:
        return [], {}
    began = engine.now()
    failed = run.call(steps.create_hosts, names, began.isoformat())
    ready = _wait_ready(run, names, failed)
    run.create_time = max(run.create_time, engine.now() - began)
    if failed:
        run.call(steps.delete_hosts, sorted(failed))
        run.failures += len(failed)
        run.report["failed"].update(failed)
    run.report["created"].extend(ready)
    return ready, failed


def _retire(run: _Run, hosts: list[PoolHost]) -> None:
    if hosts:
        keep = run.policy.keep_old_hosts_days > 0
        run.call(steps.retire, [h.to_json() for h in hosts], keep, engine.now().isoformat())
        run.report["retired"].extend(h.name for h in hosts)


def _move_users(run: _Run, old: list[PoolHost], new: list[str]) -> None:
    """Personal pools: each emptied host's assigned user goes to a new host."""
    if not run.personal:
        return
    fresh = {h.name: h for h in run.hosts()}
    pairs = []
    for before, name in zip([h for h in old if h.assigned_user], new, strict=False):
        after = fresh.get(name)
        if after is not None and after.session_host and before.assigned_user:
            still = before.session_host if before.name in fresh else ""
            pairs.append((still or "", after.session_host, before.assigned_user))
    if pairs:
        run.call(steps.assign, pairs)


def _side_by_side(
    run: _Run, hosts: list[PoolHost], todo: list[PoolHost], n: int, window: WindowInstance | None
) -> tuple[bool, list[str]]:
    current = run.on_target(hosts)
    create = min(n, max(0, run.count - len(current)))
    names = free_names(run.spec["namePrefix"], [h.name for h in hosts], create)
    ready, failed = _create(run, names)
    if run.canary and ready and not failed:
        failed = _bake(run, ready)
    if run.canary and failed:
        run.call(steps.delete_hosts, ready)  # the old hosts stay as they were
        return False, names
    room = len(current) + len(ready) + len(todo) - run.count
    old = todo[: max(0, min(n, len(todo), room))]
    emptied = _empty(run, old, window)
    _move_users(run, emptied, ready)
    _retire(run, emptied)  # kept hosts stay excluded: autoscale must not start them
    _exclude(run, ready, False)  # the new hosts are the scaling plan's from now on
    return not failed, names


def _delete_first(
    run: _Run, hosts: list[PoolHost], todo: list[PoolHost], n: int, window: WindowInstance | None
) -> tuple[bool, list[str]]:
    current = run.on_target(hosts)
    old = todo[:n]
    emptied = _empty(run, old, window)
    if emptied:
        run.call(steps.delete_hosts, [h.name for h in emptied])
        run.report["retired"].extend(h.name for h in emptied)
    missing = max(0, run.count - len(current) - (len(todo) - len(emptied)))
    taken = [h.name for h in hosts if h not in emptied]
    if run.policy.keep_names:
        names = [h.name for h in emptied][:missing]
        names += free_names(run.spec["namePrefix"], taken + names, missing - len(names))
    else:
        names = free_names(run.spec["namePrefix"], [h.name for h in hosts], missing)
    ready, failed = _create(run, names)
    if run.canary and ready and not failed:
        failed = _bake(run, ready)
    if run.personal:
        _assign_kept(run, emptied, ready)
    _exclude(run, ready, False)
    return not failed, names


def _assign_kept(run: _Run, emptied: list[PoolHost], ready: list[str]) -> None:
    fresh = {h.name: h for h in run.hosts()}
    pairs = [
        ("", fresh[name].session_host or "", old.assigned_user)
        for old, name in zip(emptied, ready, strict=False)
        if old.assigned_user and name in fresh and fresh[name].session_host
    ]
    if pairs:
        run.call(steps.assign, pairs)


def _bake(run: _Run, names: list[str]) -> dict[str, str]:
    """Watch the canary for its bake time; the hosts that did not stay healthy, and why (they
    are counted and reported as failed)."""
    engine.sleep_until(engine.now() + run.policy.canary.bake_time)
    seen = {
        str(h["vmId"]).rstrip("/").rsplit("/", 1)[-1].lower(): h
        for h in run.call(steps.session_hosts)
    }
    failed = {
        n: f"went {seen[n.lower()]['status']} during the canary's bake time"
        if n.lower() in seen
        else "left the host pool during the canary's bake time"
        for n in names
        if not seen.get(n.lower(), {}).get("healthy")
    }
    run.failures += len(failed)
    run.report["failed"].update(failed)
    return failed


def _batch_size(run: _Run, hosts: list[PoolHost], todo: list[PoolHost], wanted: int) -> int:
    """How many hosts the next batch replaces or adds; 0 (the report says why) when the
    capacity floor lets none go."""
    serving = sum(h.serving for h in hosts)
    missing = max(0, run.count - len(run.on_target(hosts)) - len(todo))
    if not todo:  # only hosts to add (a new pool, or hosts lost): nothing goes, no floor
        return min(wanted, missing)
    floor = floor_hosts(run.count, run.policy.min_available_percent, run.scaling_plan, engine.now())
    n = next_batch(run.policy, wanted, len(todo) + missing, serving, run.count, floor)
    if n == 0:
        run.report["state"] = "blocked"
        run.report["reason"] = (
            f"only {serving} hosts serve and the capacity floor is {floor}"
            + (f" (scaling plan {run.scaling_plan.name})" if run.scaling_plan else "")
            + ": no host may go now; bring the pool's hosts back to Available and run the "
            "rollout again"
        )
    return n


def _batch(
    run: _Run, hosts: list[PoolHost], todo: list[PoolHost], n: int, window: WindowInstance | None
) -> bool:
    """Run one batch of the pool's strategy and record it in the report; whether it went well."""
    began = engine.now()
    messaged = run.report["messagedSessions"]
    retired = len(run.report["retired"])
    if run.policy.strategy is RolloutStrategy.SIDE_BY_SIDE:
        ok, names = _side_by_side(run, hosts, todo, n, window)
    else:
        ok, names = _delete_first(run, hosts, todo, n, window)
    run.report["batches"].append(
        {
            "started": began.isoformat(),
            "ended": engine.now().isoformat(),
            "hosts": names,
            "retired": run.report["retired"][retired:],
            "canary": run.canary,
            "ok": ok,
            "messaged": run.report["messagedSessions"] - messaged,
        }
    )
    return ok


@engine.workflow("pool.rollout")
@acts_for(OwnerKind.POOL, lambda _, spec: spec["pool"])
def rollout(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Re-image one pool to ``spec['versionId']`` (see the module docstring)."""
    run = _Run(context_json, spec)
    policy = run.policy
    canary_left = policy.canary.hosts
    batch = max(1, policy.batch_size)
    estimate = FIRST_ESTIMATE + policy.grace_period
    while True:
        hosts = run.hosts()
        todo = outdated(hosts, run.version, run.size)
        if not todo and len(run.on_target(hosts)) >= run.count:
            run.report["state"] = "done"
            break
        now = engine.now()
        start, window = run.schedule.batch_start(now, estimate)
        if start > now:
            run.report["windowsWaited"] += 1
            engine.sleep_until(start)
            continue
        n = _batch_size(run, hosts, todo, canary_left or batch)
        if n == 0:
            break
        run.canary = bool(canary_left)
        ok = _batch(run, hosts, todo, n, window)
        if canary_left and not ok:
            run.report["state"] = "stoppedAtCanary"
            run.report["reason"] = (
                "the canary failed; the pool's other hosts were not touched. Fix the image "
                "and release a new version"
            )
            break
        if run.failures > policy.failure_budget:
            run.report["state"] = "halted"
            run.report["reason"] = (
                f"{run.failures} new hosts failed, more than the failure budget of "
                f"{policy.failure_budget}"
            )
            break
        if ok and canary_left:
            canary_left = 0
        elif ok:
            batch = grown(policy, batch)
        # What the next batch needs before the window closes: making its hosts (as long as
        # the slowest batch so far), the grace, and the margin. Waiting for users to sign out
        # is not counted: under Wait it may run into the next window by design.
        if run.create_time:
            estimate = run.create_time + policy.grace_period + CLOSING_MARGIN
    return run.report


@engine.workflow("pool.rollback")
@acts_for(OwnerKind.POOL, lambda _, spec: spec["pool"])
def rollback(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Back to the hosts the last rollout kept, at once: start them, wait until they serve,
    then empty the hosts that replaced them (as the policy says) and delete them."""
    run = _Run(context_json, spec)
    hosts = run.hosts()
    kept = [h for h in hosts if h.retired_at]
    if not kept:
        run.report["state"] = "nothing to roll back"
        run.report["reason"] = (
            "no host of the pool is kept deallocated (keepOldHostsDays is 0, or they were "
            "deleted after their days)"
        )
        return run.report
    run.version = kept[0].version_id
    run.report["version"] = run.version
    run.call(steps.restore, [h.to_json() for h in kept])
    failed: dict[str, str] = {}
    ready = _wait_ready(run, [h.name for h in kept], failed)
    run.report["failed"].update(failed)
    run.report["created"].extend(ready)  # back in service
    _exclude(run, ready, False)
    replaced = [h for h in run.hosts() if not h.retired_at and h.name not in ready]
    replaced = [h for h in replaced if drift(h, run.version, run.size)]
    # A rollback is the way out of a bad version: it does not wait for a window. The hosts
    # that replaced the kept ones are still emptied as the policy says (Wait never logs off).
    emptied = _empty(run, replaced, None)
    if emptied:
        run.call(steps.delete_hosts, [h.name for h in emptied])
        run.report["retired"].extend(h.name for h in emptied)
    run.report["state"] = "done" if not failed else "incomplete"
    return run.report
