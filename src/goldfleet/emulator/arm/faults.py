"""Injected faults: rules that make matching requests fail, slow down, or both.

A rule matches on method and a path regular expression (case-insensitive), optionally on the
calling principal, and fires with a probability (seeded randomness) and/or a limited number of
times. A firing rule adds a delay (simulated seconds) and/or answers an ARM error.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FaultRule:
    id: str
    path: str = ".*"
    method: str = "*"
    principal: str | None = None
    probability: float = 1.0
    count: int | None = None  # remaining firings; None = unlimited
    status: int | None = 500
    code: str = "InternalServerError"
    message: str = "Injected fault."
    delay_seconds: float = 0.0
    retry_after: int | None = None
    fired: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            self._pattern = re.compile(self.path, re.IGNORECASE)
        return self._pattern

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_pattern", None)
        return data


class FaultSet:
    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    def add(self, spec: dict[str, Any], rule_id: str) -> FaultRule:
        allowed = {k for k in FaultRule.__dataclass_fields__ if not k.startswith("_")}
        unknown = set(spec) - allowed - {"delaySeconds", "retryAfter"}
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        data = {k: v for k, v in spec.items() if k in allowed}
        if "delaySeconds" in spec:
            data["delay_seconds"] = spec["delaySeconds"]
        if "retryAfter" in spec:
            data["retry_after"] = spec["retryAfter"]
        data.setdefault("id", rule_id)
        rule = FaultRule(**data)
        try:
            rule.pattern()  # reject a bad regular expression now, not at the first request
        except re.error as exc:
            raise ValueError(f"'path' is not a valid regular expression: {exc}") from exc
        if not 0 <= rule.probability <= 1:
            raise ValueError("probability must be between 0 and 1")
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def match(self, method: str, path: str, principal: str | None) -> FaultRule | None:
        for rule in self.rules:
            if rule.count is not None and rule.count <= 0:
                continue
            if rule.method != "*" and rule.method.upper() != method.upper():
                continue
            if rule.principal and (principal or "").lower() != rule.principal.lower():
                continue
            if not rule.pattern().search(path):
                continue
            if rule.probability < 1 and self._rng.random() >= rule.probability:
                continue
            if rule.count is not None:
                rule.count -= 1
            rule.fired += 1
            return rule
        return None

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rules]

    def load_json(self, rules: list[dict[str, Any]]) -> None:
        self.rules = [FaultRule(**r) for r in rules]
