"""The durable steps of DR work on a standby scale set: each one Azure conversation, safe to run
twice (writing the model with a capacity is idempotent; deleting instances that are gone is a
no-op because the workflow reads what is there first).

The spec is the DR pool's rollout spec (``api.rollouts.rollout_spec``) with ``scaleSet``: plain
JSON, no secret. The registration token and the join password are read in ``write_model``,
which hands them to Azure and nowhere else.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from typing import Any

from goldfleet import engine
from goldfleet.azure import host_machines, scale_sets
from goldfleet.domain.errors import AzureCallError, TransientAzureError
from goldfleet.lifecycle.calls import step_error
from goldfleet.lifecycle.rollout_steps import CREATED_TAG, STEP_RETRY, PoolCall

DR_OF_TAG = "goldfleet-dr-of"  # value: the primary host pool's ARM id, lower-cased


def model_of(spec: dict[str, Any], now: str) -> scale_sets.ScaleSetModel:
    return scale_sets.ScaleSetModel(
        name=spec["scaleSet"],
        group=spec["resourceGroup"],
        location=spec["location"],
        size=spec["size"],
        image_id=spec["versionId"],
        subnet_id=spec["subnetId"],
        os_disk_type=spec["osDiskType"],
        name_prefix=spec["namePrefix"],
        tags={
            host_machines.POOL_TAG: spec["poolId"].lower(),
            host_machines.VERSION_TAG: spec["versionId"],
            host_machines.RELEASE_TAG: spec["release"],
            DR_OF_TAG: spec["primaryPoolId"].lower(),
            CREATED_TAG: now,
        },
        join=spec["join"],
        pool_name=spec["poolName"],
    )


def _view_json(view: scale_sets.ScaleSetView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "id": view.id,
        "capacity": view.capacity,
        "imageId": view.image_id,
        "state": view.state,
        "instances": [
            {"name": i.name, "vmId": i.vm_id, "latestModel": i.latest_model, "state": i.state}
            for i in view.instances
        ],
    }


@engine.step("dr.read", retry=STEP_RETRY)
async def read(context_json: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any] | None:
    """The scale set with its instances (None when there is none yet)."""
    call = PoolCall(context_json, spec)
    try:
        view = await scale_sets.read_scale_set(*call.args, call.group, spec["scaleSet"])
    except AzureCallError as exc:
        raise step_error(exc) from exc
    return _view_json(view)


@engine.step("dr.write_model", retry=STEP_RETRY)
async def write_model(
    context_json: dict[str, Any], spec: dict[str, Any], capacity: int, now: str
) -> dict[str, Any]:
    """Write the model (the spec's version, a registration token valid for a day) with this
    capacity, and wait for the scale set. ``{"error": ...}`` when Azure refused it or an
    instance failed to come up (an extension that failed); transient errors retry."""
    call = PoolCall(context_json, spec)
    join = spec["join"]
    password = os.environ.get(join.get("secretEnv") or "", "") if join.get("type") == "ad" else None
    image_tenant = spec.get("imageTenantId")
    auxiliary = [(image_tenant, call.context.credential(image_tenant))] if image_tenant else []
    try:
        token = await call.pool.registration_token(datetime.fromisoformat(now))
        body = scale_sets.scale_set_body(
            model_of(spec, now), capacity, token, password, f"Gf!{secrets.token_urlsafe(24)}9a"
        )
        view = await scale_sets.put_scale_set(
            *call.args, call.group, spec["scaleSet"], body, auxiliary
        )
    except TransientAzureError as exc:
        raise step_error(exc) from exc
    except AzureCallError as exc:
        return {"error": str(exc) + (f" ({exc.hint})" if exc.hint else "")}
    return {"error": None, "capacity": view.capacity}


@engine.step("dr.delete_instances", retry=STEP_RETRY)
async def delete_instances(
    context_json: dict[str, Any], spec: dict[str, Any], names: list[str]
) -> None:
    call = PoolCall(context_json, spec)
    try:
        await scale_sets.delete_instances(*call.args, call.group, spec["scaleSet"], names)
    except AzureCallError as exc:
        raise step_error(exc) from exc
