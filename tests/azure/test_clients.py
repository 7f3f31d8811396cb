"""The client factory against the emulator: auxiliary tokens for cross-tenant calls, a 429 the
gate could not absorb surfacing as goldfleet's error, and SDK errors translated with context."""

from __future__ import annotations

import asyncio

import pytest
from azure.core.exceptions import HttpResponseError

from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.cloud import emulator_cloud
from goldfleet.azure.credentials import client_secret
from goldfleet.azure.errors import translate
from goldfleet.domain.errors import AuthenticationError, PermissionDeniedError
from tests.conftest import CUSTOMER, GF_APP, NOROLE_APP, PROVIDER, PROVIDER_SUB, SECRET


@pytest.fixture
def factory(emu, monkeypatch):
    monkeypatch.setenv("CLIENTS_TEST_SECRET", SECRET)
    return ClientFactory(emulator_cloud(emu.endpoint, emu.ca_path))


def list_groups(factory, app=GF_APP, auxiliary=()):
    async def run():
        client = factory.resources(
            PROVIDER, PROVIDER_SUB, client_secret(app, "CLIENTS_TEST_SECRET"), auxiliary
        )
        try:
            async with client:
                return [g.name async for g in client.resource_groups.list()]
        finally:
            await factory.close()

    return asyncio.run(run())


def test_auxiliary_token_for_another_tenant_is_sent_and_accepted(factory, emu):
    names = list_groups(
        factory, auxiliary=[(CUSTOMER, client_secret(GF_APP, "CLIENTS_TEST_SECRET"))]
    )
    assert "rg-images" in names


def test_auxiliary_token_of_another_app_is_refused_by_arm(factory):
    with pytest.raises(HttpResponseError) as caught:
        list_groups(
            factory, auxiliary=[(PROVIDER, client_secret(NOROLE_APP, "CLIENTS_TEST_SECRET"))]
        )
    assert caught.value.status_code == 401 and caught.value.error.code == "InvalidAuxiliaryToken"
    translated = translate(caught.value, "listing resource groups of", PROVIDER_SUB)
    assert isinstance(translated, AuthenticationError)


def test_translated_errors_name_action_and_resource(factory, emu):
    async def run():
        client = factory.resources(
            PROVIDER, PROVIDER_SUB, client_secret(NOROLE_APP, "CLIENTS_TEST_SECRET")
        )
        try:
            async with client:
                await client.resource_groups.get("rg-images")
        except HttpResponseError as exc:
            return translate(
                exc,
                "reading resource group",
                f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-images",
            )
        finally:
            await factory.close()

    error = asyncio.run(run())
    assert isinstance(error, PermissionDeniedError)
    assert error.message.startswith(
        f"reading resource group /subscriptions/{PROVIDER_SUB}/resourceGroups/rg-images: "
    )
    assert error.code == "AuthorizationFailed" and error.hint and "role" in error.hint


def test_a_throttle_the_gate_cannot_absorb_surfaces(factory, emu):
    from goldfleet.azure import gate as gate_module

    emu.control("PUT", "/throttling", {"reads": {"burst": 1, "refillPerSecond": 0.0001}})
    original = gate_module.MAX_THROTTLED_ATTEMPTS
    gate_module.MAX_THROTTLED_ATTEMPTS = 1
    try:
        with pytest.raises(HttpResponseError) as caught:
            for _ in range(3):
                list_groups(factory)
        assert caught.value.status_code == 429
    finally:
        gate_module.MAX_THROTTLED_ATTEMPTS = original
