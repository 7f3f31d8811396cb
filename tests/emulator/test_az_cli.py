"""The real az CLI (azure-cli 2.91.0) against the emulator.

Covers what an operator does first with a new cloud: register it, log in as a service principal,
manage resource groups (deletion is a long-running operation), list role assignments (az names
their principals through Microsoft Graph), call ARM with ``az rest``, and the failures az users
see: a wrong secret, a missing role, a token from the wrong tenant.

az lives in a venv of its own (``make az``); ``GOLDFLEET_AZ`` names its executable. Every az
process gets its own config directory, trusts only the emulator's CA and uses no proxy, so these
tests never reach Azure and never read the developer's own az login.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from goldfleet.emulator import EmulatorOptions, RunningEmulator, running_emulator

pytestmark = pytest.mark.azcli

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "emulator" / "msp-estate.yaml"
DEFAULT_AZ = ROOT / ".venv-az" / "bin" / "az"
CLOUD = "GoldfleetEmulator"

PROVIDER_TENANT = "7f3c1a52-4d8e-4b1f-9a6c-2e5d8b0c1f01"  # Northwind MSP
CUSTOMER_TENANT = "3b9e6f20-8c4a-4d71-b5e2-7a1f0c9d2e02"  # Contoso Pharmacies
PROVIDER_SUB = "5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01"  # northwind-images
CUSTOMER_SUB = "5a1b7c3d-0002-4e8f-9a0b-1c2d3e4f5a02"  # contoso-avd-prod
APP_ID = "0e6a3f4b-9c2d-4e1a-8b7f-3d5c6a9e1b10"  # goldfleet-automation
SECRET = "gf-emulator-secret-not-for-azure"

# Apps added by the tests (POST /_emulator/scenario), never to the example scenario file.
READER_APP_ID = "4c1d9e2a-7b3f-4e6a-9d8c-5f2a1b0e3c77"
READER_SECRET = "reader-secret-for-tests"
NO_ROLE_APP_ID = "5d2e0f3b-8c4a-4f7b-8e9d-6a3b2c1f4d88"
NO_ROLE_SECRET = "no-role-secret-for-tests"

AZ_TIMEOUT = 120


def az_executable() -> Path:
    """``$GOLDFLEET_AZ``, else the repository's .venv-az; a missing az fails (CI installs it)."""
    configured = os.environ.get("GOLDFLEET_AZ")
    path = Path(configured) if configured else DEFAULT_AZ
    if not path.is_file():
        pytest.fail(
            f"the az CLI was not found at {path} "
            f"({'from GOLDFLEET_AZ' if configured else 'GOLDFLEET_AZ is not set'}). "
            "Install it with `make az` (azure-cli 2.91.0 into .venv-az), or point GOLDFLEET_AZ "
            "at an az executable.",
            pytrace=False,
        )
    return path


def isolated_env(config_dir: Path, ca_path: Path) -> dict[str, str]:
    """The process environment minus proxies and Azure settings, plus az's own settings."""
    drop = ("AZURE_", "MSAL_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.lower().endswith("_proxy") and not key.upper().startswith(drop)
    }
    env.update(
        AZURE_CONFIG_DIR=str(config_dir),
        AZURE_CORE_INSTANCE_DISCOVERY="false",
        AZURE_CORE_COLLECT_TELEMETRY="false",
        AZURE_CORE_ONLY_SHOW_ERRORS="true",
        AZURE_CORE_NO_COLOR="1",
        REQUESTS_CA_BUNDLE=str(ca_path),
        NO_PROXY="*",
        no_proxy="*",
    )
    return env


@dataclass
class Az:
    """One az configuration (its own AZURE_CONFIG_DIR) pointed at the emulator."""

    executable: Path
    emulator: RunningEmulator
    config_dir: Path

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.executable), *args],
            env=isolated_env(self.config_dir, self.emulator.ca_path),
            capture_output=True,
            text=True,
            timeout=AZ_TIMEOUT,
            check=False,
        )
        if ok and result.returncode != 0:
            pytest.fail(
                f"az {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}",
                pytrace=False,
            )
        return result

    def fails(self, *args: str) -> str:
        """Run a command that must fail; returns its stderr."""
        result = self.run(*args, ok=False)
        assert result.returncode != 0, f"az {' '.join(args)} succeeded:\n{result.stdout}"
        return result.stderr

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--output", "json").stdout)

    def register_cloud(self) -> None:
        # az appends "metadata/endpoints" to the endpoint, hence "//metadata/..." on the wire
        self.run(
            "cloud",
            "register",
            "--name",
            CLOUD,
            "--endpoint-resource-manager",
            f"{self.emulator.endpoint}/",
        )
        self.run("cloud", "set", "--name", CLOUD)

    def login(self, app_id: str, secret: str, tenant: str, *extra: str) -> Any:
        return self.json(
            "login",
            "--service-principal",
            "--username",
            app_id,
            "--password",
            secret,
            "--tenant",
            tenant,
            *extra,
        )


def new_requests(emulator: RunningEmulator, since: int) -> list[dict[str, Any]]:
    """Requests the emulator logged after sequence number ``since``."""
    entries: list[dict[str, Any]] = emulator.control("GET", f"/requests?since={since}")["value"]
    return entries


def last_seq(emulator: RunningEmulator) -> int:
    entries = new_requests(emulator, 0)
    return int(entries[-1]["seq"]) if entries else 0


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """One emulator for the module: the example MSP estate, plus (seeded through the control
    API, so the example file stays as it is) an app with only Reader and an app with no role."""
    options = EmulatorOptions(scenario=SCENARIO, state_dir=tmp_path_factory.mktemp("emulator"))
    with running_emulator(options) as emu:
        emu.control(
            "POST",
            "/scenario",
            {
                "applications": [
                    {
                        "appId": READER_APP_ID,
                        "name": "goldfleet-reader",
                        "homeTenant": "Northwind MSP",
                        "secrets": [{"value": READER_SECRET}],
                    },
                    {
                        "appId": NO_ROLE_APP_ID,
                        "name": "goldfleet-no-role",
                        "homeTenant": "Northwind MSP",
                        "secrets": [{"value": NO_ROLE_SECRET}],
                    },
                ],
                "roleAssignments": [
                    {
                        "principal": "goldfleet-reader",
                        "role": "Reader",
                        "scope": "/subscriptions/northwind-images",
                    },
                ],
            },
        )
        yield emu


@pytest.fixture(scope="module")
def az_bin() -> Path:
    return az_executable()


@pytest.fixture(scope="module")
def logged_in(
    estate: RunningEmulator, az_bin: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Az, Any]:
    """az logged in once, as goldfleet-automation in the provider tenant; and what login said."""
    az = Az(az_bin, estate, tmp_path_factory.mktemp("az-config"))
    az.register_cloud()
    return az, az.login(APP_ID, SECRET, PROVIDER_TENANT)


@pytest.fixture
def az(logged_in: tuple[Az, Any]) -> Az:
    return logged_in[0]


@pytest.fixture
def fresh_az(estate: RunningEmulator, az_bin: Path, tmp_path: Path) -> Az:
    """az with the emulator's cloud registered and set, logged in as nobody."""
    az = Az(az_bin, estate, tmp_path / "az-config")
    az.register_cloud()
    return az


# --- 1. cloud registration and login -----------------------------------------------------------


def test_az_is_the_pinned_version(tmp_path: Path) -> None:
    # not through the az_bin fixture: a missing az is a failed test here, not only set-up errors
    result = subprocess.run(
        [str(az_executable()), "version", "--output", "json"],
        env=isolated_env(tmp_path, Path(os.devnull)),
        capture_output=True,
        text=True,
        timeout=AZ_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["azure-cli"] == "2.91.0"


def test_login_as_service_principal_lists_the_provider_subscription(
    logged_in: tuple[Az, Any], estate: RunningEmulator
) -> None:
    az, login_output = logged_in
    cloud = az.json("cloud", "show", "--name", CLOUD)
    assert cloud["isActive"] is True
    assert cloud["endpoints"]["resourceManager"] == f"{estate.endpoint}/"
    assert cloud["endpoints"]["activeDirectory"] == f"{estate.endpoint}/"

    assert [s["name"] for s in login_output] == ["northwind-images"]
    accounts = az.json("account", "list")
    northwind = next(a for a in accounts if a["name"] == "northwind-images")
    assert northwind["id"] == PROVIDER_SUB
    assert northwind["tenantId"] == PROVIDER_TENANT
    assert northwind["cloudName"] == CLOUD
    assert northwind["user"] == {"name": APP_ID, "type": "servicePrincipal"}
    assert northwind["isDefault"] is True


# --- 2. resource groups, with deletion as a long-running operation ---------------------------


def test_resource_group_create_list_show_delete(az: Az, estate: RunningEmulator) -> None:
    created = az.json(
        "group",
        "create",
        "--name",
        "rg-az-test",
        "--location",
        "westeurope",
        "--tags",
        "a=b",
        "--subscription",
        PROVIDER_SUB,
    )
    assert created["id"] == f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-az-test"
    assert created["properties"]["provisioningState"] == "Succeeded"

    listed = {g["name"]: g for g in az.json("group", "list", "--subscription", PROVIDER_SUB)}
    assert {"rg-goldfleet-images", "rg-goldfleet-build", "rg-az-test"} <= set(listed)
    assert listed["rg-az-test"]["tags"] == {"a": "b"}
    assert listed["rg-az-test"]["location"] == "westeurope"

    by_tag = az.json("group", "list", "--tag", "a=b", "--subscription", PROVIDER_SUB)
    assert [g["name"] for g in by_tag] == ["rg-az-test"]

    shown = az.json("group", "show", "--name", "rg-az-test", "--subscription", PROVIDER_SUB)
    assert shown["tags"] == {"a": "b"}

    before = last_seq(estate)
    speed = estate.control("GET", "/clock")["speed"]
    estate.control("PUT", "/clock", {"speed": 1000})  # the deletion's seconds pass in ms
    try:
        az.run("group", "delete", "--name", "rg-az-test", "--yes", "--subscription", PROVIDER_SUB)
    finally:
        estate.control("PUT", "/clock", {"speed": speed})
    seen = [
        (r["method"], r["path"].split("/")[3].lower(), r["status"])
        for r in new_requests(estate, before)
        if r["path"].lower().startswith(f"/subscriptions/{PROVIDER_SUB}/")
    ]
    # az waited for the operation: a 202 with a Location, then polls of it until 200
    assert seen[0] == ("DELETE", "resourcegroups", 202)
    assert seen[-1] == ("GET", "operationresults", 200)

    exists = az.run("group", "exists", "--name", "rg-az-test", "--subscription", PROVIDER_SUB)
    assert exists.stdout.strip() == "false"
    names = [g["name"] for g in az.json("group", "list", "--subscription", PROVIDER_SUB)]
    assert "rg-az-test" not in names


# --- 3. role assignments: role names from ARM, principal names from Microsoft Graph ----------


def _check_assignments(assignments: list[dict[str, Any]]) -> None:
    ours = [a for a in assignments if a["principalName"] == APP_ID]
    assert sorted(a["roleDefinitionName"] for a in ours) == [
        "Contributor",
        "User Access Administrator",
    ]
    for assignment in ours:
        assert assignment["scope"] == f"/subscriptions/{PROVIDER_SUB}"
        assert assignment["principalType"] == "ServicePrincipal"
    reader = [a for a in assignments if a["principalName"] == READER_APP_ID]
    assert [a["roleDefinitionName"] for a in reader] == ["Reader"]


def test_role_assignment_list_names_roles_and_principals(az: Az, estate: RunningEmulator) -> None:
    before = last_seq(estate)
    _check_assignments(
        az.json("role", "assignment", "list", "--all", "--subscription", PROVIDER_SUB)
    )
    _check_assignments(
        az.json(
            "role",
            "assignment",
            "list",
            "--scope",
            f"/subscriptions/{PROVIDER_SUB}",
            "--subscription",
            PROVIDER_SUB,
        )
    )
    graph = [r for r in new_requests(estate, before) if r["path"].startswith("/v1.0/")]
    # az names principals with Graph's directoryObjects/getByIds, at the cloud's Graph endpoint
    # (metadata microsoftGraphResourceId: the emulator itself), with a token for that audience.
    assert [(r["method"], r["path"], r["status"]) for r in graph] == [
        ("POST", "/v1.0/directoryObjects/getByIds", 200)
    ] * 2
    assert {r["tenant"] for r in graph} == {PROVIDER_TENANT}


def test_graph_wants_a_graph_token_not_an_arm_token(az: Az, estate: RunningEmulator) -> None:
    url = f"{estate.endpoint}/v1.0/directoryObjects/getByIds"
    principal_ids = sorted(
        {
            a["principalId"]
            for a in az.json(
                "role",
                "assignment",
                "list",
                "--all",
                "--fill-principal-name",
                "false",
                "--subscription",
                PROVIDER_SUB,
            )
        }
    )
    body = json.dumps({"ids": principal_ids, "types": ["servicePrincipal"]})
    found = az.json(
        "rest",
        "--method",
        "post",
        "--url",
        url,
        "--body",
        body,
        "--resource",
        f"{estate.endpoint}/",
    )
    assert sorted(o["appId"] for o in found["value"]) == sorted([APP_ID, READER_APP_ID])
    assert {o["@odata.type"] for o in found["value"]} == {"#microsoft.graph.servicePrincipal"}

    stderr = az.fails(
        "rest",
        "--method",
        "post",
        "--url",
        url,
        "--body",
        body,
        "--resource",
        "https://management.core.windows.net/",
    )
    assert "InvalidAuthenticationToken" in stderr
    assert "Invalid audience" in stderr


# --- 4. az rest --------------------------------------------------------------------------------


def test_az_rest_resolves_a_relative_url_against_the_clouds_arm_endpoint(az: Az) -> None:
    result = az.json(
        "rest",
        "--method",
        "get",
        "--url",
        f"/subscriptions/{PROVIDER_SUB}/resourcegroups?api-version=2021-04-01",
    )
    names = {g["name"] for g in result["value"]}
    assert {"rg-goldfleet-images", "rg-goldfleet-build"} <= names


def test_a_scale_set_is_listed_shown_and_scaled(az: Az, estate: RunningEmulator) -> None:
    group = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-build"
    network = f"{group}/providers/Microsoft.Network/virtualNetworks/vnet-az-vmss"
    speed = estate.control("GET", "/clock")["speed"]
    estate.control("PUT", "/clock", {"speed": 1000})  # an instance's minutes pass in ms
    try:
        az.json(
            "rest",
            "--method",
            "put",
            "--url",
            f"{network}?api-version=2024-05-01",
            "--body",
            json.dumps(
                {
                    "location": "westeurope",
                    "properties": {
                        "addressSpace": {"addressPrefixes": ["10.77.0.0/16"]},
                        "subnets": [
                            {"name": "default", "properties": {"addressPrefix": "10.77.1.0/24"}}
                        ],
                    },
                }
            ),
        )
        az.json(
            "rest",
            "--method",
            "put",
            "--url",
            f"{group}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-az"
            "?api-version=2024-11-01",
            "--body",
            json.dumps(_flexible_scale_set(f"{network}/subnets/default")),
        )
        names = [s["name"] for s in az.json("vmss", "list", "-g", "rg-goldfleet-build")]
        assert names == ["vmss-az"]
        shown = az.json("vmss", "show", "-g", "rg-goldfleet-build", "-n", "vmss-az")
        assert shown["orchestrationMode"] == "Flexible" and shown["sku"]["capacity"] == 1
        az.run("vmss", "scale", "-g", "rg-goldfleet-build", "-n", "vmss-az", "--new-capacity", "0")
        after = az.json("vmss", "show", "-g", "rg-goldfleet-build", "-n", "vmss-az")
        assert after["sku"]["capacity"] == 0 and after["provisioningState"] == "Succeeded"
        assert after["virtualMachineProfile"]["osProfile"]["computerNamePrefix"] == "azvmss"
    finally:
        estate.control("PUT", "/clock", {"speed": speed})


def _flexible_scale_set(subnet_id: str) -> dict[str, Any]:
    return {
        "location": "westeurope",
        "sku": {"name": "Standard_D2as_v5", "capacity": 1},
        "properties": {
            "orchestrationMode": "Flexible",
            "platformFaultDomainCount": 1,
            "virtualMachineProfile": {
                "storageProfile": {
                    "imageReference": {
                        "publisher": "MicrosoftWindowsDesktop",
                        "offer": "windows-11",
                        "sku": "win11-24h2-avd",
                        "version": "latest",
                    },
                    "osDisk": {"createOption": "FromImage"},
                },
                "osProfile": {
                    "computerNamePrefix": "azvmss",
                    "adminUsername": "gfadmin",
                    "adminPassword": "Sup3r-Secret-Value!",
                },
                "networkProfile": {
                    "networkApiVersion": "2020-11-01",
                    "networkInterfaceConfigurations": [
                        {
                            "name": "nic",
                            "properties": {
                                "primary": True,
                                "ipConfigurations": [
                                    {"name": "ip", "properties": {"subnet": {"id": subnet_id}}}
                                ],
                            },
                        }
                    ],
                },
            },
        },
    }


# --- 5. what failures look like -------------------------------------------------------------


def test_login_with_a_wrong_secret_fails_with_aadsts7000215(fresh_az: Az) -> None:
    # A fresh config directory matters: with a token for this app and tenant still in az's
    # MSAL cache, `az login` with a wrong secret succeeds (MSAL answers from its cache without
    # presenting the secret) - against Azure as against the emulator.
    stderr = fresh_az.fails(
        "login",
        "--service-principal",
        "--username",
        APP_ID,
        "--password",
        "not-the-secret",
        "--tenant",
        PROVIDER_TENANT,
    )
    assert "AADSTS7000215" in stderr
    assert "Invalid client secret provided" in stderr
    assert fresh_az.run("account", "list", "--output", "json").stdout.strip() == "[]"


def test_a_reader_cannot_create_a_resource_group(fresh_az: Az) -> None:
    login = fresh_az.login(READER_APP_ID, READER_SECRET, PROVIDER_TENANT)
    assert [s["id"] for s in login] == [PROVIDER_SUB]
    assert fresh_az.json("group", "show", "--name", "rg-goldfleet-images")["location"] == "uksouth"

    stderr = fresh_az.fails(
        "group", "create", "--name", "rg-reader-test", "--location", "westeurope"
    )
    assert "AuthorizationFailed" in stderr
    assert f"The client '{READER_APP_ID}'" in stderr
    assert "Microsoft.Resources/subscriptions/resourceGroups/write" in stderr


def test_an_app_without_any_role_has_no_subscription_to_log_in_to(fresh_az: Az) -> None:
    # ARM lists only subscriptions where the caller holds a role, so az finds none
    stderr = fresh_az.fails(
        "login",
        "--service-principal",
        "--username",
        NO_ROLE_APP_ID,
        "--password",
        NO_ROLE_SECRET,
        "--tenant",
        PROVIDER_TENANT,
    )
    assert f"No subscriptions found for {NO_ROLE_APP_ID}" in stderr
    tenant_only = fresh_az.login(
        NO_ROLE_APP_ID, NO_ROLE_SECRET, PROVIDER_TENANT, "--allow-no-subscriptions"
    )
    assert [a["tenantId"] for a in tenant_only] == [PROVIDER_TENANT]


# --- 6. tenants ------------------------------------------------------------------------------


def test_a_provider_token_cannot_touch_a_customer_subscription(
    fresh_az: Az, estate: RunningEmulator
) -> None:
    fresh_az.login(APP_ID, SECRET, PROVIDER_TENANT)

    # az itself refuses first: it picks the token for a subscription from its own account list,
    # and logged in to the provider tenant it has never heard of the customer's subscription.
    before = last_seq(estate)
    stderr = fresh_az.fails("group", "list", "--subscription", CUSTOMER_SUB)
    assert f"Subscription '{CUSTOMER_SUB}' not found" in stderr
    assert not [r for r in new_requests(estate, before) if CUSTOMER_SUB in r["path"]]

    # Handing ARM the provider-tenant token anyway: ARM rejects the tenant, as Azure does.
    token = fresh_az.json("account", "get-access-token")
    assert token["tenant"] == PROVIDER_TENANT
    stderr = fresh_az.fails(
        "rest",
        "--method",
        "get",
        "--url",
        f"/subscriptions/{CUSTOMER_SUB}/resourcegroups?api-version=2021-04-01",
        "--headers",
        f"Authorization=Bearer {token['accessToken']}",
    )
    assert "InvalidAuthenticationTokenTenant" in stderr
    assert f"https://login.windows.net/{CUSTOMER_TENANT}" in stderr

    # Logged in to the customer tenant as well (the app is consented there), az gets a token
    # from that tenant for that subscription and ARM lets it in.
    customer = fresh_az.login(APP_ID, SECRET, CUSTOMER_TENANT)
    assert [s["name"] for s in customer] == ["contoso-avd-prod"]
    tenants = {a["name"]: a["tenantId"] for a in fresh_az.json("account", "list")}
    assert tenants == {"northwind-images": PROVIDER_TENANT, "contoso-avd-prod": CUSTOMER_TENANT}
    groups = fresh_az.json("group", "list", "--subscription", CUSTOMER_SUB)
    assert {g["name"] for g in groups} == {"rg-avd-hosts", "rg-avd-network"}


# --- 7. Microsoft Graph: service principals, users and groups as az finds them -----------------

BUILD_GROUP = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-build"
VM_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"


def test_az_ad_sp_show_finds_a_service_principal_by_app_id_or_object_id(
    az: Az, estate: RunningEmulator
) -> None:
    before = last_seq(estate)
    shown = az.json("ad", "sp", "show", "--id", APP_ID)
    assert shown["appId"] == APP_ID
    assert shown["displayName"] == "goldfleet-automation"
    assert shown["servicePrincipalType"] == "Application"
    assert shown["appOwnerOrganizationId"] == PROVIDER_TENANT
    # az looks the appId up among servicePrincipalNames, then reads the object by its id
    graph = [
        (r["method"], r["path"], r["status"])
        for r in new_requests(estate, before)
        if r["path"].startswith("/v1.0/")
    ]
    assert graph == [
        ("GET", "/v1.0/servicePrincipals", 200),
        ("GET", f"/v1.0/servicePrincipals/{shown['id']}", 200),
    ]
    assert az.json("ad", "sp", "show", "--id", shown["id"])["appId"] == APP_ID
    listed = az.json("ad", "sp", "list", "--display-name", "goldfleet-")
    assert sorted(s["appId"] for s in listed) == sorted([APP_ID, READER_APP_ID, NO_ROLE_APP_ID])

    stderr = az.fails("ad", "sp", "show", "--id", "7d1c9f4e-0000-4000-8000-00000000dead")
    assert "Request_ResourceNotFound" in stderr or "does not exist" in stderr
    stderr = az.fails("ad", "sp", "show", "--id", "no-such-app")
    assert "Service principal 'no-such-app' doesn't exist" in stderr


def test_az_ad_user_and_group_show(az: Az, estate: RunningEmulator) -> None:
    estate.control(
        "POST",
        "/scenario",
        {
            "users": [
                {
                    "userPrincipalName": "ops.lead@northwindmsp.onmicrosoft.com",
                    "displayName": "Ops Lead",
                }
            ],
            "groups": [
                {
                    "name": "AVD Image Operators",
                    "tenant": "Northwind MSP",
                    "members": ["ops.lead@northwindmsp.onmicrosoft.com", "goldfleet-reader"],
                }
            ],
        },
    )
    user = az.json("ad", "user", "show", "--id", "ops.lead@northwindmsp.onmicrosoft.com")
    assert user["displayName"] == "Ops Lead"
    group = az.json("ad", "group", "show", "--group", "AVD Image Operators")
    assert group["securityEnabled"] is True
    members = az.json("ad", "group", "member", "list", "--group", group["id"])
    assert sorted(m["@odata.type"] for m in members) == [
        "#microsoft.graph.servicePrincipal",
        "#microsoft.graph.user",
    ]
    stderr = az.fails("ad", "user", "show", "--id", "nobody@northwindmsp.onmicrosoft.com")
    assert "does not exist or one of its queried reference-property objects" in stderr


def test_role_assignment_create_by_app_id_then_list_and_delete_at_a_resource_group(
    az: Az, estate: RunningEmulator
) -> None:
    created = az.json(
        "role",
        "assignment",
        "create",
        "--assignee",
        READER_APP_ID,
        "--role",
        "Virtual Machine Contributor",
        "--scope",
        BUILD_GROUP,
    )
    try:
        assert created["scope"] == BUILD_GROUP
        assert created["principalType"] == "ServicePrincipal"
        assert created["roleDefinitionId"] == (
            f"/subscriptions/{PROVIDER_SUB}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{VM_CONTRIBUTOR}"
        )
        at_group = az.json("role", "assignment", "list", "--scope", BUILD_GROUP)
        assert [(a["principalName"], a["roleDefinitionName"]) for a in at_group] == [
            (READER_APP_ID, "Virtual Machine Contributor")
        ]
        inherited = az.json(
            "role", "assignment", "list", "--scope", BUILD_GROUP, "--include-inherited"
        )
        assert sorted((a["principalName"], a["roleDefinitionName"]) for a in inherited) == [
            (APP_ID, "Contributor"),
            (APP_ID, "User Access Administrator"),
            (READER_APP_ID, "Reader"),
            (READER_APP_ID, "Virtual Machine Contributor"),
        ]
        mine = az.json("role", "assignment", "list", "--assignee", READER_APP_ID, "--all")
        assert sorted(a["roleDefinitionName"] for a in mine) == [
            "Reader",
            "Virtual Machine Contributor",
        ]
        again = az.run(
            "role",
            "assignment",
            "create",
            "--assignee",
            READER_APP_ID,
            "--role",
            "Virtual Machine Contributor",
            "--scope",
            BUILD_GROUP,
            "--output",
            "json",
        )
        assert json.loads(again.stdout)["id"] == created["id"]  # az treats 409 as "exists"
    finally:
        az.run(
            "role",
            "assignment",
            "delete",
            "--assignee",
            READER_APP_ID,
            "--role",
            "Virtual Machine Contributor",
            "--scope",
            BUILD_GROUP,
        )
    assert az.json("role", "assignment", "list", "--scope", BUILD_GROUP) == []
