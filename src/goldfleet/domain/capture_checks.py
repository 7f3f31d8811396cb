"""The pre-sysprep checks of a capture: the PowerShell that reads the clone's state (run through a
Run Command, on the clone, never on the master) and the readable report made of its output.

Each finding names what was found, why it stops sysprep or spoils the image, and what to do.
A capture is blocked while any finding blocks, unless the person capturing overrides it (with a
reason, which is audited). Pure: no Azure, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goldfleet.domain.capture_scripts import script_text

# The probes are ordinary PowerShell (and what the emulator's guest reads:
# docs/emulator/guest.md, "What scripts can read").
CHECK_SCRIPT = script_text("presysprep-checks")
SYSPREP_SCRIPT = script_text("sysprep")


@dataclass(frozen=True)
class Finding:
    check: str
    found: str
    blocks: bool
    why: str
    fix: str

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "found": self.found,
            "blocks": self.blocks,
            "why": self.why,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class CheckReport:
    values: dict[str, str]
    findings: tuple[Finding, ...]

    @property
    def blocked(self) -> bool:
        return any(f.blocks for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "blocked": self.blocked,
            "values": self.values,
            "findings": [f.to_json() for f in self.findings],
        }


def _values(output: str) -> dict[str, str]:
    values = {}
    for line in output.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.isidentifier():
            values[key] = value.strip()
    return values


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "on", "1")


def report(output: str) -> CheckReport:
    """The report from the check script's output. A value missing from the output is itself a
    finding: the check could not be read, so nothing is assumed."""
    values = _values(output)
    findings: list[Finding] = []

    def add(check: str, found: str, why: str, fix: str, blocks: bool = True) -> None:
        findings.append(Finding(check, found, blocks, why, fix))

    expected = (
        "PendingReboot",
        "BitLocker",
        "AvdAgent",
        "PackagesPlugins",
        "PartOfDomain",
        "Intune",
        "ImageState",
    )
    for key in expected:
        if key not in values:
            add(key, "not reported", "the check's output did not include it", "capture again")
    if _true(values.get("PendingReboot")) or _true(values.get("UpdateReboot")):
        add(
            "pending reboot",
            "a restart is pending",
            "sysprep refuses to run while a restart is pending",
            "restart the master VM (and let updates finish), then capture again",
        )
    if values.get("BitLocker", "Off").strip().lower() in ("on", "1"):
        add(
            "BitLocker",
            "the OS volume is encrypted",
            "sysprep fails on a BitLocker-protected volume",
            "decrypt it on the master (manage-bde -off C:) and wait until it is done",
        )
    if _true(values.get("AvdAgent")):
        add(
            "AVD agent",
            "RDAgent / RDAgentBootLoader is installed",
            "hosts made from the image would start with the master's registration",
            "uninstall the Remote Desktop Agent and Boot Loader on the master",
        )
    if _true(values.get("PackagesPlugins")):
        add(
            "extension leftovers",
            r"C:\Packages\Plugins exists",
            "VM extension leftovers are copied to every host and break extension installs",
            r"remove C:\Packages\Plugins on the master (or in a pre-sysprep script)",
        )
    if values.get("PerUserAppx"):
        add(
            "per-user AppX packages",
            values["PerUserAppx"],
            "sysprep fails when an AppX package is installed for a user but not provisioned",
            "remove them for that user (Remove-AppxPackage) or provision them for all users",
        )
    if _true(values.get("PartOfDomain")):
        add(
            "domain join",
            f"joined to {values.get('Domain', 'a domain')}",
            "a generalized image must not carry a domain membership",
            "remove the master from the domain, or remove the clone in a pre-sysprep script "
            "(the clone runs on an isolated network and cannot reach the domain)",
        )
    if values.get("EntraJoined", "").upper() == "YES":
        add(
            "Entra ID join",
            "Entra ID joined",
            "a generalized image must not carry a device identity",
            "leave Entra ID on the clone in a pre-sysprep script (dsregcmd /leave)",
        )
    if _true(values.get("Intune")):
        add(
            "Intune enrolment",
            "enrolled in Intune",
            "every host made from the image would share the master's enrolment",
            "unenrol the master (or the clone in a pre-sysprep script) before capturing",
        )
    state = values.get("ImageState")
    if state and state != "IMAGE_STATE_COMPLETE":
        add(
            "image state",
            state,
            "the master has been generalized already; a generalized machine cannot be again",
            "capture a machine that is in normal use (ImageState IMAGE_STATE_COMPLETE)",
        )
    return CheckReport(values, tuple(findings))


def report_from_json(data: dict[str, Any]) -> CheckReport:
    return CheckReport(
        dict(data.get("values") or {}),
        tuple(
            Finding(f["check"], f["found"], f["blocks"], f["why"], f["fix"])
            for f in data.get("findings") or []
        ),
    )
