"""Helpers for the network tests: real NetworkManagementClients against the session emulator
(moving the frozen clock when an operation is accepted), and ready-made vnets and NICs."""

from __future__ import annotations

from typing import Any

from tests.conftest import GF_APP, PROVIDER, PROVIDER_SUB, sdk_kwargs, secret_credential

RG = "rg-images"  # westeurope
RG_ID = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{RG}"
NETWORK = f"{RG_ID}/providers/Microsoft.Network"


def advance(emu: Any, seconds: float) -> dict[str, Any]:
    return emu.control("PUT", "/clock", {"advanceSeconds": seconds})


def network_client(
    emu: Any,
    *,
    app_id: str = GF_APP,
    tenant: str = PROVIDER,
    subscription: str = PROVIDER_SUB,
    advance_on_accept: float | None = 5,
    seen: list[Any] | None = None,
) -> Any:
    """A real NetworkManagementClient. With ``advance_on_accept``, the clock moves that many
    simulated seconds whenever a write is accepted, so pollers finish at once; ``seen``
    collects every raw response."""
    from azure.mgmt.network import NetworkManagementClient

    def hook(response: Any) -> None:
        http = response.http_response
        if seen is not None:
            seen.append(http)
        if (
            advance_on_accept is not None
            and http.request.method != "GET"
            and "azure-asyncoperation" in http.headers
        ):
            advance(emu, advance_on_accept)

    return NetworkManagementClient(
        secret_credential(emu, app_id, tenant),
        subscription,
        **sdk_kwargs(emu, raw_response_hook=hook),
    )


def vnet_body(
    space: list[str] | None = None,
    subnets: dict[str, str] | None = None,
    location: str = "westeurope",
) -> dict[str, Any]:
    return {
        "location": location,
        "properties": {
            "addressSpace": {"addressPrefixes": space or ["10.10.0.0/16"]},
            "subnets": [
                {"name": name, "properties": {"addressPrefix": prefix}}
                for name, prefix in (subnets or {}).items()
            ],
        },
    }


def make_vnet(client: Any, name: str = "vnet-build", **kwargs: Any) -> Any:
    return client.virtual_networks.begin_create_or_update(RG, name, vnet_body(**kwargs)).result()


def subnet_ref(vnet: str, subnet: str) -> str:
    return f"{NETWORK}/virtualNetworks/{vnet}/subnets/{subnet}"


def nic_body(subnet_id: str, location: str = "westeurope", **ip: Any) -> dict[str, Any]:
    return {
        "location": location,
        "properties": {
            "ipConfigurations": [
                {"name": "ipconfig1", "properties": {"subnet": {"id": subnet_id}, **ip}}
            ]
        },
    }


def make_nic(client: Any, name: str, subnet_id: str, **kwargs: Any) -> Any:
    return client.network_interfaces.begin_create_or_update(
        RG, name, nic_body(subnet_id, **kwargs)
    ).result()


def error_of(excinfo: Any) -> dict[str, Any]:
    """The ARM error body of an HttpResponseError."""
    response = excinfo.value.response
    body: dict[str, Any] = response.json()["error"]
    body["status"] = response.status_code
    return body
