"""Assembly of Microsoft.Compute: the registration of every route of the provider's API groups
(galleries, managed images, marketplace, sizes and usage, disks and snapshots, virtual
machines, scale sets, run commands, extensions) and of the control API's compute part, and the
installation of their scheduled events and deletion hooks in a world. No handlers here.
"""

from __future__ import annotations

from goldfleet.emulator.arm.routing import Router
from goldfleet.emulator.rp.compute import control, machine_contents, operations
from goldfleet.emulator.rp.compute.disks import backend as disk_backend
from goldfleet.emulator.rp.compute.disks import routes as disk_routes
from goldfleet.emulator.rp.compute.galleries import (
    gallery_backend,
    gallery_routes,
    replication,
    retirement,
    sharing,
)
from goldfleet.emulator.rp.compute.machines import (
    extensions,
    run_command_routes,
    run_commands,
    usage_routes,
    vm_backend,
    vm_power,
    vm_routes,
    vmss_backend,
    vmss_routes,
)
from goldfleet.emulator.rp.compute.managed_images import routes as managed_image_routes
from goldfleet.emulator.rp.compute.marketplace import routes as marketplace_routes
from goldfleet.emulator.rp.compute.naming import GALLERY
from goldfleet.emulator.world import World


def register(router: Router) -> None:
    """Every Compute route, and the compute part of the control API."""
    gallery_routes.register(router)
    managed_image_routes.register(router)
    marketplace_routes.register(router)
    usage_routes.register(router)
    disk_routes.register(router)
    vm_routes.register(router)
    vmss_routes.register(router)
    run_command_routes.register(router)
    extensions.register(router)
    control.register(router)


def install(world: World) -> None:
    """Scheduled events and deletion hooks (on the scheduler, which survives restores)."""
    operations.register_events(world)
    replication.register_events(world)
    retirement.register_events(world)
    sharing.register_events(world)
    world.on_delete(GALLERY, gallery_backend.remove_identity)
    disk_backend.register_events(world)
    machine_contents.install(world)
    vm_backend.register_events(world)
    vm_power.register_events(world)
    vmss_backend.register_events(world)
    run_commands.register_events(world)
    extensions.register_events(world)
