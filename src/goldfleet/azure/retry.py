"""Retrying transient failures (5xx, connection resets) with exponential backoff and jitter.

Throttling (429) is the gate's business, not this policy's: see :mod:`goldfleet.azure.gate`.
"""

from __future__ import annotations

import random
from typing import Any

from azure.core.pipeline.policies import AsyncRetryPolicy


class JitteredRetryPolicy(AsyncRetryPolicy):  # type: ignore[type-arg]
    """azure-core's retry policy with +-50% jitter on every backoff, so that many workers that
    failed together do not all come back at the same instant."""

    def __init__(self, rng: random.Random | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("retry_total", 5)
        kwargs.setdefault("retry_backoff_factor", 0.8)
        kwargs.setdefault("retry_backoff_max", 60)
        super().__init__(**kwargs)
        self._rng = rng or random.Random()

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        base = float(super().get_backoff_time(settings))
        return base * self._rng.uniform(0.5, 1.5)
