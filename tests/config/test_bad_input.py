"""Bad configurations, one kind of mistake per test: each asserts the exact message, the file,
line and column, the document and the field, and that every problem is reported at once."""

from __future__ import annotations

from tests.config.support import BASE, problems, with_base

TENANT = """\
apiVersion: goldfleet/v1
kind: Tenant
metadata: {name: contoso}
spec:
  tenantId: 22222222-0000-4000-8000-000000000002
  displayName: Contoso
  role: customer
  credential: {type: clientSecret, clientId: 0a0a0a0a-0000-4000-8000-0000000000a1, secretEnv: GF_SECRET}
  timeZone: Australia/Sydney
"""


def tenant(extra: str = "", **replace: str) -> str:
    text = TENANT + extra
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


# --- YAML itself ------------------------------------------------------------------------------


def test_yaml_syntax_error(tmp_path):
    bad = "apiVersion: goldfleet/v1\nkind: Tenant\nmetadata: {name: x\nspec: {}\n"
    assert problems(tmp_path, {"t.yaml": bad}) == [
        "t.yaml:4:5: invalid YAML: did not find expected ',' or '}'"
    ]


def test_a_syntax_error_hides_undefined_references_the_unreadable_file_may_define(tmp_path):
    broken = "apiVersion: goldfleet/v1\nkind: Tenant\n  metadata: x\n"
    assert problems(
        tmp_path, {"a.yaml": broken, "b.yaml": BASE.replace("tenant: msp", "tenant: x")}
    ) == ["a.yaml:3:11: invalid YAML: mapping values are not allowed in this context"]


def test_duplicate_key_in_a_mapping(tmp_path):
    assert with_base(tmp_path, tenant("  timeZone: Europe/London\n")) == [
        "bad.yaml:10:3: duplicate key 'timeZone'; it is already set on line 9"
    ]


def test_empty_file(tmp_path):
    assert problems(tmp_path, {"empty.yaml": "# nothing here yet\n"}) == [
        "empty.yaml:1:1: empty file: expected at least one document"
        " (apiVersion: goldfleet/v1, kind, metadata, spec)"
    ]


def test_directory_without_yaml(tmp_path):
    (tmp_path / "notes.txt").write_text("not configuration")
    assert problems(tmp_path, {}) == [
        f"{tmp_path}: expected *.yaml or *.yml files in this directory"
    ]


def test_a_document_that_is_not_a_mapping(tmp_path):
    assert problems(tmp_path, {"list.yaml": "- apiVersion: goldfleet/v1\n- kind: Tenant\n"}) == [
        "list.yaml:1:1: expected a document (a mapping with apiVersion, kind, metadata and spec),"
        " got a list"
    ]


# --- document header --------------------------------------------------------------------------


def test_wrong_api_version(tmp_path):
    assert with_base(tmp_path, tenant(**{"goldfleet/v1": "goldfleet/v2"})) == [
        'bad.yaml:1:13: Tenant/contoso: apiVersion: expected "goldfleet/v1", got "goldfleet/v2"'
    ]


def test_unknown_kind(tmp_path):
    assert with_base(tmp_path, tenant(**{"kind: Tenant": "kind: Tenent"})) == [
        "bad.yaml:2:7: kind: expected one of Gallery, HostPool, ImageDefinition, ImagePipeline,"
        ' Ring, RolloutPolicy, Tenant, got "Tenent" (did you mean "Tenant"?)'
    ]


# --- types and keys ---------------------------------------------------------------------------


def test_wrong_type(tmp_path):
    bad = BASE.replace("count: 2", 'count: "two"')
    assert problems(tmp_path, {"base.yaml": bad}) == [
        'base.yaml:63:12: HostPool/pool: spec.sessionHosts.count: expected a whole number, got "two"'
    ]


def test_yes_is_not_a_boolean(tmp_path):
    assert with_base(tmp_path, tenant("  optOut: yes\n")) == [
        'bad.yaml:10:11: Tenant/contoso: spec.optOut: expected true or false, got "yes"'
    ]


def test_unknown_key_suggests_the_right_one(tmp_path):
    assert with_base(tmp_path, tenant("  timezone: UTC\n")) == [
        'bad.yaml:10:3: Tenant/contoso: spec.timezone: unknown key "timezone"'
        ' (did you mean "timeZone"?)'
    ]


def test_unknown_key_lists_the_keys_allowed_there(tmp_path):
    bad = tenant(**{"{type: clientSecret,": "{type: clientSecret, tenant: x,"})
    assert with_base(tmp_path, bad) == [
        'bad.yaml:8:36: Tenant/contoso: spec.credential.tenant: unknown key "tenant";'
        " expected one of: clientId, secretEnv, type"
    ]


def test_missing_required_field(tmp_path):
    assert with_base(tmp_path, tenant(**{"  timeZone: Australia/Sydney\n": ""})) == [
        "bad.yaml:5:3: Tenant/contoso: spec.timeZone: required field is missing"
    ]


def test_unknown_variant_of_a_union(tmp_path):
    assert with_base(tmp_path, tenant(**{"type: clientSecret": "type: password"})) == [
        'bad.yaml:8:22: Tenant/contoso: spec.credential.type: expected one of "clientSecret",'
        ' "certificate", "managedIdentity", "workloadIdentity", "azureCli", got "password"'
    ]


def test_tenant_id_must_be_a_guid(tmp_path):
    bad = tenant(**{"22222222-0000-4000-8000-000000000002": "contoso.onmicrosoft.com"})
    assert with_base(tmp_path, bad) == [
        "bad.yaml:5:13: Tenant/contoso: spec.tenantId: expected a GUID such as"
        ' 7f3c1a52-4d8e-4b1f-9a6c-2e5d8b0c1f01, got "contoso.onmicrosoft.com"'
    ]


def test_name_must_be_lowercase(tmp_path):
    bad = tenant(**{"{name: contoso}": "{name: Contoso Pharmacies}"})
    assert with_base(tmp_path, bad) == [
        "bad.yaml:3:18: Tenant/Contoso Pharmacies: metadata.name: expected a name of lowercase"
        " letters, digits and '-' (at most 63), got \"Contoso Pharmacies\""
    ]


# --- values -----------------------------------------------------------------------------------


def test_invalid_time_zone(tmp_path):
    bad = tenant(**{"Australia/Sydney": "AUS Eastern Standard Time"})
    assert with_base(tmp_path, bad) == [
        "bad.yaml:9:13: Tenant/contoso: spec.timeZone: expected an IANA time zone such as"
        ' "Europe/London", got "AUS Eastern Standard Time"'
    ]


WINDOW = "  maintenanceWindows:\n    - {{name: w, type: {type}, start: {start}, duration: {duration}{more}}}\n"


def window(
    type_: str = "daily", start: str = '"02:00"', duration: str = "4h", more: str = ""
) -> str:
    return tenant(WINDOW.format(type=type_, start=start, duration=duration, more=more))


def test_invalid_clock_time(tmp_path):
    assert with_base(tmp_path, window(start='"25:00"')) == [
        "bad.yaml:11:37: Tenant/contoso: spec.maintenanceWindows[0].start: expected HH:MM,"
        ' got "25:00"'
    ]


def test_unquoted_clock_time_is_read_as_text_not_a_number(tmp_path):
    from tests.config.support import load_files

    loaded = load_files(tmp_path, {"base.yaml": BASE, "t.yaml": window(start="02:00")})
    assert str(loaded.configuration.tenant("contoso").windows[0].start) == "02:00:00"


def test_invalid_duration(tmp_path):
    assert with_base(tmp_path, window(duration="4 hours")) == [
        "bad.yaml:11:56: Tenant/contoso: spec.maintenanceWindows[0].duration: expected a duration"
        ' such as 30m, 4h, 1h30m or 2d, got "4 hours"'
    ]


def test_invalid_cron(tmp_path):
    bad = tenant(
        '  maintenanceWindows:\n    - {name: w, type: cron, cron: "0 2 * * 8", duration: 4h}\n'
    )
    assert with_base(tmp_path, bad) == [
        "bad.yaml:11:35: Tenant/contoso: spec.maintenanceWindows[0].cron: expected a cron"
        " expression with five fields (minute hour day-of-month month day-of-week),"
        ' got "0 2 * * 8": day-of-week "8" is not valid (0-7 or SUN-SAT)'
    ]


def test_invalid_date(tmp_path):
    bad = tenant("  freezes:\n    - {start: 2026-02-30, end: 2026-03-01}\n")
    assert with_base(tmp_path, bad) == [
        "bad.yaml:11:15: Tenant/contoso: spec.freezes[0].start: expected a date YYYY-MM-DD,"
        ' got "2026-02-30"'
    ]


def test_freeze_that_ends_before_it_starts(tmp_path):
    bad = tenant("  freezes:\n    - {start: 2026-12-24, end: 2026-12-01}\n")
    assert with_base(tmp_path, bad) == [
        "bad.yaml:11:32: Tenant/contoso: spec.freezes[0].end: expected a date on or after the"
        ' start 2026-12-24, got "2026-12-01"'
    ]


def test_unknown_region(tmp_path):
    bad = BASE.replace("regions: [uksouth, westeurope]}", "regions: [uksouth, westeuropa]}")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:38:48: ImagePipeline/monthly: spec.distribution.targets[0].regions[1]:"
        ' expected an Azure region name, got "westeuropa" (did you mean "westeurope"?)'
    ]


# --- secrets ----------------------------------------------------------------------------------


def test_secret_written_inline_is_refused_without_repeating_it(tmp_path):
    bad = tenant(**{"secretEnv: GF_SECRET": "clientSecret: s3cr3t~Value.123"})
    found = with_base(tmp_path, bad)
    assert found == [
        "bad.yaml:8:15: Tenant/contoso: spec.credential.secretEnv: required field is missing",
        "bad.yaml:8:84: Tenant/contoso: spec.credential.clientSecret: a secret must not be"
        " written in the configuration: put it in an environment variable and name the"
        " variable with secretEnv (e.g. secretEnv: GOLDFLEET_CLIENT_SECRET)",
    ]
    assert not any("s3cr3t" in line for line in found)


def test_a_secret_in_secret_env_is_refused_without_repeating_it(tmp_path):
    bad = tenant(**{"secretEnv: GF_SECRET": "secretEnv: s3cr3t~Value.123"})
    assert with_base(tmp_path, bad) == [
        "bad.yaml:8:95: Tenant/contoso: spec.credential.secretEnv: expected the name of an"
        " environment variable such as GOLDFLEET_CLIENT_SECRET (letters, digits and _),"
        " not the secret itself"
    ]


def test_domain_join_password_written_inline(tmp_path):
    bad = BASE.replace(
        "join: {type: entra}",
        "join: {type: ad, domain: corp.example, username: svc-join, password: Hunter2!}",
    )
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:65:64: HostPool/pool: spec.sessionHosts.join.password: a secret must not be"
        " written in the configuration: put it in an environment variable and name the"
        " variable with secretEnv (e.g. secretEnv: GOLDFLEET_CLIENT_SECRET)"
    ]


# --- customizations ---------------------------------------------------------------------------

SCRIPT = "https://example.blob.core.windows.net/scripts/apps.ps1"
SHA = "3f5b9c1e7a2d4f6081b3c5e7d9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4"


def with_customizations(tmp_path, steps: str) -> list[str]:
    bad = BASE.replace("  distribution:\n", f"  customizations:\n{steps}  distribution:\n", 1)
    return problems(tmp_path, {"base.yaml": bad})


def test_script_without_checksum(tmp_path):
    assert with_customizations(tmp_path, f"    - script: {SCRIPT}\n") == [
        "base.yaml:37:7: ImagePipeline/monthly: spec.customizations[0].sha256: required field is"
        " missing: a script runs only with the SHA-256 of its content"
        " (sha256: <64 hexadecimal digits>)"
    ]


def test_bad_checksum_format(tmp_path):
    steps = f"    - script: {SCRIPT}\n      sha256: {SHA[:40]}\n"
    assert with_customizations(tmp_path, steps) == [
        "base.yaml:38:15: ImagePipeline/monthly: spec.customizations[0].sha256: expected a"
        f' SHA-256 checksum (64 hexadecimal digits), got "{SHA[:40]}"'
    ]


def test_script_uri_with_a_sas_token(tmp_path):
    steps = f"    - script: {SCRIPT}?sv=2024&sig=abcdef\n      sha256: {SHA}\n"
    assert with_customizations(tmp_path, steps) == [
        "base.yaml:37:15: ImagePipeline/monthly: spec.customizations[0].script: the URI carries"
        " a SAS token (sig=...): secrets must not be written in the configuration; give the"
        " build identity read access to the script instead"
    ]


def test_unknown_builtin_customization(tmp_path):
    assert with_customizations(tmp_path, "    - builtin: fslogics\n") == [
        "base.yaml:37:16: ImagePipeline/monthly: spec.customizations[0].builtin: unknown built-in"
        ' customization "fslogics" (did you mean "fslogix"?)'
    ]


def test_builtin_parameters_are_checked(tmp_path):
    steps = "    - builtin: installLanguagePacks\n      parameters: {language: en-GB}\n"
    assert with_customizations(tmp_path, steps) == [
        "base.yaml:38:19: ImagePipeline/monthly: spec.customizations[0].parameters.languages:"
        " required parameter of installLanguagePacks",
        "base.yaml:38:20: ImagePipeline/monthly: spec.customizations[0].parameters.language:"
        ' unknown parameter "language" of installLanguagePacks; expected: languages',
    ]


# --- rules inside a document ------------------------------------------------------------------


def test_trusted_launch_needs_generation_2(tmp_path):
    bad = BASE.replace("  gallery: staging\n", "  gallery: staging\n  hyperVGeneration: V1\n")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        'base.yaml:28:21: ImageDefinition/win11: spec.hyperVGeneration: expected "V2" for'
        ' securityType TrustedLaunch, got "V1"'
    ]


def test_ad_join_needs_an_account(tmp_path):
    bad = BASE.replace("join: {type: entra}", "join: {type: ad, domain: corp.example}")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:65:11: HostPool/pool: spec.sessionHosts.join.secretEnv: required for an AD join",
        "base.yaml:65:11: HostPool/pool: spec.sessionHosts.join.username: required for an AD join",
    ]


# --- references across documents --------------------------------------------------------------


def test_duplicate_names_across_files(tmp_path):
    assert with_base(tmp_path, tenant(**{"{name: contoso}": "{name: msp}"})) == [
        'bad.yaml:3:18: Tenant/msp: metadata.name: duplicate Tenant name "msp";'
        f" the first is at {tmp_path}/_base.yaml:3:18"
    ]


def test_duplicate_tenant_id(tmp_path):
    bad = tenant(**{"22222222-0000-4000-8000-000000000002": "11111111-0000-4000-8000-000000000001"})
    assert with_base(tmp_path, bad) == [
        "bad.yaml:5:13: Tenant/contoso: spec.tenantId: tenant id"
        " 11111111-0000-4000-8000-000000000001 is already Tenant/msp"
    ]


def test_second_provider_tenant(tmp_path):
    assert with_base(tmp_path, tenant(**{"role: customer": "role: provider"})) == [
        'bad.yaml:7:9: Tenant/contoso: spec.role: expected "customer": Tenant/msp is already the'
        " provider tenant"
    ]


def test_reference_to_undefined_tenant(tmp_path):
    bad = BASE.replace("spec: {role: staging, tenant: msp,", "spec: {role: staging, tenant: mps,")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        'base.yaml:21:31: Gallery/staging: spec.tenant: undefined Tenant "mps" (did you mean "msp"?)'
    ]


def test_reference_to_undefined_gallery(tmp_path):
    bad = BASE.replace("  gallery: staging\n", "  gallery: production\n")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        'base.yaml:27:12: ImageDefinition/win11: spec.gallery: undefined Gallery "production";'
        " defined: staging"
    ]


def test_reference_to_undefined_image_definition(tmp_path):
    bad = BASE.replace("    image: win11\n", "    image: win10\n")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:60:12: HostPool/pool: spec.sessionHosts.image: undefined ImageDefinition"
        ' "win10" (did you mean "win11"?)'
    ]


def test_reference_to_undefined_ring(tmp_path):
    assert with_base(tmp_path, tenant("  ring: pilot\n")) == [
        'bad.yaml:10:9: Tenant/contoso: spec.ring: undefined Ring "pilot"; defined: first'
    ]


def test_reference_to_undefined_rollout_policy(tmp_path):
    bad = BASE.replace("  rolloutPolicy: standard\n", "  rolloutPolicy: careful\n")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        'base.yaml:66:18: HostPool/pool: spec.rolloutPolicy: undefined RolloutPolicy "careful";'
        " defined: standard"
    ]


def test_subscription_of_another_tenant(tmp_path):
    bad = BASE.replace(
        "subscription: msp-images, resourceGroup: rg-images, location: uksouth, name",
        "subscription: contoso-prod, resourceGroup: rg-images, location: uksouth, name",
    )
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:21:50: Gallery/staging: spec.subscription: expected the id or name of a"
        ' subscription of Tenant/msp (msp-images), got "contoso-prod"'
    ]


def test_resource_group_not_declared(tmp_path):
    bad = BASE.replace("  resourceGroup: rg-hosts\n", "  resourceGroup: rg-avd\n")
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:56:18: HostPool/pool: spec.resourceGroup: expected a resource group declared in"
        ' subscription msp-images (rg-images, rg-hosts), got "rg-avd"; add it to Tenant/msp'
        " spec.subscriptions resourceGroups"
    ]


def test_host_pool_in_a_region_its_image_is_not_replicated_to(tmp_path):
    bad = BASE.replace("regions: [uksouth, westeurope]}", "regions: [uksouth]}").replace(
        "  location: uksouth\n  type: pooled", "  location: westeurope\n  type: pooled"
    )
    assert problems(tmp_path, {"base.yaml": bad}) == [
        "base.yaml:60:12: HostPool/pool: spec.sessionHosts.image: ImageDefinition/win11 is not"
        " replicated to westeurope; add westeurope to a distribution target of its ImagePipeline"
    ]


def test_tenant_in_two_rings(tmp_path):
    ring = (
        "apiVersion: goldfleet/v1\nkind: Ring\nmetadata: {name: second}\n"
        "spec: {order: 1, bakeTime: 1d, members: [msp]}\n"
    )
    assert with_base(tmp_path, ring) == [
        "bad.yaml:4:42: Ring/second: spec.members[0]: Tenant/msp is already in Ring/first;"
        " a tenant is in one ring"
    ]


# --- everything at once -----------------------------------------------------------------------


def test_two_errors_in_one_file_are_reported_together(tmp_path):
    bad = tenant(**{"Australia/Sydney": "Mars/Olympus", "role: customer": "role: client"})
    assert with_base(tmp_path, bad) == [
        'bad.yaml:7:9: Tenant/contoso: spec.role: expected "provider" or "customer", got "client"',
        "bad.yaml:9:13: Tenant/contoso: spec.timeZone: expected an IANA time zone such as"
        ' "Europe/London", got "Mars/Olympus"',
    ]


def test_errors_in_several_files_are_reported_together(tmp_path):
    found = problems(
        tmp_path,
        {
            "a.yaml": tenant(**{"Australia/Sydney": "Sydney"}),
            "b.yaml": BASE.replace("rolloutPolicy: standard", "rolloutPolicy: none"),
        },
    )
    assert [line.split(":")[0] for line in found] == ["a.yaml", "b.yaml"]


def test_anchors_and_merge_keys_work_within_a_document(tmp_path):
    from tests.config.support import load_files

    doc = tenant(
        "  maintenanceWindows:\n"
        "    - &night {name: night, type: daily, start: '01:00', duration: 2h}\n"
        "    - {<<: *night, name: late, start: '03:00'}\n"
    )
    loaded = load_files(tmp_path, {"_base.yaml": BASE, "t.yaml": doc})
    windows = loaded.configuration.tenant("contoso").windows
    assert [(w.name, str(w.start), w.duration.seconds) for w in windows] == [
        ("night", "01:00:00", 7200),
        ("late", "03:00:00", 7200),
    ]


def test_a_build_size_that_cannot_boot_the_definitions_generation(tmp_path):
    base = BASE.replace(
        "resourceGroup: rg-images, location: uksouth}",
        "resourceGroup: rg-images, location: uksouth, vmSize: Standard_A4_v2}",
    )
    assert problems(tmp_path, {"base.yaml": base}) == [
        "base.yaml:35:103: ImagePipeline/monthly: spec.build.vmSize: expected a VM size that"
        " boots Generation 2 images (ImageDefinition/win11 is V2), got Standard_A4_v2, which is"
        " Generation 1 only; Standard_D4as_v5 is a good build size"
    ]
