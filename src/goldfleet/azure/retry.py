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

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        """Never a 429: throttling belongs to the ARM gate, which waits it out in front of
        this policy; a 429 that gets here means the gate gave up, and must be seen."""
        if response.http_response.status_code == 429:
            return False
        return bool(super().is_retry(settings, response))

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        base = float(super().get_backoff_time(settings))
        return base * self._rng.uniform(0.5, 1.5)
