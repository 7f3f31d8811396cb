"""Planning galleries and image definitions: create in dependency order, update what Azure
lets change, and call an immutable change a replace (which apply refuses)."""

from __future__ import annotations

from goldfleet.domain.images import (
    Gallery,
    GalleryRole,
    HyperVGeneration,
    ImageDefinition,
    ImageIdentifier,
    OsState,
    OsType,
    SecurityType,
)
from goldfleet.domain.observed import ObservedGallery, ObservedImageDefinition
from goldfleet.domain.tenancy import ResourceGroupSpec
from goldfleet.planner import make_plan
from tests.planner.test_planner import SUB, actions, observed, tenant

GALLERY = Gallery(
    "staging", GalleryRole.STAGING, "contoso", SUB, "rg-images", "uksouth", "gal_staging"
)
DEFINITION = ImageDefinition(
    "win11",
    "staging",
    "win11-avd",
    OsType.WINDOWS,
    OsState.GENERALIZED,
    HyperVGeneration.V2,
    SecurityType.TRUSTED_LAUNCH,
    ImageIdentifier("Northwind", "win11", "avd"),
)
OWNED_GALLERY = (("goldfleet-owner", "goldfleet/gallery/staging"), ("managed-by", "goldfleet"))
GALLERY_ID = f"/subscriptions/{SUB}/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal_staging"


def seen_definition(**changes) -> ObservedImageDefinition:
    values = {
        "resource_id": f"{GALLERY_ID}/images/win11-avd",
        "gallery_id": GALLERY_ID,
        "name": "win11-avd",
        "location": "uksouth",
        "os_type": "Windows",
        "os_state": "Generalized",
        "hyper_v_generation": "V2",
        "security_type": "TrustedLaunch",
        "publisher": "Northwind",
        "offer": "win11",
        "sku": "avd",
        "description": "",
        "tags": (("goldfleet-owner", "goldfleet/definition/win11"), ("managed-by", "goldfleet")),
    } | changes
    return ObservedImageDefinition(**values)


def with_galleries(state, galleries=(), definitions=()):
    sub = state.subscriptions[0]
    from dataclasses import replace

    return type(state)(
        (replace(sub, galleries=tuple(galleries), image_definitions=tuple(definitions)),)
    )


def test_group_then_gallery_then_definition():
    plan = make_plan(
        [tenant([ResourceGroupSpec("rg-images", "uksouth")])], observed(), [GALLERY], [DEFINITION]
    )
    assert actions(plan) == [
        ("create", "rg-images"),
        ("create", "gal_staging"),
        ("create", "win11-avd"),
    ]
    assert plan.changes[2].after["securityType"] == "TrustedLaunch"
    assert plan.changes[2].depends_on == (plan.changes[1].key,)


def test_matching_gallery_and_definition_are_no_ops():
    gallery = ObservedGallery(GALLERY_ID, "gal_staging", "rg-images", "uksouth", "", OWNED_GALLERY)
    plan = make_plan(
        [tenant()],
        with_galleries(observed(), [gallery], [seen_definition()]),
        [GALLERY],
        [DEFINITION],
    )
    assert [c.action.value for c in plan.changes] == ["no-op", "no-op"]


def test_an_immutable_difference_is_a_replace_with_the_reason():
    gallery = ObservedGallery(GALLERY_ID, "gal_staging", "rg-images", "uksouth", "", OWNED_GALLERY)
    state = with_galleries(
        observed(), [gallery], [seen_definition(hyper_v_generation="V1", sku="old")]
    )
    plan = make_plan([tenant()], state, [GALLERY], [DEFINITION])
    change = plan.changes[1]
    assert change.action.value == "replace"
    assert change.reason.startswith("hyperVGeneration, identifier cannot change")


def test_a_new_description_is_an_update():
    gallery = ObservedGallery(
        GALLERY_ID,
        "gal_staging",
        "rg-images",
        "uksouth",
        "old words",
        OWNED_GALLERY,
    )
    plan = make_plan(
        [tenant()],
        with_galleries(observed(), [gallery], [seen_definition()]),
        [GALLERY],
        [DEFINITION],
    )
    assert [c.action.value for c in plan.changes] == ["update", "no-op"]


def test_a_gallery_goldfleet_did_not_make_is_a_conflict_to_adopt():
    theirs = ObservedGallery(GALLERY_ID, "gal_staging", "rg-images", "uksouth", "", ())
    plan = make_plan(
        [tenant()],
        with_galleries(observed(), [theirs], [seen_definition()]),
        [GALLERY],
        [DEFINITION],
    )
    assert plan.pending == ()
    assert len(plan.problems) == 1
    assert plan.problems[0].startswith(f"conflict: gallery {GALLERY_ID} exists")
    assert "--as gallery/staging" in plan.problems[0]
