"""The JSON Schema of goldfleet's documents (one schema, every kind, discriminated by ``kind``),
for editors to complete and check the files; and the lookup of the keys a mapping may have, for
"unknown key" messages."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter

from goldfleet.config.diagnostics import Path
from goldfleet.config.models.base import API_VERSION
from goldfleet.config.models.documents import DOCUMENT_CLASSES, Document

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@cache
def _document_schema() -> dict[str, Any]:
    return TypeAdapter(Document).json_schema(by_alias=True)


def json_schema() -> dict[str, Any]:
    """The published schema: any one goldfleet document (files hold one or more)."""
    return {
        "$schema": SCHEMA_DIALECT,
        "title": f"goldfleet configuration document ({API_VERSION})",
        "description": (
            "One YAML document of a goldfleet configuration: apiVersion, kind, metadata, spec."
            " Kinds: " + ", ".join(sorted(DOCUMENT_CLASSES)) + "."
        ),
        **_document_schema(),
    }


@cache
def _kind_schema(kind: str) -> dict[str, Any]:
    return DOCUMENT_CLASSES[kind].model_json_schema(by_alias=True)


def allowed_keys(kind: str, path: Path, data: Any) -> list[str] | None:
    """The keys the mapping at ``path`` of a ``kind`` document may have (``data`` is the document,
    used to pick the variant of a ``type``-discriminated union); None if not a fixed mapping."""
    root = _kind_schema(kind)
    node: dict[str, Any] = root
    value = data
    for part in path:
        node = _pick_variant(root, node, value)
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            extra = node.get("additionalProperties")
            node = node.get("properties", {}).get(part, extra if isinstance(extra, dict) else {})
        value = _step(value, part)
    properties = _pick_variant(root, node, value).get("properties")
    return sorted(properties) if isinstance(properties, dict) else None


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _leaves(root: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    node = _resolve(root, node)
    branches = node.get("oneOf") or node.get("anyOf")
    if not branches:
        return [node]
    return [leaf for branch in branches for leaf in _leaves(root, branch)]


def _pick_variant(root: dict[str, Any], node: dict[str, Any], value: Any) -> dict[str, Any]:
    """In a union, the branch that matches ``value``: by its ``type`` tag, else the only mapping
    (or list) branch; ``node`` itself when it is no union."""
    leaves = _leaves(root, node)
    if len(leaves) == 1:
        return leaves[0]
    tag = value.get("type") if isinstance(value, dict) else None
    objects = [leaf for leaf in leaves if leaf.get("type") == "object"]
    for leaf in objects:
        if leaf.get("properties", {}).get("type", {}).get("const") == tag:
            return leaf
    if len(objects) == 1:
        return objects[0]
    arrays = [leaf for leaf in leaves if leaf.get("type") == "array"]
    return arrays[0] if len(arrays) == 1 else _resolve(root, node)


def _step(value: Any, part: str | int) -> Any:
    if isinstance(part, int):
        return value[part] if isinstance(value, list) and 0 <= part < len(value) else None
    return value.get(part) if isinstance(value, dict) else None


def variant_tags(kind: str, path: Path, data: Any) -> list[str]:
    """The ``type`` values the union at ``path`` of a ``kind`` document accepts."""
    root = _kind_schema(kind)
    node = _resolve(root, root)
    value = data
    for part in path:
        node = _pick_variant(root, node, value)
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part, {})
        value = _step(value, part)
    tags = [leaf.get("properties", {}).get("type", {}).get("const") for leaf in _leaves(root, node)]
    return [t for t in tags if isinstance(t, str)]
