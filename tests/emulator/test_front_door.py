"""The ARM front door: authentication, tenant boundaries, api-version, RBAC, registration,
auxiliary tokens, error envelopes and the uniform 501."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import (
    BARE_SUB,
    CUSTOMER,
    CUSTOMER_SUB,
    GF_APP,
    NOROLE_APP,
    PROVIDER,
    PROVIDER_SUB,
    READER_APP,
    RG_APP,
    mint,
    raw,
    resource_client,
    sdk_kwargs,
    secret_credential,
)

RG_PATH = f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-images?api-version=2021-04-01"


def error_of(response):
    body = response.json()
    return body["error"]["code"], body["error"]["message"]


def test_missing_authorization_header_is_401(emu):
    response = raw(emu, "GET", RG_PATH)
    assert response.status_code == 401
    assert error_of(response) == (
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
    )


def test_garbage_token_is_401_invalid_token(emu):
    response = raw(emu, "GET", RG_PATH, token="not-a-jwt")
    assert response.status_code == 401
    assert error_of(response)[0] == "InvalidAuthenticationToken"


def test_token_signed_by_someone_else_is_refused(emu):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(mint(emu), options={"verify_signature": False})
    forged = jwt.encode(claims, key, algorithm="RS256")
    response = raw(emu, "GET", RG_PATH, token=forged)
    assert response.status_code == 401
    assert error_of(response)[0] == "InvalidAuthenticationToken"


def test_expired_token_is_401_expired(emu):
    token = mint(emu, lifetimeSeconds=60, notBeforeOffsetSeconds=-3600)
    response = raw(emu, "GET", RG_PATH, token=token)
    assert response.status_code == 401
    assert error_of(response)[0] == "ExpiredAuthenticationToken"


def test_token_for_another_audience_is_refused(emu):
    token = mint(emu, audience="https://graph.microsoft.com")
    response = raw(emu, "GET", RG_PATH, token=token)
    assert response.status_code == 401
    code, message = error_of(response)
    assert code == "InvalidAuthenticationTokenAudience"
    assert "'https://graph.microsoft.com'" in message


def test_tenant_a_token_cannot_touch_tenant_b_subscription(emu):
    # The same multi-tenant app, holding Contributor in the customer's subscription, but with a
    # token from the provider tenant: ARM refuses it before looking at roles.
    client = resource_client(emu, app_id=GF_APP, tenant=PROVIDER, subscription=CUSTOMER_SUB)
    with pytest.raises(HttpResponseError) as caught:
        list(client.resource_groups.list())
    assert caught.value.status_code == 401
    assert caught.value.error.code == "InvalidAuthenticationTokenTenant"
    assert f"https://sts.windows.net/{CUSTOMER}/" in caught.value.error.message
    # With the customer tenant's own token it works.
    customer = resource_client(emu, app_id=GF_APP, tenant=CUSTOMER, subscription=CUSTOMER_SUB)
    assert [g.name for g in customer.resource_groups.list()] == ["rg-hosts"]


def test_principal_without_a_role_is_refused_with_arm_text(emu):
    client = resource_client(emu, app_id=NOROLE_APP)
    with pytest.raises(HttpResponseError) as caught:
        client.resource_groups.get("rg-images")
    error = caught.value
    assert error.status_code == 403
    assert error.error.code == "AuthorizationFailed"
    assert error.error.message.startswith(f"The client '{NOROLE_APP}' with object id '")
    assert (
        "does not have authorization to perform action "
        "'Microsoft.Resources/subscriptions/resourceGroups/read' over scope "
        f"'/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-images'"
    ) in error.error.message


def test_reader_reads_but_cannot_write(emu):
    client = resource_client(emu, app_id=READER_APP)
    assert client.resource_groups.get("rg-images").tags == {"purpose": "images"}
    with pytest.raises(HttpResponseError) as caught:
        client.resource_groups.create_or_update("rg-new", {"location": "westeurope"})
    assert caught.value.status_code == 403
    assert "'Microsoft.Resources/subscriptions/resourceGroups/write'" in caught.value.message


def test_resource_group_scoped_role_sees_only_its_group(emu):
    from azure.mgmt.msi import ManagedServiceIdentityClient

    client = resource_client(emu, app_id=RG_APP)
    assert [g.name for g in client.resource_groups.list()] == ["rg-images"]
    msi = ManagedServiceIdentityClient(
        secret_credential(emu, app_id=RG_APP), PROVIDER_SUB, **sdk_kwargs(emu)
    )
    made = msi.user_assigned_identities.create_or_update(
        "rg-images", "id-ok", {"location": "westeurope"}
    )
    assert made.principal_id
    with pytest.raises(HttpResponseError) as caught:
        msi.user_assigned_identities.create_or_update(
            "rg-other", "id-no", {"location": "westeurope"}
        )
    assert caught.value.status_code == 403


def test_api_version_is_required_and_validated(emu):
    token = mint(emu)
    missing = raw(emu, "GET", f"/subscriptions/{PROVIDER_SUB}/resourcegroups", token=token)
    assert missing.status_code == 400
    assert error_of(missing)[0] == "MissingApiVersionParameter"
    bad = raw(
        emu,
        "GET",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups?api-version=2021-13-45",
        token=token,
    )
    assert bad.status_code == 400
    assert error_of(bad)[0] == "InvalidApiVersionParameter"
    for version in ("2014-04-01", "2021-04-01", "2026-03-03", "2024-07-01-preview"):
        ok = raw(
            emu,
            "GET",
            f"/subscriptions/{PROVIDER_SUB}/resourcegroups?api-version={version}",
            token=token,
        )
        assert ok.status_code == 200, version


def test_names_and_paths_are_case_insensitive(emu):
    token = mint(emu)
    upper = raw(
        emu,
        "GET",
        f"/SUBSCRIPTIONS/{PROVIDER_SUB.upper()}/RESOURCEGROUPS/RG-IMAGES?api-version=2021-04-01",
        token=token,
    )
    assert upper.status_code == 200
    assert upper.json()["name"] == "rg-images"


def test_operations_not_implemented_answer_501_with_an_arm_body(emu):
    token = mint(emu)
    response = raw(
        emu,
        "GET",
        f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-images/providers/"
        "Microsoft.Storage/storageAccounts/sa1?api-version=2023-01-01",
        token=token,
    )
    assert response.status_code == 501
    code, message = error_of(response)
    assert code == "NotImplemented" and "Microsoft.Storage/storageAccounts/sa1" in message


def test_responses_carry_arm_headers(emu):
    response = raw(emu, "GET", RG_PATH, token=mint(emu), headers={"x-ms-client-request-id": "abc"})
    assert response.headers["x-ms-ratelimit-remaining-subscription-reads"].isdigit()
    assert response.headers["x-ms-ratelimit-remaining-subscription-global-reads"].isdigit()
    assert response.headers["x-ms-request-id"]
    assert response.headers["x-ms-correlation-request-id"]
    assert response.headers["x-ms-client-request-id"] == "abc"


def test_unregistered_provider_is_registered_by_the_sdk_policy(emu, monkeypatch):
    import types

    import azure.mgmt.core.policies._base as registration_policy
    from azure.mgmt.msi import ManagedServiceIdentityClient

    # The SDK's policy waits 10 real seconds before checking; nothing to wait for here.
    monkeypatch.setattr(registration_policy, "time", types.SimpleNamespace(sleep=lambda _: None))

    before = raw(
        emu,
        "GET",
        f"/subscriptions/{BARE_SUB}/providers/Microsoft.ManagedIdentity?api-version=2021-04-01",
        token=mint(emu),
    ).json()
    assert before["registrationState"] == "NotRegistered"
    msi = ManagedServiceIdentityClient(secret_credential(emu), BARE_SUB, **sdk_kwargs(emu))
    made = msi.user_assigned_identities.create_or_update(
        "rg-bare", "id-1", {"location": "westeurope"}
    )
    assert made.name == "id-1"
    log = emu.control("GET", "/requests")["value"]
    statuses = [(e["method"], e["status"]) for e in log if BARE_SUB in e["path"]]
    assert ("PUT", 409) in statuses
    assert ("POST", 200) in statuses  # .../providers/Microsoft.ManagedIdentity/register
    assert statuses[-1] == ("PUT", 201)


def test_auxiliary_tokens_are_verified(emu):
    token = mint(emu)
    good = mint(emu, tenant=CUSTOMER)
    ok = raw(
        emu, "GET", RG_PATH, token=token, headers={"x-ms-authorization-auxiliary": f"Bearer {good}"}
    )
    assert ok.status_code == 200
    bad = raw(
        emu, "GET", RG_PATH, token=token, headers={"x-ms-authorization-auxiliary": "Bearer junk"}
    )
    assert bad.status_code == 401
    assert error_of(bad)[0] == "InvalidAuxiliaryToken"
    other_app = mint(emu, app_id=READER_APP)
    mixed = raw(
        emu,
        "GET",
        RG_PATH,
        token=token,
        headers={"x-ms-authorization-auxiliary": f"Bearer {other_app}"},
    )
    assert mixed.status_code == 401
    four = ", ".join([f"Bearer {good}"] * 4)
    too_many = raw(emu, "GET", RG_PATH, token=token, headers={"x-ms-authorization-auxiliary": four})
    assert too_many.status_code == 400
