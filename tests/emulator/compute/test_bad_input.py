"""Bad gallery requests never crash the provider: Hypothesis takes valid gallery, definition,
version and sharing bodies, replaces parts of them with random JSON, and every answer is either
a success or an ARM error envelope - never a 500."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldfleet.emulator.app import EmulatorApp
from goldfleet.emulator.arm.http import Request
from goldfleet.emulator.scenario import load_scenario, parse_scenario, seed_world
from goldfleet.emulator.world import World
from tests.conftest import GF_APP, PROVIDER
from tests.emulator.compute.support import (
    COMPUTE,
    SNAPSHOT_OS,
    definition_body,
    gallery_body,
    version_body,
)

GALLERY = f"{COMPUTE}/galleries/gal"
IMAGE = f"{GALLERY}/images/win11"
VERSION = f"{IMAGE}/versions/1.0.0"
VALID = {
    GALLERY: gallery_body(sharingProfile={"permissions": "Groups"}),
    IMAGE: definition_body(features=[{"name": "SecurityType", "value": "TrustedLaunchSupported"}]),
    VERSION: version_body(
        regions=["westeurope", {"name": "northeurope", "regionalReplicaCount": 2}],
        endOfLifeDate="2030-01-01T00:00:00Z",
    ),
    f"{IMAGE}/versions/2.0.0": {
        "location": "westeurope",
        "properties": {"storageProfile": {"osDiskImage": {"source": {"id": SNAPSHOT_OS}}}},
    },
    f"{GALLERY}/share": {
        "operationType": "Add",
        "groups": [{"type": "Subscriptions", "ids": ["11111111-0000-4000-8000-000000000009"]}],
    },
}
STATUSES: list[int] = []
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def app(scenario_file: Path, tmp_path_factory: pytest.TempPathFactory) -> EmulatorApp:
    world = World()
    scenario, base = load_scenario(scenario_file)
    seed_world(world, scenario, base)
    sharing_admin = parse_scenario(
        "roleAssignments:\n  - {principal: gf, role: Compute Gallery Sharing Admin, "
        "scope: /subscriptions/provider-sub}\n"
    )
    seed_world(world, sharing_admin)
    return EmulatorApp(world, tmp_path_factory.mktemp("compute-fuzz"), port=1)


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
        token_id="compute-fuzz",
    )[0]


def send(app: EmulatorApp, token: str, method: str, path: str, body: Any) -> Any:
    headers = {
        "host": "127.0.0.1:1",
        "content-type": "application/json",
        "authorization": f"Bearer {token}",
    }
    data = json.dumps(body).encode() if body is not None else b""
    request = Request(method, path, "api-version=2026-03-03", headers, data, "https://127.0.0.1:1")
    return asyncio.run(app.handle(request))


def mutate(body: Any, where: list[int], replacement: Any) -> Any:
    """``body`` with the node picked by ``where`` (indices into each level's keys) replaced."""
    out = copy.deepcopy(body)
    node = out
    for step in where:
        if not isinstance(node, dict) or not node:
            break
        key = sorted(node)[step % len(node)]
        if not isinstance(node[key], dict) or step % 3 == 0:
            node[key] = replacement
            return out
        node = node[key]
    return replacement if node is out else out


def test_mutated_gallery_requests_get_well_formed_answers(app, token):
    world = app.world
    world.throttler.configure({"enabled": False})
    for path in (GALLERY, IMAGE, VERSION):
        assert send(app, token, "PUT", path, VALID[path]).status in (200, 201)
        world.clock.advance(6 * 3600)
        world.advance_to_now()
    baseline = json.dumps(world.snapshot())  # serialised: a snapshot shares the world's dicts

    @settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        target=st.sampled_from(sorted(VALID)),
        method=st.sampled_from(["PUT", "PATCH", "POST"]),
        where=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=5),
        replacement=JSON,
    )
    def check(target, method, where, replacement):
        if target.endswith("/share"):
            method = "POST"
        elif method == "POST":
            method = "PUT"
        body = mutate(VALID[target], where, replacement)
        response = send(app, token, method, target, body)
        world.clock.advance(6 * 3600)
        world.advance_to_now()
        world.restore(json.loads(baseline))
        STATUSES.append(response.status)
        assert response.status != 500, response.body
        assert response.status < 500 or response.status == 501
        if response.status >= 400:
            assert set(response.body) == {"error"}, response.body
            assert {"code", "message"} <= set(response.body["error"]), response.body

    check()
    assert {200, 400} <= set(STATUSES)  # both accepted and refused mutations were exercised
