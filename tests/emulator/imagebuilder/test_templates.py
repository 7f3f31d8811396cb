"""Image templates through the real ImageBuilderClient: what submission refuses, provisioning
failures, no in-place update, PATCH, the staging resource group, lists and deletion."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from tests.conftest import resource_client
from tests.emulator.compute.support import RG, RG_ID, advance, error_of
from tests.emulator.imagebuilder.support import (
    IDENTITY,
    create_template,
    ib_client,
    make_identity,
    template_body,
)


@pytest.fixture
def client(emu):
    make_identity(emu)
    return ib_client(emu)


def _refused(client, body, name="bad"):
    with pytest.raises(HttpResponseError) as caught:
        client.virtual_machine_image_templates.begin_create_or_update(RG, name, body)
    return caught.value.status_code, error_of(caught)


def test_submission_refuses_invalid_fields_with_validation_failed(client):
    cases = [
        ({"properties": {"buildTimeoutInMinutes": 961}}, "buildTimeoutInMinutes"),
        ({"properties": {"source": {"type": "Iso"}}}, "'type' has a bad value: 'Iso'"),
        (
            {
                "properties": {
                    "customize": [{"type": "PowerShell", "inline": ["x"], "runAsSystem": True}]
                }
            },
            "'runAsSystem' can only be true when 'runElevated' is.",
        ),
        ({"properties": {"distribute": []}}, "At least one distribution target is required."),
        (
            {"properties": {"errorHandling": {"onCustomizerError": "retry"}}},
            "Field 'onCustomizerError' has a bad value: 'retry'",
        ),
        (
            {
                "properties": {
                    "customize": [
                        {
                            "type": "PowerShell",
                            "scriptUri": "https://a.blob.core.windows.net/c/x.ps1",
                            "sha256Checksum": "abc",
                        }
                    ]
                }
            },
            "Field 'sha256Checksum' has a bad value: 'abc'",
        ),
    ]
    for change, text in cases:
        body = template_body()
        body["properties"].update(change["properties"])
        status, error = _refused(client, body)
        assert (status, error["code"]) == (400, "ValidationFailed"), text
        assert text in error["message"]
        assert "http://aka.ms/azvmimagebuildertmplref" in error["message"]


def test_a_user_assigned_identity_is_required(client):
    body = template_body()
    del body["identity"]
    status, error = _refused(client, body)
    assert (status, error["code"]) == (400, "ValidationFailed")
    assert "user-assigned managed identity is required" in error["message"]


def test_a_missing_source_image_fails_provisioning_and_only_delete_helps(emu, client):
    body = template_body(
        source={
            "type": "ManagedImage",
            "imageId": f"{RG_ID}/providers/Microsoft.Compute/images/nope",
        }
    )
    poller = client.virtual_machine_image_templates.begin_create_or_update(RG, "nosource", body)
    advance(emu, 60)
    with pytest.raises(HttpResponseError):
        poller.result()
    template = client.virtual_machine_image_templates.get(RG, "nosource")
    assert template.provisioning_state == "Failed"
    assert template.provisioning_error.provisioning_error_code == "BadManagedImageSource"
    status, error = _refused(client, template_body(), "nosource")
    assert (status, error["code"]) == (409, "Conflict")
    assert error["message"].startswith(
        "Update/Upgrade of image templates is currently not supported."
    )


def test_templates_cannot_be_updated_in_place(emu, client):
    create_template(emu, client, "t1", template_body())
    changed = template_body(buildTimeoutInMinutes=120)
    status, error = _refused(client, changed, "t1")
    assert status == 409
    assert error["message"] == (
        "Update/Upgrade of image templates is currently not supported. Please change the name of "
        "the template you are submitting. If you have previously tried to submit a template and "
        "it failed to provision, you must delete it first and then resubmit. For more "
        "information, go to https://aka.ms/azvmimagebuilderts."
    )
    same = template_body()
    same["tags"] = {"team": "other"}
    result = client.virtual_machine_image_templates.begin_create_or_update(RG, "t1", same).result()
    assert result.tags == {"team": "other"}


def test_patch_changes_tags_identity_and_vm_profile_only(emu, client):
    create_template(emu, client, "t2", template_body())
    ops = client.virtual_machine_image_templates
    tagged = ops.begin_update(RG, "t2", {"tags": {"new-tag": "new-value"}}).result()
    assert tagged.tags == {"new-tag": "new-value"}
    resized = ops.begin_update(
        RG, "t2", {"properties": {"vmProfile": {"vmSize": "Standard_D4s_v5", "osDiskSizeGB": 127}}}
    ).result()
    assert resized.vm_profile.vm_size == "Standard_D4s_v5"
    cleared = ops.begin_update(RG, "t2", {"identity": {"type": "None"}}).result()
    assert cleared.identity.type == "None"
    with pytest.raises(HttpResponseError) as caught:
        ops.begin_update(RG, "t2", {"properties": {"buildTimeoutInMinutes": 30}})
    assert caught.value.status_code == 400
    assert "properties.buildTimeoutInMinutes" in error_of(caught)["message"]


def test_image_builder_makes_and_tags_the_staging_group_and_deletes_it_with_the_template(
    emu, client
):
    template = create_template(emu, client, "t3", template_body())
    staging = template.exact_staging_resource_group
    name = staging.rsplit("/", 1)[-1]
    assert name.startswith("IT_rg-images_t3_")
    groups = resource_client(emu)
    group = groups.resource_groups.get(name)
    assert group.tags["createdBy"] == "AzureVMImageBuilder"
    assert group.tags["imageTemplateName"] == "t3"
    kinds = [r.type for r in groups.resources.list_by_resource_group(name)]
    assert kinds == ["Microsoft.Storage/storageAccounts"]
    poller = client.virtual_machine_image_templates.begin_delete(RG, "t3")
    advance(emu, 60)
    poller.result()
    assert not groups.resource_groups.check_existence(name)
    with pytest.raises(HttpResponseError) as caught:
        client.virtual_machine_image_templates.get(RG, "t3")
    assert caught.value.status_code == 404


def test_an_existing_staging_group_must_be_empty_and_is_kept_at_deletion(emu, client):
    groups = resource_client(emu)
    groups.resource_groups.create_or_update("rg-stage", {"location": "westeurope"})
    staging = f"{RG_ID.rsplit('/', 1)[0]}/rg-stage"
    template = create_template(emu, client, "t4", template_body(stagingResourceGroup=staging))
    assert template.exact_staging_resource_group.lower() == staging.lower()
    assert [r.type for r in groups.resources.list_by_resource_group("rg-stage")] == [
        "Microsoft.Storage/storageAccounts"
    ]
    poller = client.virtual_machine_image_templates.begin_create_or_update(
        RG, "t5", template_body(stagingResourceGroup=staging)
    )
    advance(emu, 60)
    with pytest.raises(HttpResponseError):
        poller.result()
    failed = client.virtual_machine_image_templates.get(RG, "t5")
    assert failed.provisioning_error.provisioning_error_code == "BadStagingResourceGroup"
    poller = client.virtual_machine_image_templates.begin_delete(RG, "t4")
    advance(emu, 60)
    poller.result()
    assert groups.resource_groups.check_existence("rg-stage")
    assert list(groups.resources.list_by_resource_group("rg-stage")) == []


def test_templates_are_listed_by_group_and_subscription(emu, client):
    create_template(emu, client, "la", template_body())
    create_template(emu, client, "lb", template_body())
    ops = client.virtual_machine_image_templates
    assert sorted(t.name for t in ops.list_by_resource_group(RG)) == ["la", "lb"]
    assert sorted(t.name for t in ops.list()) == ["la", "lb"]
    assert next(iter(ops.list())).identity.user_assigned_identities[IDENTITY].principal_id
