"""The official Image Builder REST examples (2025-10-01), replayed: each example's request is
sent (its placeholders mapped onto the test world), and the answer's shape is compared with the
example's answer for the same status code."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROVIDER_SUB, mint, raw
from tests.emulator.compute.support import IMAGE_GEN2, RG, advance
from tests.emulator.imagebuilder.support import IDENTITY, make_identity

EXAMPLES = Path(__file__).parent / "examples"
TEMPLATE = (
    f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{RG}"
    "/providers/Microsoft.VirtualMachineImages/imageTemplates/myImageTemplate"
)
API = "?api-version=2025-10-01"
DATA_MAPS = ("tags", "artifactTags", "userAssignedIdentities")


def _example(name: str) -> dict[str, Any]:
    text = (EXAMPLES / name).read_text()
    replacements = {
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/identity_1": IDENTITY,
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Compute/images/source_image": IMAGE_GEN2,
        "{subscription-id}": PROVIDER_SUB,
        "resourceGroups/rg1/": f"resourceGroups/{RG}/",
        "1_location": "westeurope",
        '"westus"': '"westeurope"',
    }
    for old, new in replacements.items():
        text = text.replace(old, new)
    data: dict[str, Any] = json.loads(text)
    return data


def same_shape(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Every key the example shows is answered, with the same JSON type (recursively)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object"]
        problems = []
        for key, value in expected.items():
            if key == "nextLink":
                continue  # only when there is a next page
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            elif key in DATA_MAPS:  # their keys are data (tag names, identity ids)
                problems += [] if isinstance(actual[key], dict) else [f"{path}.{key}: type"]
            else:
                problems += same_shape(value, actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected an array"]
        if expected and not actual:
            return [f"{path}: empty"]
        merged: dict[str, Any] = {}
        for item in expected:
            if isinstance(item, dict):
                merged.update(item)
        union = {k: v for item in actual if isinstance(item, dict) for k, v in item.items()}
        return same_shape(merged, union, f"{path}[]") if merged else []
    if isinstance(expected, bool) or isinstance(actual, bool):
        return [] if type(expected) is type(actual) else [f"{path}: type"]
    if isinstance(expected, (int, float)):
        return [] if isinstance(actual, (int, float)) else [f"{path}: type"]
    return [] if type(expected) is type(actual) else [f"{path}: type"]


def test_the_examples_are_the_official_files():
    rows = (EXAMPLES / "MANIFEST.tsv").read_text().splitlines()[1:]
    for row in rows:
        _group, _version, name, _path, _commit, sha = row.split("\t")
        assert hashlib.sha256((EXAMPLES / name).read_bytes()).hexdigest() == sha, name
    assert len(rows) == 11


def _first_item(name: str) -> dict[str, Any]:
    """A list example with only its first item (it describes a template like the one seeded;
    the others show distributors the seeded template does not have)."""
    body = _example(name)["responses"]["200"]["body"]
    return {"value": body["value"][:1]}


def _put(emu, token, name: str) -> Any:
    example = _example(name)
    body = example["parameters"]["parameters"]
    response = raw(emu, "PUT", TEMPLATE + API, token=token, body=body)
    assert response.status_code == 201, response.text
    assert same_shape(example["responses"]["201"]["body"], response.json()) == []
    assert (
        response.headers["Azure-AsyncOperation"]
        .split("?")[0]
        .endswith(response.headers["Azure-AsyncOperation"].split("?")[0].rsplit("/", 1)[-1])
    )
    assert (
        "/providers/Microsoft.VirtualMachineImages/locations/westeurope/operations/"
        in (response.headers["Azure-AsyncOperation"])
    )
    advance(emu, 60)
    return response.json()


@pytest.mark.parametrize(
    "name", ["CreateImageTemplateWindows.json", "CreateImageTemplateLinux.json"]
)
def test_create_examples_replay(emu, name):
    make_identity(emu)
    token = mint(emu)
    _put(emu, token, name)
    got = raw(emu, "GET", TEMPLATE + API, token=token).json()
    assert got["properties"]["provisioningState"] == "Succeeded"
    if name == "CreateImageTemplateWindows.json":
        assert same_shape(_example(name)["responses"]["200"]["body"], got) == []


def test_get_list_and_update_examples_replay(emu):
    make_identity(emu)
    token = mint(emu)
    _put(emu, token, "CreateImageTemplateLinux.json")
    get = _example("GetImageTemplate.json")["responses"]["200"]["body"]
    assert same_shape(get, raw(emu, "GET", TEMPLATE + API, token=token).json()) == []
    by_group = raw(emu, "GET", TEMPLATE.rsplit("/", 1)[0] + API, token=token).json()
    assert same_shape(_first_item("ListImageTemplatesByRg.json"), by_group) == []
    listed = raw(
        emu,
        "GET",
        f"/subscriptions/{PROVIDER_SUB}/providers/Microsoft.VirtualMachineImages/imageTemplates{API}",
        token=token,
    ).json()
    assert same_shape(_first_item("ListImageTemplates.json"), listed) == []
    for name in (
        "UpdateImageTemplateTags.json",
        "UpdateImageTemplateVmProfile.json",
        "UpdateImageTemplateToRemoveIdentities.json",
    ):
        example = _example(name)
        body = example["parameters"]["parameters"]
        if name == "UpdateImageTemplateVmProfile.json":
            subnet = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            body["properties"]["vmProfile"]["vmSize"] = "Standard_D4s_v5"
            body["properties"]["vmProfile"]["vnetConfig"]["subnetId"] = subnet
        response = raw(emu, "PATCH", TEMPLATE + API, token=token, body=body)
        assert response.status_code == 200, (name, response.text)
        assert same_shape(example["responses"]["200"]["body"], response.json()) == [], name


def test_run_output_and_cancel_examples_replay(emu):
    make_identity(emu)
    token = mint(emu)
    body = _example("CreateImageTemplateWindows.json")["parameters"]["parameters"]
    body["properties"]["customize"] = [
        {"type": "PowerShell", "name": "x", "inline": ["Write-Output 'x'"]}
    ]
    del body["properties"]["vmProfile"]["vnetConfig"]
    assert raw(emu, "PUT", TEMPLATE + API, token=token, body=body).status_code == 201
    advance(emu, 60)
    assert raw(emu, "POST", f"{TEMPLATE}/run{API}", token=token).status_code == 202
    for _ in range(10):
        advance(emu, 600)
    outputs = raw(emu, "GET", f"{TEMPLATE}/runOutputs{API}", token=token).json()
    assert same_shape(_example("ListRunOutputs.json")["responses"]["200"]["body"], outputs) == []
    one = raw(emu, "GET", f"{TEMPLATE}/runOutputs/image_it_pir_1{API}", token=token).json()
    assert same_shape(_example("GetRunOutput.json")["responses"]["200"]["body"], one) == []
    assert raw(emu, "POST", f"{TEMPLATE}/run{API}", token=token).status_code == 202
    cancel = raw(emu, "POST", f"{TEMPLATE}/cancel{API}", token=token)
    assert cancel.status_code == 202
    assert "/locations/westeurope/operations/" in cancel.headers["Azure-AsyncOperation"]
