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
