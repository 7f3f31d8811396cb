"""Who may drive the emulator: the control API (`/_emulator`) only with the control secret, every
path only under a Host header that names the emulator (no DNS rebinding) and never from another
site's web page, and the server on loopback unless remote access is allowed on purpose."""

from __future__ import annotations

import ssl
import stat
from typing import Any

import httpx
import pytest

from goldfleet.emulator import EmulatorOptions, check_options, running_emulator
from goldfleet.emulator.access import CONTROL_SECRET_FILE, CONTROL_SECRET_HEADER, is_loopback
from goldfleet.emulator.app import EmulatorApp
from goldfleet.emulator.world import World
from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, SECRET, mint

LIST = f"/subscriptions/{PROVIDER_SUB}/resourcegroups?api-version=2021-04-01"
TOKEN_PATH = f"/{PROVIDER}/oauth2/v2.0/token"


def control_routes(tmp_path: Any) -> list[tuple[str, str]]:
    """Every (method, path) the control API serves, read from the emulator's router."""
    app = EmulatorApp(World(), tmp_path)
    routes = [
        (method, route.pattern)
        for route in app.router.routes
        if route.pattern.lower().startswith("/_emulator")
        for method in sorted(route.methods)
    ]
    assert ("POST", "/_emulator/tokens") in routes and ("GET", "/_emulator/state") in routes
    assert ("DELETE", "/_emulator/requests") in routes
    return routes


def send(emu: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request with exactly the headers given (no control secret unless given)."""
    context = ssl.create_default_context(cafile=str(emu.ca_path))
    with httpx.Client(verify=context, timeout=30) as client:
        return client.request(method, emu.endpoint + path, **kwargs)


def world(emu: Any) -> dict[str, Any]:
    """The world's state, less the random generator's (each answer draws a request id)."""
    state = dict(emu.control("GET", "/state"))
    state.pop("rngState")
    return state


def host_of(emu: Any, name: str) -> str:
    return f"{name}:{emu.endpoint.rsplit(':', 1)[1]}"


def test_every_control_route_refuses_a_caller_without_the_secret(emu, tmp_path):
    arm = send(emu, "GET", LIST, headers={"Authorization": f"Bearer {mint(emu)}"})
    assert arm.status_code == 200  # one request in the log, to see that DELETE did not clear it
    before = world(emu)
    for method, path in control_routes(tmp_path):
        response = send(emu, method, path, json={"tenant": PROVIDER, "appId": GF_APP})
        assert response.status_code == 401, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "ControlSecretRequired"
        assert CONTROL_SECRET_HEADER in error["message"]
        assert "access_token" not in response.text  # no token minted, no world returned
    assert world(emu) == before
    assert emu.control("GET", "/requests")["value"], "the request log was cleared"


def test_a_wrong_control_secret_is_refused(emu, tmp_path):
    wrong = {CONTROL_SECRET_HEADER: emu.control_secret[:-1] + "x"}
    for method, path in control_routes(tmp_path):
        response = send(emu, method, path, headers=wrong, json={})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "ControlSecretInvalid"


def test_the_right_control_secret_opens_the_control_api(emu):
    secret = {CONTROL_SECRET_HEADER: emu.control_secret}
    state = send(emu, "GET", "/_emulator/state", headers=secret)
    assert state.status_code == 200 and state.json()["directory"]["tenants"]
    body = {"tenant": PROVIDER, "appId": GF_APP, "audience": emu.endpoint}
    token = send(emu, "POST", "/_emulator/tokens", headers=secret, json=body)
    assert token.status_code == 200 and token.json()["access_token"]


@pytest.mark.parametrize("path", ["/_EMULATOR/state", "//_emulator/state", "/_emulator/nothing"])
def test_other_spellings_of_control_paths_need_the_secret_too(emu, path):
    response = send(emu, "GET", path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "ControlSecretRequired"


def test_the_secret_is_written_beside_the_ca_for_its_owner_only(emu):
    secret_file = emu.ca_path.parent / CONTROL_SECRET_FILE
    assert secret_file.read_text().strip() == emu.control_secret
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(emu.control_secret) >= 32


def test_a_given_secret_is_used_and_a_new_one_is_made_at_each_start(tmp_path):
    given = "a-control-secret-for-this-test"
    options = EmulatorOptions(state_dir=tmp_path, control_secret=given)
    with running_emulator(options) as emu:
        assert emu.control_secret == given and emu.control("GET", "/clock")["now"]
    with running_emulator(EmulatorOptions(state_dir=tmp_path)) as first:
        first_secret = first.control_secret
    with running_emulator(EmulatorOptions(state_dir=tmp_path)) as second:
        assert second.control_secret not in (first_secret, given)
        assert (tmp_path / CONTROL_SECRET_FILE).read_text().strip() == second.control_secret


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("GET", LIST, {"auth": True}),
        ("POST", TOKEN_PATH, {"form": True}),
        ("GET", "/_emulator/clock", {"secret": True}),
        ("GET", "/metadata/endpoints?api-version=2022-09-01", {}),
    ],
)
def test_a_host_header_of_another_name_is_refused(emu, method, path, extra):
    """DNS rebinding: a page whose own name now resolves to 127.0.0.1 sends its own name."""
    headers = {"Host": host_of(emu, "rebind.attacker.example")}
    if extra.get("auth"):
        headers["Authorization"] = f"Bearer {mint(emu)}"
    if extra.get("secret"):
        headers[CONTROL_SECRET_HEADER] = emu.control_secret
    data = None
    if extra.get("form"):
        data = {
            "grant_type": "client_credentials",
            "client_id": GF_APP,
            "client_secret": SECRET,
            "scope": f"{emu.endpoint}/.default",
        }
    response = send(emu, method, path, headers=headers, data=data)
    assert response.status_code == 421, response.text
    error = response.json()["error"]
    assert error["code"] == "MisdirectedRequest" and "rebind.attacker.example" in error["message"]


def test_the_loopback_names_of_the_emulator_are_accepted(emu):
    for name in ("127.0.0.1", "localhost", "LOCALHOST", "[::1]"):
        host = host_of(emu, name)
        token = mint(emu, audience=f"https://{host.lower()}")  # ARM's audience follows the host
        headers = {"Host": host, "Authorization": f"Bearer {token}"}
        assert send(emu, "GET", LIST, headers=headers).status_code == 200, name
    wrong_port = {"Host": "127.0.0.1:1", "Authorization": f"Bearer {mint(emu)}"}
    assert send(emu, "GET", LIST, headers=wrong_port).status_code == 421


@pytest.mark.parametrize("origin", ["https://attacker.example", "null", "http://127.0.0.1"])
def test_a_request_from_another_sites_page_is_refused(emu, origin):
    token = {"Authorization": f"Bearer {mint(emu)}"}
    arm = send(emu, "GET", LIST, headers={**token, "Origin": origin})
    assert arm.status_code == 403
    assert arm.json()["error"]["code"] == "CrossOriginRequestRefused"
    secret = {CONTROL_SECRET_HEADER: emu.control_secret}
    control = send(emu, "POST", "/_emulator/reset", headers={**secret, "Origin": origin})
    assert control.status_code == 403
    assert emu.control("GET", "")["tenants"] > 0  # the reset did not happen


def test_a_browser_request_for_another_site_is_refused_even_without_origin(emu):
    headers = {"Authorization": f"Bearer {mint(emu)}", "Sec-Fetch-Site": "cross-site"}
    response = send(emu, "GET", LIST, headers=headers)
    assert response.status_code == 403


def test_the_emulators_own_origin_is_accepted(emu):
    headers = {"Authorization": f"Bearer {mint(emu)}", "Origin": emu.endpoint}
    assert send(emu, "GET", LIST, headers=headers).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "emulator.example"])
def test_a_non_loopback_address_is_refused_unless_allowed(host):
    assert not is_loopback(host)
    with pytest.raises(ValueError, match="--allow-remote"):
        check_options(EmulatorOptions(host=host))
    with (
        pytest.raises(ValueError, match="loopback only"),
        running_emulator(EmulatorOptions(host=host)),
    ):
        pass
    check_options(EmulatorOptions(host=host, allow_remote=True))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_addresses_need_no_permission(host):
    check_options(EmulatorOptions(host=host))


def test_a_short_control_secret_is_refused():
    with pytest.raises(ValueError, match="control secret"):
        check_options(EmulatorOptions(control_secret="short"))
