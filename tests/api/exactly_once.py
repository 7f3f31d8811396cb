"""Killing goldfleet's mutating commands and running them again (rule 3 of docs/safety.md).

A *kill point* is the k-th write (PUT, PATCH, DELETE or POST) the emulator has answered for the
command: the process is SIGKILLed right after it, while the response is on its way back and
before goldfleet could checkpoint it - the worst moment. Then the same command runs again to the
end, and the checks say whether the effects happened exactly once: no resource created twice,
the work of the request done once (one release, one version per target, one audit entry per
request...), nothing left half-done.

Used by ``tests/api/test_exactly_once.py`` (a sample of kill points, chosen by hypothesis with a
fixed seed) and ``bench/exactly_once.py`` (the full sweep, with counts).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.api.estate import CONFIG, PROVIDER_SUB, environment

WRITES = ("PUT", "PATCH", "DELETE", "POST")
SOURCE = (
    f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-build/providers/"
    "Microsoft.Compute/images/img-win11-avd-2026-11"
)
PIPELINE = "win11-avd-monthly"


def writes(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in log if e["method"] in WRITES and not e["path"].startswith("/_")]


def log_of(estate: Any) -> list[dict[str, Any]]:
    return list(estate.control("GET", "/requests?limit=200000")["value"])


def created_twice(log: list[dict[str, Any]]) -> list[str]:
    """Resources a PUT created (201) more than once - each must be created exactly once."""
    counts = Counter(e["path"].lower() for e in log if e["method"] == "PUT" and e["status"] == 201)
    return sorted(path for path, n in counts.items() if n > 1)


@dataclass
class Outcome:
    command: str
    kill_at: int
    killed: bool  # False when the command finished before its k-th write
    writes_before_kill: int
    rerun_code: int
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Command:
    """A mutating command: how to set the estate up for it, its arguments, its checks."""

    name: str
    args: tuple[str, ...]
    check: Callable[[Any, Callable[..., Any], list[dict[str, Any]]], list[str]]
    prepare: Callable[[Any, Callable[..., Any]], None] | None = None
    speed: float = 300  # simulated seconds per real second while it runs


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "goldfleet", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def kill_and_rerun(
    estate: Any, state_dir: Path, command: Command, kill_at: int, snapshot: dict[str, Any]
) -> Outcome:
    """From ``snapshot``: prepare, run ``command`` until its ``kill_at``-th write, SIGKILL it,
    run it again to the end, and check its effects."""
    estate.control("PUT", "/state", snapshot)
    env = environment(estate, state_dir) | {"FABRIKAM_DOMAIN_JOIN_PASSWORD": "kill-Passw0rd!"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(env, *args)

    estate.control("PUT", "/clock", {"speed": 20000})
    if command.prepare is not None:
        command.prepare(estate, cli)
    estate.control("DELETE", "/requests")
    estate.control("PUT", "/clock", {"speed": command.speed})
    process = subprocess.Popen(
        [sys.executable, "-m", "goldfleet", *command.args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen = 0
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        seen = len(writes(log_of(estate)))
        if seen >= kill_at:
            break
        time.sleep(0.02)
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait()
    estate.control("PUT", "/clock", {"speed": 20000})
    again = cli(*command.args)
    outcome = Outcome(command.name, kill_at, killed, seen, again.returncode)
    if again.returncode != 0:
        outcome.problems.append(
            f"the command run again exited {again.returncode}: {again.stderr[-6000:]}"
        )
        return outcome
    log = log_of(estate)
    outcome.problems += [f"{path} was created twice" for path in created_twice(log)]
    outcome.problems += command.check(estate, cli, log)
    runs = json.loads(cli("status", "-o", "json", "--limit", "500").stdout)
    unfinished = [r["id"] for r in runs if r["state"] in ("PENDING", "ENQUEUED")]
    if unfinished:
        outcome.problems.append(f"work left unfinished: {unfinished}")
    return outcome


# --- the commands and what "exactly once" means for each ---------------------------------------


def _audit(cli: Callable[..., Any]) -> list[dict[str, Any]]:
    done = cli("audit", "list", "-o", "json", "--limit", "5000")
    return list(json.loads(done.stdout))


def _release_rows(cli: Callable[..., Any]) -> list[dict[str, Any]]:
    return list(json.loads(cli("image", "version", "list", "-o", "json").stdout))


def check_apply(estate: Any, cli: Callable[..., Any], log: list[dict[str, Any]]) -> list[str]:
    problems = []
    plan = json.loads(cli("plan", "-c", str(CONFIG), "-o", "json").stdout)
    if plan["summary"]["create"] or plan["summary"]["update"] or plan["summary"]["delete"]:
        problems.append(f"the plan is not empty after the re-run: {plan['summary']}")
    actions = Counter(e["action"] for e in _audit(cli))
    if actions["change.create"] != 33:
        problems.append(f"the audit records {actions['change.create']} creates, not 33")
    if actions["apply.finished"] != 1:
        problems.append(f"the audit records {actions['apply.finished']} finished applies, not 1")
    return problems


def check_release(estate: Any, cli: Callable[..., Any], log: list[dict[str, Any]]) -> list[str]:
    problems = []
    rows = _release_rows(cli)
    releases = {r["release"] for r in rows}
    if len(releases) != 1:
        problems.append(f"{len(releases)} releases were made, not one: {sorted(releases)}")
    versions = Counter(
        e["path"].lower().split("/versions/")[0]
        for e in log
        if e["method"] == "PUT" and "/versions/" in e["path"].lower() and e["status"] == 201
    )
    if any(n != 1 for n in versions.values()):
        problems.append(f"a definition got more than one new version: {dict(versions)}")
    trail = _audit(cli)
    requested = sum(1 for e in trail if e["action"] == "release.requested")
    if requested != 1:
        actions = [e["action"] for e in trail]
        problems.append(f"the audit records {requested} release requests, not one: {actions}")
    return problems


def check_promotion(estate: Any, cli: Callable[..., Any], log: list[dict[str, Any]]) -> list[str]:
    problems = []
    promoted = [e for e in _audit(cli) if e["action"] == "release.promoted"]
    if len(promoted) != 1:
        problems.append(f"the audit records {len(promoted)} promotions, not one")
    stages = {r["stage"] for r in _release_rows(cli)}
    if stages != {"promoted"}:
        problems.append(f"the release is {stages}, not promoted")
    return problems


def _ok(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr


def _release(cli: Callable[..., Any], version: str) -> None:
    _ok(
        cli(
            "image",
            "version",
            "create",
            PIPELINE,
            "-c",
            str(CONFIG),
            "--source",
            SOURCE,
            "--version",
            version,
        )
    )


def _release_first(estate: Any, cli: Callable[..., Any]) -> None:
    _release(cli, "2027.1.1")


def _two_releases(estate: Any, cli: Callable[..., Any]) -> None:
    _release(cli, "2027.1.1")
    _release(cli, "2027.1.2")


def _promoted_after_the_freezes(estate: Any, cli: Callable[..., Any]) -> None:
    estate.control("PUT", "/clock", {"now": "2027-01-12T09:00:00Z", "speed": 20000})
    _release(cli, "2027.1.1")
    _ok(
        cli(
            "image",
            "version",
            "promote",
            f"{PIPELINE}:2027.1.1",
            "-c",
            str(CONFIG),
            "--override-validation",
            "--reason",
            "kill test",
        )
    )


def _resources(estate: Any) -> dict[str, Any]:
    """The emulator's resources by id (lower-case), as Azure would return them."""
    items = estate.control("GET", "/state")["resources"]
    return {item["body"]["id"].lower(): item["body"] for item in items}


def check_replicate(estate: Any, cli: Callable[..., Any], log: list[dict[str, Any]]) -> list[str]:
    asked = sum(1 for e in _audit(cli) if e["action"] == "release.replicate_requested")
    return [] if asked == 1 else [f"the audit records {asked} replication requests, not one"]


def check_retire(estate: Any, cli: Callable[..., Any], log: list[dict[str, Any]]) -> list[str]:
    problems = []
    deleted = Counter(
        e["path"].lower() for e in log if e["method"] == "DELETE" and e["status"] < 300
    )
    twice = [p for p, n in deleted.items() if n > 1]
    if twice:
        problems.append(f"versions deleted twice: {twice}")
    rows = json.loads(
        cli(
            "image",
            "version",
            "retire",
            PIPELINE,
            "-c",
            str(CONFIG),
            "--keep",
            "1",
            "--dry-run",
            "-o",
            "json",
        ).stdout
    )
    left = sorted({r["version"] for r in rows if r["action"] == "delete"})
    if left:
        problems.append(f"versions left to delete after the re-run: {left}")
    return problems


ADOPTED = f"/subscriptions/{PROVIDER_SUB}/resourceGroups/rg-goldfleet-images"
DR_POOL = "fabrikam-pooled"


def check_adopt(estate: Any, cli: Callable[..., Any], log: list[dict[str, Any]]) -> list[str]:
    adopted = [e for e in _audit(cli) if e["action"] == "resource.adopted"]
    problems = [] if len(adopted) == 1 else [f"{len(adopted)} adoptions audited, not one"]
    group = next((v for k, v in _resources(estate).items() if k.lower() == ADOPTED.lower()), {})
    if (group.get("tags") or {}).get("goldfleet-owner") != "goldfleet/tenant/northwind":
        problems.append(f"the group's tags are {group.get('tags')}")
    return problems


def check_scale_out(estate: Any, cli: Callable[..., Any], log: list[dict[str, Any]]) -> list[str]:
    status = json.loads(cli("dr", "status", DR_POOL, "-c", str(CONFIG), "-o", "json").stdout)
    problems = []
    if status["capacity"] != 2 or len(status["instances"]) != 2:
        problems.append(f"the standby set has {status['capacity']}: {status['instances']}")
    if len(status["hosts"]) != 2:
        problems.append(f"the DR pool has {len(status['hosts'])} hosts, not 2")
    return problems


def check_capture(estate: Any, cli: Callable[..., Any], log: list[dict[str, Any]]) -> list[str]:
    problems = []
    made = {
        k.rsplit("/", 1)[-1]
        for k in _resources(estate)
        if "/galleries/gal_northwind_staging/images/win11-24h2-avd-legal/versions/" in k.lower()
    }
    if len(made) != 1:
        problems.append(f"{len(made)} staging versions were made, not one: {sorted(made)}")
    temporary = [k for k in _resources(estate) if "/resourcegroups/rg-goldfleet-tmp-" in k.lower()]
    if temporary:
        problems.append(f"temporary resources left: {temporary[:3]}")
    return problems


COMMANDS = {
    "image version replicate": Command(
        "image version replicate",
        ("image", "version", "replicate", f"{PIPELINE}:2027.1.1", "-c", str(CONFIG)),
        check_replicate,
        prepare=_release_first,
    ),
    "image version retire": Command(
        "image version retire",
        ("image", "version", "retire", PIPELINE, "-c", str(CONFIG), "--keep", "1", "--yes"),
        check_retire,
        prepare=_two_releases,
    ),
    "adopt": Command(
        "adopt",
        ("adopt", ADOPTED, "-c", str(CONFIG), "--as", "tenant/northwind", "--reason", "kill"),
        check_adopt,
    ),
    "dr scale-out": Command(
        "dr scale-out",
        ("dr", "scale-out", DR_POOL, "2", "-c", str(CONFIG)),
        check_scale_out,
        prepare=_promoted_after_the_freezes,
    ),
    "image capture": Command(
        "image capture",
        ("image", "capture", "win11-legal-capture", "-c", str(CONFIG)),
        check_capture,
        speed=200,
    ),
    "apply": Command("apply", ("apply", "-c", str(CONFIG), "--yes"), check_apply, speed=60),
    "image version create": Command(
        "image version create",
        ("image", "version", "create", PIPELINE, "-c", str(CONFIG), "--source", SOURCE),
        check_release,
    ),
    "image version promote": Command(
        "image version promote",
        (
            "image",
            "version",
            "promote",
            f"{PIPELINE}:2027.1.1",
            "-c",
            str(CONFIG),
            "--override-validation",
            "--reason",
            "kill test",
        ),
        check_promotion,
        prepare=_release_first,
    ),
}
