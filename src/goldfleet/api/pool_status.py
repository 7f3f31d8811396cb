"""``goldfleet pool status``: a pool's hosts as goldfleet sees them (power, registration,
sessions, assigned user, version, drift from the version the pool should run, kept for
rollback) and, when a scaling plan manages the pool, its phase and the floor it implies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from goldfleet.api.images import client_factory
from goldfleet.api.rollouts import prepare
from goldfleet.api.session import Target, clock_for
from goldfleet.azure import host_machines
from goldfleet.azure.session_hosts import PoolClient
from goldfleet.config import load_configuration
from goldfleet.domain.replacement import PoolHost, drift
from goldfleet.domain.scaling import floor_hosts


def pool_status(config_path: Path, target: Target, pool_name: str) -> dict[str, Any]:
    """The pool's hosts as goldfleet sees them, with drift from the version it should run."""
    configuration = load_configuration(config_path).configuration
    prepared = prepare(configuration, target, pool_name, None, checks=False)
    pool, image_target, found = prepared.pool, prepared.image_target, prepared.version
    tenant = configuration.tenant(pool.tenant)
    factory = client_factory(target)
    version_id = image_target.version_id(found.name)

    async def read() -> list[dict[str, Any]]:
        try:
            return await rows()
        finally:
            await factory.close()

    async def rows() -> list[dict[str, Any]]:
        args = (factory, tenant.tenant_id, pool.subscription_id, tenant.credential)
        machines = await host_machines.pool_machines(
            *args, pool.resource_group, str(pool.resource_id)
        )
        registered = await PoolClient(*args, str(pool.resource_id)).hosts()
        by_vm = {h.vm_id.lower(): h for h in registered}
        rows = []
        for vm in machines:
            host = by_vm.pop(vm.id.lower(), None)
            made_from = vm.tags.get(host_machines.VERSION_TAG, "")
            rows.append(
                {
                    "name": vm.name,
                    "power": vm.power_state,
                    "status": host.status if host else "not registered",
                    "sessions": host.sessions if host else 0,
                    "allowNewSession": host.allow_new_session if host else None,
                    "assignedUser": host.assigned_user if host else None,
                    "version": made_from.rsplit("/", 1)[-1] if made_from else "",
                    "retiredAt": vm.tags.get("goldfleet-retired-at"),
                    "drift": []
                    if vm.tags.get("goldfleet-retired-at")
                    else _drift(
                        vm.name, made_from, vm.size, version_id, pool.session_hosts.vm_size
                    ),
                }
            )
        for ghost in by_vm.values():
            rows.append(
                {
                    "name": ghost.name,
                    "power": None,
                    "status": ghost.status,
                    "sessions": ghost.sessions,
                    "allowNewSession": ghost.allow_new_session,
                    "assignedUser": ghost.assigned_user,
                    "version": "",
                    "retiredAt": None,
                    "drift": [
                        "its VM is not one of the pool's: a ghost if the VM is gone (the next"
                        " rollout removes it), else another's machine (left alone)"
                    ],
                }
            )
        return rows

    result: dict[str, Any] = {
        "pool": pool.name,
        "version": version_id,
        "hosts": asyncio.run(read()),
    }
    plan = prepared.scaling_plan
    if plan is not None:
        now = clock_for(target).now()
        phase = plan.phase_at(now)
        policy = configuration.rollout_policy(pool.rollout_policy)
        result["scalingPlan"] = {
            "name": plan.name,
            "phase": phase[0] if phase else None,
            "deleteFirstFloor": floor_hosts(
                pool.session_hosts.count, policy.min_available_percent, plan, now
            ),
        }
    return result


def _drift(name: str, made_from: str, size: str, version_id: str, vm_size: str) -> list[str]:
    host = PoolHost(name, "", None, made_from, size, None, None, False, False, 0)
    return drift(host, version_id, vm_size)
