"""The Azure names goldfleet derives from the configuration, in one place: session host VM and
computer names, the DR pool and its standby scale set, default application groups, and the
temporary resources of builds and captures.

Runtime code (rollouts, DR, builds) and validation (``goldfleet.config.names``, which refuses
two owners of one name) both call these functions, so what is checked is what is made.

Pure functions: no I/O, no clock, no randomness.
"""

from __future__ import annotations

import hashlib

MAX_COMPUTER_NAME = 15  # Windows computer (NetBIOS) names
MAX_SCALE_SET_COMPUTER_PREFIX = 9  # a Windows scale set appends 6 characters
AVD_NAME_LENGTH = (3, 64)  # host pools, application groups and workspaces

DR_SUFFIX = "-dr"
APPLICATION_GROUP_SUFFIX = "-dag"
TEMPORARY_GROUP_PREFIX = "rg-goldfleet-tmp-"  # a capture's clone; deleted with everything in it
IMAGE_TEMPLATE_PREFIX = "it-goldfleet-"
IMAGE_BUILDER_STAGING_PREFIX = "IT_"  # the groups Image Builder makes for itself (IT_<rg>_...)


def host_name(prefix: str, index: int) -> str:
    """A session host's VM name: ``<prefix>-<index>``."""
    return f"{prefix}-{index}"


def nic_name(vm_name: str) -> str:
    return f"{vm_name}-nic"


def computer_name(vm_name: str) -> str:
    """The Windows computer name of a VM: its name, cut to 15 characters."""
    return vm_name[:MAX_COMPUTER_NAME]


def dr_computer_name_prefix(name_prefix: str) -> str:
    """The standby scale set's computer name prefix: ``<prefix>dr`` in at most nine characters
    (e.g. ``fab-avddr``); Azure appends six characters of its own to each instance."""
    return name_prefix[: MAX_SCALE_SET_COMPUTER_PREFIX - 2].rstrip("-") + "dr"


def dr_name(name: str) -> str:
    """The DR side of a pool (its goldfleet name, its Azure host pool name, its Desktop
    application group): ``<name>-dr``."""
    return f"{name}{DR_SUFFIX}"


def scale_set_name(name_prefix: str) -> str:
    """The standby Flexible scale set in the DR region: ``vmss-<prefix>-dr``."""
    return f"vmss-{name_prefix}{DR_SUFFIX}"


def default_application_group(host_pool_name: str) -> str:
    """A pool's Desktop application group when the configuration names none."""
    return f"{host_pool_name}{APPLICATION_GROUP_SUFFIX}"


def short_build_id(build_id: str) -> str:
    """Ten hexadecimal digits that stand for a build in the names of its temporary resources."""
    return hashlib.sha256(build_id.encode()).hexdigest()[:10]


def temporary_group_name(build_id: str) -> str:
    """The resource group a capture clones the master VM into (deleted afterwards)."""
    return f"{TEMPORARY_GROUP_PREFIX}{short_build_id(build_id)}"


def image_template_name(build_id: str) -> str:
    """The Image Builder template of a build, in the build's resource group."""
    return f"{IMAGE_TEMPLATE_PREFIX}{hashlib.sha256(build_id.encode()).hexdigest()[:12]}"
