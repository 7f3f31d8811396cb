"""Virtual networks and subnets through the real azure-mgmt-network client: long-running writes
with Azure-AsyncOperation, subnets as child resources and inline in the vnet, address rules."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.conftest import PROVIDER_SUB, mint, raw
from tests.emulator.network.support import (
    RG,
    advance,
    error_of,
    make_nic,
    make_vnet,
    network_client,
    subnet_ref,
    vnet_body,
)


def test_vnet_create_is_a_long_running_operation_that_succeeds(emu: Any) -> None:
    seen: list[Any] = []
    client = network_client(emu, seen=seen, advance_on_accept=None)
    poller = client.virtual_networks.begin_create_or_update(
        RG, "vnet-lro", vnet_body(subnets={"default": "10.10.1.0/24"})
    )
    first = seen[0]
    assert first.status_code == 201
    assert (
        "/providers/Microsoft.Network/locations/westeurope/operations/"
        in first.headers["Azure-AsyncOperation"]
    )
    assert first.headers["Retry-After"] == "10"  # simulated seconds
    assert first.json()["properties"]["provisioningState"] == "Updating"
    advance(emu, 5)
    vnet = poller.result()
    assert vnet.provisioning_state == "Succeeded"
    assert vnet.address_space.address_prefixes == ["10.10.0.0/16"]
    assert [s.name for s in vnet.subnets] == ["default"]
    assert vnet.subnets[0].address_prefix == "10.10.1.0/24"
    assert vnet.id.endswith(
        f"/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet-lro"
    )


def test_vnets_list_in_group_and_subscription(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-a")
    make_vnet(client, "vnet-b", space=["10.20.0.0/16"])
    assert sorted(v.name for v in client.virtual_networks.list(RG)) == ["vnet-a", "vnet-b"]
    assert sorted(v.name for v in client.virtual_networks.list_all()) == ["vnet-a", "vnet-b"]


def test_subnet_child_resource_and_vnet_body_stay_consistent(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-c", subnets={"one": "10.10.1.0/24"})
    created = client.subnets.begin_create_or_update(
        RG, "vnet-c", "two", {"properties": {"addressPrefix": "10.10.2.0/24"}}
    ).result()
    assert created.provisioning_state == "Succeeded"
    vnet = client.virtual_networks.get(RG, "vnet-c")
    assert sorted(s.name for s in vnet.subnets) == ["one", "two"]
    assert sorted(s.name for s in client.subnets.list(RG, "vnet-c")) == ["one", "two"]
    client.subnets.begin_delete(RG, "vnet-c", "one").result()
    assert [s.name for s in client.virtual_networks.get(RG, "vnet-c").subnets] == ["two"]
    with pytest.raises(ResourceNotFoundError):
        client.subnets.get(RG, "vnet-c", "one")


def test_vnet_put_replaces_the_whole_subnet_set(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-d", subnets={"keep": "10.10.1.0/24", "drop": "10.10.2.0/24"})
    make_vnet(client, "vnet-d", subnets={"keep": "10.10.1.0/24"})
    assert [s.name for s in client.subnets.list(RG, "vnet-d")] == ["keep"]


def test_vnet_put_that_drops_a_used_subnet_is_refused(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-e", subnets={"hosts": "10.10.1.0/24"})
    make_nic(client, "nic-e", subnet_ref("vnet-e", "hosts"))
    with pytest.raises(HttpResponseError) as excinfo:
        make_vnet(client, "vnet-e", subnets={})
    error = error_of(excinfo)
    assert error["code"] == "InUseSubnetCannotBeDeleted"
    assert error["message"].startswith("Subnet hosts is in use by /subscriptions/") and error[
        "message"
    ].endswith(
        "and cannot be deleted. In order to delete the subnet, delete all the resources "
        "within the subnet. See aka.ms/deletesubnet."
    )


def test_subnet_outside_the_address_space_is_refused(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-f")
    with pytest.raises(HttpResponseError) as excinfo:
        client.subnets.begin_create_or_update(
            RG, "vnet-f", "far", {"properties": {"addressPrefix": "192.168.0.0/24"}}
        ).result()
    assert error_of(excinfo)["code"] == "NetcfgSubnetRangeOutsideVnet"


def test_overlapping_subnets_are_refused(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-g", subnets={"a": "10.10.0.0/24"})
    with pytest.raises(HttpResponseError) as excinfo:
        client.subnets.begin_create_or_update(
            RG, "vnet-g", "b", {"properties": {"addressPrefix": "10.10.0.128/25"}}
        ).result()
    error = error_of(excinfo)
    assert error["code"] == "NetcfgSubnetRangesOverlap"
    assert "'b'" in error["message"] and "'vnet-g'" in error["message"]


def test_prefix_with_host_bits_is_invalid_cidr(emu: Any) -> None:
    client = network_client(emu)
    with pytest.raises(HttpResponseError) as excinfo:
        make_vnet(client, "vnet-h", space=["10.10.0.1/16"])
    assert error_of(excinfo)["code"] == "InvalidCIDRNotation"


def test_subnet_smaller_than_a_slash_29_is_refused(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-i")
    with pytest.raises(HttpResponseError) as excinfo:
        client.subnets.begin_create_or_update(
            RG, "vnet-i", "tiny", {"properties": {"addressPrefix": "10.10.0.0/30"}}
        ).result()
    assert error_of(excinfo)["code"] == "NetcfgInvalidSubnet"


def test_deleting_a_vnet_whose_subnet_is_used_is_refused_then_works(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-j", subnets={"hosts": "10.10.1.0/24"})
    make_nic(client, "nic-j", subnet_ref("vnet-j", "hosts"))
    with pytest.raises(HttpResponseError) as excinfo:
        client.virtual_networks.begin_delete(RG, "vnet-j").result()
    assert error_of(excinfo)["code"] == "InUseSubnetCannotBeDeleted"
    client.network_interfaces.begin_delete(RG, "nic-j").result()
    client.virtual_networks.begin_delete(RG, "vnet-j").result()
    with pytest.raises(ResourceNotFoundError):
        client.virtual_networks.get(RG, "vnet-j")
    assert client.subnets.list(RG, "vnet-j") is not None  # lazily paged; reading it 404s
    with pytest.raises(ResourceNotFoundError):
        list(client.subnets.list(RG, "vnet-j"))


def test_vnet_in_a_region_the_subscription_lacks_is_refused(emu: Any) -> None:
    client = network_client(emu)
    with pytest.raises(HttpResponseError) as excinfo:
        make_vnet(client, "vnet-k", location="australiaeast")
    assert error_of(excinfo)["code"] == "LocationNotAvailableForResourceType"


def test_network_security_groups_are_not_implemented(emu: Any) -> None:
    token = mint(emu)
    path = (
        f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{RG}/providers/Microsoft.Network/"
        "networkSecurityGroups/nsg?api-version=2026-03-01"
    )
    response = raw(emu, "PUT", path, token=token, body={"location": "westeurope"})
    assert response.status_code == 501
    assert response.json()["error"]["code"] == "NotImplemented"


def test_vnets_survive_snapshot_and_restore(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-s", subnets={"hosts": "10.10.1.0/29"})
    nic = make_nic(client, "nic-s", subnet_ref("vnet-s", "hosts"))
    state = emu.control("GET", "/state")
    emu.control("PUT", "/state", state)
    subnet = client.subnets.get(RG, "vnet-s", "hosts")
    assert [c.id for c in subnet.ip_configurations] == [nic.ip_configurations[0].id]
    second = make_nic(client, "nic-s2", subnet_ref("vnet-s", "hosts"))
    assert second.ip_configurations[0].private_ip_address == "10.10.1.5"
