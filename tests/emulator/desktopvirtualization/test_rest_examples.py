"""Replay of Microsoft's official REST examples for Microsoft.DesktopVirtualization
(2025-10-10, and one from 2024-04-03), the way the gallery replay does it.

For every example in ``examples/`` (copied with their manifest): seed what it needs (a host
pool, session hosts, user sessions, groups, plans - through ARM and the agent hooks), build the
request from its ``parameters`` (path parameters into the operation's URL template, the body
parameter as the body, ``force``/``$filter``/paging as query), send it with a token over HTTPS
and compare the answer's *shape* with the example's answer for the same status: the same keys,
recursively, with the same JSON types. Documented exceptions are listed below - and on
docs/emulator/desktopvirtualization.md - with the reason.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import PROVIDER_SUB, mint, raw
from tests.emulator.compute.test_rest_examples import shape_problems as gallery_shape_problems

EXAMPLES = Path(__file__).resolve().parent / "examples"
RG = "resourceGroup1"
RG_ID = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{RG}"
DV = f"{RG_ID}/providers/Microsoft.DesktopVirtualization"
SUB = "/subscriptions/{subscriptionId}"
PROV = f"{SUB}/resourceGroups/{{resourceGroupName}}/providers/Microsoft.DesktopVirtualization"
POOL = f"{PROV}/hostPools/{{hostPoolName}}"
HOST = f"{POOL}/sessionHosts/{{sessionHostName}}"
SESSION = f"{HOST}/userSessions/{{userSessionId}}"
PLAN = f"{PROV}/scalingPlans/{{scalingPlanName}}"
FQDN = "sessionHost1.microsoft.com"

# example file (without the version folder) -> (method, URL template)
OPERATIONS = {
    "ApplicationGroup_Create.json": ("PUT", f"{PROV}/applicationGroups/{{applicationGroupName}}"),
    "ApplicationGroup_Get.json": ("GET", f"{PROV}/applicationGroups/{{applicationGroupName}}"),
    "HostPool_Create.json": ("PUT", POOL),
    "HostPool_Delete.json": ("DELETE", POOL),
    "HostPool_Get.json": ("GET", POOL),
    "HostPool_ListByResourceGroup.json": ("GET", f"{PROV}/hostPools"),
    "HostPools_ListRegistrationToken_Post.json": ("POST", f"{POOL}/listRegistrationTokens"),
    "ScalingPlanPersonalSchedule_Create.json": (
        "PUT",
        f"{PLAN}/personalSchedules/{{scalingPlanScheduleName}}",
    ),
    "ScalingPlanPersonalSchedule_Get.json": (
        "GET",
        f"{PLAN}/personalSchedules/{{scalingPlanScheduleName}}",
    ),
    "ScalingPlanPersonalSchedule_Delete.json": (
        "DELETE",
        f"{PLAN}/personalSchedules/{{scalingPlanScheduleName}}",
    ),
    "ScalingPlanPooledSchedule_Create.json": (
        "PUT",
        f"{PLAN}/pooledSchedules/{{scalingPlanScheduleName}}",
    ),
    "ScalingPlanPooledSchedule_Get.json": (
        "GET",
        f"{PLAN}/pooledSchedules/{{scalingPlanScheduleName}}",
    ),
    "ScalingPlanPooledSchedule_List.json": ("GET", f"{PLAN}/pooledSchedules"),
    "ScalingPlan_Delete.json": ("DELETE", PLAN),
    "ScalingPlan_Get.json": ("GET", PLAN),
    "ScalingPlan_ListByHostPool.json": ("GET", f"{POOL}/scalingPlans"),
    "ScalingPlan_ListBySubscription.json": (
        "GET",
        f"{SUB}/providers/Microsoft.DesktopVirtualization/scalingPlans",
    ),
    "ScalingPlan_Update.json": ("PATCH", PLAN),
    "SessionHost_Delete.json": ("DELETE", HOST),
    "SessionHost_Get.json": ("GET", HOST),
    "SessionHost_List.json": ("GET", f"{POOL}/sessionHosts"),
    "SessionHost_Update.json": ("PATCH", HOST),
    "UserSession_Delete.json": ("DELETE", SESSION),
    "UserSession_Get.json": ("GET", SESSION),
    "UserSession_List.json": ("GET", f"{HOST}/userSessions"),
    "UserSession_ListByHostPool.json": ("GET", f"{POOL}/userSessions"),
    "UserSession_SendMessage_Post.json": ("POST", f"{SESSION}/sendMessage"),
    "Workspace_Delete.json": ("DELETE", f"{PROV}/workspaces/{{workspaceName}}"),
    "Workspace_Get.json": ("GET", f"{PROV}/workspaces/{{workspaceName}}"),
    "Workspace_ListBySubscription.json": (
        "GET",
        f"{SUB}/providers/Microsoft.DesktopVirtualization/workspaces",
    ),
    "Workspace_Update.json": ("PATCH", f"{PROV}/workspaces/{{workspaceName}}"),
}
BODY_PARAMETERS = (
    "hostPool",
    "applicationGroup",
    "workspace",
    "scalingPlanSchedule",
    "sessionHost",
    "sendMessage",
)
QUERY_PARAMETERS = ("force", "$filter", "pageSize", "isDescending", "initialSkip")

# Keys the emulator returns that an example leaves out (the OpenAPI document defines them).
ADDED = {
    "publicNetworkAccess": "host pools and workspaces answer their publicNetworkAccess (default Enabled)",
    "applicationGroupReferences": "host pools and workspaces answer their references (read-only)",
    "updateErrorMessage": "session hosts always answer it",
    "rampDownStopHostsWhen": "answered when the request set it",
}
# Keys an example shows as an object or a string that the emulator answers as null, and why.
NULLABLE = {
    "properties/registrationInfo": "the token is a secret: reads answer registrationInfo null "
    "(Azure/bicep#6105); the examples show it",
    "properties/workspaceArmPath": "null while no workspace references the group",
    "properties/assignedUser": "null on a host of a pooled pool (only personal hosts have users)",
    "properties/friendlyName": "null on a session host until a PATCH names it",
}
NOT_IN = {"systemData", "tags"}  # free-form or value-only differences


def example_files() -> list[str]:
    return sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.json"))


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / name).read_text()))


def test_the_copied_examples_match_their_manifest():
    rows = list(csv.DictReader((EXAMPLES / "MANIFEST.tsv").open(), delimiter="\t"))
    assert sorted(r["file_name"] for r in rows) == example_files()
    for row in rows:
        digest = hashlib.sha256((EXAMPLES / row["file_name"]).read_bytes()).hexdigest()
        assert digest == row["sha256"], row["file_name"]
    assert {Path(n).name for n in example_files()} == set(OPERATIONS)


class Replay:
    """Seeds what an example needs, through ARM (with a token) and the agent hooks."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.token = mint(emu)
        self.send("PUT", RG_ID, {"location": "westeurope"}, api="2021-04-01")

    def send(self, method: str, path: str, body: Any = None, api: str = "2025-10-10") -> Any:
        response = raw(self.emu, method, f"{path}?api-version={api}", token=self.token, body=body)
        assert response.status_code in (200, 201), response.text
        return response

    def pool(self, name: str = "hostPool1", personal: bool = False) -> None:
        """A pool made with the request body of the create example (translated)."""
        body = translate(load("2025-10-10/HostPool_Create.json")["parameters"]["hostPool"])
        body["properties"]["registrationInfo"]["expirationTime"] = _in_a_day(self.emu)
        if personal:
            body["properties"].update(hostPoolType="Personal", loadBalancerType="Persistent")
        self.send("PUT", f"{DV}/hostPools/{name}", body)

    def host(self, pool: str = "hostPool1", fqdn: str = FQDN) -> None:
        self.emu.control(
            "POST",
            "/desktopvirtualization/sessionHosts",
            {
                "hostPoolId": f"{DV}/hostPools/{pool}",
                "fqdn": fqdn,
                "vmResourceId": f"{RG_ID}/providers/Microsoft.Compute/virtualMachines/sessionHost1",
            },
        )

    def session(self, upn: str = "user1@microsoft.com", fqdn: str = FQDN) -> None:
        host = f"{DV}/hostPools/hostPool1/sessionHosts/{fqdn}"
        self.emu.control(
            "POST",
            "/desktopvirtualization/userSessions",
            {"sessionHostId": host, "userPrincipalName": upn},
        )

    def group(self) -> None:
        body = translate(
            load("2025-10-10/ApplicationGroup_Create.json")["parameters"]["applicationGroup"]
        )
        self.send("PUT", f"{DV}/applicationGroups/applicationGroup1", body)

    def workspace(self, groups: bool = True) -> None:
        refs = [f"{DV}/applicationGroups/applicationGroup1"] if groups else []
        self.send(
            "PUT",
            f"{DV}/workspaces/workspace1",
            {
                "location": "westeurope",
                "properties": {
                    "applicationGroupReferences": refs,
                    "description": "des1",
                    "friendlyName": "friendly",
                },
            },
        )

    def plan(self, name: str = "scalingPlan1", schedules: bool = True) -> None:
        """A plan made with the update example's body (with a stop rule; with no schedules
        when the example adds a weekday schedule of its own: a day is in one schedule only)."""
        self.pool()
        example = load("2025-10-10/ScalingPlan_Update.json")["parameters"]["workspace"]
        body = {"location": "westeurope", "properties": translate(example["properties"])}
        for schedule in body["properties"]["schedules"]:
            schedule["rampDownStopHostsWhen"] = "ZeroSessions"
        if not schedules:
            body["properties"]["schedules"] = []
        self.send("PUT", f"{DV}/scalingPlans/{name}", body)

    def personal_schedule(self, plan: str, name: str) -> None:
        body = load("2025-10-10/ScalingPlanPersonalSchedule_Create.json")["parameters"][
            "scalingPlanSchedule"
        ]
        self.send("PUT", f"{DV}/scalingPlans/{plan}/personalSchedules/{name}", body)


def _in_a_day(emu: Any) -> str:
    now = datetime.fromisoformat(emu.control("GET", "/clock")["now"].replace("Z", "+00:00"))
    return (now + timedelta(days=1)).isoformat().replace("+00:00", "Z")


def translate(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: translate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [translate(v) for v in value]
    if isinstance(value, str):
        value = re.sub(r"/subscriptions/[0-9a-f-]{36}", f"/subscriptions/{PROVIDER_SUB}", value)
        return "westeurope" if value == "centralus" else value
    return value


def _pool_hosts_sessions(r: Replay) -> None:
    r.pool()
    r.host()
    r.session()
    r.session("user2@microsoft.com")


def _pooled_schedule(r: Replay) -> None:
    r.plan(schedules=False)
    example = load("2025-10-10/ScalingPlanPooledSchedule_Create.json")
    path = f"{DV}/scalingPlans/scalingPlan1/pooledSchedules/scalingPlanScheduleWeekdays1"
    r.send("PUT", path, example["parameters"]["scalingPlanSchedule"])


def _pooled_plan(r: Replay) -> None:
    r.plan()


SETUPS: dict[str, Callable[[Replay], None]] = {
    "ApplicationGroup_Create.json": lambda r: r.pool(),
    "ApplicationGroup_Get.json": lambda r: (r.pool(), r.group(), r.workspace()),
    "HostPool_Delete.json": lambda r: r.pool(),
    "HostPool_Get.json": lambda r: r.pool(),
    "HostPool_ListByResourceGroup.json": lambda r: (r.pool(), r.pool("hostPool2")),
    "HostPools_ListRegistrationToken_Post.json": lambda r: r.pool(),
    "ScalingPlanPersonalSchedule_Create.json": lambda r: r.plan(),
    "ScalingPlanPersonalSchedule_Get.json": lambda r: (
        r.plan("PersonalScalingPlan1"),
        r.personal_schedule("PersonalScalingPlan1", "PersonalScalingPlanSchedule"),
    ),
    "ScalingPlanPersonalSchedule_Delete.json": lambda r: (
        r.plan(),
        r.personal_schedule("scalingPlan1", "scalingPlanScheduleWeekdays1"),
    ),
    "ScalingPlanPooledSchedule_Create.json": lambda r: r.plan(schedules=False),
    "ScalingPlanPooledSchedule_Get.json": _pooled_schedule,
    "ScalingPlanPooledSchedule_List.json": lambda r: r.plan(),
    "ScalingPlan_Delete.json": lambda r: r.plan(),
    "ScalingPlan_Get.json": _pooled_plan,
    "ScalingPlan_ListByHostPool.json": _pooled_plan,
    "ScalingPlan_ListBySubscription.json": _pooled_plan,
    "ScalingPlan_Update.json": lambda r: r.plan(),
    "SessionHost_Delete.json": _pool_hosts_sessions,
    "SessionHost_Get.json": _pool_hosts_sessions,
    "SessionHost_List.json": lambda r: (
        _pool_hosts_sessions(r),
        r.host(fqdn="sessionHost2.microsoft.com"),
    ),
    "SessionHost_Update.json": lambda r: (r.pool(personal=True), r.host()),
    "UserSession_Delete.json": _pool_hosts_sessions,
    "UserSession_Get.json": _pool_hosts_sessions,
    "UserSession_List.json": _pool_hosts_sessions,
    "UserSession_ListByHostPool.json": lambda r: (
        _pool_hosts_sessions(r),
        r.host(fqdn="sessionHost2.microsoft.com"),
        r.session(fqdn="sessionHost2.microsoft.com"),
    ),
    "UserSession_SendMessage_Post.json": _pool_hosts_sessions,
    "Workspace_Delete.json": lambda r: r.workspace(groups=False),
    "Workspace_Get.json": lambda r: r.workspace(groups=False),
    "Workspace_ListBySubscription.json": lambda r: r.workspace(groups=False),
    "Workspace_Update.json": lambda r: r.workspace(groups=False),
}


def build_request(name: str, example: dict[str, Any]) -> tuple[str, str, Any]:
    method, template = OPERATIONS[Path(name).name]
    parameters = dict(example["parameters"])
    parameters["subscriptionId"] = PROVIDER_SUB
    path = re.sub(r"\{(\w+)\}", lambda m: quote(str(parameters[m.group(1)]), safe=""), template)
    query = [f"api-version={parameters['api-version']}"]
    for q in QUERY_PARAMETERS:
        if q in parameters:
            value = parameters[q]
            query.append(
                f"{q}={quote(str(value).lower() if isinstance(value, bool) else str(value))}"
            )
    body = next((parameters[b] for b in BODY_PARAMETERS if b in parameters), None)
    body = translate(body)
    if isinstance(body, dict) and "registrationInfo" in body.get("properties", {}):
        body["properties"]["registrationInfo"]["expirationTime"] = "{expiry}"
    return method, f"{path}?{'&'.join(query)}", body


def shape_problems(expected: Any, actual: Any, path: str = "") -> list[str]:
    """The gallery replay's comparison, with this provider's documented exceptions."""
    problems = gallery_shape_problems(expected, actual, path)
    kept = []
    for problem in problems:
        where, _, what = problem.partition(": ")
        generic = re.sub(r"^value/", "", where.replace("[]", ""))
        key = where.rsplit("/", 1)[-1]
        if what.startswith("not in the example") and key in ADDED:
            continue
        if what.endswith(("got null", "got NoneType")) and generic in NULLABLE:
            continue
        if generic.split("/", 1)[0] in NOT_IN:
            continue
        kept.append(problem)
    return kept


@pytest.mark.parametrize("name", example_files())
def test_the_example_replays(emu, name):
    example = load(name)
    replay = Replay(emu)
    SETUPS.get(Path(name).name, lambda r: None)(replay)
    method, path, body = build_request(name, example)
    if isinstance(body, dict) and body.get("properties", {}).get("registrationInfo"):
        body["properties"]["registrationInfo"]["expirationTime"] = _in_a_day(emu)
    response = raw(emu, method, path, token=replay.token, body=body)
    documented = example["responses"]
    assert str(response.status_code) in documented, (response.status_code, response.text)
    answer = documented[str(response.status_code)]
    actual = response.json() if response.content else None
    problems = shape_problems(answer.get("body"), actual)
    assert problems == [], f"{name}: {problems}"
