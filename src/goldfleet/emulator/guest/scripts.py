"""How the simulated guest interprets a PowerShell script: small, explicit rules, one per line.

The guest does not run PowerShell. It reads a script line by line (case-insensitive) and applies
the first rule that matches each line; lines no rule matches only cost time. The rules are the
contract that built-in customizations, tests and scenarios rely on (docs/emulator/guest.md):

| A line that ...                                      | does                                     |
| ---------------------------------------------------- | ---------------------------------------- |
| ``exit N``                                            | stops the script with exit code N        |
| ``throw "text"``                                      | stops it: exit code 1, text on stderr    |
| ``Write-Error "text"``                                | text on stderr (the script goes on)      |
| ``Write-Output "text"`` / ``Write-Host "text"``       | text on stdout; ``$(...)``: probes.py   |
| ``Start-Sleep -Seconds N``                            | N more seconds                           |
| ``Install-WindowsUpdate`` / ``Install-WUUpdates``     | +10 updates, pending reboot, +15 minutes |
| ``Restart-Computer``                                  | clears the pending reboot, +2 minutes    |
| ``winget install X`` / ``choco install X``            | app X installed, +3 minutes              |
| ``msiexec /i ... X.msi``                              | app X installed, +3 minutes              |
| ``Add-AppxPackage X`` (without ``-AllUsers``... )     | X installed for the current user only    |
| ``Remove-AppxPackage X`` (or ``...ProvisionedPackage``) | X removed (per-user and installed)  |
| ``manage-bde -off`` / ``Disable-BitLocker``          | BitLocker off                            |
| ``manage-bde -on`` / ``Enable-BitLocker``            | BitLocker on                             |
| ``Set-TimeZone -Id "Z"``                              | time zone Z                              |
| ``Add-Computer -DomainName D``                        | joined to domain D                       |
| ``Remove-Computer``                                   | leaves the domain                        |
| a line naming ``RDAgent`` with ``msiexec /x`` or ``Uninstall`` | AVD agent removed               |
| ``Remove-Item ... C:\\Packages\\Plugins``            | extension leftovers removed              |
| ``Set-Service RDAgentBootLoader ... Disabled``       | defect: the agent cannot start           |
| ``sysprep.exe ... /generalize``                       | sysprep (see below); ends the script     |

Sysprep refuses, as Windows does, when a reboot is pending, BitLocker is on, or an AppX package
is installed for one user but not provisioned for all (exit code 1 and the text of
``setupact.log``'s error); otherwise the guest is ``generalized`` and, with ``/shutdown``, the
machine stops. Every script costs 20 seconds plus 1 second a line, on top of the rules above.

Scripts can also be made to fail from outside (``ScriptFailure``): a scenario or the control
API names a substring of the script (or of its name) and the exit code and stderr to answer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator.guest import probes
from goldfleet.emulator.guest.contents import SECTION, AppliedCustomization, GuestContents
from goldfleet.emulator.world import World


@dataclass
class ScriptResult:
    exit_code: int
    stdout: str
    stderr: str
    duration_seconds: float
    shutdown: bool = False  # the script shut the machine down (sysprep /shutdown)
    restarted: bool = False  # the script restarted the machine


@dataclass
class ScriptFailure:
    """Make scripts fail: every script whose text or name contains ``match`` (case-insensitive)
    exits with ``exit_code`` and ``stderr`` after running, ``count`` times (None = always)."""

    match: str
    exit_code: int = 1
    stderr: str = "The script failed (injected)."
    count: int | None = None


def script_sha256(script: str) -> str:
    return hashlib.sha256(script.encode("utf-8")).hexdigest()


def add_failure(world: World, failure: ScriptFailure) -> None:
    world.sections.setdefault(SECTION, {}).setdefault("failures", []).append(asdict(failure))


def failures(world: World) -> list[ScriptFailure]:
    items = world.sections.setdefault(SECTION, {}).get("failures", [])
    return [ScriptFailure(**item) for item in items]


def clear_failures(world: World) -> None:
    world.sections.setdefault(SECTION, {})["failures"] = []


def _injected(world: World, name: str, script: str) -> ScriptFailure | None:
    items: list[dict[str, Any]] = world.sections.setdefault(SECTION, {}).get("failures", [])
    for item in items:
        needle = str(item["match"]).lower()
        if needle in script.lower() or needle in name.lower():
            if item.get("count") is not None:
                if item["count"] <= 0:
                    continue
                item["count"] -= 1
            return ScriptFailure(**item)
    return None


_QUOTED = r"""["']?([^"']+?)["']?"""


def _arg(line: str, pattern: str) -> str | None:
    match = re.search(pattern, line, re.IGNORECASE)
    return match.group(1).strip() if match else None


def _sysprep(contents: GuestContents, line: str, result: ScriptResult) -> None:
    problems: list[str] = []
    if contents.pending_reboot:
        problems.append(
            "SYSPRP There is a pending reboot. A restart is required before Sysprep can run."
        )
    if contents.bitlocker.lower() == "on":
        problems.append(
            "SYSPRP BitLocker-Sysprep: BitLocker is on for the OS volume. "
            "Turn BitLocker off to run Sysprep. (0x80310039)"
        )
    for package in contents.per_user_appx:
        problems.append(
            f"SYSPRP Package {package} was installed for a user, but not provisioned for all "
            "users. This package will not function properly in the sysprep image."
        )
    result.duration_seconds += 240
    if problems:
        contents.sysprep = "failed"
        result.exit_code = 1
        result.stderr += "Sysprep_Generalize_Error: " + " ".join(problems) + "\n"
        return
    if "/generalize" in line.lower():
        contents.sysprep = "generalized"
    result.stdout += "Sysprep succeeded.\n"
    if "/shutdown" in line.lower():
        result.shutdown = True


def _remove_app(contents: GuestContents, name: str) -> None:
    name = name.strip("* ")
    contents.per_user_appx = [p for p in contents.per_user_appx if name.lower() not in p.lower()]
    contents.apps = [a for a in contents.apps if name.lower() not in a.lower()]


def _install(contents: GuestContents, app: str, result: ScriptResult) -> None:
    if app not in contents.apps:
        contents.apps.append(app)
    result.duration_seconds += 180


Rule = tuple[str, Callable[[GuestContents, str, ScriptResult], bool | None]]


def _rules() -> list[Rule]:
    """(regular expression, action); an action returning True stops the script."""

    def updates(c: GuestContents, _line: str, r: ScriptResult) -> None:
        c.updates_installed += 10
        c.pending_reboot = True
        r.duration_seconds += 900

    def restart(c: GuestContents, _line: str, r: ScriptResult) -> bool:
        c.pending_reboot = False
        r.restarted = True
        r.duration_seconds += 120
        return True

    def sysprep(c: GuestContents, line: str, r: ScriptResult) -> bool:
        _sysprep(c, line, r)
        return True

    def set_attr(name: str, value: Any) -> Callable[[GuestContents, str, ScriptResult], None]:
        def action(c: GuestContents, _line: str, _r: ScriptResult) -> None:
            setattr(c, name, value)

        return action

    def add_per_user(c: GuestContents, line: str, _r: ScriptResult) -> None:
        name = _arg(line, rf"add-appxpackage\s+(?:-path\s+)?{_QUOTED}(?:\s|$)") or "unknown"
        if "-allusers" not in line.lower() and name not in c.per_user_appx:
            c.per_user_appx.append(name)

    def remove_app(c: GuestContents, line: str, _r: ScriptResult) -> None:
        name = _arg(line, rf"(?:-name|-packagename|remove-appxpackage)\s+{_QUOTED}(?:\s|\||$)")
        if name:
            _remove_app(c, name)

    def winget(c: GuestContents, line: str, r: ScriptResult) -> None:
        app = _arg(line, r"(?:winget|choco)\s+install\s+(?:--id\s+|-e\s+)*([^\s]+)")
        _install(c, app or "unknown", r)

    def msi(c: GuestContents, line: str, r: ScriptResult) -> None:
        app = _arg(line, r"([^\\/\s\"']+)\.msi")
        _install(c, app or "unknown", r)

    def time_zone(c: GuestContents, line: str, _r: ScriptResult) -> None:
        c.time_zone = _arg(line, rf"set-timezone\s+(?:-id\s+)?{_QUOTED}\s*$") or c.time_zone

    def join(c: GuestContents, line: str, _r: ScriptResult) -> None:
        c.domain = _arg(line, rf"-domainname\s+{_QUOTED}(?:\s|$)") or c.domain

    def agent_disabled(c: GuestContents, _line: str, _r: ScriptResult) -> None:
        if "RDAgentBootLoader disabled" not in c.defects:
            c.defects.append("RDAgentBootLoader disabled")

    return [
        (r"^\s*(install-windowsupdate|install-wuupdates)\b", updates),
        (r"^\s*restart-computer\b", restart),
        (r"sysprep(\.exe)?\b.*/generali[sz]e", sysprep),
        (r"^\s*(winget|choco)\s+install\b", winget),
        (r"msiexec(\.exe)?\s+/i\b", msi),
        (
            r"rdagent.*(msiexec(\.exe)?\s+/x|uninstall)|(msiexec(\.exe)?\s+/x|uninstall).*rdagent",
            set_attr("avd_agent_installed", False),
        ),
        (r"remove-appx(provisioned)?package", remove_app),
        (r"^\s*add-appxpackage\b", add_per_user),
        (r"manage-bde(\.exe)?\s+-off|disable-bitlocker", set_attr("bitlocker", "Off")),
        (r"manage-bde(\.exe)?\s+-on|enable-bitlocker", set_attr("bitlocker", "On")),
        (r"^\s*set-timezone\b", time_zone),
        (r"^\s*add-computer\b", join),
        (r"^\s*remove-computer\b", set_attr("domain", None)),
        (r"remove-item\b.*packages\\plugins", set_attr("packages_plugin", False)),
        (r"set-service\b.*rdagentbootloader.*disabled", agent_disabled),
    ]


_RULES = [(re.compile(pattern, re.IGNORECASE), action) for pattern, action in _rules()]


def interpret(contents: GuestContents, script: str) -> ScriptResult:
    """Run ``script`` against ``contents`` (changed in place) by the rules above."""
    result = ScriptResult(exit_code=0, stdout="", stderr="", duration_seconds=20.0)
    for raw in script.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        result.duration_seconds += 1
        if code := _arg(line, r"^exit\s+(-?\d+)\s*$"):
            result.exit_code = int(code)
            return result
        if (text := _arg(line, rf"^throw\s+{_QUOTED}\s*$")) is not None:
            result.exit_code = 1
            result.stderr += text + "\n"
            return result
        if (text := _arg(line, rf"^write-error\s+(?:-message\s+)?{_QUOTED}\s*$")) is not None:
            result.stderr += text + "\n"
            continue
        if (text := _arg(line, r'^write-(?:output|host)\s+"(.*)"\s*$')) is not None:
            result.stdout += probes.expand(contents, text) + "\n"
            continue
        if (text := _arg(line, rf"^write-(?:output|host)\s+{_QUOTED}\s*$")) is not None:
            result.stdout += text + "\n"
            continue
        if seconds := _arg(line, r"^start-sleep\s+(?:-seconds\s+|-s\s+)?(\d+)"):
            result.duration_seconds += int(seconds)
            continue
        for pattern, action in _RULES:
            if pattern.search(line):
                if action(contents, line, result):
                    return result
                break
    return result


def run_script(world: World, contents: GuestContents, name: str, script: str) -> ScriptResult:
    """Interpret ``script`` as the step ``name`` on ``contents``, apply any injected failure,
    and record the step in the contents' customizations (also when it failed)."""
    result = interpret(contents, script)
    injected = _injected(world, name, script)
    if injected is not None:
        result.exit_code = injected.exit_code
        result.stderr += injected.stderr + "\n"
        result.shutdown = False
    finished = world.clock.now().timestamp() + result.duration_seconds
    contents.customizations.append(
        AppliedCustomization(
            name=name,
            sha256=script_sha256(script),
            finished=datetime.fromtimestamp(finished, UTC).isoformat().replace("+00:00", "Z"),
            exit_code=result.exit_code,
        )
    )
    return result


__all__ = [
    "ScriptFailure",
    "ScriptResult",
    "add_failure",
    "clear_failures",
    "failures",
    "interpret",
    "run_script",
    "script_sha256",
]
