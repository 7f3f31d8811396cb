"""The pre-sysprep report: each state of the clone that stops sysprep or spoils an image is a
blocking finding with its fix, read from the check script's output (here produced by the
emulator's guest, which answers the script's probes)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from goldfleet.domain.capture_checks import CHECK_SCRIPT, report, report_from_json
from goldfleet.emulator.guest.contents import GuestContents
from goldfleet.emulator.guest.scripts import interpret

CLEAN = GuestContents(os="Windows 11 Enterprise multi-session")


def checked(contents: GuestContents):
    return report(interpret(contents.copy(), CHECK_SCRIPT).stdout)


def test_a_clean_machine_passes():
    found = checked(CLEAN)
    assert found.findings == ()
    assert not found.blocked


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"pending_reboot": True}, "pending reboot"),
        ({"bitlocker": "On"}, "BitLocker"),
        ({"avd_agent_installed": True}, "AVD agent"),
        ({"packages_plugin": True}, "extension leftovers"),
        ({"per_user_appx": ["Contoso.Notes"]}, "per-user AppX packages"),
        ({"domain": "corp.northwind.local"}, "domain join"),
        ({"entra_joined": True}, "Entra ID join"),
        ({"intune_enrolled": True}, "Intune enrolment"),
        ({"sysprep": "generalized"}, "image state"),
    ],
)
def test_each_problem_blocks_with_its_fix(change, check):
    found = checked(replace(CLEAN, **change))
    assert [f.check for f in found.findings] == [check]
    assert found.blocked and found.findings[0].fix


def test_output_that_lacks_a_check_is_itself_a_finding():
    found = report("PendingReboot=False\n")
    assert found.blocked
    assert {f.check for f in found.findings} >= {"BitLocker", "ImageState"}


def test_a_report_survives_json():
    found = checked(replace(CLEAN, bitlocker="On", domain="corp"))
    assert report_from_json(found.to_json()) == found
