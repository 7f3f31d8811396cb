"""RBAC: built-in roles with their real actions and wildcards, custom roles, role assignments
through azure-mgmt-authorization, and who may write them."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization import AuthorizationManagementClient

from goldfleet.emulator.rp.authorization.roles import builtin_role_by_name, permits
from tests.conftest import (
    GF_APP,
    NOROLE_APP,
    PROVIDER,
    PROVIDER_SUB,
    READER_APP,
    resource_client,
    sdk_kwargs,
    secret_credential,
)

SUB_SCOPE = f"/subscriptions/{PROVIDER_SUB}"


def role(name: str) -> list[dict]:
    found = builtin_role_by_name(name)
    assert found is not None, name
    return found["permissions"]


@pytest.mark.parametrize(
    ("role_name", "action", "allowed"),
    [
        ("Owner", "Microsoft.Authorization/roleAssignments/write", True),
        ("Contributor", "Microsoft.Compute/virtualMachines/write", True),
        ("Contributor", "Microsoft.Authorization/roleAssignments/write", False),
        ("Contributor", "microsoft.authorization/ROLEASSIGNMENTS/delete", False),
        ("Contributor", "Microsoft.Compute/galleries/share/action", False),
        ("Reader", "Microsoft.Compute/galleries/read", True),
        ("Reader", "Microsoft.Compute/galleries/write", False),
        ("User Access Administrator", "Microsoft.Authorization/roleAssignments/write", True),
        ("User Access Administrator", "Microsoft.Compute/virtualMachines/write", False),
        ("Virtual Machine Contributor", "Microsoft.Compute/virtualMachines/start/action", True),
        ("Virtual Machine Contributor", "Microsoft.Network/virtualNetworks/write", False),
        ("Compute Gallery Image Reader", "Microsoft.Compute/galleries/images/versions/read", True),
        (
            "Compute Gallery Image Reader",
            "Microsoft.Compute/galleries/images/versions/write",
            False,
        ),
        (
            "Desktop Virtualization Contributor",
            "Microsoft.DesktopVirtualization/hostpools/write",
            True,
        ),
    ],
)
def test_builtin_roles_match_actions_like_arm(role_name, action, allowed):
    assert permits(role(role_name), action) is allowed


def authorization(emu, app_id=GF_APP):
    return AuthorizationManagementClient(
        secret_credential(emu, app_id), PROVIDER_SUB, **sdk_kwargs(emu)
    )


def test_role_definitions_are_listed_and_filtered(emu):
    client = authorization(emu)
    contributor = list(client.role_definitions.list(SUB_SCOPE, filter="roleName eq 'Contributor'"))
    assert len(contributor) == 1
    assert contributor[0].name == "b24988ac-6180-42a0-ab88-20f7382dd24c"
    assert contributor[0].role_type == "BuiltInRole"


def test_assignments_are_created_listed_and_enforced(emu):
    reader_client = resource_client(emu, app_id=NOROLE_APP)
    with pytest.raises(HttpResponseError):
        reader_client.resource_groups.get("rg-images")
    norole_oid = emu.call(
        lambda: emu.world.directory.service_principal_of(NOROLE_APP, PROVIDER).object_id
    )
    client = authorization(emu)
    name = str(uuid.uuid4())
    created = client.role_assignments.create(
        f"{SUB_SCOPE}/resourceGroups/rg-images",
        name,
        {
            "role_definition_id": f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/"
            "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "principal_id": norole_oid,
            "principal_type": "ServicePrincipal",
        },
    )
    assert created.scope == f"{SUB_SCOPE}/resourceGroups/rg-images"
    assert reader_client.resource_groups.get("rg-images").name == "rg-images"
    listed = [a.name for a in client.role_assignments.list_for_subscription()]
    assert name in listed
    with pytest.raises(HttpResponseError) as duplicate:
        client.role_assignments.create(
            f"{SUB_SCOPE}/resourceGroups/rg-images",
            str(uuid.uuid4()),
            {
                "role_definition_id": created.role_definition_id,
                "principal_id": norole_oid,
            },
        )
    assert duplicate.value.error.code == "RoleAssignmentExists"
    client.role_assignments.delete(f"{SUB_SCOPE}/resourceGroups/rg-images", name)
    with pytest.raises(HttpResponseError):
        reader_client.resource_groups.get("rg-images")


def test_unknown_principal_or_role_is_refused(emu):
    client = authorization(emu)
    with pytest.raises(HttpResponseError) as missing_principal:
        client.role_assignments.create(
            SUB_SCOPE,
            str(uuid.uuid4()),
            {
                "role_definition_id": "/providers/Microsoft.Authorization/roleDefinitions/"
                "acdd72a7-3385-48ef-bd42-f606fba81ae7",
                "principal_id": str(uuid.uuid4()),
            },
        )
    assert missing_principal.value.error.code == "PrincipalNotFound"
    with pytest.raises(HttpResponseError) as missing_role:
        client.role_assignments.create(
            SUB_SCOPE,
            str(uuid.uuid4()),
            {
                "role_definition_id": f"/providers/Microsoft.Authorization/roleDefinitions/{uuid.uuid4()}",
                "principal_id": str(uuid.uuid4()),
            },
        )
    assert missing_role.value.error.code == "RoleDefinitionDoesNotExist"


def test_a_reader_cannot_assign_roles(emu):
    client = authorization(emu, READER_APP)
    with pytest.raises(HttpResponseError) as caught:
        client.role_assignments.create(
            SUB_SCOPE,
            str(uuid.uuid4()),
            {
                "role_definition_id": "/providers/Microsoft.Authorization/roleDefinitions/"
                "acdd72a7-3385-48ef-bd42-f606fba81ae7",
                "principal_id": str(uuid.uuid4()),
            },
        )
    assert caught.value.status_code == 403
    assert "'Microsoft.Authorization/roleAssignments/write'" in caught.value.error.message


def test_custom_role_grants_exactly_its_actions(emu):
    client = authorization(emu)
    role_id = str(uuid.uuid4())
    definition = client.role_definitions.create_or_update(
        SUB_SCOPE,
        role_id,
        {
            "role_name": "Resource Group Reader Only",
            "description": "reads resource groups",
            "permissions": [{"actions": ["Microsoft.Resources/subscriptions/resourceGroups/read"]}],
            "assignable_scopes": [SUB_SCOPE],
        },
    )
    assert definition.role_type == "CustomRole"
    norole_oid = emu.call(
        lambda: emu.world.directory.service_principal_of(NOROLE_APP, PROVIDER).object_id
    )
    client.role_assignments.create(
        SUB_SCOPE,
        str(uuid.uuid4()),
        {"role_definition_id": definition.id, "principal_id": norole_oid},
    )
    limited = resource_client(emu, app_id=NOROLE_APP)
    assert limited.resource_groups.get("rg-images").name == "rg-images"
    with pytest.raises(HttpResponseError) as caught:
        limited.resource_groups.create_or_update("rg-x", {"location": "uksouth"})
    assert caught.value.status_code == 403


RG_OTHER = f"{SUB_SCOPE}/resourceGroups/rg-other"
READER_GUID = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
GROUPS = {
    "users": [{"userPrincipalName": "alice@provider.onmicrosoft.com"}],
    "groups": [
        {"name": "Operators", "tenant": "Provider", "members": ["Builders"]},
        {"name": "Builders", "tenant": "Provider", "members": ["norole"]},
    ],
    "roleAssignments": [
        {"principal": "Operators", "role": "Reader", "scope": "/subscriptions/provider-sub"},
    ],
}


def oid_of(emu, app_id):
    return emu.call(lambda: emu.world.directory.service_principal_of(app_id, PROVIDER).object_id)


def test_role_definitions_have_subscription_ids_at_every_scope_in_the_subscription(emu):
    client = authorization(emu)
    expected = f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/{READER_GUID}"
    for scope in (SUB_SCOPE, RG_OTHER, f"{RG_OTHER}/providers/Microsoft.Compute/galleries/g"):
        listed = list(client.role_definitions.list(scope, filter="roleName eq 'Reader'"))
        assert [d.id for d in listed] == [expected], scope
        assert client.role_definitions.get(scope, READER_GUID).id == expected


def test_role_definitions_filter_by_type_and_refuse_other_filters(emu):
    client = authorization(emu)
    role_id = str(uuid.uuid4())
    client.role_definitions.create_or_update(
        RG_OTHER,
        role_id,
        {
            "role_name": "Only Here",
            "permissions": [{"actions": ["Microsoft.Resources/subscriptions/resourceGroups/read"]}],
            "assignable_scopes": [RG_OTHER],
        },
    )
    custom = list(client.role_definitions.list(RG_OTHER, filter="type eq 'CustomRole'"))
    assert [d.role_name for d in custom] == ["Only Here"]
    assert (
        custom[0].id == f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"
    )
    # listed where it can be assigned: not at the subscription, unless asked for what is below
    assert list(client.role_definitions.list(SUB_SCOPE, filter="type eq 'CustomRole'")) == []
    below = list(client.role_definitions.list(SUB_SCOPE, filter="atScopeAndBelow()"))
    assert "Only Here" in {d.role_name for d in below}
    builtin = list(client.role_definitions.list(SUB_SCOPE, filter="type eq 'BuiltInRole'"))
    assert "Only Here" not in {d.role_name for d in builtin} and len(builtin) > 10
    with pytest.raises(HttpResponseError) as caught:
        list(client.role_definitions.list(SUB_SCOPE, filter="description eq 'x'"))
    assert caught.value.status_code == 400
    assert caught.value.error.code == "UnsupportedQuery"


def test_assignment_filters_are_azures_and_others_are_refused(emu):
    emu.control("POST", "/scenario", GROUPS)
    client = authorization(emu)
    norole = oid_of(emu, NOROLE_APP)
    reader = oid_of(emu, READER_APP)
    client.role_assignments.create(
        RG_OTHER,
        str(uuid.uuid4()),
        {
            "role_definition_id": f"/providers/Microsoft.Authorization/roleDefinitions/{READER_GUID}",
            "principal_id": reader,
        },
    )
    at_rg = list(client.role_assignments.list_for_scope(RG_OTHER))
    at_sub_only = list(client.role_assignments.list_for_scope(SUB_SCOPE, filter="atScope()"))
    assert RG_OTHER in {a.scope for a in at_rg}
    assert {a.scope for a in at_sub_only} == {SUB_SCOPE}
    by_principal = list(
        client.role_assignments.list_for_scope(SUB_SCOPE, filter=f"principalId eq '{reader}'")
    )
    assert sorted(a.scope for a in by_principal) == sorted([SUB_SCOPE, RG_OTHER])
    # assignedTo() counts the groups the principal is in, through nesting
    assigned = list(
        client.role_assignments.list_for_scope(
            SUB_SCOPE, filter=f"atScope() and assignedTo('{norole}')"
        )
    )
    assert [a.principal_type for a in assigned] == ["Group"]
    assert (
        list(client.role_assignments.list_for_scope(SUB_SCOPE, f"principalId eq '{norole}'")) == []
    )
    for refused in (
        f"atScope() and principalId eq '{reader}'",
        "roleDefinitionId eq 'x'",
        "atScope() and atScope()",
    ):
        with pytest.raises(HttpResponseError) as caught:
            list(client.role_assignments.list_for_scope(SUB_SCOPE, filter=refused))
        assert caught.value.status_code == 400
        assert caught.value.error.code == "UnsupportedQuery"
        assert caught.value.error.message == (
            f"The filter '{refused}' is not supported. Supported filters are either 'atScope()' "
            "or 'principalId eq '{value}' or assignedTo('{value}')'."
        )


def test_a_role_held_by_a_group_is_held_by_its_members(emu):
    client = resource_client(emu, app_id=NOROLE_APP)
    with pytest.raises(HttpResponseError):
        client.resource_groups.get("rg-other")
    emu.control("POST", "/scenario", GROUPS)
    assert client.resource_groups.get("rg-other").name == "rg-other"


def test_principal_type_is_inferred_and_must_match(emu):
    emu.control("POST", "/scenario", GROUPS)
    client = authorization(emu)
    alice = emu.call(lambda: emu.world.directory.user("alice@provider.onmicrosoft.com").object_id)
    created = client.role_assignments.create(
        RG_OTHER,
        str(uuid.uuid4()),
        {
            "role_definition_id": f"/providers/Microsoft.Authorization/roleDefinitions/{READER_GUID}",
            "principal_id": alice,
        },
    )
    assert created.principal_type == "User"
    norole = oid_of(emu, NOROLE_APP)
    with pytest.raises(HttpResponseError) as caught:
        client.role_assignments.create(
            RG_OTHER,
            str(uuid.uuid4()),
            {
                "role_definition_id": created.role_definition_id,
                "principal_id": norole,
                "principal_type": "User",
            },
        )
    assert caught.value.error.code == "UnmatchedPrincipalType"
    assert caught.value.error.message == (
        f"The PrincipalId '{norole.replace('-', '')}' has type 'ServicePrincipal' , which is "
        "different from specified PrinciaplType 'User'."
    )
