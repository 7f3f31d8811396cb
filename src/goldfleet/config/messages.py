"""pydantic's validation errors, rewritten as goldfleet's field errors: the path as the user wrote
it (no union tags), where to point (the value, or the key when the key is the problem), and a
message that says what was expected and what was found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic_core import ErrorDetails

from goldfleet.config.diagnostics import Path, did_you_mean, shown
from goldfleet.config.schema import allowed_keys, variant_tags

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}
_BOUNDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}


@dataclass(frozen=True)
class FieldError:
    path: Path
    message: str
    at_key: bool = False


def error_path(error: ErrorDetails, data: Any) -> tuple[Path, bool]:
    """Where a pydantic error of a document whose data is ``data`` is, as the user wrote it;
    and whether it is about a mapping key. Cheaper than ``field_error``: no message."""
    return _real_path(error["loc"], data)


def field_error(error: ErrorDetails, kind: str, data: Any) -> FieldError:
    """A pydantic error of a ``kind`` document whose data is ``data``, in goldfleet's words."""
    path, at_key = error_path(error, data)
    kind_of_error = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind_of_error == "missing":
        return FieldError(path, "required field is missing")
    if kind_of_error == "extra_forbidden":
        key = str(path[-1])
        allowed = allowed_keys(kind, path[:-1], data) or []
        hint = did_you_mean(key, allowed) or (
            f"; expected one of: {', '.join(allowed)}" if allowed else ""
        )
        return FieldError(path, f"unknown key {shown(key)}{hint}", at_key=True)
    if kind_of_error in ("union_tag_invalid", "union_tag_not_found"):
        tags = variant_tags(kind, path, data)
        expected = "expected " + _choices(tags)
        if kind_of_error == "union_tag_not_found":
            return FieldError((*path, "type"), f"required field is missing; {expected}")
        tag = value.get("type") if isinstance(value, dict) else None
        return FieldError(
            (*path, "type"),
            f"{expected}, got {shown(tag)}"
            + (did_you_mean(tag, tags) if isinstance(tag, str) else ""),
        )
    if kind_of_error in ("literal_error", "enum"):
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return FieldError(
            path,
            f"expected {_choices(options)}, got {shown(value)}"
            + (did_you_mean(value, options) if isinstance(value, str) else ""),
        )
    if kind_of_error == "value_error":
        return FieldError(path, str(ctx.get("error", error["msg"])), at_key=at_key)
    if kind_of_error in _TYPE_WORDS:
        return FieldError(path, f"expected {_TYPE_WORDS[kind_of_error]}, got {shown(value)}")
    if kind_of_error in _BOUNDS:
        sign, name = _BOUNDS[kind_of_error]
        return FieldError(path, f"expected a number {sign} {ctx.get(name)}, got {shown(value)}")
    if kind_of_error == "too_short":
        least = ctx.get("min_length")
        return FieldError(path, f"expected at least {least} item{'s' if least != 1 else ''}")
    if kind_of_error == "too_long":
        return FieldError(path, f"expected at most {ctx.get('max_length')} items")
    return FieldError(path, error["msg"])


def _choices(options: list[str]) -> str:
    quoted = [shown(o) for o in options]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} or {quoted[1]}"
    return "one of " + ", ".join(quoted)


def _real_path(loc: tuple[int | str, ...], data: Any) -> tuple[Path, bool]:
    """pydantic's ``loc`` without union tags and validator names, as keys and indices of
    ``data``; and whether the error is about a mapping key (``[key]``)."""
    path: list[str | int] = []
    at_key = False
    value = data
    tag_skipped: set[int] = set()
    for part in loc:
        if part == "[key]":
            at_key = True
            continue
        if isinstance(value, dict):
            if value.get("type") == part and id(value) not in tag_skipped:
                tag_skipped.add(id(value))  # the tag of a discriminated union comes first
                continue
            path.append(part)
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int):
            path.append(part)
            value = value[part] if 0 <= part < len(value) else None
        elif value is None:  # below a missing key: the path goes on as pydantic names it
            path.append(part)
        # else: a scalar the model wanted as a mapping (a region name given as a string): the
        # error is about the scalar itself, so the path stops here
    return tuple(path), at_key
