"""Helpers for the AVD tests: a real DesktopVirtualizationMgmtClient against the session
emulator, ready-made host pools, and the control hooks that register session hosts and start
user sessions (what the agent and the users will do later)."""

from __future__ import annotations

import urllib.error
from datetime import datetime, timedelta
from typing import Any

from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, sdk_kwargs, secret_credential

RG = "rg-images"
RG_ID = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{RG}"
DV = f"{RG_ID}/providers/Microsoft.DesktopVirtualization"
VMS = f"{RG_ID}/providers/Microsoft.Compute/virtualMachines"
START = datetime.fromisoformat("2026-11-23T08:00:00+00:00")  # the test world's clock


def avd_client(emu: Any, **extra: Any) -> Any:
    from azure.mgmt.desktopvirtualization import DesktopVirtualizationMgmtClient

    return DesktopVirtualizationMgmtClient(
        secret_credential(emu, GF_APP, PROVIDER), PROVIDER_SUB, **sdk_kwargs(emu, **extra)
    )


def advance(emu: Any, seconds: float) -> None:
    emu.control("PUT", "/clock", {"advanceSeconds": seconds})


def expiry(emu: Any, hours: float) -> str:
    """An expirationTime ``hours`` from the emulator's current simulated time."""
    now = datetime.fromisoformat(emu.control("GET", "/clock")["now"].replace("Z", "+00:00"))
    return (now + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def pool_body(
    pool_type: str = "Pooled", balancer: str = "BreadthFirst", **properties: Any
) -> dict[str, Any]:
    return {
        "location": "westeurope",
        "properties": {
            "hostPoolType": pool_type,
            "loadBalancerType": balancer,
            "preferredAppGroupType": "Desktop",
            **properties,
        },
    }


def make_pool(client: Any, name: str = "hp1", **kwargs: Any) -> Any:
    return client.host_pools.create_or_update(RG, name, pool_body(**kwargs))


def pool_id(name: str = "hp1") -> str:
    return f"{DV}/hostPools/{name}"


def host_id(pool: str, fqdn: str) -> str:
    return f"{pool_id(pool)}/sessionHosts/{fqdn}"


def control(emu: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """A control call that may fail: (status, body)."""
    try:
        return 200, emu.control(method, path, body)
    except urllib.error.HTTPError as exc:
        import json

        return exc.code, json.loads(exc.read() or b"{}")


def register_host(
    emu: Any, pool: str = "hp1", fqdn: str = "avd-0.contoso.local", **extra: Any
) -> dict[str, Any]:
    vm = f"{VMS}/{fqdn.split('.', maxsplit=1)[0]}"
    body = {"hostPoolId": pool_id(pool), "fqdn": fqdn, "vmResourceId": vm, **extra}
    return dict(emu.control("POST", "/desktopvirtualization/sessionHosts", body))


def start_session(emu: Any, pool: str, fqdn: str, upn: str) -> dict[str, Any]:
    body = {"sessionHostId": host_id(pool, fqdn), "userPrincipalName": upn}
    return dict(emu.control("POST", "/desktopvirtualization/userSessions", body))


def records(emu: Any) -> dict[str, Any]:
    return dict(emu.control("GET", "/desktopvirtualization/records"))


def error_of(excinfo: Any) -> dict[str, Any]:
    return dict(excinfo.value.response.json()["error"])
