"""HTTP surface of Microsoft.Network (registered by the emulator's app)."""

from __future__ import annotations

from goldfleet.emulator.arm.routing import Router
from goldfleet.emulator.rp.network import backend, model
from goldfleet.emulator.world import World


def register(router: Router) -> None:
    """Add this provider's routes."""


def install(world: World) -> None:
    """Register this provider's scheduled events and deletion hooks on ``world``."""
    model.register_events(world)
    world.on_delete(model.NIC, backend.on_nic_deleted)
