"""Network interfaces through the real azure-mgmt-network client: dynamic private addresses
from the subnet (Azure's five reserved), SubnetIsFull, NicInUse, regions, static addresses."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from goldfleet.emulator.rp.network import backend
from tests.emulator.network.support import (
    RG,
    error_of,
    make_nic,
    make_vnet,
    network_client,
    nic_body,
    subnet_ref,
)


def _free_like_a_client(subnet: Any) -> int:
    """What goldfleet's preflight computes: prefix size minus Azure's five minus ip configs."""
    size = ipaddress.ip_network(subnet.address_prefix).num_addresses
    return size - 5 - len(subnet.ip_configurations or [])


def test_dynamic_addresses_skip_the_reserved_ones_and_a_full_subnet_refuses(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-n", subnets={"small": "10.10.0.0/29"})
    sid = subnet_ref("vnet-n", "small")
    got = [
        make_nic(client, f"nic-{i}", sid).ip_configurations[0].private_ip_address for i in range(3)
    ]
    assert got == ["10.10.0.4", "10.10.0.5", "10.10.0.6"]
    subnet = client.subnets.get(RG, "vnet-n", "small")
    assert len(subnet.ip_configurations) == 3
    assert _free_like_a_client(subnet) == 0
    with pytest.raises(HttpResponseError) as excinfo:
        make_nic(client, "nic-3", sid)
    error = error_of(excinfo)
    assert error["status"] == 400
    assert error["code"] == "SubnetIsFull"
    assert error["message"] == (
        f"Subnet {sid} with address prefix 10.10.0.0/29 does not have enough capacity for "
        "1 IP addresses."
    )
    with pytest.raises(ResourceNotFoundError):
        client.network_interfaces.get(RG, "nic-3")


def test_deleting_a_nic_frees_its_address_for_the_next(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-o", subnets={"small": "10.10.0.0/29"})
    sid = subnet_ref("vnet-o", "small")
    for i in range(3):
        make_nic(client, f"nic-o{i}", sid)
    client.network_interfaces.begin_delete(RG, "nic-o1").result()
    subnet = client.subnets.get(RG, "vnet-o", "small")
    assert _free_like_a_client(subnet) == 1
    assert make_nic(client, "nic-o3", sid).ip_configurations[0].private_ip_address == "10.10.0.5"


def test_nic_fields_a_client_reads(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-p", subnets={"hosts": "10.10.1.0/24"})
    nic = make_nic(client, "nic-p", subnet_ref("vnet-p", "hosts"))
    assert nic.provisioning_state == "Succeeded"
    config = nic.ip_configurations[0]
    assert config.private_ip_allocation_method == "Dynamic"
    assert config.primary is True
    assert config.subnet.id == subnet_ref("vnet-p", "hosts")
    assert nic.virtual_machine is None
    assert [n.name for n in client.network_interfaces.list(RG)] == ["nic-p"]
    assert [n.name for n in client.network_interfaces.list_all()] == ["nic-p"]
    subnet = client.subnets.get(RG, "vnet-p", "hosts")
    assert [c.id for c in subnet.ip_configurations] == [config.id]


def test_updating_a_nic_keeps_its_address(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-q", subnets={"hosts": "10.10.1.0/24"})
    sid = subnet_ref("vnet-q", "hosts")
    make_nic(client, "nic-q0", sid)
    first = make_nic(client, "nic-q1", sid)
    again = client.network_interfaces.begin_create_or_update(
        RG, "nic-q1", {**nic_body(sid), "tags": {"role": "build"}}
    ).result()
    assert again.tags == {"role": "build"}
    assert (
        again.ip_configurations[0].private_ip_address
        == first.ip_configurations[0].private_ip_address
        == "10.10.1.5"
    )
    assert len(client.subnets.get(RG, "vnet-q", "hosts").ip_configurations) == 2


def test_a_nic_used_by_a_vm_cannot_be_deleted(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-r", subnets={"hosts": "10.10.1.0/24"})
    nic = make_nic(client, "nic-r", subnet_ref("vnet-r", "hosts"))
    vm = nic.id.split("/providers/")[0] + "/providers/Microsoft.Compute/virtualMachines/vm-r"
    emu.call(backend.attach_nic, emu.world, nic.id, vm)
    assert client.network_interfaces.get(RG, "nic-r").virtual_machine.id == vm
    with pytest.raises(HttpResponseError) as excinfo:
        client.network_interfaces.begin_delete(RG, "nic-r").result()
    error = error_of(excinfo)
    assert error["code"] == "NicInUse"
    assert error["message"] == (
        f"Network Interface {nic.id} is used by existing resource {vm}. In order to delete the "
        "network interface, it must be dissociated from the resource. To learn more, see "
        "aka.ms/deletenic."
    )
    emu.call(backend.detach_nic, emu.world, nic.id)
    client.network_interfaces.begin_delete(RG, "nic-r").result()
    with pytest.raises(ResourceNotFoundError):
        client.network_interfaces.get(RG, "nic-r")


def test_attaching_a_nic_another_vm_uses_is_refused(emu: Any) -> None:
    from goldfleet.emulator.arm.errors import ArmError

    client = network_client(emu)
    make_vnet(client, "vnet-t", subnets={"hosts": "10.10.1.0/24"})
    nic = make_nic(client, "nic-t", subnet_ref("vnet-t", "hosts"))
    emu.call(backend.attach_nic, emu.world, nic.id, "/subscriptions/x/vm-1")
    emu.call(backend.attach_nic, emu.world, nic.id.upper(), "/subscriptions/x/VM-1")  # same VM
    with pytest.raises(ArmError) as excinfo:
        emu.call(backend.attach_nic, emu.world, nic.id, "/subscriptions/x/vm-2")
    assert excinfo.value.code == "NicInUse"


def test_nic_and_subnet_must_share_a_region(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-u", subnets={"hosts": "10.10.1.0/24"})
    with pytest.raises(HttpResponseError) as excinfo:
        make_nic(client, "nic-u", subnet_ref("vnet-u", "hosts"), location="northeurope")
    error = error_of(excinfo)
    assert error["code"] == "InvalidResourceReference"
    assert "both resources are in the same region" in error["message"]


def test_nic_on_a_missing_subnet_is_an_invalid_reference(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-v")
    with pytest.raises(HttpResponseError) as excinfo:
        make_nic(client, "nic-v", subnet_ref("vnet-v", "nope"))
    assert error_of(excinfo)["code"] == "InvalidResourceReference"


def test_static_addresses_must_be_usable_and_free(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-w", subnets={"hosts": "10.10.1.0/24"})
    sid = subnet_ref("vnet-w", "hosts")
    static = {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.10.1.10"}
    nic = make_nic(client, "nic-w1", sid, **static)
    assert nic.ip_configurations[0].private_ip_address == "10.10.1.10"
    assert nic.ip_configurations[0].private_ip_allocation_method == "Static"
    with pytest.raises(HttpResponseError) as excinfo:
        make_nic(client, "nic-w2", sid, **static)
    assert error_of(excinfo)["code"] == "PrivateIPAddressInUse"
    with pytest.raises(HttpResponseError) as excinfo:
        make_nic(
            client, "nic-w3", sid, privateIPAllocationMethod="Static", privateIPAddress="10.10.1.1"
        )
    assert error_of(excinfo)["code"] == "PrivateIPAddressNotInSubnet"


def test_free_addresses_counts_what_is_left(emu: Any) -> None:
    client = network_client(emu)
    make_vnet(client, "vnet-x", subnets={"hosts": "10.10.1.0/28"})
    sid = subnet_ref("vnet-x", "hosts")
    assert emu.call(backend.free_addresses, emu.world, sid) == 11
    make_nic(client, "nic-x", sid)
    assert emu.call(backend.free_addresses, emu.world, sid) == 10
    assert emu.call(backend.free_addresses, emu.world, sid + "-missing") is None


def test_deleting_the_resource_group_frees_addresses_of_its_nics(emu: Any) -> None:
    from tests.conftest import resource_client

    client = network_client(emu)
    make_vnet(client, "vnet-y", subnets={"hosts": "10.10.1.0/29"})
    rg = resource_client(emu)
    rg.resource_groups.create_or_update("rg-nics", {"location": "westeurope"})
    client.network_interfaces.begin_create_or_update(
        "rg-nics", "nic-y", nic_body(subnet_ref("vnet-y", "hosts"))
    ).result()
    assert len(client.subnets.get(RG, "vnet-y", "hosts").ip_configurations) == 1
    poller = rg.resource_groups.begin_delete("rg-nics")
    emu.control("PUT", "/clock", {"advanceSeconds": 60})
    poller.result()
    assert client.subnets.get(RG, "vnet-y", "hosts").ip_configurations is None
