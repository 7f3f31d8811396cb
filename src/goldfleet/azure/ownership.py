"""The one place goldfleet's ownership rule is enforced: a pipeline policy on every ARM client.

Every write (PUT, PATCH, DELETE, and POST actions that change something) names the owner it
acts for - set with :func:`acting_as` by the workflow or command that does the work. Before the
write leaves the process the policy reads the resource it changes (or, for a child that has no
tags - a session host, a user session, a subnet - its nearest tagged parent) and lets the write
through only if ``domain.ownership`` allows it; a new resource gets the caller's
``goldfleet-owner`` tag in its body (a role assignment gets it in its description). A refused
write raises :class:`NotOwnedError` and sends nothing. A write with no owner declared is refused
too: every path that changes Azure must say for whom.

What the policy learnt (a resource's owner, from its read or from goldfleet's own create) is
kept for a few seconds per resource, so a create followed by writes under it costs one read.
"""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from azure.core.pipeline import PipelineContext, PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import AsyncHTTPPolicy
from azure.core.rest import HttpRequest

from goldfleet.domain.errors import NotOwnedError, PermissionDeniedError, TransientAzureError
from goldfleet.domain.ownership import (
    OWNER_TAG,
    Owner,
    Verdict,
    adoption_hint,
    may_change,
    may_create_under,
    owned_description,
    owner_in_description,
    owner_in_tags,
    parse_owner,
)

ROLE_ASSIGNMENTS = "microsoft.authorization/roleassignments"
# Resource types without tags: a write on one is a write on its nearest tagged parent.
UNTAGGED = frozenset(
    {
        "microsoft.desktopvirtualization/hostpools/sessionhosts",
        "microsoft.desktopvirtualization/hostpools/sessionhosts/usersessions",
        "microsoft.desktopvirtualization/applicationgroups/applications",
        "microsoft.network/virtualnetworks/subnets",
        "microsoft.compute/virtualmachinescalesets/virtualmachines",
    }
)
# Parents that hold many owners' children: creating a child there changes nothing of theirs.
CONTAINERS = frozenset(
    {"resourcegroups", "microsoft.compute/galleries", "microsoft.compute/galleries/images"}
)
# POST actions that only read.
READ_ACTIONS = frozenset(
    {
        "listregistrationtokens",
        "retrieveregistrationtoken",
        "listkeys",
        "listsessionhostconfigurations",
        "getaccess",
    }
)
KNOWN_FOR_SECONDS = 10.0

_acting: contextvars.ContextVar[Owner | None] = contextvars.ContextVar(
    "goldfleet_acting_owner", default=None
)
_adopting: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "goldfleet_adopting", default=frozenset()
)


@contextmanager
def acting_as(owner: Owner) -> Iterator[Owner]:
    """Writes in this block (and in tasks and threads started from it) act for ``owner``."""
    token = _acting.set(owner)
    try:
        yield owner
    finally:
        _acting.reset(token)


@contextmanager
def adopting(resource_id: str) -> Iterator[None]:
    """The one write that may change a resource goldfleet does not own: setting its owner tag
    (``goldfleet adopt``, audited by its caller)."""
    token = _adopting.set(_adopting.get() | {_key(resource_id)})
    try:
        yield
    finally:
        _adopting.reset(token)


def current_owner() -> Owner | None:
    return _acting.get()


@dataclass(frozen=True)
class Node:
    """One resource on an ARM path: its type (lower-case, with namespace) and its path."""

    type: str
    path: str

    @property
    def tagged(self) -> bool:
        return self.type not in UNTAGGED and self.type != ROLE_ASSIGNMENTS


@dataclass(frozen=True)
class Write:
    """What a request writes: the chain of resources down to its target, and an action."""

    chain: tuple[Node, ...]
    action: str | None

    @property
    def target(self) -> Node:
        return self.chain[-1]

    def guarded(self) -> Node | None:
        """The resource whose owner decides: the target, or its nearest tagged parent."""
        for node in reversed(self.chain):
            if node.tagged or node.type == ROLE_ASSIGNMENTS:
                return node
        return None


def parse_write(path: str) -> Write | None:
    """The resources an ARM path names, outermost first; None for a path with no resource
    group (subscription-level calls such as provider registration)."""
    segments = [s for s in path.split("/") if s]
    if len(segments) < 4 or segments[0].lower() != "subscriptions":
        return None
    if segments[2].lower() != "resourcegroups":
        return None
    base = "/" + "/".join(segments[:4])
    chain = [Node("resourcegroups", base)]
    rest = segments[4:]
    namespace = ""
    types: list[str] = []
    action: str | None = None
    index = 0
    while index < len(rest):
        if rest[index].lower() == "providers" and index + 1 < len(rest):
            namespace = rest[index + 1].lower()
            types = []
            base += f"/{rest[index]}/{rest[index + 1]}"
            index += 2
            continue
        if index + 1 >= len(rest):
            action = rest[index]
            break
        types.append(rest[index].lower())
        base += f"/{rest[index]}/{rest[index + 1]}"
        chain.append(Node(f"{namespace}/{'/'.join(types)}", base))
        index += 2
    return Write(tuple(chain), action)


def _key(resource_path: str) -> str:
    path = urlsplit(resource_path).path if "://" in resource_path else resource_path
    return path.rstrip("/").lower()


@dataclass
class _Known:
    owner: str | None
    until: float


class OwnershipGuard:
    """Shared by the clients of one factory: what it learnt of owners, for a few seconds."""

    def __init__(self, known_for: float = KNOWN_FOR_SECONDS) -> None:
        self.known_for = known_for
        self._known: dict[str, _Known] = {}
        self.reads = 0  # the reads the guard itself made

    def known(self, path: str) -> tuple[bool, str | None]:
        found = self._known.get(_key(path))
        if found is None or found.until < time.monotonic():
            return False, None
        return True, found.owner

    def learn(self, path: str, owner: str | None) -> None:
        self._known[_key(path)] = _Known(owner, time.monotonic() + self.known_for)

    def forget(self, path: str) -> None:
        self._known.pop(_key(path), None)

    def policy(self) -> OwnershipPolicy:
        return OwnershipPolicy(self)


def _refusal(resource: str, verdict: Verdict, owner: Owner, what: str) -> NotOwnedError:
    return NotOwnedError(
        what,
        resource,
        f"goldfleet does not own it ({verdict.reason}; this command acts for {owner.tag})",
        code="NotOwnedByGoldfleet",
        hint=adoption_hint(resource, owner),
    )


class OwnershipPolicy(AsyncHTTPPolicy):  # type: ignore[type-arg]
    """Per-call policy (before retries and the ARM gate): see the module docstring."""

    def __init__(self, guard: OwnershipGuard) -> None:
        super().__init__()
        self.guard = guard

    async def send(self, request: PipelineRequest) -> PipelineResponse:  # type: ignore[type-arg]
        http = request.http_request
        method = http.method.upper()
        write = None if method in ("GET", "HEAD") else parse_write(urlsplit(http.url).path)
        if write is None or (method == "POST" and (write.action or "").lower() in READ_ACTIONS):
            passed: PipelineResponse = await self.next.send(request)  # type: ignore[type-arg]
            return passed
        owner = current_owner()
        what = f"{method} {'/' + write.action if write.action else ''}".strip()
        if owner is None:
            raise NotOwnedError(
                f"refusing {what} on",
                write.target.path,
                "no owner was declared for this write",
                code="NoOwnerDeclared",
                hint="this is a goldfleet bug (every change must say whom it acts for): "
                "please report it with --debug output",
            )
        guarded = write.guarded()
        adopting = guarded is not None and _key(guarded.path) in _adopting.get()
        if not adopting:
            await self._check(request, write, method, owner, what)
        if method in ("PUT", "PATCH"):
            _stamp(http, write, owner, creating=method == "PUT")
        response: PipelineResponse = await self.next.send(request)  # type: ignore[type-arg]
        status = response.http_response.status_code
        if guarded is not None and status < 300:
            if method == "DELETE" and guarded is write.target:
                self.guard.forget(guarded.path)
            elif method == "PUT" and guarded is write.target:
                self.guard.learn(guarded.path, owner.tag)
        return response

    async def _check(
        self,
        request: PipelineRequest,  # type: ignore[type-arg]
        write: Write,
        method: str,
        owner: Owner,
        what: str,
    ) -> None:
        target = write.target
        guarded = write.guarded()
        if guarded is None:
            return
        if guarded.type == ROLE_ASSIGNMENTS:
            exists, found = await self._owner_of(request, guarded, description=True)
            if exists:
                verdict = may_change(found, owner)
                if not verdict.allowed:
                    raise _refusal(guarded.path, verdict, owner, f"refusing {what} on")
            return
        if guarded is not target or write.action is not None or method in ("PATCH", "DELETE"):
            exists, found = await self._owner_of(request, guarded)
            if exists:
                verdict = may_change(found, owner)
                if not verdict.allowed:
                    raise _refusal(guarded.path, verdict, owner, f"refusing {what} on")
            return
        # A PUT of a tagged resource: an update of an existing one, or a create under a parent.
        exists, found = await self._owner_of(request, target)
        if exists:
            verdict = may_change(found, owner)
            if not verdict.allowed:
                raise _refusal(target.path, verdict, owner, f"refusing {what} on")
            return
        parent = write.chain[-2] if len(write.chain) > 1 else None
        if parent is None or parent.type in CONTAINERS:
            return
        parent_exists, parent_owner = await self._owner_of(request, parent)
        if parent_exists:
            verdict = may_create_under(parent_owner, owner, container=False)
            if not verdict.allowed:
                raise _refusal(parent.path, verdict, owner, f"refusing to create {target.path} in")

    async def _owner_of(
        self,
        request: PipelineRequest,  # type: ignore[type-arg]
        node: Node,
        *,
        description: bool = False,
    ) -> tuple[bool, str | None]:
        """Whether ``node`` exists and the owner it names (a read through the rest of the
        pipeline: retried, gated and authenticated like any other)."""
        known, owner = self.guard.known(node.path)
        if known:
            return True, owner
        original = urlsplit(request.http_request.url)
        query = "&".join(p for p in original.query.split("&") if p.startswith("api-version="))
        url = urlunsplit((original.scheme, original.netloc, node.path, query, ""))
        probe = PipelineRequest(HttpRequest("GET", url), PipelineContext(request.context.transport))
        self.guard.reads += 1
        response: PipelineResponse = await self.next.send(probe)  # type: ignore[type-arg]
        http = response.http_response
        status = http.status_code
        if status == 404:
            return False, None
        await _load(http)
        if status in (401, 403):
            raise PermissionDeniedError(
                "reading, to check its owner before changing it,",
                node.path,
                f"Azure answered {status}",
                status=status,
                hint="goldfleet needs read access to what it changes",
            )
        if status >= 300:
            raise TransientAzureError(
                "reading, to check its owner before changing it,",
                node.path,
                f"Azure answered {status}: {_text(http)[:300]}",
                status=status,
            )
        try:
            body = json.loads(_text(http) or "{}")
        except ValueError:
            body = {}
        if description:
            found = owner_in_description((body.get("properties") or {}).get("description"))
        else:
            found = owner_in_tags(body.get("tags"))
        self.guard.learn(node.path, found)
        return True, found


async def _load(http: Any) -> None:
    load = getattr(http, "load_body", None) or getattr(http, "read", None)
    if load is not None:
        await load()


def _text(http: Any) -> str:
    try:
        return str(http.text())
    except Exception:  # a body that is not text: not something we need to read
        return ""


def _stamp(http: Any, write: Write, owner: Owner, *, creating: bool) -> None:
    """Put the caller's owner tag (or a role assignment's owned description) in the body."""
    # azure.core.rest.HttpRequest keeps the body in _data; the older transport HttpRequest
    # (clients that still convert their requests, such as azure-mgmt-authorization) in data
    attribute = "_data" if hasattr(http, "_data") else "data"
    raw = getattr(http, attribute, None)
    if raw is None:
        return
    text = raw.decode() if isinstance(raw, bytes) else raw
    if not isinstance(text, str):
        return
    try:
        body = json.loads(text)
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    target = write.target
    if target.type == ROLE_ASSIGNMENTS:
        properties = body.setdefault("properties", {})
        properties["description"] = owned_description(owner)
    elif target.tagged and (creating or "tags" in body):
        tags = body.get("tags") or {}
        named = owner_in_tags(tags)
        if named is not None and named.lower() != owner.tag.lower() and parse_owner(named):
            adopting = _key(target.path) in _adopting.get()
            if not adopting:
                raise NotOwnedError(
                    "refusing to write",
                    target.path,
                    f"the request names owner {named} while it acts for {owner.tag}",
                    code="OwnerMismatch",
                    hint="this is a goldfleet bug: please report it with --debug output",
                )
        tags = {k: v for k, v in tags.items() if k.lower() != OWNER_TAG}
        tags[OWNER_TAG] = owner.tag
        body["tags"] = tags
    else:
        return
    encoded = json.dumps(body)
    setattr(http, attribute, encoded)
    if "Content-Length" in http.headers:
        http.headers["Content-Length"] = str(len(encoded.encode()))
