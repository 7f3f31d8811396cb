"""Planning at MSP scale: load a 500-tenant configuration and plan it against observed state.

Measures, for N tenants (default 500; each with one subscription, 3 resource groups and 2 role
assignments, a maintenance window, and a host pool): the time to load and validate the YAML,
the time to plan against an observed state where a third of the groups exist, the time to
serialise the plan, and the peak memory of each (tracemalloc). Pure CPU: no Azure, no emulator.

    .venv/bin/python bench/plan_scale.py [--tenants 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

from goldfleet.config import load_configuration_text
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.observed import ObservedResourceGroup, ObservedState, ObservedSubscription
from goldfleet.planner import make_plan
from goldfleet.planner.diff import MANAGED_TAG

APP = "0e6a3f4b-9c2d-4e1a-8b7f-3d5c6a9e1b10"
ZONES = ["Europe/London", "Australia/Sydney", "America/New_York", "Europe/Berlin", "Asia/Tokyo"]
REGIONS = ["westeurope", "australiaeast", "eastus", "germanywestcentral", "japaneast"]
ROLES = (
    ("contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    ("reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
)


def ids(i: int) -> tuple[str, str]:
    return str(uuid.UUID(int=0x1000 + i)), str(uuid.UUID(int=0x900000 + i))


def configuration_yaml(tenants: int) -> str:
    docs = []
    for i in range(tenants):
        tid, sid = ids(i)
        region, zone = REGIONS[i % 5], ZONES[i % 5]
        role = "provider" if i == 0 else "customer"
        docs.append(f"""apiVersion: goldfleet/v1
kind: Tenant
metadata: {{name: tenant-{i:04d}}}
spec:
  tenantId: {tid}
  displayName: Tenant {i}
  role: {role}
  timeZone: {zone}
  credential: {{type: clientSecret, clientId: {APP}, secretEnv: GOLDFLEET_CLIENT_SECRET}}
  subscriptions:
    - id: {sid}
      name: sub-{i:04d}
      regions: [{region}]
      resourceGroups:
        - {{name: rg-hosts, location: {region}, tags: {{customer: t{i}}}}}
        - {{name: rg-network, location: {region}}}
        - {{name: rg-images, location: {region}}}
      roleAssignments:
        - {{role: Contributor}}
        - {{role: Reader, scope: /subscriptions/{sid}/resourceGroups/rg-hosts}}
  maintenanceWindows:
    - {{name: nightly, type: weekly, days: [Sat], start: "02:00", duration: 4h}}
""")
    return "---\n".join(docs)


def observed_state(configuration: Configuration) -> ObservedState:
    subs = []
    for n, tenant in enumerate(configuration.tenants):
        sub = tenant.subscriptions[0]
        groups = []
        if n % 3 == 0:  # a third of the estate already has its groups
            groups = [
                ObservedResourceGroup(
                    f"/subscriptions/{sub.subscription_id}/resourceGroups/{g.name}",
                    g.name,
                    g.location,
                    tuple(sorted((*g.tags, MANAGED_TAG))),
                )
                for g in sub.resource_groups
            ]
        subs.append(
            ObservedSubscription(
                sub.subscription_id,
                tenant.tenant_id,
                str(uuid.UUID(int=0x5000 + n)),
                tuple(groups),
                (),
                ROLES,
            )
        )
    return ObservedState(tuple(subs))


def measure(fn: Callable[[], Any], repeat: int) -> tuple[Any, float, float]:
    """Result, median seconds (untraced runs) and peak MiB (one run under tracemalloc)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = configuration_yaml(args.tenants)
    configuration, load_s, load_mb = measure(
        lambda: load_configuration_text(text, "bench.yaml"), args.repeat
    )
    observed = observed_state(configuration)
    plan, plan_s, plan_mb = measure(lambda: make_plan(configuration.tenants, observed), args.repeat)
    dumped, dump_s, _ = measure(plan.dumps, args.repeat)
    again = make_plan(configuration.tenants, observed)
    assert again.dumps() == dumped, "the planner must be deterministic"
    result = {
        "tenants": args.tenants,
        "yaml_bytes": len(text),
        "changes": len(plan.changes),
        "summary": plan.counts(),
        "load_seconds": round(load_s, 3),
        "load_peak_mib": round(load_mb, 1),
        "plan_seconds": round(plan_s, 3),
        "plan_peak_mib": round(plan_mb, 1),
        "serialise_seconds": round(dump_s, 3),
        "plan_json_bytes": len(dumped),
    }
    print(f"{args.tenants} tenants, {len(plan.changes)} changes ({plan.counts()})")
    print(
        f"  load + validate YAML ({len(text) / 1e6:.1f} MB): {load_s:.3f} s, peak {load_mb:.1f} MiB"
    )
    print(f"  plan:                         {plan_s:.3f} s, peak {plan_mb:.1f} MiB")
    print(f"  serialise plan ({len(dumped) / 1e6:.1f} MB JSON): {dump_s:.3f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
