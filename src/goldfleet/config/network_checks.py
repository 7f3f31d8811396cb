"""Rule 8 for networks: a subnet a pool's hosts, its standby hosts or a build VM take their
addresses from must be in the subscription of those VMs (Azure connects a NIC only to a virtual
network in its own subscription and region; a subnet in another tenant's subscription is another
customer's network), and one virtual network is in one region, so a virtual network used by
VMs in two regions cannot work.

The region of a virtual network is not in its id; what is checked is that everything the
configuration puts in one virtual network is in one region.
"""

from __future__ import annotations

from typing import Any

from goldfleet.config.diagnostics import Path, Problem
from goldfleet.config.entries import Valid
from goldfleet.config.lookup import (
    Documents,
    Owner,
    of_kind,
    subscription_of,
    tenant_of_subscription,
)
from goldfleet.config.models.documents import HostPoolDocument, ImagePipelineDocument
from goldfleet.config.models.tenant import Subscription
from goldfleet.domain.ids import ResourceId


class _Networks:
    def __init__(self, documents: Documents) -> None:
        self.documents = documents
        self.regions: dict[str, tuple[Owner, str]] = {}  # virtual network id -> first user
        self.problems: list[Problem] = []

    def subnet(
        self,
        valid: Valid[Any],
        path: Path,
        subnet_id: str,
        tenant: str,
        sub: Subscription,
        region: str,
        who: str,
    ) -> None:
        rid = ResourceId(subnet_id)
        owner = Owner(valid, path)
        subnet_sub = rid.subscription_id.lower()
        if subnet_sub != sub.id:
            holder = tenant_of_subscription(self.documents, subnet_sub)
            if holder is None:
                whose = "a subscription no Tenant here declares"
            elif holder != tenant:
                whose = f"a subscription of Tenant/{holder}, another tenant"
            else:
                whose = f"another subscription of Tenant/{tenant}"
            self.problems.append(
                valid.problem(
                    path,
                    f"the subnet is in subscription {subnet_sub}, {whose}: {who} are in"
                    f" subscription {sub.name}, and Azure connects a VM only to a virtual"
                    " network in its own subscription",
                )
            )
            return
        network = str(rid).lower().rsplit("/subnets/", 1)[0]
        first, first_region = self.regions.setdefault(network, (owner, region))
        if first_region != region:
            self.problems.append(
                valid.problem(
                    path,
                    f"virtual network {network.rsplit('/', 1)[-1]} is also used in"
                    f" {first_region} by {first}; {who} are in {region}, and a virtual network"
                    " is in one region",
                )
            )


def network_problems(documents: Documents) -> list[Problem]:
    networks = _Networks(documents)
    for pool in of_kind(documents, "HostPool", HostPoolDocument):
        spec = pool.doc.spec
        sub = subscription_of(documents, spec.tenant, spec.subscription)
        if sub is None:
            continue
        networks.subnet(
            pool,
            ("spec", "sessionHosts", "subnetId"),
            spec.session_hosts.subnet_id,
            spec.tenant,
            sub,
            spec.location,
            "the pool's session hosts",
        )
        if spec.dr_subnet_id is not None and spec.dr_region is not None:
            networks.subnet(
                pool,
                ("spec", "drSubnetId"),
                spec.dr_subnet_id,
                spec.tenant,
                sub,
                spec.dr_region,
                "the standby session hosts",
            )
    for pipeline in of_kind(documents, "ImagePipeline", ImagePipelineDocument):
        build = pipeline.doc.spec.build
        sub = subscription_of(documents, build.tenant, build.subscription)
        if sub is None or build.subnet_id is None:
            continue
        networks.subnet(
            pipeline,
            ("spec", "build", "subnetId"),
            build.subnet_id,
            build.tenant,
            sub,
            build.location,
            "the build VMs",
        )
    return networks.problems
