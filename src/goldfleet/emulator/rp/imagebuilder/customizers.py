"""One customizer (or in-VM validator) of a build, applied to the build VM's guest contents.

Each kind does what Image Builder's Packer provisioners do, through the simulated guest
(``guest.scripts.run_script``, whose line rules change the contents): ``PowerShell`` and
``Shell`` run their ``inline`` lines or the blob behind ``scriptUri`` (read from the emulator's
blob store, its SHA-256 compared with ``sha256Checksum``), succeeding on ``validExitCodes``
(default ``[0]``); ``File`` copies a blob to ``destination``; ``WindowsRestart`` restarts the
machine; ``WindowsUpdate`` installs updates (at most ``updateLimit``) and restarts as the
windows-update provisioner does. Every step is recorded in the contents' customizations and
writes the customization log's Packer-style lines. No HTTP, no scheduling here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator import storage
from goldfleet.emulator.guest.contents import AppliedCustomization, GuestContents
from goldfleet.emulator.guest.scripts import run_script
from goldfleet.emulator.world import World

PROVISIONERS = {
    "PowerShell": "powershell",
    "Shell": "shell",
    "File": "file",
    "WindowsRestart": "windows-restart",
    "WindowsUpdate": "windows-update",
}
DEPROVISION_SCRIPT = (
    "Write-Output '>>> Sysprepping VM ...'\n"
    "& $Env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /oobe /generalize /quiet /quit\n"
    "Write-Output '>>> Sysprep complete ...'"
)
FILE_SECONDS = 15.0
UPDATE_BATCH = 10  # what the guest's Install-WindowsUpdate rule installs


@dataclass
class StepOutcome:
    ok: bool
    duration: float
    log: list[str] = field(default_factory=list)
    error: str = ""  # the Packer error line, when not ok


def step_name(item: dict[str, Any], index: int) -> str:
    return str(item.get("name") or f"{item['type']} {index + 1}")


def apply_step(
    world: World, contents: GuestContents, item: dict[str, Any], index: int, started: float
) -> StepOutcome:
    """Run customizer ``item`` (the ``index``-th) on ``contents``, changing them in place."""
    provisioner = PROVISIONERS[item["type"]]
    name = step_name(item, index)
    kind = item["type"]
    if kind in ("PowerShell", "Shell"):
        outcome = _script(world, contents, item, name)
    elif kind == "File":
        outcome = _file(world, contents, item, name, started)
    elif kind == "WindowsRestart":
        outcome = _restart(world, contents, item, name)
    else:
        outcome = _windows_update(world, contents, item, name)
    outcome.log = [
        f"(telemetry) Starting provisioner {provisioner}",
        *outcome.log,
        *([f"==> azure-arm: {outcome.error}"] if outcome.error else []),
        f"(telemetry) ending {provisioner}",
    ]
    return outcome


def deprovision(world: World, contents: GuestContents) -> StepOutcome:
    """The hidden last customizer: Sysprep (C:\\DeprovisioningScript.ps1)."""
    result = run_script(world, contents, "DeprovisioningScript", DEPROVISION_SCRIPT)
    log = ["(telemetry) Starting provisioner powershell", *_lines(result.stdout, result.stderr)]
    if result.exit_code != 0:
        error = (
            f"Script exited with non-zero exit status: {result.exit_code}. "
            "Allowed exit codes are: [0]"
        )
        return StepOutcome(False, result.duration_seconds, [*log, f"==> azure-arm: {error}"], error)
    return StepOutcome(True, result.duration_seconds, [*log, "(telemetry) ending powershell"])


def _lines(stdout: str, stderr: str) -> list[str]:
    out = [f"    azure-arm: {line}" for line in stdout.splitlines() if line.strip()]
    out += [f"==> azure-arm: {line}" for line in stderr.splitlines() if line.strip()]
    return out


def fetch(world: World, uri: str, checksum: str | None) -> tuple[bytes | None, str]:
    """A blob's content, or None and the Packer download error (missing blob, bad checksum)."""
    data = storage.read_blob(world, uri)
    local = uri.rsplit("/", 1)[-1]
    if data is None:
        return None, (
            f"Downloading external file ({uri}) to local file ({local}) [attempt 1 of 10] "
            f"failed: Error downloading '{uri}' to '{local}'.."
        )
    actual = hashlib.sha256(data).hexdigest()
    if checksum and actual != checksum.lower():
        return None, (
            f"Error downloading '{uri}': Checksums did not match for {local}.\n"
            f"Expected: {checksum.lower()}\nGot: {actual}"
        )
    return data, ""


def _script(world: World, contents: GuestContents, item: dict[str, Any], name: str) -> StepOutcome:
    if item.get("scriptUri"):
        data, problem = fetch(world, item["scriptUri"], item.get("sha256Checksum"))
        if data is None:
            return StepOutcome(False, 5.0, [], problem)
        script = data.decode("utf-8", "replace")
        kind = PROVISIONERS[item["type"]]
        log = [f"==> azure-arm: Provisioning with {kind} script: {item['scriptUri']}"]
    else:
        script = "\n".join(item.get("inline") or [])
        log = [f"==> azure-arm: Provisioning with {PROVISIONERS[item['type']]} script: (inline)"]
    result = run_script(world, contents, name, script)
    log += _lines(result.stdout, result.stderr)
    allowed = item.get("validExitCodes") or [0]
    if result.exit_code not in allowed:
        error = (
            f"Script exited with non-zero exit status: {result.exit_code}. "
            f"Allowed exit codes are: {allowed}"
        )
        return StepOutcome(False, result.duration_seconds, log, error)
    return StepOutcome(True, result.duration_seconds, log)


def _file(
    world: World, contents: GuestContents, item: dict[str, Any], name: str, started: float
) -> StepOutcome:
    data, problem = fetch(world, item["sourceUri"], item.get("sha256Checksum"))
    if data is None:
        return StepOutcome(False, 5.0, [], problem)
    digest = hashlib.sha256(data).hexdigest()
    contents.files[item["destination"]] = digest
    finished = datetime.fromtimestamp(started + FILE_SECONDS, UTC)
    contents.customizations.append(
        AppliedCustomization(
            name=name, sha256=digest, finished=finished.isoformat().replace("+00:00", "Z")
        )
    )
    log = [f"==> azure-arm: Uploading {item['sourceUri']} => {item['destination']}"]
    return StepOutcome(True, FILE_SECONDS, log)


def _restart(world: World, contents: GuestContents, item: dict[str, Any], name: str) -> StepOutcome:
    command = item.get("restartCommand") or 'shutdown /r /f /t 0 /c "packer restart"'
    result = run_script(world, contents, name, "Restart-Computer")
    log = [
        f"==> azure-arm: Restarting Machine ({command})",
        "==> azure-arm: Waiting for machine to restart...",
        "    azure-arm: restarted.",
        "==> azure-arm: Machine successfully restarted, moving on",
    ]
    if result.exit_code != 0:
        return StepOutcome(
            False, result.duration_seconds, log, "Timeout waiting for machine to restart."
        )
    return StepOutcome(True, result.duration_seconds, log)


def _windows_update(
    world: World, contents: GuestContents, item: dict[str, Any], name: str
) -> StepOutcome:
    criteria = item.get("searchCriteria") or "BrowseOnly=0 and IsInstalled=0"
    limit = int(item.get("updateLimit", 1000))
    script = "\n".join(
        [
            f"# searchCriteria: {criteria}",
            *[f"# filter: {f}" for f in item.get("filters") or []],
            f"# updateLimit: {limit}",
            *(["Install-WindowsUpdate"] if limit > 0 else []),
            "Restart-Computer",
        ]
    )
    before = contents.updates_installed
    result = run_script(world, contents, name, script)
    installed = min(contents.updates_installed - before, limit)
    contents.updates_installed = before + installed
    log = [
        f"    azure-arm: Searching for Windows updates using the criteria: {criteria}",
        f"    azure-arm: Found {installed} updates; installing (limit {limit})",
        "==> azure-arm: Restarting the machine...",
        "==> azure-arm: Waiting for machine to become available...",
        *_lines(result.stdout, result.stderr),
    ]
    if result.exit_code != 0:
        error = f"Windows update failed with exit status: {result.exit_code}"
        return StepOutcome(False, result.duration_seconds, log, error)
    return StepOutcome(True, result.duration_seconds, log)
