"""Entra ID: OpenID configuration, JWKS, client-credentials tokens and Entra's failures."""

from __future__ import annotations

import jwt
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential

from tests.conftest import (
    CUSTOMER,
    GF_APP,
    OLD_APP,
    PROVIDER,
    READER_APP,
    SECRET,
    CertificateFiles,
    raw,
    secret_credential,
)


def test_openid_configuration_points_back_at_the_emulator(emu):
    doc = raw(emu, "GET", f"/{PROVIDER}/v2.0/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == f"{emu.endpoint}/{PROVIDER}/oauth2/v2.0/token"
    assert doc["issuer"] == f"{emu.endpoint}/{PROVIDER}/v2.0"
    by_domain = raw(emu, "GET", "/provider.onmicrosoft.com/v2.0/.well-known/openid-configuration")
    assert by_domain.status_code == 200


def test_unknown_tenant_is_answered_like_entra(emu):
    response = raw(
        emu, "GET", "/no-such-tenant.onmicrosoft.com/v2.0/.well-known/openid-configuration"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_tenant"
    assert body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'no-such-tenant")


def test_client_secret_token_is_a_signed_jwt_with_arm_claims(emu):
    token = secret_credential(emu).get_token(f"{emu.endpoint}/.default").token
    jwks = raw(emu, "GET", f"/{PROVIDER}/discovery/v2.0/keys").json()
    key = jwt.PyJWK(jwks["keys"][0])
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == jwks["keys"][0]["kid"]
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=emu.endpoint)
    assert claims["tid"] == PROVIDER
    assert claims["appid"] == GF_APP
    assert claims["iss"] == f"https://sts.windows.net/{PROVIDER}/"
    assert claims["idtyp"] == "app" and claims["appidacr"] == "1"
    assert claims["exp"] > claims["iat"]
    assert claims["oid"] == claims["sub"]


def test_each_tenant_has_its_own_service_principal_for_a_multi_tenant_app(emu):
    scope = f"{emu.endpoint}/.default"
    provider = jwt.decode(
        secret_credential(emu).get_token(scope).token, options={"verify_signature": False}
    )
    customer = jwt.decode(
        secret_credential(emu, tenant=CUSTOMER).get_token(scope).token,
        options={"verify_signature": False},
    )
    assert provider["appid"] == customer["appid"] == GF_APP
    assert customer["tid"] == CUSTOMER
    assert provider["oid"] != customer["oid"]


def test_certificate_credential_works(emu, certificate: CertificateFiles):
    credential = CertificateCredential(
        PROVIDER,
        GF_APP,
        str(certificate.pem_with_key),
        authority=emu.endpoint,
        disable_instance_discovery=True,
        connection_verify=str(emu.ca_path),
    )
    token = credential.get_token(f"{emu.endpoint}/.default").token
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["appid"] == GF_APP and claims["appidacr"] == "2"


def test_unregistered_certificate_is_refused(emu, tmp_path):
    from tests.conftest import make_certificate

    stranger = make_certificate(tmp_path, "stranger")
    credential = CertificateCredential(
        PROVIDER,
        GF_APP,
        str(stranger.pem_with_key),
        authority=emu.endpoint,
        disable_instance_discovery=True,
        connection_verify=str(emu.ca_path),
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
        credential.get_token(f"{emu.endpoint}/.default")


def test_wrong_secret_is_refused_with_aadsts7000215(emu):
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215: Invalid client secret"):
        secret_credential(emu, secret="wrong").get_token(f"{emu.endpoint}/.default")


def test_expired_secret_is_refused_with_aadsts7000222(emu):
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000222"):
        secret_credential(emu, app_id=OLD_APP).get_token(f"{emu.endpoint}/.default")


def test_app_without_consent_in_a_tenant_gets_aadsts700016(emu):
    # READER_APP is single-tenant in the provider tenant: it has no service principal in Customer.
    with pytest.raises(ClientAuthenticationError, match="AADSTS700016"):
        secret_credential(emu, app_id=READER_APP, tenant=CUSTOMER).get_token(
            f"{emu.endpoint}/.default"
        )


def test_unknown_resource_scope_is_refused(emu):
    with pytest.raises(ClientAuthenticationError, match="AADSTS500011"):
        secret_credential(emu).get_token("https://graph.example.com/.default")


def test_token_endpoint_errors_are_oauth_shaped(emu):
    response = raw(
        emu,
        "POST",
        f"/{PROVIDER}/oauth2/v2.0/token",
        content=f"grant_type=password&client_id={GF_APP}&client_secret={SECRET}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
