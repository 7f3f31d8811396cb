"""What a script can read from the simulated guest: ``$( ... )`` subexpressions inside a
double-quoted ``Write-Output`` string are answered from the guest's contents when they are one
of the probes below (the way the real command answers on Windows), and with an empty string
otherwise. So ``Write-Output "bitlocker=$((Get-BitLockerVolume -MountPoint C:).ProtectionStatus)"``
prints ``bitlocker=On`` on a disk whose BitLocker is on.

| Probe (a regular expression on the subexpression, case-insensitive) | Answer                    |
| ------------------------------------------------------------------- | ------------------------- |
| ``Test-Path ...RebootPending`` or ``...RebootRequired``              | True / False              |
| ``Get-BitLockerVolume ... ProtectionStatus``                         | On / Off                  |
| ``Test-Path ...Packages\\Plugins``                                   | True / False              |
| ``Get-Service ... RDAgentBootLoader`` / ``RDAgent``                  | True / False (installed)  |
| ``Win32_ComputerSystem ... PartOfDomain``                            | True / False              |
| ``Win32_ComputerSystem ... .Domain``                                 | the domain, or WORKGROUP  |
| ``dsregcmd ... AzureAdJoined``                                       | YES / NO                  |
| ``Test-Path ...Enrollments`` / ``Intune``                            | True / False (enrolled)   |
| ``Get-AppxPackage ... -AllUsers`` ... per user / not provisioned     | names, comma-separated    |
| ``Get-TimeZone``                                                     | the time zone id          |
| ``ImageState`` (Setup\\State)                                      | IMAGE_STATE_...           |
"""

from __future__ import annotations

import re
from collections.abc import Callable

from goldfleet.emulator.guest.contents import GuestContents


def _flag(value: bool) -> str:
    return "True" if value else "False"


_PROBES: list[tuple[re.Pattern[str], Callable[[GuestContents], str]]] = [
    (
        re.compile(p, re.IGNORECASE),
        answer,
    )
    for p, answer in (
        (r"test-path.*reboot(pending|required)", lambda c: _flag(c.pending_reboot)),
        (r"get-bitlockervolume.*protectionstatus", lambda c: c.bitlocker),
        (r"test-path.*packages\\plugins", lambda c: _flag(c.packages_plugin)),
        (r"get-service.*rdagent", lambda c: _flag(c.avd_agent_installed)),
        (r"win32_computersystem.*partofdomain", lambda c: _flag(c.domain is not None)),
        (r"win32_computersystem.*\.domain\b", lambda c: c.domain or "WORKGROUP"),
        (r"dsregcmd.*azureadjoined", lambda c: "YES" if c.entra_joined else "NO"),
        (r"test-path.*(enrollments|intune)", lambda c: _flag(c.intune_enrolled)),
        (r"get-appxpackage.*-allusers", lambda c: ",".join(c.per_user_appx)),
        (r"get-timezone", lambda c: c.time_zone),
        (
            r"(imagestate|sysprep.*state)",
            lambda c: (
                "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
                if c.sysprep == "generalized"
                else "IMAGE_STATE_COMPLETE"
            ),
        ),
    )
]


def _subexpressions(text: str) -> list[tuple[int, int]]:
    """Spans of ``$( ... )`` with balanced parentheses."""
    spans: list[tuple[int, int]] = []
    index = 0
    while (start := text.find("$(", index)) != -1:
        depth, end = 0, start + 1
        while end < len(text):
            if text[end] == "(":
                depth += 1
            elif text[end] == ")":
                depth -= 1
                if depth == 0:
                    break
            end += 1
        spans.append((start, end + 1))
        index = end + 1
    return spans


def answer(contents: GuestContents, expression: str) -> str:
    for pattern, probe in _PROBES:
        if pattern.search(expression):
            return probe(contents)
    return ""


def expand(contents: GuestContents, text: str) -> str:
    """``text`` with every ``$( ... )`` replaced by its probe's answer."""
    out, last = [], 0
    for start, end in _subexpressions(text):
        out.append(text[last:start])
        out.append(answer(contents, text[start + 2 : end - 1]))
        last = end
    out.append(text[last:])
    return "".join(out)
