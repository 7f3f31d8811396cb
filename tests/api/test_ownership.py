"""Ownership (rule 1 of docs/safety.md): everything goldfleet makes carries its owner, the Azure
layer refuses to change or delete what the caller does not own - whatever the caller, before
anything is sent - plan reports such a resource as a conflict, and adopting it is an explicit,
audited command. Against the emulator, through the real SDK and the CLI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from goldfleet.azure import compute
from goldfleet.azure.clients import ClientFactory
from goldfleet.azure.cloud import emulator_cloud
from goldfleet.azure.credentials import client_secret
from goldfleet.azure.ownership import acting_as
from goldfleet.azure.session_hosts import PoolClient
from goldfleet.domain.errors import NotOwnedError
from goldfleet.domain.ownership import Owner, OwnerKind
from tests.api.estate import (
    APP,
    CONFIG,
    PROVIDER,
    PROVIDER_SUB,
    SECRET,
    applied_estate,
    environment,
    provider_credential,
    runner,
)
from tests.conftest import sdk_kwargs

GROUP = "rg-goldfleet-validation"
POOL_ID = (
    f"/subscriptions/{PROVIDER_SUB}/resourceGroups/{GROUP}/providers/"
    "Microsoft.DesktopVirtualization/hostPools/hp-validation"
)
POOL = Owner("goldfleet", OwnerKind.POOL, "northwind-validation")


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    with applied_estate(
        tmp_path_factory.mktemp("estate"), tmp_path_factory.mktemp("applied")
    ) as emu:
        emu.applied = emu.control("GET", "/state")
        yield emu


@pytest.fixture
def goldfleet(estate, tmp_path):
    run = runner(environment(estate, tmp_path / "state"))
    yield run
    estate.control("PUT", "/state", estate.applied)


def writes(estate: Any, fragment: str) -> list[dict[str, Any]]:
    return [
        e
        for e in estate.control("GET", "/requests")["value"]
        if e["method"] in ("PUT", "PATCH", "DELETE", "POST") and fragment in e["path"].lower()
    ]


def human_vm(estate: Any, name: str, tags: dict[str, str] | None = None) -> None:
    """A VM someone made by hand in the pool's group (no goldfleet tag)."""
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient

    credential = provider_credential(estate)
    network = NetworkManagementClient(credential, PROVIDER_SUB, **sdk_kwargs(estate))
    subnet = (
        f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-build/providers/"
        "Microsoft.Network/virtualNetworks/vnet-goldfleet-build/subnets/snet-validation"
    )
    nic = network.network_interfaces.begin_create_or_update(
        GROUP,
        f"{name}-nic",
        {
            "location": "uksouth",
            "properties": {
                "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": subnet}}}]
            },
        },
    ).result()
    vms = ComputeManagementClient(credential, PROVIDER_SUB, **sdk_kwargs(estate))
    vms.virtual_machines.begin_create_or_update(
        GROUP,
        name,
        {
            "location": "uksouth",
            "tags": tags or {"owner": "helpdesk"},
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_D4as_v5"},
                "storageProfile": {
                    "imageReference": {
                        "publisher": "MicrosoftWindowsDesktop",
                        "offer": "office-365",
                        "sku": "win11-24h2-avd-m365",
                        "version": "latest",
                    }
                },
                "osProfile": {
                    "computerName": name,
                    "adminUsername": "helpdesk",
                    "adminPassword": "Helpdesk-Passw0rd!",
                },
                "networkProfile": {"networkInterfaces": [{"id": nic.id}]},
            },
        },
    ).result()


def call(estate: Any, owner: Owner | None, work: Any) -> None:
    """Run ``work(factory, ref)`` acting for ``owner`` (None: no owner declared)."""

    async def go() -> None:
        factory = ClientFactory(emulator_cloud(estate.endpoint, estate.ca_path))
        try:
            await work(factory, client_secret(APP, "GOLDFLEET_OWNERSHIP_TEST_SECRET"))
        finally:
            await factory.close()

    if owner is None:
        asyncio.run(go())
    else:
        with acting_as(owner):
            asyncio.run(go())


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("GOLDFLEET_OWNERSHIP_TEST_SECRET", SECRET)


def test_what_goldfleet_made_carries_its_owner(estate):
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.desktopvirtualization import DesktopVirtualizationMgmtClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    credential = provider_credential(estate)
    gallery = ComputeManagementClient(credential, PROVIDER_SUB, **sdk_kwargs(estate)).galleries.get(
        "rg-goldfleet-images", "gal_northwind_staging"
    )
    assert gallery.tags["goldfleet-owner"] == "goldfleet/gallery/staging"
    pool = DesktopVirtualizationMgmtClient(
        credential, PROVIDER_SUB, **sdk_kwargs(estate)
    ).host_pools.get(GROUP, "hp-validation")
    assert pool.tags["goldfleet-owner"] == "goldfleet/pool/northwind-validation"
    groups = ResourceManagementClient(credential, PROVIDER_SUB, **sdk_kwargs(estate))
    made = groups.resource_groups.get("rg-goldfleet-dr")
    assert made.tags["goldfleet-owner"] == "goldfleet/tenant/northwind"
    theirs = groups.resource_groups.get("rg-goldfleet-images")  # the estate's own: left alone
    assert "goldfleet-owner" not in (theirs.tags or {})


def test_a_vm_goldfleet_did_not_make_is_never_changed_whoever_asks(estate, goldfleet):
    human_vm(estate, "nw-val-0")
    estate.control("DELETE", "/requests")
    attempts = [
        lambda f, r: compute.delete_vm(f, PROVIDER, PROVIDER_SUB, r, GROUP, "nw-val-0"),
        lambda f, r: compute.deallocate(f, PROVIDER, PROVIDER_SUB, r, GROUP, "nw-val-0"),
        lambda f, r: compute.tag_vm(
            f, PROVIDER, PROVIDER_SUB, r, GROUP, "nw-val-0", {"goldfleet-retired-at": "now"}
        ),
        lambda f, r: compute.run_command(
            f, PROVIDER, PROVIDER_SUB, r, GROUP, "nw-val-0", "gf-x", "Write-Output x"
        ),
    ]
    for owner in (POOL, Owner("other", OwnerKind.POOL, "northwind-validation"), None):
        for attempt in attempts:
            with pytest.raises(NotOwnedError) as refused:
                call(estate, owner, attempt)
            assert "nw-val-0" in refused.value.resource
            if owner is None:  # a path that forgot to say whom it acts for: goldfleet's bug
                assert "no owner was declared" in str(refused.value)
            else:
                assert "goldfleet does not own it" in str(refused.value)
                assert refused.value.hint and "goldfleet adopt" in refused.value.hint
    assert writes(estate, "/virtualmachines/nw-val-0") == []  # nothing was sent


def test_another_pools_vm_and_hosts_are_refused_to_this_pool(estate):
    human_vm(estate, "nw-val-7", {"goldfleet-owner": "goldfleet/pool/contoso-pooled"})
    estate.control("DELETE", "/requests")
    with pytest.raises(NotOwnedError, match="it belongs to goldfleet/pool/contoso-pooled"):
        call(
            estate,
            POOL,
            lambda f, r: compute.delete_vm(f, PROVIDER, PROVIDER_SUB, r, GROUP, "nw-val-7"),
        )
    # a session host is a child of its pool: only the pool's owner may unregister it
    contoso = Owner("goldfleet", OwnerKind.POOL, "contoso-pooled")
    with pytest.raises(NotOwnedError, match="hostPools/hp-validation"):
        call(
            estate,
            contoso,
            lambda f, r: PoolClient(f, PROVIDER, PROVIDER_SUB, r, POOL_ID).remove("nw-val-7"),
        )
    assert writes(estate, "nw-val-7") == []
    # the owner itself is let through (the session host does not exist: already gone)
    call(estate, POOL, lambda f, r: PoolClient(f, PROVIDER, PROVIDER_SUB, r, POOL_ID).remove("x"))


def test_plan_reports_a_conflict_and_adopting_resolves_it_with_an_audit_entry(
    estate, goldfleet, tmp_path
):
    from azure.mgmt.desktopvirtualization import DesktopVirtualizationMgmtClient

    pools = DesktopVirtualizationMgmtClient(
        provider_credential(estate), PROVIDER_SUB, **sdk_kwargs(estate)
    )
    current = pools.host_pools.get(GROUP, "hp-validation")
    current.tags = {"owner": "someone"}  # the owner tag wiped: goldfleet no longer owns it
    pools.host_pools.create_or_update(GROUP, "hp-validation", current)

    planned = goldfleet("plan", "-c", str(CONFIG), "-o", "json", check=False)
    assert planned.returncode == 1
    problems = json.loads(planned.stdout)["problems"]
    assert len(problems) == 1 and problems[0].startswith("conflict: hostPool " + POOL_ID)
    assert "--as pool/northwind-validation" in problems[0]
    refused = goldfleet("apply", "-c", str(CONFIG), "--yes", check=False)
    assert refused.returncode != 0 and "conflict" in refused.stderr

    no_reason = goldfleet(
        "adopt",
        POOL_ID,
        "-c",
        str(CONFIG),
        "--as",
        "pool/northwind-validation",
        "--reason",
        " ",
        check=False,
    )
    assert no_reason.returncode == 2 and "needs a reason" in no_reason.stderr
    adopted = json.loads(
        goldfleet(
            "adopt",
            POOL_ID,
            "-c",
            str(CONFIG),
            "--as",
            "pool/northwind-validation",
            "--reason",
            "re-tagged by the portal",
            "-o",
            "json",
        ).stdout
    )
    assert adopted == {
        "resource": POOL_ID,
        "owner": "goldfleet/pool/northwind-validation",
        "previous": None,
        "adopted": True,
    }
    assert json.loads(goldfleet("plan", "-c", str(CONFIG), "-o", "json").stdout)["problems"] == []
    trail = json.loads(goldfleet("audit", "list", "-o", "json").stdout)
    entry = next(e for e in trail if e["action"] == "resource.adopted")
    assert entry["subject"] == POOL_ID
    assert entry["details"]["reason"] == "re-tagged by the portal"
    # someone else's is taken only when asked
    other = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-dr"
    moved = goldfleet(
        "adopt", other, "-c", str(CONFIG), "--as", "tenant/contoso", "--reason", "x", check=False
    )
    assert moved.returncode == 2 and "belongs to goldfleet/tenant/northwind" in moved.stderr
    assert "--take-over" in moved.stderr and "Traceback" not in moved.stderr


def test_a_host_registered_in_the_pool_from_someone_elses_vm_is_left_alone(estate, goldfleet):
    """A session host of the pool whose VM exists but is not the pool's is someone else's
    machine: a rollout reports it and leaves it registered; only a host whose VM is gone is a
    ghost it removes."""
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.desktopvirtualization import DesktopVirtualizationMgmtClient

    from goldfleet.azure.host_machines import agent_extension
    from goldfleet.lifecycle import rollout_steps
    from goldfleet.lifecycle.context import ApplyContext

    human_vm(estate, "nw-val-8")
    ref = client_secret(APP, "GOLDFLEET_OWNERSHIP_TEST_SECRET")
    token: list[str] = []

    async def issue(factory, r):
        from datetime import UTC, datetime

        token.append(
            await PoolClient(factory, PROVIDER, PROVIDER_SUB, r, POOL_ID).registration_token(
                datetime.now(UTC)
            )
        )

    call(estate, POOL, issue)
    name, extension = agent_extension("hp-validation", token[0], entra=True)
    credential = provider_credential(estate)
    vms = ComputeManagementClient(credential, PROVIDER_SUB, **sdk_kwargs(estate))
    vms.virtual_machine_extensions.begin_create_or_update(  # as a person would, without goldfleet
        GROUP, "nw-val-8", name, {"location": "uksouth", "properties": extension}
    ).result()
    pools = DesktopVirtualizationMgmtClient(credential, PROVIDER_SUB, **sdk_kwargs(estate))
    registered = [h.name for h in pools.session_hosts.list(GROUP, "hp-validation")]
    assert any("nw-val-8" in n for n in registered), registered

    context = ApplyContext.build(
        emulator_cloud(estate.endpoint, estate.ca_path), {PROVIDER: ref}, "test"
    ).to_json()
    spec = {
        "tenantId": PROVIDER,
        "subscriptionId": PROVIDER_SUB,
        "poolId": POOL_ID,
        "resourceGroup": GROUP,
    }
    seen = asyncio.run(rollout_steps.observe(context, spec))
    assert [n for n in seen["foreign"] if "nw-val-8" in n] and seen["ghosts"] == []
    vms.virtual_machines.begin_delete(GROUP, "nw-val-8").result()  # now its VM is gone
    seen = asyncio.run(rollout_steps.observe(context, spec))
    assert [n for n in seen["ghosts"] if "nw-val-8" in n] and seen["foreign"] == []
