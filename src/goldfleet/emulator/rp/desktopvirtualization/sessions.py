"""User sessions on session hosts: started and ended by the user simulation
(:func:`start_session`, :func:`end_session`), and through ARM read, listed (``$filter`` on
``userPrincipalName`` and ``sessionState``), logged off (DELETE, ``force``), disconnected and
sent messages. Every logoff, disconnect and message is recorded in the provider's section of
the world so that the user simulation and benchmarks can count disruption. No HTTP here.

Names are composite as the real service answers them (``pool/host.fqdn/<id>``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import errors
from goldfleet.emulator.rp.desktopvirtualization.model import (
    APPLICATION_TYPES,
    HOST_POOL,
    SESSION_HOST,
    SESSION_STATES,
    USER_SESSION,
    choice,
    section,
)
from goldfleet.emulator.world import World

_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)
_FILTER_FIELDS = {
    "userprincipalname": "userPrincipalName",
    "sessionstate": "sessionState",
    "state": "sessionState",
}


MessageListener = Callable[[World, StoredResource], None]
_MESSAGE_LISTENERS: list[MessageListener] = []


def on_message(listener: MessageListener) -> None:
    """Call ``listener(world, session)`` after a message reaches a session (the user
    simulation decides whether its user signs out). Code, registered at import time."""
    _MESSAGE_LISTENERS.append(listener)


EndListener = Callable[[World, StoredResource, bool], None]
_END_LISTENERS: list[EndListener] = []


def on_session_end(listener: EndListener) -> None:
    """Call ``listener(world, session, forced)`` after a session ends (gone from the store)."""
    _END_LISTENERS.append(listener)


class SessionRefused(Exception):
    """The host does not take the session (drained, unavailable, full, assigned to another)."""


def start_session(
    world: World,
    session_host_id: str,
    upn: str,
    *,
    application_type: str = "Desktop",
) -> StoredResource:
    """A user signs in on the host. A user's disconnected session on that host is reconnected
    instead of a new one being made. A personal host with Automatic assignment is assigned to
    its first user."""
    host = world.store.get(session_host_id)
    if host is None or str(host.body.get("type", "")).lower() != SESSION_HOST.lower():
        raise SessionRefused(f"no session host {session_host_id}")
    application_type = choice(application_type, APPLICATION_TYPES, "applicationType")
    for session in world.store.children(host.id, USER_SESSION):
        if session.body["properties"]["userPrincipalName"].lower() == upn.lower():
            session.body["properties"]["sessionState"] = "Active"
            return session
    properties = host.body["properties"]
    if properties["status"] != "Available":
        raise SessionRefused(f"the host is {properties['status']}")
    if not properties["allowNewSession"]:
        raise SessionRefused("the host does not allow new sessions (drain mode)")
    pool = world.store.get(host.id.rsplit("/sessionHosts/", 1)[0])
    assert pool is not None and str(pool.body["type"]).lower() == HOST_POOL.lower()
    pool_properties = pool.body["properties"]
    count = len(world.store.children(host.id, USER_SESSION))
    if pool_properties["hostPoolType"] == "Personal":
        assigned = properties.get("assignedUser")
        if assigned and assigned.lower() != upn.lower():
            raise SessionRefused(f"the personal host is assigned to {assigned}")
        if not assigned:
            if pool_properties.get("personalDesktopAssignmentType") == "Direct":
                raise SessionRefused("the personal host has no assigned user (Direct assignment)")
            properties["assignedUser"] = upn
    else:
        limit = pool_properties.get("maxSessionLimit")
        if limit is not None and count >= limit:
            raise SessionRefused(f"the host has reached maxSessionLimit ({limit})")
    number = int(host.meta.get("nextSession", 1))
    host.meta["nextSession"] = number + 1
    now = iso(world.now_dt())
    session = world.store.put(
        {
            "id": f"{host.id}/userSessions/{number}",
            "name": f"{host.body['name']}/{number}",
            "type": USER_SESSION,
            "systemData": {
                "createdBy": None,
                "createdByType": None,
                "createdAt": now,
                "lastModifiedBy": None,
                "lastModifiedByType": None,
                "lastModifiedAt": None,
            },
            "properties": {
                "objectId": world.new_uuid(),
                "userPrincipalName": upn,
                "applicationType": application_type,
                "sessionState": "Active",
                "activeDirectoryUserName": _ad_name(upn),
                "createTime": now,
            },
        },
        {"messaged": False},
    )
    properties["sessions"] = count + 1
    return session


def end_session(
    world: World, session_id: str, *, forced: bool = False, reason: str = "logoff"
) -> bool:
    """The session ends (user logoff, or an admin's): recorded with whether it was forced and
    whether the user had been messaged. False when there is no such session."""
    session = world.store.get(session_id)
    if session is None:
        return False
    host_id = session.id.rsplit("/userSessions/", 1)[0]
    section(world)["logoffs"].append(
        {
            "time": iso(world.now_dt()),
            "sessionHostId": host_id,
            "sessionId": session.id,
            "userPrincipalName": session.body["properties"]["userPrincipalName"],
            "forced": forced,
            "messaged": bool(session.meta.get("messaged")),
            "reason": reason,
        }
    )
    world.delete_resource(session.id)
    host = world.store.get(host_id)
    if host is not None:
        host.body["properties"]["sessions"] = len(world.store.children(host_id, USER_SESSION))
    for listener in _END_LISTENERS:
        listener(world, session, forced)
    return True


def disconnect(world: World, session: StoredResource) -> None:
    """UserSessions_Disconnect: the session stays, disconnected (recorded)."""
    session.body["properties"]["sessionState"] = "Disconnected"
    section(world)["disconnects"].append(
        {
            "time": iso(world.now_dt()),
            "sessionHostId": session.id.rsplit("/userSessions/", 1)[0],
            "sessionId": session.id,
            "userPrincipalName": session.body["properties"]["userPrincipalName"],
        }
    )


def send_message(world: World, session: StoredResource, title: Any, body: Any) -> None:
    """UserSessions_SendMessage: recorded, and the session counts as messaged from now on."""
    for field, value in (("messageTitle", title), ("messageBody", body)):
        if value is not None and not isinstance(value, str):
            raise errors.invalid_value(field, value, ())
    session.meta["messaged"] = True
    section(world)["messages"].append(
        {
            "time": iso(world.now_dt()),
            "sessionHostId": session.id.rsplit("/userSessions/", 1)[0],
            "sessionId": session.id,
            "userPrincipalName": session.body["properties"]["userPrincipalName"],
            "messageTitle": title or "",
            "messageBody": body or "",
        }
    )
    for listener in _MESSAGE_LISTENERS:
        listener(world, session)


def get_session(world: World, host: StoredResource, session_id: str) -> StoredResource:
    item = world.store.get(f"{host.id}/userSessions/{session_id}")
    if item is None:
        raise errors.user_session_not_found(f"{host.body['name']}/{session_id}")
    return item


def sessions_of_host(world: World, host: StoredResource) -> list[StoredResource]:
    return world.store.children(host.id, USER_SESSION)


def sessions_of_pool(world: World, pool: StoredResource) -> list[StoredResource]:
    return [
        s
        for host in world.store.children(pool.id, SESSION_HOST)
        for s in world.store.children(host.id, USER_SESSION)
    ]


def matching(items: list[StoredResource], text: str | None) -> list[StoredResource]:
    """Sessions that pass an OData ``$filter`` of ``eq`` clauses joined by ``and`` on
    ``userPrincipalName`` and ``sessionState`` (``state`` too, as the REST example spells it);
    values compare case-insensitively."""
    if not text or not text.strip():
        return items
    wanted: dict[str, str] = {}
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        field = _FILTER_FIELDS.get(match.group(1).lower()) if match else None
        if match is None or field is None:
            raise errors.unsupported_filter(text)
        value = match.group(2).replace("''", "'")
        if field == "sessionState":
            value = choice(value, SESSION_STATES, "sessionState")
        wanted[field] = value.lower()
    return [
        s
        for s in items
        if all(str(s.body["properties"].get(f, "")).lower() == v for f, v in wanted.items())
    ]


def logoffs(world: World) -> list[dict[str, Any]]:
    """Every logoff so far: time, host, session, user, forced, messaged, reason."""
    return list(section(world)["logoffs"])


def messages(world: World) -> list[dict[str, Any]]:
    """Every message sent so far: time, host, session, user, title, body."""
    return list(section(world)["messages"])


def disconnects(world: World) -> list[dict[str, Any]]:
    return list(section(world)["disconnects"])


def _ad_name(upn: str) -> str:
    user, _, domain = upn.partition("@")
    return f"{(domain.split('.')[0] or 'DOMAIN').upper()}\\{user}"
