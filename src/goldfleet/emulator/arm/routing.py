"""URL routing for ARM-style paths: literal segments match case-insensitively, ``{name}`` one
segment, and a leading ``{scope*}`` any scope (for extension resources such as role assignments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from goldfleet.emulator.arm.http import Request, Response

if TYPE_CHECKING:
    from goldfleet.emulator.entra.tokens import Principal
    from goldfleet.emulator.world import World


@dataclass
class Ctx:
    """What a handler gets: the request, path parameters, the world and the verified caller."""

    request: Request
    params: dict[str, str]
    world: World
    principal: Principal | None = None
    auxiliary: list[Principal] = field(default_factory=list)
    request_id: str = ""

    @property
    def now(self) -> float:
        return self.world.now()

    def param(self, name: str) -> str:
        return self.params[name]


Handler = Callable[[Ctx], Response]


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    pattern: str
    literals: tuple[str | None, ...]  # lower-case literal, or None for a parameter
    names: tuple[str, ...]
    handler: Handler
    authenticated: bool = True  # needs a bearer token (ARM) - False for Entra ID and metadata
    rbac: bool = True  # authorised by role, with the action derived from the URL
    namespace: str | None = None  # resource provider that must be registered
    any_scope: bool = False  # leading {scope*}
    api_version: bool = True  # needs ?api-version=
    operation: str = ""  # REST operation name, for logs and docs


def _compile(pattern: str) -> tuple[tuple[str | None, ...], tuple[str, ...], bool, str | None]:
    parts = [p for p in pattern.split("/") if p]
    any_scope = bool(parts) and parts[0] == "{scope*}"
    if any_scope:
        parts = parts[1:]
    literals: list[str | None] = []
    names: list[str] = []
    namespace = None
    for i, part in enumerate(parts):
        if part.startswith("{") and part.endswith("}"):
            literals.append(None)
            names.append(part[1:-1])
        else:
            literals.append(part.lower())
            if i > 0 and parts[i - 1].lower() == "providers" and "." in part:
                namespace = part
    return tuple(literals), tuple(names), any_scope, namespace


class Router:
    def __init__(self) -> None:
        self._by_length: dict[int, list[Route]] = {}
        self._scoped: list[Route] = []
        self.routes: list[Route] = []

    def add(
        self,
        methods: str | list[str],
        pattern: str,
        handler: Handler,
        **options: Any,
    ) -> None:
        literals, names, any_scope, namespace = _compile(pattern)
        method_set = frozenset([methods] if isinstance(methods, str) else methods)
        options.setdefault("namespace", namespace)
        route = Route(method_set, pattern, literals, names, handler, any_scope=any_scope, **options)
        self.routes.append(route)
        if any_scope:
            self._scoped.append(route)
        else:
            self._by_length.setdefault(len(literals), []).append(route)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        parts = [p for p in path.split("/") if p]
        lowered = [p.lower() for p in parts]
        for route in self._by_length.get(len(parts), ()):
            if method not in route.methods:
                continue
            params = _match_parts(route, parts, lowered)
            if params is not None:
                return route, params
        for route in self._scoped:
            if method not in route.methods or len(parts) < len(route.literals):
                continue
            tail = len(parts) - len(route.literals)
            params = _match_parts(route, parts[tail:], lowered[tail:])
            if params is not None:
                params["scope"] = "/" + "/".join(parts[:tail])
                return route, params
        return None


def _match_parts(route: Route, parts: list[str], lowered: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    names = iter(route.names)
    for literal, actual, low in zip(route.literals, parts, lowered, strict=True):
        if literal is None:
            params[next(names)] = actual
        elif literal != low:
            return None
    return params
