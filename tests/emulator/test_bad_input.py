"""Bad input never crashes the emulator: every answer is ARM-shaped (or Entra-shaped on the
token endpoints), never a 500. Hypothesis throws random requests at the front door; a few real
HTTPS requests check what only a socket can carry (huge bodies, wrong content types)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldfleet.emulator.access import CONTROL_SECRET_HEADER, is_control_path
from goldfleet.emulator.app import EmulatorApp
from goldfleet.emulator.arm.http import Request
from goldfleet.emulator.scenario import load_scenario, seed_world
from goldfleet.emulator.world import World
from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, mint, raw

SEGMENTS = st.sampled_from(
    [
        "subscriptions",
        PROVIDER_SUB,
        "resourceGroups",
        "rg-images",
        "providers",
        "Microsoft.Authorization",
        "roleAssignments",
        "roleDefinitions",
        "Microsoft.Compute",
        "Microsoft.ManagedIdentity",
        "userAssignedIdentities",
        "locations",
        "operationresults",
        "tenants",
        "metadata",
        "endpoints",
        "register",
        "oauth2",
        "v2.0",
        "token",
        PROVIDER,
        ".well-known",
        "openid-configuration",
        "_emulator",
        "state",
        "clock",
        "faults",
        "",
        "%00",
        "..",
        "ü",
        "a" * 300,
    ]
) | st.text(min_size=0, max_size=12)
QUERY = st.sampled_from(
    [
        "",
        "api-version=2021-04-01",
        "api-version=",
        "api-version=nope",
        "$filter=atScope()",
        "$top=x",
        "$skiptoken=%%%",
        "api-version=2021-04-01&$filter=tagName eq 'a'",
        "monitor=true",
    ]
)
BODIES = st.one_of(
    st.just(b""),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=20,
    ).map(lambda v: json.dumps(v).encode()),
    st.just(b'{"location": "westeurope", "properties": {"roleDefinitionId": 5}}'),
)


@pytest.fixture(scope="module")
def app(scenario_file: Path, tmp_path_factory: pytest.TempPathFactory) -> EmulatorApp:
    world = World()
    scenario, base = load_scenario(scenario_file)
    seed_world(world, scenario, base)
    return EmulatorApp(world, tmp_path_factory.mktemp("fuzz-state"), port=1)


@pytest.fixture(scope="module")
def token(app: EmulatorApp) -> str:
    sp = app.world.directory.service_principal_of(GF_APP, PROVIDER)
    assert sp is not None
    return app.tokens.issue(
        tenant_id=PROVIDER,
        object_id=sp.object_id,
        app_id=GF_APP,
        audience="https://management.azure.com/",
        app_display_name="gf",
        credential_kind="secret",
        token_id="fuzz",
    )[0]


TEMPLATES = st.sampled_from(
    [
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-images",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-fuzz",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups",
        f"/subscriptions/{PROVIDER_SUB}/providers/Microsoft.Authorization/roleAssignments",
        f"/subscriptions/{PROVIDER_SUB}/providers/Microsoft.Authorization/roleDefinitions",
        f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-images/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id-fuzz",
        f"/subscriptions/{PROVIDER_SUB}/providers/Microsoft.Compute/register",
        f"/subscriptions/{PROVIDER_SUB}",
        f"/subscriptions/{PROVIDER_SUB}/locations",
        "/subscriptions",
        "/tenants",
        "/metadata/endpoints",
        f"/{PROVIDER}/oauth2/v2.0/token",
        f"/{PROVIDER}/v2.0/.well-known/openid-configuration",
    ]
)
PATHS = (
    TEMPLATES
    | TEMPLATES
    | TEMPLATES
    | st.lists(SEGMENTS, max_size=9).map(lambda parts: "/" + "/".join(parts))
)


def test_random_requests_get_well_formed_answers(app, token):
    statuses: list[int] = []

    @settings(
        max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        method=st.sampled_from(["GET", "PUT", "PATCH", "POST", "DELETE", "HEAD", "OPTIONS"]),
        path=PATHS,
        query=st.just("api-version=2021-04-01") | QUERY,
        auth=st.sampled_from(["valid"] * 5 + ["none", "garbage", "basic", "empty"]),
        control=st.sampled_from(["right", "right", "none", "wrong"]),
        content_type=st.sampled_from(
            ["application/json", "text/plain", "", "application/x-www-form-urlencoded"]
        ),
        body=BODIES,
    )
    def check(method, path, query, auth, content_type, body, control):
        headers = {"host": "127.0.0.1:1", "content-type": content_type}
        if control != "none":  # the control secret (the control API needs it)
            secret = app.control_secret if control == "right" else "x" * 20
            headers[CONTROL_SECRET_HEADER] = secret
        headers["authorization"] = {
            "none": "",
            "valid": f"Bearer {token}",
            "garbage": "Bearer x.y.z",
            "basic": "Basic Zm9vOmJhcg==",
            "empty": "Bearer ",
        }[auth]
        request = Request(method, path, query, headers, body, "https://127.0.0.1:1")
        before = app.world.snapshot() if is_control_path(path) else None
        response = asyncio.run(app.handle(request))
        if before is not None:
            app.world.restore(before)
        statuses.append(response.status)
        assert response.status != 500, response.body
        assert 200 <= response.status < 600
        if response.status >= 400 and method != "HEAD":
            out = response.body
            assert isinstance(out, dict), out
            error = out["error"]
            if isinstance(error, dict):  # ARM or Graph envelope
                assert isinstance(error["code"], str) and isinstance(error["message"], str)
            else:  # Entra ID's OAuth error
                assert isinstance(error, str) and "error_description" in out

    check()
    # The random requests must get past the door into handlers, or they prove little.
    assert any(200 <= s < 300 for s in statuses)
    assert len(set(statuses)) >= 6


def test_huge_body_is_refused_with_413(emu):
    response = raw(
        emu,
        "PUT",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-x?api-version=2021-04-01",
        token=mint(emu),
        content=b"{" + b" " * (5 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestEntityTooLarge"


def test_wrong_content_type_is_415(emu):
    response = raw(
        emu,
        "PUT",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-x?api-version=2021-04-01",
        token=mint(emu),
        content=b"location=uksouth",
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UnsupportedMediaType"


def test_malformed_json_is_400_invalid_request_content(emu):
    response = raw(
        emu,
        "PUT",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups/rg-x?api-version=2021-04-01",
        token=mint(emu),
        content=b'{"location": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequestContent"


def test_unknown_route_without_token_is_401_and_with_token_501(emu):
    assert raw(emu, "GET", "/subscriptions/x/foo?api-version=2021-04-01").status_code == 401
    response = raw(
        emu, "GET", f"/subscriptions/{PROVIDER_SUB}/foo/bar?api-version=2021-04-01", token=mint(emu)
    )
    assert response.status_code == 501
