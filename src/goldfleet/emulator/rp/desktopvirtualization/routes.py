"""HTTP surface of this resource provider (registered by the emulator's app)."""

from __future__ import annotations

from goldfleet.emulator.arm.routing import Router
from goldfleet.emulator.world import World


def register(router: Router) -> None:
    """Add this provider's routes."""


def install(world: World) -> None:
    """Register this provider's scheduled events and deletion hooks on ``world``."""
