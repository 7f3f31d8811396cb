"""A pipeline's customization as the exact PowerShell text that runs on the build VM, and the
SHA-256 of that text (what provenance records and the simulated guest reports).

Pure: the caller passes the text in - a built-in's template (``goldfleet.domain.builtins``) or the
bytes of the user's script as downloaded (``goldfleet.azure.blobs``).

A built-in template is real PowerShell: comment-based help, then a ``param()`` block with one
parameter a line (``[type]$Name = <default>``; no ``$`` before the variable), then the body.
Rendering

1. puts a ``# goldfleet built-in customization <name>`` line first;
2. sets the default of each configured parameter in the ``param()`` block to a PowerShell literal
   of its value (a configured value makes a ``[Parameter(Mandatory)]`` parameter optional);
   configuration names are camelCase (``profilePath``), PowerShell's are not case-sensitive;
3. replaces ``{{Name}}`` in the body by the literal of the value (``$Name`` when not configured),
   and repeats every line holding ``{{Name[]}}`` once per item of the list ``Name``, with the
   item's literal in its place - so that a package or a language is named on its own line, as
   the emulator's guest rules and a reader of the build log both want.

Literals: strings in single quotes with ``'`` (and the typographic single quotes PowerShell also
treats as quotes) doubled, so nothing in a value is ever interpreted; numbers as they are;
booleans ``$true``/``$false``; lists as ``@('a', 'b')``. Control characters (line breaks) are
refused. A user's script is never changed: its SHA-256 must be the configuration's, else
``ScriptChecksumMismatch``; its parameters are passed as arguments (``script_arguments``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import Customization, CustomizationKind, ParameterValue

_QUOTES = "'\u2018\u2019\u201a\u201b"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")
_PARAM_OPEN = re.compile(r"^\s*param\s*\(\s*$", re.IGNORECASE)
_PARAM_LINE = re.compile(r"^(?P<head>[^$#]*)\$(?P<name>\w+)(?P<rest>.*)$")
_MANDATORY = re.compile(r"\[Parameter\(\s*Mandatory\s*\)\]\s*", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{(?P<name>\w+)(?P<each>\[\])?\}\}")


class ScriptChecksumMismatch(UserInputError):
    """The downloaded script is not the one the configuration vouches for."""

    def __init__(self, uri: str, expected: str, actual: str) -> None:
        super().__init__(
            f"the script {uri} has SHA-256 {actual}, but the configuration expects {expected};"
            " nothing was created",
            hint="if the script changed on purpose, put its new sha256 in the pipeline;"
            " otherwise restore the blob",
        )
        self.uri = uri
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class RenderedStep:
    """One customization ready to run: ``script`` is the exact text, ``sha256`` its hash (of
    the downloaded bytes, for a user's script)."""

    name: str
    kind: CustomizationKind
    script: str
    sha256: str
    restart_after: bool
    parameters: tuple[tuple[str, ParameterValue], ...]
    uri: str | None = None  # a user's script: where it was downloaded from
    builtin: str | None = None  # a built-in: which one


def sha256_hex(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def powershell_literal(value: ParameterValue, what: str = "value") -> str:
    """``value`` as a PowerShell literal that nothing inside can escape from."""
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return "@(" + ", ".join(powershell_literal(v, what) for v in value) + ")"
    if _CONTROL.search(value):
        raise UserInputError(
            f"{what}: {value!r} holds a control character (such as a line break),"
            " which goldfleet does not pass to a script",
            hint="use a single-line value",
        )
    escaped = "".join(c + c if c in _QUOTES else c for c in value)
    return f"'{escaped}'"


def script_arguments(parameters: tuple[tuple[str, ParameterValue], ...]) -> str:
    """A user script's parameters as PowerShell arguments: ``-Apps @('a') -Force:$true``."""
    parts = []
    for name, value in parameters:
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise UserInputError(f"parameter name {name!r} is not a PowerShell parameter name")
        literal = powershell_literal(value, f"parameter {name}")
        parts.append(f"-{name}:{literal}" if isinstance(value, bool) else f"-{name} {literal}")
    return " ".join(parts)


def _set_defaults(lines: list[str], values: Mapping[str, str], builtin: str) -> set[str]:
    """Rewrite the param() block in place; the declared names (lower-case)."""
    start = next((i for i, line in enumerate(lines) if _PARAM_OPEN.match(line)), None)
    declared: set[str] = set()
    if start is None:
        return declared
    for i in range(start + 1, len(lines)):
        if lines[i].strip() == ")":
            break
        match = _PARAM_LINE.match(lines[i])
        if not match:
            continue
        name = match["name"]
        declared.add(name.lower())
        literal = values.get(name.lower())
        head, rest = match["head"], match["rest"]
        if literal is None:
            if _MANDATORY.search(head):
                raise UserInputError(f"required parameter {name} of {builtin} has no value")
            continue
        comma = "," if rest.rstrip().endswith(",") else ""
        lines[i] = f"{_MANDATORY.sub('', head)}${name} = {literal}{comma}"
    return declared


def _expand(line: str, values: Mapping[str, ParameterValue], builtin: str) -> list[str]:
    each = [m["name"] for m in _PLACEHOLDER.finditer(line) if m["each"]]
    if len(set(n.lower() for n in each)) > 1:
        raise ValueError(f"{builtin}: one line repeats over one list only: {line.strip()}")

    def scalar(match: re.Match[str]) -> str:
        name = match["name"]
        value = values.get(name.lower())
        if value is None:
            return f"${name}"
        return powershell_literal(value, f"parameter {name} of {builtin}")

    if not each:
        return [_PLACEHOLDER.sub(scalar, line)]
    items = values.get(each[0].lower())
    if items is None:
        raise UserInputError(f"required parameter {each[0]} of {builtin} has no value")
    listed = items if isinstance(items, tuple) else (items,)
    out = []
    for item in listed:
        literal = powershell_literal(
            item if isinstance(item, str) else str(item), f"parameter {each[0]} of {builtin}"
        )
        marker = "{{" + each[0] + "[]}}"
        with_item = line.replace(marker, literal)
        out.append(_PLACEHOLDER.sub(scalar, with_item))
    return out


def render_builtin(customization: Customization, template: str) -> str:
    """The text a built-in runs as (see the module docstring for the rules)."""
    builtin = customization.builtin_name
    configured = {name.lower(): value for name, value in customization.parameters}
    literals = {
        name: powershell_literal(value, f"parameter {name} of {builtin}")
        for name, value in configured.items()
    }
    lines = template.splitlines()
    declared = _set_defaults(lines, literals, builtin)
    unknown = sorted(set(configured) - declared)
    if unknown:
        raise UserInputError(
            f"{builtin} takes no parameter {', '.join(unknown)}",
            hint="accepted: " + (", ".join(sorted(declared)) or "none"),
        )
    body = [out for line in lines for out in _expand(line, configured, builtin)]
    return "\n".join([f"# goldfleet built-in customization {builtin}", *body]) + "\n"


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    return content.decode("utf-8-sig")


def render(customization: Customization, builtin_text: str | bytes) -> RenderedStep:
    """``customization`` ready to run. ``builtin_text`` is the built-in's template for a
    built-in, and the downloaded content of the user's script for a script (whose SHA-256 must
    be the configured one: ``ScriptChecksumMismatch`` otherwise)."""
    if customization.kind is CustomizationKind.BUILTIN:
        template = builtin_text if isinstance(builtin_text, str) else builtin_text.decode("utf-8")
        script = render_builtin(customization, template)
        return RenderedStep(
            name=customization.name,
            kind=customization.kind,
            script=script,
            sha256=sha256_hex(script),
            restart_after=customization.restart_after,
            parameters=customization.parameters,
            builtin=customization.builtin_name,
        )
    uri = customization.script_uri or customization.name
    actual = sha256_hex(builtin_text)
    expected = (customization.sha256 or "").lower()
    if actual != expected:
        raise ScriptChecksumMismatch(uri, expected, actual)
    text = builtin_text if isinstance(builtin_text, str) else _decode(builtin_text)
    script_arguments(customization.parameters)  # refuse what could not be passed, now
    return RenderedStep(
        name=customization.name,
        kind=customization.kind,
        script=text,
        sha256=actual,
        restart_after=customization.restart_after,
        parameters=customization.parameters,
        uri=customization.script_uri,
    )


__all__ = [
    "RenderedStep",
    "ScriptChecksumMismatch",
    "powershell_literal",
    "render",
    "render_builtin",
    "script_arguments",
    "sha256_hex",
]
