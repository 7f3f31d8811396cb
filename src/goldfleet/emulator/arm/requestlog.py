"""The request log and counters that tests and benchmarks read through the control API."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LogEntry:
    seq: int
    method: str
    path: str
    query: str
    status: int
    principal: str | None
    tenant: str | None
    request_id: str
    sim_time: float
    real_time: float
    duration_ms: float
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "principal": self.principal,
            "tenant": self.tenant,
            "requestId": self.request_id,
            "simulatedTime": self.sim_time,
            "realTime": self.real_time,
            "durationMs": round(self.duration_ms, 3),
            "note": self.note,
        }


class RequestLog:
    def __init__(self, capacity: int = 200_000) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._seq = 0
        self.counters: Counter[str] = Counter()

    def record(self, **fields: Any) -> LogEntry:
        self._seq += 1
        entry = LogEntry(seq=self._seq, **fields)
        self._entries.append(entry)
        self.counters["requests"] += 1
        self.counters[f"status:{entry.status}"] += 1
        self.counters[f"method:{entry.method}"] += 1
        if entry.note:
            self.counters[f"note:{entry.note}"] += 1
        return entry

    def since(self, seq: int = 0, limit: int = 10_000) -> list[LogEntry]:
        out = [e for e in self._entries if e.seq > seq]
        return out[:limit]

    def clear(self) -> None:
        self._entries.clear()
        self.counters.clear()
