"""Microsoft Graph: directory reads of the caller's own tenant (service principals,
applications, users, groups) with Graph's ``$filter`` forms, paging and error envelope, and a
Graph error (never an ARM one) for whatever the emulator does not implement."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import CUSTOMER, GF_APP, NOROLE_APP, PROVIDER, READER_APP, RG_APP, mint, raw

PEOPLE = {
    "users": [
        {
            "userPrincipalName": "alice@provider.onmicrosoft.com",
            "displayName": "Alice Admin",
            "givenName": "Alice",
            "surname": "Admin",
            "mail": "alice@provider.example",
        },
        {"userPrincipalName": "bob@provider.onmicrosoft.com", "displayName": "Bob Builder"},
        {"userPrincipalName": "carol@customer.onmicrosoft.com", "displayName": "Carol Customer"},
    ],
    "groups": [
        {
            "name": "AVD Operators",
            "tenant": "Provider",
            "description": "operate host pools",
            "members": ["alice@provider.onmicrosoft.com", "reader", "Image Builders"],
        },
        {"name": "Image Builders", "tenant": "Provider", "members": ["norole"]},
        {
            "name": "Pharmacists",
            "tenant": "Customer",
            "members": ["carol@customer.onmicrosoft.com"],
        },
    ],
}


@pytest.fixture
def people(emu: Any) -> Any:
    emu.control("POST", "/scenario", PEOPLE)
    return emu


def graph(emu: Any, path: str, token: str | None = None, **kwargs: Any) -> Any:
    return raw(emu, kwargs.pop("method", "GET"), path, token=token or mint(emu), **kwargs)


def listed(emu: Any, collection: str, filter_text: str, token: str | None = None) -> list[Any]:
    response = graph(emu, f"/v1.0/{collection}?$filter={quote(filter_text)}", token)
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def graph_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert "details" not in error  # Graph's envelope, not ARM's
    return error


def test_service_principals_are_found_as_az_looks_for_them(people):
    emu = people
    by_spn = listed(emu, "servicePrincipals", f"servicePrincipalNames/any(c:c eq '{GF_APP}')")
    assert [sp["appId"] for sp in by_spn] == [GF_APP]
    assert by_spn[0]["displayName"] == "gf" and by_spn[0]["servicePrincipalType"] == "Application"
    assert [s["appId"] for s in listed(emu, "servicePrincipals", f"appId eq '{READER_APP}'")] == [
        READER_APP
    ]
    assert [s["appId"] for s in listed(emu, "servicePrincipals", "displayName eq 'NOROLE'")] == [
        NOROLE_APP
    ]
    prefix = listed(emu, "servicePrincipals", "startswith(displayName,'rg-')")
    assert [s["appId"] for s in prefix] == [RG_APP]
    either = listed(
        emu, "servicePrincipals", f"appId in ('{READER_APP}', '{RG_APP}') or displayName eq 'gf'"
    )
    assert sorted(s["appId"] for s in either) == sorted([GF_APP, READER_APP, RG_APP])
    # the app is consented in the customer tenant too: each tenant sees only its own principal
    customer = listed(emu, "servicePrincipals", f"appId eq '{GF_APP}'", mint(emu, tenant=CUSTOMER))
    assert len(customer) == 1 and customer[0]["id"] != by_spn[0]["id"]


def test_a_service_principal_is_read_by_object_id_in_its_own_tenant_only(people):
    emu = people
    sp = listed(emu, "servicePrincipals", f"appId eq '{GF_APP}'")[0]
    shown = graph(emu, f"/v1.0/servicePrincipals/{sp['id']}")
    assert shown.status_code == 200
    body = shown.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#servicePrincipals/$entity")
    assert body["appId"] == GF_APP and body["servicePrincipalNames"] == [GF_APP]
    assert body["appOwnerOrganizationId"] == PROVIDER
    assert body["signInAudience"] == "AzureADMultipleOrgs"

    other = graph(emu, f"/v1.0/servicePrincipals/{sp['id']}", mint(emu, tenant=CUSTOMER))
    error = graph_error(other, 404, "Request_ResourceNotFound")
    assert error["message"] == (
        f"Resource '{sp['id']}' does not exist or one of its queried reference-property objects "
        "are not present."
    )
    graph_error(graph(emu, "/v1.0/servicePrincipals/not-a-guid"), 400, "Request_BadRequest")
    by_key = graph(emu, f"/v1.0/servicePrincipals(appId='{GF_APP}')")
    assert by_key.status_code == 200 and by_key.json()["id"] == sp["id"]


def test_applications_live_in_their_home_tenant(people):
    emu = people
    apps = listed(emu, "applications", f"appId eq '{GF_APP}'")
    assert len(apps) == 1
    app = apps[0]
    assert app["id"] != GF_APP and app["signInAudience"] == "AzureADMultipleOrgs"
    assert app["publisherDomain"] == "provider.onmicrosoft.com"
    assert [c["hint"] for c in app["passwordCredentials"]] == ["tes"]
    assert all(c["secretText"] is None for c in app["passwordCredentials"])
    assert len(app["keyCredentials"]) == 1
    shown = graph(emu, f"/v1.0/applications/{app['id']}")
    assert shown.status_code == 200 and shown.json()["appId"] == GF_APP
    graph_error(graph(emu, f"/v1.0/applications/{GF_APP}"), 404, "Request_ResourceNotFound")
    # consented in the customer tenant, but registered in the provider's
    assert listed(emu, "applications", f"appId eq '{GF_APP}'", mint(emu, tenant=CUSTOMER)) == []
    names = listed(emu, "applications", "startswith(displayName,'r')")
    assert sorted(a["displayName"] for a in names) == ["reader", "rg-contributor"]


def test_users_are_read_by_id_or_upn_and_filtered(people):
    emu = people
    alice = listed(emu, "users", "userPrincipalName eq 'Alice@provider.onmicrosoft.com'")
    assert [u["displayName"] for u in alice] == ["Alice Admin"]
    assert "accountEnabled" not in alice[0]  # not in Graph's default set of user properties
    by_upn = graph(emu, "/v1.0/users/alice@provider.onmicrosoft.com").json()
    by_id = graph(emu, f"/v1.0/users/{alice[0]['id']}").json()
    assert by_upn["id"] == by_id["id"] == alice[0]["id"]
    assert by_upn["mail"] == "alice@provider.example" and by_upn["givenName"] == "Alice"
    selected = graph(emu, f"/v1.0/users/{alice[0]['id']}?$select=id,accountEnabled").json()
    assert selected["@odata.context"].endswith("#users(id,accountEnabled)/$entity")
    assert {k: v for k, v in selected.items() if not k.startswith("@")} == {
        "id": alice[0]["id"],
        "accountEnabled": True,
    }
    starting = listed(emu, "users", "startswith(displayName,'b')")
    assert [u["userPrincipalName"] for u in starting] == ["bob@provider.onmicrosoft.com"]
    assert listed(emu, "users", "displayName eq 'Carol Customer'") == []  # another tenant's
    missing = graph(emu, "/v1.0/users/nobody@provider.onmicrosoft.com")
    graph_error(missing, 404, "Request_ResourceNotFound")


def test_groups_are_read_filtered_and_list_their_direct_members(people):
    emu = people
    operators = listed(emu, "groups", "displayName eq 'AVD Operators'")
    assert len(operators) == 1
    group = operators[0]
    assert group["securityEnabled"] is True and group["mailNickname"] == "AVDOperators"
    assert graph(emu, f"/v1.0/groups/{group['id']}").json()["description"] == "operate host pools"
    members = graph(emu, f"/v1.0/groups/{group['id']}/members").json()["value"]
    assert sorted(m["@odata.type"] for m in members) == [
        "#microsoft.graph.group",
        "#microsoft.graph.servicePrincipal",
        "#microsoft.graph.user",
    ]
    assert [g["displayName"] for g in listed(emu, "groups", "startswith(displayName,'Image')")] == [
        "Image Builders"
    ]
    assert listed(emu, "groups", "displayName eq 'Pharmacists'") == []
    customer = listed(emu, "groups", "mailNickname eq 'Pharmacists'", mint(emu, tenant=CUSTOMER))
    assert len(customer) == 1


def test_get_by_ids_names_users_groups_and_service_principals(people):
    emu = people
    alice = listed(emu, "users", "displayName eq 'Alice Admin'")[0]
    group = listed(emu, "groups", "displayName eq 'Image Builders'")[0]
    sp = listed(emu, "servicePrincipals", f"appId eq '{GF_APP}'")[0]
    body = {
        "ids": [alice["id"], group["id"], sp["id"]],
        "types": ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"],
    }
    found = graph(emu, "/v1.0/directoryObjects/getByIds", method="POST", body=body).json()["value"]
    assert {o["@odata.type"]: o["id"] for o in found} == {
        "#microsoft.graph.user": alice["id"],
        "#microsoft.graph.group": group["id"],
        "#microsoft.graph.servicePrincipal": sp["id"],
    }
    only_users = dict(body, types=["user"])
    found = graph(emu, "/v1.0/directoryObjects/getByIds", method="POST", body=only_users)
    assert [o["id"] for o in found.json()["value"]] == [alice["id"]]


def test_lists_page_with_top_and_next_links(people):
    emu = people
    first = graph(emu, "/v1.0/servicePrincipals?$top=2").json()
    assert len(first["value"]) == 2 and "@odata.nextLink" in first
    seen = [sp["id"] for sp in first["value"]]
    link = first["@odata.nextLink"]
    while link:
        page = graph(emu, link.removeprefix(emu.endpoint)).json()
        seen += [sp["id"] for sp in page["value"]]
        link = page.get("@odata.nextLink")
    assert len(seen) == len(set(seen)) == 5  # the provider tenant's five applications
    graph_error(graph(emu, "/v1.0/users?$top=1000"), 400, "Request_UnsupportedQuery")


@pytest.mark.parametrize(
    ("filter_text", "status", "code"),
    [
        ("createdDateTime ge 2020-01-01T00:00:00Z", 400, "Request_UnsupportedQuery"),
        ("displayName ne 'gf'", 400, "Request_UnsupportedQuery"),  # advanced query
        ("endswith(displayName,'f')", 400, "Request_UnsupportedQuery"),  # advanced query
        ("tags/all(t:t eq 'x')", 400, "Request_UnsupportedQuery"),
        ("appId eq 'unterminated", 400, "BadRequest"),
        ("appId eq", 400, "BadRequest"),
        ("(appId eq 'x'", 400, "BadRequest"),
    ],
)
def test_filters_graph_does_not_take_answer_graph_errors(people, filter_text, status, code):
    response = graph(people, f"/v1.0/servicePrincipals?$filter={quote(filter_text)}")
    error = graph_error(response, status, code)
    if code == "Request_UnsupportedQuery" and "createdDateTime" in filter_text:
        assert error["message"] == (
            "Unsupported or invalid query filter clause specified for property "
            "'createdDateTime' of resource 'ServicePrincipal'."
        )


def test_advanced_queries_need_consistency_level_and_count(people):
    emu = people
    path = f"/v1.0/servicePrincipals?$filter={quote(chr(39).join(['displayName ne ', 'gf', '']))}"
    graph_error(graph(emu, path), 400, "Request_UnsupportedQuery")
    counted = graph(emu, path + "&$count=true", headers={"ConsistencyLevel": "eventual"})
    assert counted.status_code == 200, counted.text
    assert counted.json()["@odata.count"] == 4
    assert GF_APP not in {sp["appId"] for sp in counted.json()["value"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1.0/servicePrincipals"),
        ("DELETE", "/v1.0/applications/9f1c6a7e-0000-4000-8000-000000000001"),
        ("GET", "/v1.0/me"),
        ("GET", "/v1.0/users?$orderby=displayName"),
        ("GET", "/beta/servicePrincipals"),
        ("GET", "/v1.0/groups/9f1c6a7e-0000-4000-8000-000000000001/owners/x/y/z"),
    ],
)
def test_what_the_emulator_does_not_implement_answers_graph_501(people, method, path):
    body = {} if method == "POST" else None
    error = graph_error(graph(people, path, method=method, body=body), 501, "NotImplemented")
    assert "does not implement" in error["message"]


def test_graph_without_a_token_answers_in_graphs_envelope(people):
    response = raw(people, "GET", "/v1.0/servicePrincipals")
    error = graph_error(response, 401, "InvalidAuthenticationToken")
    assert error["message"] == "Access token is empty."
    response = raw(people, "GET", "/v1.0/unknown/path")
    graph_error(response, 401, "InvalidAuthenticationToken")
