"""The resource store: every ARM resource the emulator holds, keyed by id, case-insensitively.

A resource is kept as the body ARM returns (``id``, ``name``, ``type``, ``location``, ``tags``,
``properties``...) plus a private ``meta`` dict for rules that must not leak into responses.
Lists by parent and type use an index, so listing a resource group does not scan the world.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from goldfleet.emulator.arm.ids import parent_and_type


@dataclass
class StoredResource:
    body: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.body["id"])


class ResourceStore:
    """All resources, indexed by lower-cased id and by (parent id, type)."""

    def __init__(self) -> None:
        self._items: dict[str, StoredResource] = {}
        self._children: dict[tuple[str, str], dict[str, None]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, resource_id: str) -> StoredResource | None:
        return self._items.get(resource_id.lower())

    def put(self, body: dict[str, Any], meta: dict[str, Any] | None = None) -> StoredResource:
        """Insert or replace the resource with ``body['id']``; the first spelling of the id wins."""
        key = str(body["id"]).lower()
        existing = self._items.get(key)
        if existing is not None:
            body["id"] = existing.body["id"]
            existing.body = body
            if meta is not None:
                existing.meta = meta
            return existing
        stored = StoredResource(body, meta or {})
        self._items[key] = stored
        parent, rtype = parent_and_type(str(body["id"]))
        self._children.setdefault((parent.lower(), rtype.lower()), {})[key] = None
        return stored

    def delete(self, resource_id: str) -> StoredResource | None:
        key = resource_id.lower()
        stored = self._items.pop(key, None)
        if stored is not None:
            parent, rtype = parent_and_type(stored.id)
            siblings = self._children.get((parent.lower(), rtype.lower()))
            if siblings is not None:
                siblings.pop(key, None)
                if not siblings:
                    del self._children[(parent.lower(), rtype.lower())]
        return stored

    def children(self, parent_id: str, resource_type: str) -> list[StoredResource]:
        """Direct children of ``parent_id`` of one type, in creation order."""
        keys = self._children.get((parent_id.lower(), resource_type.lower()), {})
        return [self._items[k] for k in keys]

    def under(self, scope: str) -> list[StoredResource]:
        """Every resource whose id lies under ``scope`` (the scope itself excluded)."""
        prefix = scope.lower().rstrip("/") + "/"
        return [item for key, item in self._items.items() if key.startswith(prefix)]

    def __iter__(self) -> Iterator[StoredResource]:
        return iter(list(self._items.values()))

    def to_json(self) -> list[dict[str, Any]]:
        return [{"body": r.body, "meta": r.meta} for r in self._items.values()]

    @classmethod
    def from_json(cls, items: list[dict[str, Any]]) -> ResourceStore:
        store = cls()
        for item in items:
            store.put(item["body"], item.get("meta") or {})
        return store
