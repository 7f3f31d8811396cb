"""Exactly once under crashes, swept: every mutating command killed after each of its writes
(or every ``--step``-th), run again, and checked (tests/api/exactly_once.py). Prints a table of
kill points per command: how many killed the command mid-work, how many finished anyway, and
how many left a problem (with the problems). Not a timed test; run it after changing anything
that writes to Azure.

    .venv/bin/python bench/exactly_once.py [--command NAME ...] [--step N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.api.estate import CONFIG, FAST, SCENARIO, environment  # noqa: E402
from tests.api.exactly_once import (  # noqa: E402
    COMMANDS,
    Outcome,
    kill_and_rerun,
    log_of,
    writes,
)

from goldfleet.emulator import EmulatorOptions, running_emulator  # noqa: E402


def clean_writes(emu, snapshot, command, state_root: Path) -> int:
    """How many writes the command makes when nothing goes wrong."""
    emu.control("PUT", "/state", snapshot)
    env = environment(emu, state_root / f"clean-{command.name.replace(' ', '-')}") | {
        "FABRIKAM_DOMAIN_JOIN_PASSWORD": "kill-Passw0rd!"
    }
    emu.control("PUT", "/clock", {"speed": FAST})
    if command.prepare is not None:
        command.prepare(
            emu,
            lambda *a: subprocess.run(
                [sys.executable, "-m", "goldfleet", *a],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            ),
        )
    emu.control("DELETE", "/requests")
    done = subprocess.run(
        [sys.executable, "-m", "goldfleet", *command.args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{command.name} fails without a kill: {done.stderr}")
    return len(writes(log_of(emu)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--command", action="append", choices=sorted(COMMANDS))
    parser.add_argument("--step", type=int, default=1, help="try every N-th write")
    args = parser.parse_args()
    names = args.command or sorted(COMMANDS)
    results: dict[str, list[Outcome]] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="goldfleet-sweep-") as root:
        root_path = Path(root)
        options = EmulatorOptions(scenario=SCENARIO, state_dir=root_path / "estate", speed=FAST)
        with running_emulator(options) as emu:
            initial = emu.control("GET", "/state")
            applied_env = environment(emu, root_path / "applied")
            subprocess.run(
                [sys.executable, "-m", "goldfleet", "apply", "-c", str(CONFIG), "--yes"],
                env=applied_env,
                check=True,
                capture_output=True,
            )
            applied = emu.control("GET", "/state")
            for name in names:
                command = COMMANDS[name]
                snapshot = initial if name == "apply" else applied
                total = clean_writes(emu, snapshot, command, root_path)
                results[name] = []
                for kill_at in range(1, total + 1, args.step):
                    state = root_path / f"{name.replace(' ', '-')}-{kill_at}"
                    outcome = kill_and_rerun(emu, state, command, kill_at, snapshot)
                    results[name].append(outcome)
                    mark = "ok" if not outcome.problems else "PROBLEM"
                    print(f"{name:24} kill at write {kill_at:3}/{total}: {mark}", flush=True)
    print()
    print(f"{'command':24} {'kill points':>11} {'killed':>7} {'finished':>9} {'problems':>9}")
    failed = 0
    for name, outcomes in results.items():
        killed = sum(o.killed for o in outcomes)
        bad = [o for o in outcomes if o.problems]
        failed += len(bad)
        print(
            f"{name:24} {len(outcomes):>11} {killed:>7} {len(outcomes) - killed:>9} {len(bad):>9}"
        )
        for o in bad:
            print(f"  kill at {o.kill_at}: " + "; ".join(o.problems))
    print(f"\n{time.monotonic() - started:.0f} s")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
