"""The Azure names goldfleet derives: one formula each, shared by runtime code and validation."""

from __future__ import annotations

from goldfleet.domain import names


def test_session_host_names_and_their_computer_names():
    assert names.host_name("cph-avd", 3) == "cph-avd-3"
    assert names.nic_name("cph-avd-3") == "cph-avd-3-nic"
    assert names.computer_name("cph-avd-3") == "cph-avd-3"
    # Windows cuts computer names at 15 characters: host 1000 of an 11-character prefix is 100's
    assert names.computer_name(names.host_name("abcdefghijk", 1000)) == "abcdefghijk-100"


def test_the_dr_side_of_a_pool():
    assert names.dr_name("hp-fabrikam") == "hp-fabrikam-dr"
    assert names.scale_set_name("fab-avd") == "vmss-fab-avd-dr"
    assert names.dr_computer_name_prefix("fab-avd") == "fab-avddr"
    assert names.dr_computer_name_prefix("abcdef-hijk") == "abcdefdr"  # cut, no trailing '-'
    assert names.default_application_group("hp-x") == "hp-x-dag"


def test_temporary_resources_of_builds_are_named_by_the_build():
    group = names.temporary_group_name("legal@20261123T0600Z")
    template = names.image_template_name("legal@20261123T0600Z")
    assert group.startswith(names.TEMPORARY_GROUP_PREFIX) and len(group) == 27
    assert template.startswith(names.IMAGE_TEMPLATE_PREFIX) and len(template) == 25
    assert group != names.temporary_group_name("legal@20261123T0601Z")
