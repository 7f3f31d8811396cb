"""The example MSP configuration (examples/goldfleet) loads, matches the emulator's estate, and
answers the questions the planner asks of a ``Configuration``."""

from __future__ import annotations

import os
from datetime import time, timedelta

import pytest

from goldfleet.config import load_configuration, load_configuration_text
from goldfleet.domain.configuration import Configuration
from goldfleet.domain.images import MasterVmSource, MonthlyWeekdaySchedule
from goldfleet.domain.tenancy import CredentialKind, TenantRole, WindowKind
from goldfleet.emulator import load_scenario
from tests.config.support import EXAMPLES, REPO

APP_ID = "0e6a3f4b-9c2d-4e1a-8b7f-3d5c6a9e1b10"


@pytest.fixture(scope="module")
def configuration() -> Configuration:
    return load_configuration(EXAMPLES).configuration


def test_every_example_file_is_read():
    loaded = load_configuration(EXAMPLES)
    on_disk = sorted(os.fspath(p) for p in EXAMPLES.rglob("*.y*ml"))
    assert sorted(loaded.files) == on_disk
    assert [os.path.basename(f) for f in loaded.files] == [
        "images.yaml",
        "pools.yaml",
        "rollout.yaml",
        "tenants.yaml",
    ]
    assert loaded.documents == 30


def test_the_example_matches_the_emulator_estate(configuration):
    scenario, _ = load_scenario(REPO / "examples" / "emulator" / "msp-estate.yaml")
    for world_tenant in scenario.tenants:
        tenant = configuration.tenant_by_id(str(world_tenant.id))
        assert tenant.display_name == world_tenant.name
        for world_sub in world_tenant.subscriptions:
            _, sub = configuration.subscription(str(world_sub.id))
            assert sub.name == world_sub.name
            assert sub.regions == tuple(world_sub.regions)
            declared = {(g.name, g.location) for g in sub.resource_groups}
            assert {(g.name, g.location) for g in world_sub.resource_groups} <= declared
    assert str(scenario.applications[0].app_id) == APP_ID


def test_tenants_roles_time_zones_and_credentials(configuration):
    assert configuration.provider is not None
    assert configuration.provider.name == "northwind"
    assert [t.name for t in configuration.customers] == ["adatum", "contoso", "fabrikam"]
    zones = {t.name: t.time_zone for t in configuration.tenants}
    assert zones == {
        "northwind": "Europe/London",
        "contoso": "Australia/Sydney",
        "fabrikam": "America/New_York",
        "adatum": "Europe/Berlin",
    }
    for tenant in configuration.tenants:
        assert tenant.credential.kind is CredentialKind.CLIENT_SECRET
        assert tenant.credential.client_id == APP_ID
        assert tenant.credential.secret_env == "GOLDFLEET_CLIENT_SECRET"
    assert configuration.tenant("northwind").role is TenantRole.PROVIDER


def test_role_assignments_default_to_the_subscription_and_the_automation_app(configuration):
    _, sub = configuration.subscription("5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01")
    assert [(a.role, a.scope, a.principal) for a in sub.role_assignments] == [
        ("Contributor", "/subscriptions/5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01", f"app:{APP_ID}"),
        (
            "User Access Administrator",
            "/subscriptions/5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01",
            f"app:{APP_ID}",
        ),
    ]


def test_maintenance_windows_and_freezes(configuration):
    contoso = configuration.tenant("contoso")
    patch = contoso.windows[0]
    assert (patch.kind, patch.offset_days, patch.start, patch.duration) == (
        WindowKind.PATCH_TUESDAY,
        1,
        time(2, 0),
        timedelta(hours=4),
    )
    assert contoso.windows[1].days == ("Sat",)
    assert contoso.freezes[0].reason == "Christmas trading"


def test_rings_resolve_members_spec_ring_and_selectors(configuration):
    assert [(r.name, r.order, r.tenants) for r in configuration.rings] == [
        ("internal", 0, ("northwind",)),
        ("pilot", 1, ("contoso",)),
        ("broad", 2, ("adatum", "fabrikam")),
    ]
    assert configuration.tenant("fabrikam").ring == "broad"
    assert [t.name for t in configuration.tenants_in_ring("pilot")] == ["contoso"]


def test_images_galleries_and_pipelines(configuration):
    staging = configuration.gallery("staging")
    assert str(staging.resource_id) == (
        "/subscriptions/5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01/resourceGroups/rg-goldfleet-images"
        "/providers/Microsoft.Compute/galleries/gal_northwind_staging"
    )
    assert configuration.gallery("dr").subscription_id == "5a1b7c3d-0001-4e8f-9a0b-1c2d3e4f5a01"
    assert [d.name for d in configuration.definitions_in("production")] == [
        "win11-avd",
        "win11-avd-legal",
    ]
    monthly = configuration.pipeline("win11-avd-monthly")
    assert isinstance(monthly.schedule, MonthlyWeekdaySchedule)
    assert (monthly.schedule.week, monthly.schedule.weekday.value) == (2, "Tue")
    assert [c.name for c in monthly.customizations][:3] == [
        "installLanguagePacks",
        "setDefaultLanguage",
        "timeZoneRedirection",
    ]
    target = monthly.distribution.targets[1]
    assert [(r.region, r.replicas) for r in target.regions][3] == ("australiaeast", 2)
    assert target.exclude_from_latest
    capture = configuration.pipeline("win11-legal-capture")
    assert capture.captures and isinstance(capture.source, MasterVmSource)
    assert capture.schedule is None


def test_host_pools(configuration):
    fabrikam = configuration.host_pool("fabrikam-pooled")
    assert fabrikam.dr_region == "westus2"
    assert fabrikam.session_hosts.join.secret_env == "FABRIKAM_DOMAIN_JOIN_PASSWORD"
    assert configuration.host_pool("northwind-validation").validation
    assert [h.name for h in configuration.host_pools_of("adatum")] == ["adatum-personal"]
    policy = configuration.rollout_policy(fabrikam.rollout_policy)
    assert (policy.max_surge, policy.canary.bake_time) == (2, timedelta(minutes=30))


def test_lookups_of_names_that_do_not_exist_raise_key_error(configuration):
    with pytest.raises(KeyError):
        configuration.tenant("nobody")
    with pytest.raises(KeyError):
        configuration.tenant_by_id("00000000-0000-0000-0000-000000000000")


def test_the_example_in_the_reference_page_is_valid():
    text = (REPO / "docs" / "config.md").read_text()
    example = text.split("## Example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    ring = "---\napiVersion: goldfleet/v1\nkind: Ring\nmetadata: {name: pilot}\nspec: {order: 1, bakeTime: 5d}\n"
    configuration = load_configuration_text(example + ring)
    assert configuration.tenant("contoso").ring == "pilot"


def test_the_config_public_api_is_pinned():
    import goldfleet.config

    assert sorted(goldfleet.config.__all__) == [
        "ConfigurationError",
        "LoadedConfiguration",
        "Problem",
        "json_schema",
        "load_configuration",
        "load_configuration_text",
    ]
