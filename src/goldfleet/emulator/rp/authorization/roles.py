"""Role definitions: the built-in ones (real ids and permissions, from Microsoft's docs) and the
matching of an action against a role's actions/notActions with wildcards."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"


@lru_cache(maxsize=1)
def builtin_roles() -> dict[str, dict[str, Any]]:
    """Built-in roles by lower-case GUID."""
    text = resources.files(__package__).joinpath("builtin_roles.json").read_text()
    return {r["name"].lower(): r for r in json.loads(text)}


def builtin_role_by_name(role_name: str) -> dict[str, Any] | None:
    for role in builtin_roles().values():
        if role["roleName"].lower() == role_name.lower():
            return role
    return None


@lru_cache(maxsize=4096)
def _pattern(action: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in action.split("*")) + "$", re.IGNORECASE)


def permits(permissions: list[dict[str, Any]], action: str) -> bool:
    """True when one permission block allows ``action`` and does not exclude it."""
    for block in permissions:
        if any(_pattern(a).match(action) for a in block.get("actions", [])) and not any(
            _pattern(n).match(action) for n in block.get("notActions", [])
        ):
            return True
    return False


def definition_id(scope: str, guid: str) -> str:
    """A role definition's id as ARM forms it whatever scope it is read at: under the
    subscription for any scope in one (a resource group's or a resource's too), else at the
    root (``/providers/...``)."""
    parts = [p for p in scope.split("/") if p]
    prefix = (
        f"/subscriptions/{parts[1]}"
        if len(parts) >= 2 and parts[0].lower() == "subscriptions"
        else ""
    )
    return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def definition_body(role: dict[str, Any], scope: str, role_type: str) -> dict[str, Any]:
    """The ARM body of a role definition as read at ``scope``."""
    properties = {
        "roleName": role["roleName"],
        "type": role_type,
        "description": role.get("description", ""),
        "assignableScopes": role.get("assignableScopes", ["/"]),
        "permissions": [
            {
                "actions": p.get("actions", []),
                "notActions": p.get("notActions", []),
                "dataActions": p.get("dataActions", []),
                "notDataActions": p.get("notDataActions", []),
            }
            for p in role["permissions"]
        ],
        "createdOn": role.get("createdOn", "2015-02-02T21:55:09.8806423Z"),
        "updatedOn": role.get("updatedOn", "2025-01-01T00:00:00.0000000Z"),
        "createdBy": role.get("createdBy"),
        "updatedBy": role.get("updatedBy"),
    }
    return {
        "id": definition_id(scope, role["name"]),
        "name": role["name"],
        "type": ROLE_DEFINITION_TYPE,
        "properties": properties,
    }
