"""Rule 2, unique names: two owners of one Azure name are refused, at the second owner, with the
first owner's file:line:col in the message; names Azure would refuse are refused too. Each case
is a small mutation of the valid estate in ``tests.config.mutations``."""

from __future__ import annotations

import pytest

from tests.config.mutations import Case, check, mutated, pool
from tests.config.support import load_files

E, X = "estate.yaml", "extra.yaml"
GALLERY = "apiVersion: goldfleet/v1\nkind: Gallery\nmetadata: {{name: {name}}}\nspec: {spec}\n"
DEFINITION = (
    "apiVersion: goldfleet/v1\nkind: ImageDefinition\nmetadata: {{name: {name}}}\n"
    "spec: {{gallery: production{more}, identifier: {{publisher: {publisher}, offer: win11,"
    " sku: avd}}}}\n"
)
PIPELINE = """\
apiVersion: goldfleet/v1
kind: ImagePipeline
metadata: {{name: {name}}}
spec:
  source: {{type: marketplace, publisher: MicrosoftWindowsDesktop, offer: office-365, sku: avd}}
  build: {{tenant: msp, subscription: msp-images, resourceGroup: rg-build, location: uksouth{more}}}
  distribution:
    targets:
      - {{definition: {target}, regions: [{regions}]}}
"""
AD = "{type: ad, domain: corp.contoso.com, username: svc, secretEnv: JOIN}"
WEST = (  # a subnet in the virtual network msp-pool's standby hosts use, in westeurope
    "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/rg-dr/providers/"
    "Microsoft.Network/virtualNetworks/vnet-dr/subnets/snet-other"
)
PROD_SPEC = (
    "{role: production, tenant: msp, subscription: msp-images, resourceGroup: rg-images,"
    " location: uksouth, name: GAL_PROD}"
)

CASES = [
    # --- galleries and image definitions ------------------------------------------------------
    Case(
        "two-gallery-documents-make-one-azure-gallery",
        at=f"{X}|resourceGroup: rg-images, location: uksouth, name: ^GAL_PROD",
        says='gallery "GAL_PROD" in resource group rg-images of subscription msp-images'
        " already belongs to Gallery/production",
        extra=GALLERY.format(name="again", spec=PROD_SPEC),
        first=f"{E}|  name: ^gal_prod",
    ),
    Case(
        "gallery-by-subscription-id-is-the-same-gallery",
        at=f"{X}|name: ^GAL_PROD",
        says="two Gallery documents would manage one Azure gallery",
        extra=GALLERY.format(
            name="again",
            spec=PROD_SPEC.replace("msp-images", "AAAAAAAA-0000-4000-8000-00000000000A"),
        ),
        first=f"{E}|  name: ^gal_prod",
    ),
    Case(
        "gallery-name-defaults-to-a-name-with-a-hyphen",
        at=f"{X}|metadata: {{name: ^prod-two}}",
        says="gallery names have only letters, digits, '.' and '_' (no '-'); set spec.name,"
        ' e.g. "prod_two"',
        extra=GALLERY.format(name="prod-two", spec=PROD_SPEC.replace(", name: GAL_PROD", "")),
    ),
    Case(
        "two-definitions-with-one-name-in-a-gallery",
        at=f"{X}|name: ^WIN11, identifier",
        says='image definition "WIN11" in gallery gal_prod already belongs to'
        " ImageDefinition/win11 (metadata.name at",
        extra=DEFINITION.format(name="second", more=", name: WIN11", publisher="Other"),
        first=f"{E}|metadata: {{name: ^win11}}",
    ),
    Case(
        "a-definitions-default-name-is-another-definitions-name",
        at=f"{X}|metadata: {{name: ^win11-second}}",
        says='image definition "win11-second" in gallery gal_prod already belongs to'
        " ImageDefinition/win11 (spec.name at",
        edits=(("  gallery: production\n", "  gallery: production\n  name: win11-second\n"),),
        extra=DEFINITION.format(name="win11-second", more="", publisher="Other"),
        first=f"{E}|  name: ^win11-second",
    ),
    Case(
        "two-definitions-with-one-identifier-in-a-gallery",
        at=f"{X}|identifier: ^{{publisher: Msp",
        says="identifier Msp/win11/avd in gallery gal_prod already belongs to ImageDefinition/win11",
        extra=DEFINITION.format(name="second", more=", name: win11-second", publisher="Msp"),
        first=f"{E}|  identifier: ^{{publisher: Msp, offer: win11, sku: avd}}\n  description",
    ),
    Case(
        "two-pipelines-make-versions-of-one-definition",
        at=f"{X}|definition: ^win11-contoso",
        says="ImageDefinition/win11-contoso as a distribution target already belongs to"
        " ImagePipeline/monthly",
        extra=PIPELINE.format(
            name="weekly", more="", target="win11-contoso", regions="australiaeast"
        ),
        first=f"{E}|{{definition: ^win11-contoso",
    ),
    # --- resource groups of builds ------------------------------------------------------------
    Case(
        "staging-group-is-a-declared-group",
        at=f"{E}|stagingResourceGroup: ^rg-hosts",
        says='resource group "rg-hosts" in subscription msp-images already belongs to'
        " Tenant/msp (spec.subscriptions[0].resourceGroups[2].name at",
        edits=(
            (
                "    location: uksouth\n  customizations:",
                "    location: uksouth\n    stagingResourceGroup: rg-hosts\n  customizations:",
            ),
        ),
        first=f"{E}|{{name: ^rg-hosts",
    ),
    Case(
        "staging-group-is-the-build-group",
        at=f"{E}|stagingResourceGroup: ^RG-BUILD",
        says="Image Builder's staging group must be an empty group of its own",
        edits=(
            (
                "    location: uksouth\n  customizations:",
                "    location: uksouth\n    stagingResourceGroup: RG-BUILD\n  customizations:",
            ),
        ),
        first=f"{E}|{{name: ^rg-build",
    ),
    Case(
        "two-pipelines-share-a-staging-group",
        at=f"{X}|stagingResourceGroup: ^rg-staging",
        says='resource group "rg-staging" in subscription msp-images already belongs to'
        " ImagePipeline/monthly",
        edits=(
            (
                "    location: uksouth\n  customizations:",
                "    location: uksouth\n    stagingResourceGroup: rg-staging\n  customizations:",
            ),
        ),
        extra=PIPELINE.format(
            name="weekly", more=", stagingResourceGroup: rg-staging", target="x", regions="uksouth"
        ).replace("definition: x", "definition: win11-extra")
        + "---\n"
        + DEFINITION.format(name="win11-extra", more="", publisher="Extra"),
        first=f"{E}|stagingResourceGroup: ^rg-staging",
    ),
    Case(
        "declared-group-named-like-a-temporary-capture-group",
        at=f"{E}|{{name: ^rg-goldfleet-tmp-1a2b3c4d5e",
        says="goldfleet's temporary capture groups, deleted with everything in them",
        edits=(
            (
                "        - {name: rg-dr, location: westeurope}\n",
                "        - {name: rg-dr, location: westeurope}\n        - {name: rg-goldfleet-tmp-1a2b3c4d5e, location: uksouth}\n",
            ),
        ),
    ),
    Case(
        "declared-group-named-like-an-image-builder-staging-group",
        at=f"{E}|{{name: ^IT_rg-build_monthly",
        says="Azure Image Builder's staging groups, which it deletes",
        edits=(
            (
                "        - {name: rg-dr, location: westeurope}\n",
                "        - {name: rg-dr, location: westeurope}\n        - {name: IT_rg-build_monthly, location: uksouth}\n",
            ),
        ),
    ),
    # --- host pools, application groups, workspaces -------------------------------------------
    Case(
        "two-pools-with-one-azure-name-in-a-group",
        at=f"{X}|  name: ^hp-msp",
        says='host pool "hp-msp" in resource group rg-hosts of subscription msp-images already'
        " belongs to HostPool/msp-pool (spec.name at",
        extra=pool("other", azure_name="hp-msp", more="  desktop: {applicationGroup: other-dag}\n"),
        first=f"{E}|  name: ^hp-msp",
    ),
    Case(
        "pool-names-differ-only-in-case",
        at=f"{X}|  name: ^HP-MSP",
        says="both documents would manage one Azure resource (names are case-insensitive)",
        extra=pool("other", azure_name="HP-MSP", more="  desktop: {applicationGroup: other-dag}\n"),
        first=f"{E}|  name: ^hp-msp",
    ),
    Case(
        "pool-default-name-is-another-pools-name",
        at=f"{X}|metadata: {{name: ^hp-msp}}",
        says='host pool "hp-msp" in resource group rg-hosts',
        extra=pool("hp-msp", more="  desktop: {applicationGroup: other-dag}\n"),
        first=f"{E}|  name: ^hp-msp",
    ),
    Case(
        "application-group-is-another-pools-default",
        at=f"{X}|applicationGroup: ^hp-msp-dag",
        says='application group "hp-msp-dag" in resource group rg-hosts of subscription'
        " msp-images already belongs to HostPool/msp-pool (spec.name at",
        extra=pool("other", more="  desktop: {applicationGroup: hp-msp-dag}\n"),
        first=f"{E}|  name: ^hp-msp",
    ),
    Case(
        "two-pools-hosts-get-the-same-names-in-one-group",
        at=f"{X}|namePrefix: ^msp-avd",
        says='session host name prefix "msp-avd" (hosts msp-avd-<n>) in resource group rg-hosts'
        " of subscription msp-images already belongs to HostPool/msp-pool"
        " (spec.sessionHosts.namePrefix at",
        extra=pool("other", prefix="msp-avd"),
        first=f"{E}|namePrefix: ^msp-avd",
    ),
    Case(
        "host-name-prefixes-differ-only-in-case",
        at=f"{X}|namePrefix: ^MSP-AVD",
        says="a rollout of one pool would replace and delete the other pool's hosts",
        extra=pool("other", prefix="MSP-AVD"),
        first=f"{E}|namePrefix: ^msp-avd",
    ),
    Case(
        "dr-pool-name-is-another-pools-name",
        at=f"{X}|  name: ^hp-msp-dr",
        says='host pool "hp-msp-dr" in resource group rg-dr of subscription msp-images already'
        " belongs to HostPool/msp-pool (spec.drResourceGroup at",
        extra=pool(
            "other", group="rg-dr", location="westeurope", azure_name="hp-msp-dr", subnet=WEST
        ),
        first=f"{E}|drResourceGroup: ^rg-dr",
    ),
    Case(
        "dr-application-group-is-another-pools",
        at=f"{X}|applicationGroup: ^hp-msp-dag-dr",
        says='application group "hp-msp-dag-dr" in resource group rg-dr',
        extra=pool(
            "other",
            group="rg-dr",
            subnet=WEST,
            location="westeurope",
            more="  desktop: {applicationGroup: hp-msp-dag-dr}\n",
        ),
        first=f"{E}|drResourceGroup: ^rg-dr",
    ),
    Case(
        "two-standby-scale-sets-with-one-name",
        at=f"{X}|drResourceGroup: ^rg-dr",
        says='scale set "vmss-msp-avd-dr" in resource group rg-dr of subscription msp-images'
        " already belongs to HostPool/msp-pool",
        extra=pool(
            "other",
            group="rg-build",
            prefix="msp-avd",
            join=AD,
            more="  drRegion: westeurope\n  drResourceGroup: rg-dr\n  drSubnetId: "
            + "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourceGroups/rg-dr/providers/"
            "Microsoft.Network/virtualNetworks/vnet-dr/subnets/snet-dr2\n",
        ),
        first=f"{E}|drResourceGroup: ^rg-dr",
    ),
    Case(
        "a-pool-is-named-like-another-pools-dr-side",
        at=f"{E}|drRegion: ^westeurope",
        says="the name HostPool/msp-pool-dr (of this pool's DR side) already belongs to"
        " HostPool/msp-pool-dr (metadata.name at",
        extra=pool("msp-pool-dr", azure_name="hp-other", prefix="oth-avd"),
        first=f"{X}|metadata: {{name: ^msp-pool-dr}}",
    ),
    Case(
        "workspace-shared-by-pools-in-two-regions",
        at=f"{X}|workspace: ^ws-msp",
        says='workspace "ws-msp" in resource group rg-hosts of subscription msp-images is shared'
        " with HostPool/msp-pool (spec.desktop.workspace at",
        extra=pool(
            "other", location="westeurope", subnet=WEST, more="  desktop: {workspace: ws-msp}\n"
        ),
        first=f"{E}|workspace: ^ws-msp",
    ),
    # --- computer names -----------------------------------------------------------------------
    Case(
        "computer-names-repeat-across-groups-in-one-entra-tenant",
        at=f"{X}|namePrefix: ^msp-avd",
        says='computer name "msp-avd-0" in the Entra ID of Tenant/msp is also a host of'
        " HostPool/msp-pool (spec.sessionHosts.namePrefix at",
        extra=pool("other", group="rg-build", prefix="msp-avd"),
        first=f"{E}|namePrefix: ^msp-avd",
    ),
    Case(
        "computer-names-repeat-across-tenants-in-one-ad-domain",
        at=f"{X}|namePrefix: ^CSO-AVD",
        says='computer name "CSO-AVD-0" in AD domain corp.contoso.com is also a host of'
        " HostPool/contoso-pool",
        extra=pool("other", prefix="CSO-AVD", join=AD),
        first=f"{E}|namePrefix: ^cso-avd",
    ),
    Case(
        "computer-names-cut-to-15-characters-repeat-in-a-pool",
        at=f"{E}|namePrefix: ^abcdefghijk",
        says="hosts abcdefghijk-100 and abcdefghijk-1000 would both be computer abcdefghijk-100"
        " (Windows keeps 15 characters); with up to 1002 hosts at once during a rollout, use a"
        " prefix of at most 10 characters",
        edits=(("namePrefix: msp-avd\n    count: 4", "namePrefix: abcdefghijk\n    count: 500"),),
    ),
    # --- names Azure refuses ------------------------------------------------------------------
    Case(
        "host-pool-name-too-short",
        at=f"{E}|  name: ^hp\n",
        says='the host pool name "hp" has 2 characters; Azure Virtual Desktop names have 3 to 64',
        edits=(("  name: hp-msp\n", "  name: hp\n"),),
    ),
    Case(
        "default-application-group-name-too-long",
        at=f"{E}|  name: ^hp-{'c' * 59}",
        says=f'the application group name "hp-{"c" * 59}-dag" has 66 characters',
        edits=(("  name: hp-contoso\n", f"  name: hp-{'c' * 59}\n"),),
    ),
    Case(
        "dr-pool-name-too-long",
        at=f"{E}|drResourceGroup: ^rg-dr",
        says=f'the DR host pool name "hp-{"m" * 59}-dr" has 65 characters',
        edits=(
            ("  name: hp-msp\n", f"  name: hp-{'m' * 59}\n"),
            ("{workspace: ws-msp,", "{workspace: ws-msp, applicationGroup: msp-desktop,"),
        ),
    ),
    Case(
        "workspace-name-too-short",
        at=f"{E}|workspace: ^ws,",
        says='the workspace name "ws" has 2 characters',
        edits=(("workspace: ws-msp,", "workspace: ws,"),),
    ),
    Case(
        "explicit-application-group-name-too-long",
        at=f"{E}|applicationGroup: ^{'g' * 70}",
        says="the application group name",
        edits=(
            (
                "desktop: {workspace: ws-contoso}",
                f"desktop: {{workspace: ws-contoso, applicationGroup: {'g' * 70}}}",
            ),
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_two_owners_of_one_name_are_refused(tmp_path, case):
    check(tmp_path, case)


def test_the_estate_itself_is_valid(tmp_path):
    load_files(tmp_path, mutated(Case("none", at="", says="")))


def test_pools_in_one_group_share_a_workspace_they_name(tmp_path):
    files = mutated(Case("none", at="", says=""))
    files["extra.yaml"] = pool("other", more="  desktop: {workspace: WS-MSP}\n")
    configuration = load_files(tmp_path, files).configuration
    workspaces = {
        str(p.workspace_id).lower() for p in configuration.host_pools if p.tenant == "msp"
    }
    assert len(workspaces) == 1


def test_every_case_is_distinct():
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({tuple(sorted(mutated(c).items())) for c in CASES}) == len(CASES)
