"""``kind: HostPool``: an AVD host pool in a customer (or the provider's) tenant, and the template
its session hosts are created from."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from goldfleet.config.fields import (
    AzureName,
    Count,
    EnvVarName,
    Flag,
    HostNamePrefix,
    Name,
    Region,
    ResourceGroupName,
    SubnetId,
    Text,
    VmSize,
)
from goldfleet.config.models.base import ConfigModel
from goldfleet.config.models.tenant import MaintenanceWindow
from goldfleet.domain.host_pools import HostPoolType, JoinType, LoadBalancer


class DirectoryJoin(ConfigModel):
    """entra: Microsoft Entra join (optionally Intune). ad: Active Directory join with an account
    whose password is read from the environment variable ``secretEnv``."""

    type: JoinType
    intune: Flag = False
    domain: Text | None = None
    ou_path: Text | None = None
    username: Text | None = None
    secret_env: EnvVarName | None = None


class SessionHosts(ConfigModel):
    image: Name
    """The ImageDefinition whose promoted version the hosts run."""
    vm_size: VmSize
    name_prefix: HostNamePrefix
    count: Count = Field(ge=0, le=1000)
    subnet_id: SubnetId
    join: DirectoryJoin
    os_disk_type: Literal["Premium_LRS", "StandardSSD_LRS", "Standard_LRS"] = "Premium_LRS"


class Desktop(ConfigModel):
    """The pool's Desktop application group, where it is published, and who may use it."""

    application_group: AzureName | None = None
    """The Desktop application group's name; defaults to <host pool name>-dag."""
    friendly_name: Text | None = None
    """What users see in the client."""
    workspace: AzureName | None = None
    """A workspace (in the pool's resource group) that publishes the group; pools naming the
    same workspace share it."""


class HostPoolSpec(ConfigModel):
    tenant: Name
    subscription: Text
    """The subscription's id or its name in the tenant's spec."""
    resource_group: ResourceGroupName
    location: Region
    name: AzureName | None = None
    """The host pool's name in Azure; defaults to metadata.name."""
    type: HostPoolType
    load_balancer: LoadBalancer | None = None
    """pooled: breadthFirst (default) or depthFirst; personal: persistent."""
    max_session_limit: Count | None = Field(default=None, ge=1, le=999999)
    validation: Flag = False
    """A validation pool: receives new versions before production pools."""
    session_hosts: SessionHosts
    rollout_policy: Name
    dr_region: Region | None = None
    """Keep a standby scale set on the last validated version in this region."""
    dr_resource_group: ResourceGroupName | None = None
    """drRegion: where the standby scale set and its host pool live."""
    dr_subnet_id: SubnetId | None = None
    """drRegion: the subnet (in drRegion) the standby hosts take their addresses from."""
    desktop: Desktop = Desktop()
    start_vm_on_connect: Flag = False
    """Start a deallocated session host when a user connects (needs the AVD service principal's
    power-on role)."""
    custom_rdp_property: Text | None = None
    """RDP properties, e.g. "audiocapturemode:i:1;camerastoredirect:s:*;"."""
    maintenance_windows: list[MaintenanceWindow] | None = None
    """This pool's own maintenance windows (in its tenant's time zone), instead of the
    tenant's; the tenant's freezes still apply."""
