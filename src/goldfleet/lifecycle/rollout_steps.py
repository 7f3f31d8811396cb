"""The durable steps of a host pool rollout: each one Azure conversation, safe to run twice.

A step reads everything it needs from the rollout's ``spec`` (plain JSON, no secrets: the AD join
password is read from the environment in the step that needs it, the registration token is
fetched or rotated in the step that hands it to the VM). Host names are decided by the workflow
before a step runs, so a step that runs again after a crash finds what it made (create-or-get),
and never makes a second VM.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from goldfleet import engine
from goldfleet.azure import compute, host_machines
from goldfleet.azure.host_machines import HostMachine
from goldfleet.azure.session_hosts import PoolClient, SessionHostView
from goldfleet.domain.errors import AzureCallError, TransientAzureError
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.replacement import PoolHost
from goldfleet.lifecycle.calls import step_error
from goldfleet.lifecycle.context import ApplyContext, factory_for

RETIRED_TAG = "goldfleet-retired-at"  # value: when the host was retired (ISO 8601, UTC)
CREATED_TAG = "goldfleet-created-at"
# The value goldfleet gives the scaling plan's exclusion tag on the hosts a rollout works on; a
# tag with another value was an administrator's, and goldfleet never removes it.
EXCLUDED_BY_ROLLOUT = "goldfleet-rollout"
STEP_RETRY = engine.Retry(attempts=5)


class PoolCall:
    def __init__(self, context_json: dict[str, Any], spec: dict[str, Any]) -> None:
        context = self.context = ApplyContext.from_json(context_json)
        self.spec = spec
        self.args = (
            factory_for(context),
            spec["tenantId"],
            spec["subscriptionId"],
            context.credential(spec["tenantId"]),
        )
        self.pool = PoolClient(*self.args, spec["poolId"])
        self.group = spec["resourceGroup"]


def _host(vm: compute.MachineView | None, host: SessionHostView | None) -> PoolHost:
    assert vm is not None or host is not None
    tags = vm.tags if vm is not None else {}
    return PoolHost(
        name=vm.name if vm is not None else (host.vm_name if host else ""),
        vm_id=vm.id if vm is not None else (host.vm_id if host else ""),
        session_host=host.name if host is not None else None,
        version_id=tags.get(host_machines.VERSION_TAG, ""),
        size=vm.size if vm is not None else "",
        power=vm.power_state if vm is not None else None,
        status=host.status if host is not None else None,
        healthy=host.healthy if host is not None else False,
        allow_new_session=host.allow_new_session if host is not None else False,
        sessions=host.sessions if host is not None else 0,
        assigned_user=host.assigned_user if host is not None else None,
        retired_at=tags.get(RETIRED_TAG),
        created_at=tags.get(CREATED_TAG),
        failed_checks=tuple(h.name for h in host.health if h.result == "HealthCheckFailed")
        if host is not None
        else (),
    )


@engine.step("pool.observe", retry=STEP_RETRY)
async def observe(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The pool's hosts (VM and session host merged), its ghosts (session hosts whose VM is
    gone) and its orphans (VMs that never registered)."""
    call = PoolCall(context_json, spec)
    try:
        machines = await host_machines.pool_machines(*call.args, call.group, spec["poolId"])
        registered = await call.pool.hosts()
    except AzureCallError as exc:
        raise step_error(exc) from exc
    by_vm = {h.vm_id.lower(): h for h in registered if h.vm_id}
    hosts = [_host(vm, by_vm.pop(vm.id.lower(), None)) for vm in machines]
    unmatched = [h for h in registered if h.vm_id.lower() in by_vm or not h.vm_id]
    ghosts, foreign = await _ghosts_and_foreign(call, unmatched)
    return {"hosts": [h.to_json() for h in hosts], "ghosts": ghosts, "foreign": foreign}


async def _ghosts_and_foreign(
    call: PoolCall, unmatched: list[SessionHostView]
) -> tuple[list[str], list[str]]:
    """Of the session hosts whose VM is not one of the pool's: ghosts (the VM is gone: goldfleet
    removes the registration) and foreign hosts (the VM exists but is not the pool's - someone
    else's machine registered here: left alone, and reported)."""
    ghosts: list[str] = []
    foreign: list[str] = []
    for host in unmatched:
        vm = ResourceId(host.vm_id) if host.vm_id else None
        if vm is None or vm.subscription_id.lower() != call.spec["subscriptionId"].lower():
            (ghosts if vm is None else foreign).append(host.name)
            continue
        try:
            found = await compute.read_vm(*call.args, vm.resource_group or "", vm.name)
        except AzureCallError as exc:
            raise step_error(exc) from exc
        (foreign if found is not None else ghosts).append(host.name)
    return ghosts, foreign


@engine.step("pool.session_hosts", retry=STEP_RETRY)
async def session_hosts(context_json: dict[str, Any], spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Only the session hosts (one call): what waiting for new hosts polls."""
    call = PoolCall(context_json, spec)
    try:
        return [h.to_json() for h in await call.pool.hosts()]
    except AzureCallError as exc:
        raise step_error(exc) from exc


@engine.step("pool.ghosts_among", retry=STEP_RETRY)
async def ghosts_among(
    context_json: dict[str, Any], spec: dict[str, Any], names: list[str]
) -> list[str]:
    """Which of these session hosts are ghosts (their VM is gone), not someone else's hosts."""
    call = PoolCall(context_json, spec)
    try:
        wanted = [h for h in await call.pool.hosts() if h.name in set(names)]
    except AzureCallError as exc:
        raise step_error(exc) from exc
    ghosts, _ = await _ghosts_and_foreign(call, wanted)
    return ghosts


@engine.step("pool.remove_ghosts", retry=STEP_RETRY)
async def remove_ghosts(
    context_json: dict[str, Any], spec: dict[str, Any], names: list[str]
) -> None:
    call = PoolCall(context_json, spec)
    try:
        for name in names:
            await call.pool.remove(name)
    except AzureCallError as exc:
        raise step_error(exc) from exc


def exclusion_tag(spec: dict[str, Any]) -> str | None:
    """The exclusion tag of the pool's scaling plan (None: no plan, or a plan without one)."""
    return (spec.get("scalingPlan") or {}).get("exclusionTag") or None


def _machine(spec: dict[str, Any], name: str, now: str) -> HostMachine:
    tags = {
        host_machines.POOL_TAG: spec["poolId"].lower(),
        host_machines.VERSION_TAG: spec["versionId"],
        host_machines.RELEASE_TAG: spec["release"],
        CREATED_TAG: now,
        **spec.get("tags", {}),
    }
    tag = exclusion_tag(spec)
    if tag:  # autoscale leaves a new host alone until the rollout is done with it
        tags[tag] = EXCLUDED_BY_ROLLOUT
    return HostMachine(
        name=name,
        group=spec["resourceGroup"],
        location=spec["location"],
        size=spec["size"],
        image_id=spec["versionId"],
        subnet_id=spec["subnetId"],
        os_disk_type=spec["osDiskType"],
        tags=tags,
        join=spec["join"],
        zones=tuple(spec.get("zones") or ()),
    )


@engine.step("pool.create_hosts", retry=STEP_RETRY)
async def create_hosts(
    context_json: dict[str, Any], spec: dict[str, Any], names: list[str], now: str
) -> dict[str, str]:
    """Make the named hosts (NIC, VM, directory join, AVD agent) side by side. Returns the hosts
    that failed and why (an extension that failed, a VM Azure refused); transient errors retry
    the step, which finds what the first attempt made."""
    call = PoolCall(context_json, spec)
    join = spec["join"]
    password = os.environ.get(join.get("secretEnv") or "", "") if join.get("type") == "ad" else None
    try:
        token = await call.pool.registration_token(datetime.fromisoformat(now))
    except AzureCallError as exc:
        raise step_error(exc) from exc

    image_tenant = spec.get("imageTenantId")
    auxiliary = [(image_tenant, call.context.credential(image_tenant))] if image_tenant else []

    async def one(name: str) -> str | None:
        machine = _machine(spec, name, now)
        try:
            await host_machines.create_host(*call.args, machine, auxiliary)
            ext_name, body = host_machines.join_extension(join, password)
            await host_machines.install_extension(
                *call.args, machine.group, name, machine.location, ext_name, body
            )
            ext_name, body = host_machines.agent_extension(
                spec["poolName"], token, join.get("type") != "ad"
            )
            await host_machines.install_extension(
                *call.args, machine.group, name, machine.location, ext_name, body
            )
        except TransientAzureError:
            raise
        except AzureCallError as exc:
            return str(exc)
        return None

    results = await asyncio.gather(*(one(n) for n in names), return_exceptions=True)
    failed: dict[str, str] = {}
    for name, result in zip(names, results, strict=True):
        if isinstance(result, TransientAzureError):
            raise step_error(result) from result
        if isinstance(result, BaseException):
            raise result
        if result is not None:
            failed[name] = result
    return failed


@engine.step("pool.exclude_from_scaling", retry=STEP_RETRY)
async def exclude_from_scaling(
    context_json: dict[str, Any], spec: dict[str, Any], names: list[str], exclude: bool
) -> None:
    """Put the scaling plan's exclusion tag on the named VMs, so that autoscale neither powers
    them on or off nor changes their drain mode while the rollout works on them, or take it off
    again (only where goldfleet put it: a host an administrator excluded stays excluded)."""
    tag = exclusion_tag(spec)
    if not tag or not names:
        return
    call = PoolCall(context_json, spec)

    async def one(name: str) -> None:
        vm = await compute.read_vm(*call.args, call.group, name)
        if vm is None:
            return
        key = next((k for k in vm.tags if k.lower() == tag.lower()), None)
        if exclude and key is None:
            await compute.tag_vm(*call.args, call.group, name, {tag: EXCLUDED_BY_ROLLOUT})
        elif not exclude and key is not None and vm.tags[key] == EXCLUDED_BY_ROLLOUT:
            await compute.tag_vm(*call.args, call.group, name, {key: None})

    await _each(one, names)


@engine.step("pool.allow_sessions", retry=STEP_RETRY)
async def allow_sessions(
    context_json: dict[str, Any], spec: dict[str, Any], hosts: list[str], allow: bool
) -> None:
    """Drain (``allow`` False) or undrain the session hosts named (host.fqdn)."""
    call = PoolCall(context_json, spec)
    try:
        for host in hosts:
            await call.pool.set_allow_new_sessions(host, allow)
    except AzureCallError as exc:
        raise step_error(exc) from exc


@engine.step("pool.message_users", retry=STEP_RETRY)
async def message_users(
    context_json: dict[str, Any], spec: dict[str, Any], hosts: list[str], title: str, body: str
) -> int:
    call = PoolCall(context_json, spec)
    wanted = {h.lower() for h in hosts}
    try:
        found = [s for s in await call.pool.sessions() if s.host.lower() in wanted]
        for session in found:
            await call.pool.message(session, title, body)
    except AzureCallError as exc:
        raise step_error(exc) from exc
    return len(found)


@engine.step("pool.sessions_on", retry=STEP_RETRY)
async def sessions_on(
    context_json: dict[str, Any], spec: dict[str, Any], hosts: list[str]
) -> dict[str, int]:
    """Signed-in sessions per named host (hosts without any are 0)."""
    call = PoolCall(context_json, spec)
    counts = {h: 0 for h in hosts}
    by_lower = {h.lower(): h for h in hosts}
    try:
        for session in await call.pool.sessions():
            if session.host.lower() in by_lower:
                counts[by_lower[session.host.lower()]] += 1
    except AzureCallError as exc:
        raise step_error(exc) from exc
    return counts


@engine.step("pool.log_off", retry=STEP_RETRY)
async def log_off(context_json: dict[str, Any], spec: dict[str, Any], hosts: list[str]) -> int:
    """Log off every user of the named hosts (only after the grace, only under ``Force``)."""
    call = PoolCall(context_json, spec)
    wanted = {h.lower() for h in hosts}
    try:
        found = [s for s in await call.pool.sessions() if s.host.lower() in wanted]
        for session in found:
            await call.pool.log_off(session)
    except AzureCallError as exc:
        raise step_error(exc) from exc
    return len(found)


@engine.step("pool.retire", retry=STEP_RETRY)
async def retire(
    context_json: dict[str, Any],
    spec: dict[str, Any],
    hosts: list[dict[str, Any]],
    keep: bool,
    now: str,
) -> None:
    """Take emptied hosts out, side by side: kept (deallocated, drained, tagged with when) for
    a rollback, or deleted with their session host registration."""
    call = PoolCall(context_json, spec)

    async def one(host: dict[str, Any]) -> None:
        if keep:
            await compute.deallocate(*call.args, call.group, host["name"])
            await compute.tag_vm(*call.args, call.group, host["name"], {RETIRED_TAG: now})
            return
        if host.get("session_host"):
            await call.pool.remove(host["session_host"])
        await compute.delete_vm(*call.args, call.group, host["name"])

    await _each(one, hosts)


async def _each(one: Callable[[Any], Awaitable[None]], items: Sequence[Any]) -> None:
    """Run ``one`` for every item at once; the first Azure error stops the step (a retry finds
    what was done)."""
    results = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
    for result in results:
        if isinstance(result, AzureCallError):
            raise step_error(result) from result
        if isinstance(result, BaseException):
            raise result


@engine.step("pool.delete_hosts", retry=STEP_RETRY)
async def delete_hosts(
    context_json: dict[str, Any], spec: dict[str, Any], names: list[str]
) -> None:
    """Delete VMs and their session hosts (new hosts that failed, orphans, delete-first)."""
    call = PoolCall(context_json, spec)
    try:
        registered = {h.vm_name.lower(): h.name for h in await call.pool.hosts()}
    except AzureCallError as exc:
        raise step_error(exc) from exc

    async def one(name: str) -> None:
        if name.lower() in registered:
            await call.pool.remove(registered[name.lower()])
        await compute.delete_vm(*call.args, call.group, name)

    await _each(one, names)


@engine.step("pool.restore", retry=STEP_RETRY)
async def restore(
    context_json: dict[str, Any], spec: dict[str, Any], hosts: list[dict[str, Any]]
) -> None:
    """Bring retired hosts back: start, untag, accept sessions (a rollback)."""
    call = PoolCall(context_json, spec)

    async def one(host: dict[str, Any]) -> None:
        await compute.start(*call.args, call.group, host["name"])
        await compute.tag_vm(*call.args, call.group, host["name"], {RETIRED_TAG: None})
        if host.get("session_host"):
            await call.pool.set_allow_new_sessions(host["session_host"], True)

    await _each(one, hosts)


@engine.step("pool.assign", retry=STEP_RETRY)
async def assign(
    context_json: dict[str, Any], spec: dict[str, Any], pairs: list[tuple[str, str, str]]
) -> None:
    """Personal pools: move each assigned user (old host, new host, user) to the new host."""
    call = PoolCall(context_json, spec)
    try:
        for old, new, user in pairs:
            if old:
                await call.pool.assign(old, "")
            await call.pool.assign(new, user)
    except AzureCallError as exc:
        raise step_error(exc) from exc
