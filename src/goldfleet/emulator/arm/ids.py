"""Resource ids: their parts, their parent and type, and the RBAC action a request performs.

ARM ids are case-insensitive; functions here keep the caller's spelling and compare lowered.
"""

from __future__ import annotations

from dataclasses import dataclass

RESOURCE_GROUPS = "Microsoft.Resources/resourceGroups"
SUBSCRIPTIONS = "Microsoft.Resources/subscriptions"


def segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _last_providers_index(parts: list[str]) -> int:
    """Index of the last ``providers`` segment that is followed by a namespace, or -1."""
    for i in range(len(parts) - 2, -1, -1):
        if parts[i].lower() == "providers":
            return i
    return -1


def parent_and_type(resource_id: str) -> tuple[str, str]:
    """The id of the parent scope and the full type of ``resource_id``.

    >>> parent_and_type("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/i")
    ('/subscriptions/s/resourceGroups/rg', 'Microsoft.Compute/images')
    """
    parts = segments(resource_id)
    p = _last_providers_index(parts)
    if p < 0:
        if len(parts) == 4 and parts[2].lower() == "resourcegroups":
            return "/" + "/".join(parts[:2]), RESOURCE_GROUPS
        if len(parts) == 2 and parts[0].lower() == "subscriptions":
            return "", SUBSCRIPTIONS
        return "/" + "/".join(parts[:-1]), "/".join(parts[:-1:2])
    namespace = parts[p + 1]
    rest = parts[p + 2 :]
    types = rest[0::2]
    parent = "/" + "/".join(parts[:p] if len(rest) <= 2 else parts[:-2])
    return (parent if parent != "/" else ""), "/".join([namespace, *types])


@dataclass(frozen=True)
class Scope:
    """Where in the hierarchy an id sits: subscription and resource group, when present."""

    subscription_id: str | None
    resource_group: str | None


def scope_of(path: str) -> Scope:
    parts = segments(path)
    sub = parts[1] if len(parts) >= 2 and parts[0].lower() == "subscriptions" else None
    rg = None
    if sub and len(parts) >= 4 and parts[2].lower() == "resourcegroups":
        rg = parts[3]
    return Scope(sub, rg)


_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}


def rbac_action(method: str, path: str) -> tuple[str, str] | None:
    """The RBAC action and the scope a request needs, as ARM derives them from the URL.

    ``None`` means the request is not authorised by role (``GET /subscriptions``, ``/tenants``).
    """
    parts = segments(path)
    method = method.upper()
    if not parts or parts[0].lower() == "tenants":
        return None
    if parts[0].lower() == "subscriptions" and len(parts) == 1:
        return None
    p = _last_providers_index(parts)
    if p < 0:
        return _resources_action(method, parts)
    namespace = parts[p + 1]
    rest = parts[p + 2 :]
    scope_parts = parts[:p]
    if not rest:  # /subscriptions/{s}/providers/{ns}
        return f"{SUBSCRIPTIONS}/providers/read", "/" + "/".join(scope_parts)
    if len(rest) % 2 == 1:
        last = rest[-1]
        types = rest[:-1:2]
        scope = "/" + "/".join(parts[:-1])
        if method == "POST":
            return "/".join([namespace, *types, last, "action"]), scope
        return "/".join([namespace, *types, last, "read"]), scope
    types = rest[0::2]
    verb = _VERBS.get(method, "action")
    return "/".join([namespace, *types, verb]), "/" + "/".join(parts)


def _resources_action(method: str, parts: list[str]) -> tuple[str, str]:
    """Actions for ``/subscriptions/...`` paths that carry no ``providers`` segment."""
    sub_scope = "/" + "/".join(parts[:2])
    if len(parts) == 2:
        return f"{SUBSCRIPTIONS}/{_VERBS.get(method, 'action')}", sub_scope
    if len(parts) == 3 and parts[2].lower() == "providers":
        return f"{SUBSCRIPTIONS}/providers/read", sub_scope
    collection = parts[2].lower()
    if collection == "resourcegroups":
        if len(parts) == 3:
            return f"{SUBSCRIPTIONS}/resourceGroups/read", sub_scope
        rg_scope = "/" + "/".join(parts[:4])
        if len(parts) == 4:
            return f"{SUBSCRIPTIONS}/resourceGroups/{_VERBS.get(method, 'action')}", rg_scope
        tail = parts[4].lower()
        if method == "POST":
            return f"{SUBSCRIPTIONS}/resourceGroups/{parts[4]}/action", rg_scope
        return f"{SUBSCRIPTIONS}/resourceGroups/{tail}/read", rg_scope
    if method == "POST":
        return f"{SUBSCRIPTIONS}/{parts[-1]}/action", sub_scope
    return f"{SUBSCRIPTIONS}/{parts[2]}/read", sub_scope


def is_within(scope: str, resource: str) -> bool:
    """True when ``resource`` is ``scope`` or lies beneath it (segment-wise, case-insensitive)."""
    s = scope.lower().rstrip("/")
    r = resource.lower().rstrip("/")
    return s in ("", r) or r.startswith(s + "/")
