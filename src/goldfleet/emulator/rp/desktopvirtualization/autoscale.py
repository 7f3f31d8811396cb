"""Autoscale (power management) for pooled host pools: the scaling plan acts on the simulated
clock, as Azure Virtual Desktop's service does, by starting and deallocating session hosts' VMs
through Compute (the same long-running operations a client's Start and Deallocate make, so the
VM's instance view and the session host's status show them like any other power change).

Rules (Microsoft's "Autoscale scaling plans and example scenarios", its glossary, FAQ and
"Create and assign an autoscale scaling plan"):

* *Available capacity* = ``maxSessionLimit`` x available hosts (running and ``Available``; a host
  autoscale is starting counts, a host it is shutting down does not); *used capacity* = the
  pool's sessions (active and disconnected) / available capacity.
* The minimum percentage of hosts is of all the pool's session hosts (those excluded by tag
  included), rounded up; hosts that are on count towards it, excluded ones too.
* Hosts are started (not drained first) while fewer than the minimum are on or while the used
  capacity is above the threshold; equal does nothing.
* Outside ramp-up, a host is turned off while doing so keeps the minimum and leaves the used
  capacity at or below the threshold: the one with the fewest sessions. Autoscale drains it; an
  empty host is deallocated at once, a host with sessions when they are gone (in ramp-down,
  ``rampDownStopHostsWhen`` ZeroActiveSessions: when none is active; the disconnected ones are
  then logged off) or, in ramp-down with ``rampDownForceLogoffUsers``, after its users were sent
  ``rampDownNotificationMessage`` and ``rampDownWaitTimeMinutes`` passed (only while ramp-down
  lasts). A host whose shutdown the capacity no longer allows is undrained. When autoscale has
  deallocated a VM it sets ``allowNewSession`` back to true.
* A VM with a tag named as the plan's ``exclusionTag`` is never started, stopped or drained or
  undrained. Drain mode set by someone else does not stop autoscale (it "overrides drain
  mode"): it prefers undrained hosts when it starts one, but starts a drained one when no other
  is left.
* The phase's load-balancing algorithm replaces the pool's ``loadBalancerType`` for the
  simulated users (``balancer``); the pool's property is not changed.

Evaluations run every ``TICK_SECONDS`` while a plan is enabled on a pool, when a plan is
written, and when a session of a managed pool ends. Every action is recorded (``actions``).
"""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.compute.machines import vm_backend, vm_power
from goldfleet.emulator.rp.compute.managed_images.backend import is_generalized
from goldfleet.emulator.rp.compute.naming import VIRTUAL_MACHINE
from goldfleet.emulator.rp.compute.operations import Caller
from goldfleet.emulator.rp.desktopvirtualization import model, scaling_plans, sessions
from goldfleet.emulator.rp.desktopvirtualization.autoscale_phases import (
    PhaseRules,
    phase_at,
    rules_of,
)
from goldfleet.emulator.rp.desktopvirtualization.model import SESSION_HOST, USER_SESSION
from goldfleet.emulator.world import World

TICK = "desktopvirtualization.autoscale.tick"
EVALUATE = "desktopvirtualization.autoscale.evaluate"
LOGOFF = "desktopvirtualization.autoscale.logoff"
TICK_SECONDS = 300.0
# The first-party "Azure Virtual Desktop" application autoscale acts as.
AVD_APP_ID = "9cdead84-a844-4324-93f2-b2e6bb768d07"
ON = ("running", "starting")


def _state(world: World) -> dict[str, Any]:
    data: dict[str, Any] = model.section(world).setdefault("autoscale", {})
    for key in ("managed", "soon", "stopping", "algorithm"):
        data.setdefault(key, {})
    data.setdefault("actions", [])
    return data


def actions(world: World) -> list[dict[str, Any]]:
    """Every autoscale action: ``{time, hostPoolId, sessionHostId, action, phase, detail}``."""
    return list(_state(world)["actions"])


def balancer(world: World, pool_id: str) -> str | None:
    """The load-balancing algorithm the pool's scaling plan has in force (None: none)."""
    found = _state(world)["algorithm"].get(pool_id.lower())
    return str(found) if found else None


def _record(
    world: World, host: StoredResource, action: str, rules: PhaseRules | None, detail: str = ""
) -> None:
    _state(world)["actions"].append(
        {
            "time": iso(world.now_dt()),
            "hostPoolId": host.id.rsplit("/sessionHosts/", 1)[0],
            "sessionHostId": host.id,
            "action": action,
            "phase": rules.phase if rules else None,
            "detail": detail,
        }
    )


def _caller(world: World, vm: StoredResource) -> Caller:
    sub = world.subscription(vm.id.split("/")[2])
    tenant = sub.tenant_id if sub is not None else ""
    principal = str(uuid.uuid5(uuid.NAMESPACE_URL, f"avd-autoscale/{tenant}"))
    return Caller(tenant_id=tenant, object_id=principal, app_id=AVD_APP_ID)


# --- when autoscale evaluates ------------------------------------------------------------------


def _managed_pools(world: World) -> dict[str, tuple[StoredResource, StoredResource]]:
    """Pool id (lower) -> (pool, plan) for every pool with an enabled pooled plan."""
    found: dict[str, tuple[StoredResource, StoredResource]] = {}
    for sub in list(world.subscriptions.values()):
        for plan in scaling_plans.plans_in_subscription(world, sub.subscription_id):
            props = plan.body["properties"]
            if props.get("hostPoolType") != "Pooled":
                continue
            for ref in props.get("hostPoolReferences") or ():
                pool = world.store.get(str(ref.get("hostPoolArmPath") or ""))
                if pool is not None and ref.get("scalingPlanEnabled"):
                    found[pool.id.lower()] = (pool, plan)
    return found


def plan_changed(world: World, plan: StoredResource) -> None:
    """A plan was written: its changes apply at once, and the periodic evaluation runs."""
    for ref in plan.body["properties"].get("hostPoolReferences") or ():
        request_evaluation(world, str(ref.get("hostPoolArmPath") or ""))
    _ensure_ticking(world)


def request_evaluation(world: World, pool_id: str) -> None:
    """Evaluate the pool as soon as the current request or event is done."""
    soon = _state(world)["soon"]
    if pool_id and not soon.get(pool_id.lower()):
        soon[pool_id.lower()] = True
        world.scheduler.at(world.now(), EVALUATE, {"pool": pool_id})


def _ensure_ticking(world: World) -> None:
    state = _state(world)
    if not state.get("ticking"):
        state["ticking"] = True
        world.scheduler.at(world.now() + TICK_SECONDS, TICK, {})


def _tick(world: World, _: dict[str, Any]) -> None:
    state = _state(world)
    managed = _managed_pools(world)
    state["managed"] = {key: plan.id for key, (_, plan) in managed.items()}
    for key in list(state["algorithm"]):
        if key not in managed:
            del state["algorithm"][key]
    for pool, plan in managed.values():
        evaluate(world, pool, plan)
    state["ticking"] = bool(managed)
    if managed:
        world.scheduler.at(world.now() + TICK_SECONDS, TICK, {})


def _evaluate_event(world: World, args: dict[str, Any]) -> None:
    pool_id = str(args["pool"])
    _state(world)["soon"].pop(pool_id.lower(), None)
    found = _managed_pools(world).get(pool_id.lower())
    if found is not None:
        evaluate(world, *found)


def _session_ended(world: World, session: StoredResource, forced: bool) -> None:
    pool_id = session.id.rsplit("/sessionHosts/", 1)[0]
    if pool_id.lower() in _state(world)["managed"]:
        request_evaluation(world, pool_id)


# --- one evaluation ----------------------------------------------------------------------------


class _Host:
    """A session host as autoscale weighs it."""

    def __init__(self, world: World, host: StoredResource, exclusion: str) -> None:
        self.host = host
        props = host.body["properties"]
        vm = world.store.get(str(props.get("resourceId") or ""))
        if vm is not None and str(vm.body.get("type", "")).lower() != VIRTUAL_MACHINE.lower():
            vm = None
        self.vm = vm
        tags = {str(k).lower() for k in ((vm.body.get("tags") or {}) if vm else {})}
        self.excluded = bool(exclusion) and exclusion.lower() in tags
        self.power = vm_backend.power_of(vm) if vm is not None else None
        self.sessions = world.store.children(host.id, USER_SESSION)
        self.stopping = vm is not None and vm.id.lower() in _state(world)["stopping"]

    @property
    def on(self) -> bool:
        return self.power in ON and not self.stopping

    @property
    def available(self) -> bool:
        props = self.host.body["properties"]
        ready = self.power == "starting" or (
            self.power == "running" and props["status"] == "Available"
        )
        return ready and not self.stopping

    @property
    def startable(self) -> bool:
        return (
            self.vm is not None
            and not self.excluded
            and not self.stopping
            and self.power in ("deallocated", "stopped")
            and not is_generalized(self.vm)
        )


def _used_above(count: int, limit: int, available: int, threshold: int) -> bool:
    """Whether ``count`` sessions over ``available`` hosts exceed ``threshold`` percent."""
    if available <= 0:
        return count > 0
    return count * 100 > threshold * limit * available


def evaluate(world: World, pool: StoredResource, plan: StoredResource) -> None:
    """One scaling evaluation of ``pool`` under ``plan`` (see the module docstring)."""
    found = phase_at(plan.body["properties"], world.now_dt())
    if found is None:
        return
    rules = rules_of(*found)
    _state(world)["algorithm"][pool.id.lower()] = rules.algorithm
    exclusion = str(plan.body["properties"].get("exclusionTag") or "")
    hosts = [_Host(world, h, exclusion) for h in world.store.children(pool.id, SESSION_HOST)]
    limit = int(pool.body["properties"].get("maxSessionLimit") or 999999)
    minimum = math.ceil(len(hosts) * rules.minimum_hosts_pct / 100)
    count = sum(len(h.sessions) for h in hosts)
    on = sum(h.on for h in hosts)
    available = sum(h.available for h in hosts)
    threshold = rules.capacity_threshold_pct

    # Hosts being shut down that the capacity or the minimum needs again are undrained.
    for item in sorted((h for h in hosts if h.stopping), key=lambda h: -len(h.sessions)):
        if item.excluded or item.power not in ON:
            continue
        if on < minimum or _used_above(count, limit, available, threshold):
            _cancel_stop(world, item, rules)
            on += 1
            available += int(item.available)
    # Start hosts for the minimum and for capacity (undrained ones first).
    candidates = sorted(
        (h for h in hosts if h.startable),
        key=lambda h: (not h.host.body["properties"]["allowNewSession"], h.host.id),
    )
    for item in candidates:
        if on >= minimum and not _used_above(count, limit, available, threshold):
            break
        if _power(world, item, "start", rules):
            on += 1
            available += 1
    # Turn hosts off, emptiest first, while the minimum and the threshold allow.
    if rules.turns_hosts_off:
        running = sorted(
            (h for h in hosts if h.power == "running" and not h.stopping and not h.excluded),
            key=lambda h: (len(h.sessions), h.host.id),
        )
        for item in running:
            after = available - item.available
            if on - 1 < minimum or _used_above(count, limit, after, threshold):
                break
            _begin_stop(world, item, rules)
            on -= 1
            available = after
    for item in hosts:
        if item.stopping:
            _progress_stop(world, item, rules)


def _set_drain(world: World, host: StoredResource, drained: bool) -> None:
    props = host.body["properties"]
    if props["allowNewSession"] == (not drained):
        return
    props["allowNewSession"] = not drained
    model.host_changed(world, host.id.rsplit("/sessionHosts/", 1)[0])


def _power(world: World, item: _Host, action: str, rules: PhaseRules | None) -> bool:
    assert item.vm is not None
    try:
        vm_power.begin_action(world, item.vm, action, _caller(world, item.vm))
    except ArmError as exc:
        _record(world, item.host, f"{action}Failed", rules, exc.message)
        return False
    _record(world, item.host, action, rules)
    return True


def _begin_stop(world: World, item: _Host, rules: PhaseRules) -> None:
    assert item.vm is not None
    _state(world)["stopping"][item.vm.id.lower()] = {
        "host": item.host.id,
        "since": iso(world.now_dt()),
        "notified": False,
        "deallocating": False,
    }
    item.stopping = True
    _set_drain(world, item.host, True)
    _record(world, item.host, "drain", rules)


def _cancel_stop(world: World, item: _Host, rules: PhaseRules) -> None:
    assert item.vm is not None
    _state(world)["stopping"].pop(item.vm.id.lower(), None)
    item.stopping = False
    _set_drain(world, item.host, False)
    _record(world, item.host, "undrain", rules, "the capacity needs the host again")


def _progress_stop(world: World, item: _Host, rules: PhaseRules) -> None:
    """A host autoscale is shutting down: deallocate it once it is empty (or, in ramp-down with
    forced logoff, notify its users and log them off after the wait)."""
    stopping = _state(world)["stopping"]
    entry = stopping.get(item.vm.id.lower()) if item.vm is not None else None
    if entry is None or entry["deallocating"]:
        return
    if item.vm is None or item.excluded or item.power not in ON:
        stopping.pop(item.vm.id.lower() if item.vm else "", None)  # someone else took over
        return
    left = item.sessions
    if rules.phase == "rampDown" and rules.stop_when == "ZeroActiveSessions":
        left = [s for s in left if s.body["properties"]["sessionState"] == "Active"]
    if not left:
        for session in item.sessions:  # disconnected ones go with the VM
            sessions.end_session(world, session.id, forced=True, reason="autoscale")
        entry["deallocating"] = _power(world, item, "deallocate", rules)
        return
    if rules.phase == "rampDown" and rules.force_logoff and not entry["notified"]:
        entry["notified"] = True
        for session in item.sessions:
            sessions.send_message(world, session, "", rules.notification)
        due = world.now_dt() + timedelta(minutes=rules.wait_minutes)
        world.scheduler.at(due.timestamp(), LOGOFF, {"vm": item.vm.id})
        _record(world, item.host, "notify", rules, f"{len(item.sessions)} sessions")


def _logoff(world: World, args: dict[str, Any]) -> None:
    """The ramp-down wait is over: the host's users are logged off, if ramp-down still lasts."""
    vm_id = str(args["vm"]).lower()
    entry = _state(world)["stopping"].get(vm_id)
    host = world.store.get(str(entry["host"])) if entry else None
    if entry is None or host is None or entry["deallocating"]:
        return
    pool_id = host.id.rsplit("/sessionHosts/", 1)[0]
    managed = _managed_pools(world).get(pool_id.lower())
    found = phase_at(managed[1].body["properties"], world.now_dt()) if managed else None
    if managed is None or found is None or found[0] != "rampDown":
        return  # forced logoff happens in ramp-down only; the host waits for its users
    rules = rules_of(*found)
    for session in world.store.children(host.id, USER_SESSION):
        sessions.end_session(world, session.id, forced=True, reason="autoscale")
    _record(world, host, "forceLogoff", rules)
    evaluate(world, *managed)


def _powered(world: World, vm: StoredResource) -> None:
    """A VM autoscale shut down is deallocated: its host allows new sessions again (FAQ)."""
    entry = _state(world)["stopping"].get(vm.id.lower())
    if entry is None or vm_backend.power_of(vm) != "deallocated":
        return
    del _state(world)["stopping"][vm.id.lower()]
    host = world.store.get(str(entry["host"]))
    if host is not None:
        _set_drain(world, host, False)
        _record(world, host, "deallocated", None)


def install(world: World) -> None:
    world.scheduler.register(TICK, _tick)
    world.scheduler.register(EVALUATE, _evaluate_event)
    world.scheduler.register(LOGOFF, _logoff)


def register_listeners() -> None:
    vm_power.on_power_change(_powered)
    sessions.on_session_end(_session_ended)


register_listeners()
