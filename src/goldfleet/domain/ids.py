"""``ResourceId``: an ARM resource id parsed once, compared case-insensitively (as ARM does),
printed as it was written."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceId:
    """``/subscriptions/{s}[/resourceGroups/{g}][/providers/{ns}/{type}/{name}[/{type}/{name}]...]``"""

    text: str
    _key: str = field(init=False, repr=False, compare=True)

    def __post_init__(self) -> None:
        parts = [p for p in self.text.split("/") if p]
        if len(parts) < 2 or parts[0].lower() != "subscriptions":
            raise ValueError(f"not an ARM resource id: {self.text!r}")
        object.__setattr__(self, "text", "/" + "/".join(parts))
        object.__setattr__(self, "_key", self.text.lower())

    def __str__(self) -> str:
        return self.text

    def __lt__(self, other: ResourceId) -> bool:
        return self._key < other._key

    @property
    def parts(self) -> list[str]:
        return self.text.split("/")[1:]

    @property
    def subscription_id(self) -> str:
        return self.parts[1]

    @property
    def resource_group(self) -> str | None:
        parts = self.parts
        if len(parts) >= 4 and parts[2].lower() == "resourcegroups":
            return parts[3]
        return None

    @property
    def name(self) -> str:
        return self.parts[-1]

    @classmethod
    def subscription(cls, subscription_id: str) -> ResourceId:
        return cls(f"/subscriptions/{subscription_id}")

    @classmethod
    def resource_group_id(cls, subscription_id: str, name: str) -> ResourceId:
        return cls(f"/subscriptions/{subscription_id}/resourceGroups/{name}")

    def child(self, *segments: str) -> ResourceId:
        return ResourceId(self.text + "/" + "/".join(segments))

    def is_within(self, scope: ResourceId) -> bool:
        return self._key == scope._key or self._key.startswith(scope._key + "/")
