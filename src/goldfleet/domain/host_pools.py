"""AVD host pools as desired state: where a pool lives, how it balances sessions, and the
template its session hosts are created from (image, size, naming, network, directory join).

Pure values: no I/O, no Azure SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from goldfleet.domain import names
from goldfleet.domain.ids import ResourceId
from goldfleet.domain.tenancy import MaintenanceWindow


class HostPoolType(StrEnum):
    POOLED = "pooled"
    PERSONAL = "personal"


class LoadBalancer(StrEnum):
    BREADTH_FIRST = "breadthFirst"
    DEPTH_FIRST = "depthFirst"
    PERSISTENT = "persistent"  # personal pools


class JoinType(StrEnum):
    ENTRA = "entra"  # Microsoft Entra join
    AD = "ad"  # Active Directory Domain Services join


@dataclass(frozen=True)
class DirectoryJoin:
    """How session hosts join a directory. For AD, the join account's password is read from the
    environment variable ``secret_env``; it is never stored."""

    type: JoinType
    intune: bool = False  # Entra: enrol in Intune
    domain: str | None = None  # AD
    ou_path: str | None = None  # AD
    username: str | None = None  # AD
    secret_env: str | None = None  # AD


@dataclass(frozen=True)
class SessionHostTemplate:
    image: str  # ImageDefinition name
    vm_size: str
    name_prefix: str  # hosts are <prefix>-<n>
    count: int
    subnet_id: ResourceId
    join: DirectoryJoin
    os_disk_type: str = "Premium_LRS"


@dataclass(frozen=True)
class Desktop:
    """The pool's Desktop application group and the workspace it is published in. Pools that
    name the same workspace in the same resource group share it."""

    application_group: str = ""  # "" = <host pool name>-dag
    workspace: str | None = None
    friendly_name: str | None = None


@dataclass(frozen=True)
class HostPool:
    name: str  # goldfleet's name
    tenant: str  # Tenant name
    subscription_id: str
    resource_group: str
    location: str
    host_pool_name: str  # the Azure host pool's name
    type: HostPoolType
    load_balancer: LoadBalancer
    session_hosts: SessionHostTemplate
    rollout_policy: str  # RolloutPolicy name
    max_session_limit: int | None = None  # pooled
    validation: bool = False  # a validation environment: receives versions before production
    dr_region: str | None = None  # where the standby scale set is kept
    dr_resource_group: str | None = None
    dr_subnet_id: ResourceId | None = None
    desktop: Desktop = Desktop()
    start_vm_on_connect: bool = False
    custom_rdp_property: str | None = None
    windows: tuple[MaintenanceWindow, ...] | None = None  # None: the tenant's

    @property
    def resource_id(self) -> ResourceId:
        return self._provider().child("hostPools", self.host_pool_name)

    @property
    def application_group_name(self) -> str:
        return self.desktop.application_group or names.default_application_group(
            self.host_pool_name
        )

    @property
    def application_group_id(self) -> ResourceId:
        return self._provider().child("applicationGroups", self.application_group_name)

    @property
    def workspace_id(self) -> ResourceId | None:
        if self.desktop.workspace is None:
            return None
        return self._provider().child("workspaces", self.desktop.workspace)

    def dr_pool(self) -> HostPool | None:
        """The DR side as a pool of its own: ``<name>-dr`` in the DR region and resource group,
        its hosts made by the standby scale set (so no count of its own) in the DR subnet."""
        if self.dr_region is None or self.dr_resource_group is None or self.dr_subnet_id is None:
            return None
        return replace(
            self,
            name=names.dr_name(self.name),
            resource_group=self.dr_resource_group,
            location=self.dr_region,
            host_pool_name=names.dr_name(self.host_pool_name),
            session_hosts=replace(self.session_hosts, subnet_id=self.dr_subnet_id, count=0),
            desktop=Desktop(
                application_group=names.dr_name(self.application_group_name),
                friendly_name=(
                    f"{self.desktop.friendly_name} (DR)" if self.desktop.friendly_name else None
                ),
            ),
            validation=False,
            dr_region=None,
            dr_resource_group=None,
            dr_subnet_id=None,
        )

    @property
    def scale_set_name(self) -> str:
        """The standby scale set in the DR region."""
        return names.scale_set_name(self.session_hosts.name_prefix)

    def _provider(self) -> ResourceId:
        return ResourceId.resource_group_id(self.subscription_id, self.resource_group).child(
            "providers", "Microsoft.DesktopVirtualization"
        )
