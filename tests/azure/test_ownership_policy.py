"""The ownership policy's pieces: which resource a write is about (and which decides), what the
domain rule allows, and the owner stamped into what goldfleet creates, whatever kind of request
object the SDK built."""

from __future__ import annotations

import json

import pytest
from azure.core.pipeline.transport import HttpRequest as LegacyRequest
from azure.core.rest import HttpRequest

from goldfleet.azure.ownership import ROLE_ASSIGNMENTS, _stamp, parse_write
from goldfleet.domain.ownership import (
    Owner,
    OwnerKind,
    may_change,
    may_create_under,
    owner_in_description,
    parse_owner,
)

RG = "/subscriptions/s/resourceGroups/rg"
POOL = f"{RG}/providers/Microsoft.DesktopVirtualization/hostPools/hp"
OWNER = Owner("goldfleet", OwnerKind.POOL, "contoso")


@pytest.mark.parametrize(
    ("path", "target", "guarded", "action"),
    [
        (RG, "resourcegroups", RG, None),
        (
            f"{RG}/providers/Microsoft.Compute/virtualMachines/vm",
            "microsoft.compute/virtualmachines",
            f"{RG}/providers/Microsoft.Compute/virtualMachines/vm",
            None,
        ),
        (
            f"{RG}/providers/Microsoft.Compute/virtualMachines/vm/deallocate",
            "microsoft.compute/virtualmachines",
            f"{RG}/providers/Microsoft.Compute/virtualMachines/vm",
            "deallocate",
        ),
        (
            f"{POOL}/sessionHosts/h1",
            "microsoft.desktopvirtualization/hostpools/sessionhosts",
            POOL,
            None,
        ),
        (
            f"{POOL}/sessionHosts/h1/userSessions/3/sendMessage",
            "microsoft.desktopvirtualization/hostpools/sessionhosts/usersessions",
            POOL,
            "sendMessage",
        ),
        (
            f"{RG}/providers/Microsoft.Authorization/roleAssignments/ra",
            ROLE_ASSIGNMENTS,
            f"{RG}/providers/Microsoft.Authorization/roleAssignments/ra",
            None,
        ),
        (
            f"{RG}/providers/Microsoft.Compute/galleries/g/providers/Microsoft.Authorization/"
            "roleAssignments/ra",
            ROLE_ASSIGNMENTS,
            f"{RG}/providers/Microsoft.Compute/galleries/g/providers/Microsoft.Authorization/"
            "roleAssignments/ra",
            None,
        ),
    ],
)
def test_a_write_is_about_its_resource_or_its_nearest_tagged_parent(path, target, guarded, action):
    write = parse_write(path)
    assert write is not None
    assert write.target.type == target
    assert write.guarded() is not None and write.guarded().path == guarded
    assert write.action == action


def test_subscription_level_calls_are_not_resources():
    assert parse_write("/subscriptions/s/providers/Microsoft.Compute/register") is None


def test_the_rule_names_the_owner_exactly_and_containers_take_anyones_children():
    assert may_change(OWNER.tag, OWNER).allowed
    assert not may_change(None, OWNER).allowed
    assert "another goldfleet installation" in may_change("x/pool/contoso", OWNER).reason
    assert "goldfleet/pool/fabrikam" in may_change("goldfleet/pool/fabrikam", OWNER).reason
    assert may_create_under("goldfleet/gallery/g", OWNER, container=True).allowed
    assert not may_create_under("goldfleet/pool/fabrikam", OWNER, container=False).allowed
    assert parse_owner("goldfleet/build/p@20261207T220000Z") is not None
    assert parse_owner("not an owner") is None


def _body(request):
    raw = request._data if hasattr(request, "_data") else request.data
    return json.loads(raw)


@pytest.mark.parametrize("kind", [HttpRequest, LegacyRequest])
def test_a_create_gets_the_callers_owner_tag_whatever_the_request_object(kind):
    path = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm"
    request = kind("PUT", "https://arm" + path)
    if kind is HttpRequest:
        request = HttpRequest(
            "PUT", "https://arm" + path, json={"location": "x", "tags": {"a": "b"}}
        )
    else:
        request.set_json_body({"location": "x", "tags": {"a": "b"}})
    _stamp(request, parse_write(path), OWNER, creating=True)
    assert _body(request)["tags"] == {"a": "b", "goldfleet-owner": "goldfleet/pool/contoso"}
    assert int(request.headers["Content-Length"]) == len(
        (request._data if hasattr(request, "_data") else request.data).encode()
    )


@pytest.mark.parametrize("kind", [HttpRequest, LegacyRequest])
def test_a_role_assignment_carries_its_owner_in_its_description(kind):
    path = f"{RG}/providers/Microsoft.Authorization/roleAssignments/ra"
    body = {"properties": {"roleDefinitionId": "r", "principalId": "p", "description": "x"}}
    if kind is HttpRequest:
        request = HttpRequest("PUT", "https://arm" + path, json=body)
    else:
        request = kind("PUT", "https://arm" + path)
        request.set_json_body(body)
    _stamp(request, parse_write(path), OWNER, creating=True)
    described = _body(request)["properties"]["description"]
    assert owner_in_description(described) == OWNER.tag


def test_a_body_naming_another_owner_is_a_bug_refused():
    from goldfleet.domain.errors import NotOwnedError

    path = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm"
    request = HttpRequest(
        "PUT", "https://arm" + path, json={"tags": {"goldfleet-owner": "goldfleet/pool/other"}}
    )
    with pytest.raises(NotOwnedError, match="names owner goldfleet/pool/other"):
        _stamp(request, parse_write(path), OWNER, creating=True)
