"""A personal host pool re-imaged end to end (Adatum's lawyers, one desktop each): a host is
replaced only once its assigned user has signed out - nobody is messaged, drained or logged
off - and each user's assignment moves to the new host."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.api.estate import CONFIG, FAST, applied_estate, environment, runner
from tests.api.test_rollouts import PIPELINE, SOURCE, at

POOL = "adatum-personal"
ADATUM_SUB = "5a1b7c3d-0004-4e8f-9a0b-1c2d3e4f5a04"
POOL_ID = (
    f"/subscriptions/{ADATUM_SUB}/resourceGroups/rg-avd-hosts/providers/"
    "Microsoft.DesktopVirtualization/hostPools/hp-adatum-lawyers"
)
# Saturday 2027-01-16 23:00 in Berlin (CET, UTC+1): Adatum's window (5 h).
SATURDAY_WINDOW = datetime.fromisoformat("2027-01-16T22:00:00+00:00")


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    with applied_estate(
        tmp_path_factory.mktemp("estate"), tmp_path_factory.mktemp("applied")
    ) as emu:
        emu.control("PUT", "/clock", {"now": "2027-01-08T09:00:00Z"})
        yield emu


@pytest.fixture(scope="module")
def goldfleet(estate, tmp_path_factory):
    return runner(environment(estate, tmp_path_factory.mktemp("state")), estate)


def personal_config(tmp: Path, policy: dict[str, Any] | None = None) -> Path:
    """Adatum's pool on the monthly pipeline's Adatum image, with five desktops."""
    config = tmp / "config"
    shutil.copytree(CONFIG, config)
    docs = [d for d in yaml.safe_load_all((config / "pools.yaml").read_text()) if d]
    for doc in docs:
        if doc["metadata"]["name"] == POOL:
            doc["spec"]["sessionHosts"]["image"] = "win11-avd-adatum"
            if policy is not None:
                doc["spec"]["rolloutPolicy"] = "quick"
    (config / "pools.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    if policy is not None:
        rollout = [d for d in yaml.safe_load_all((config / "rollout.yaml").read_text()) if d]
        rollout.append(
            {
                "apiVersion": "goldfleet/v1",
                "kind": "RolloutPolicy",
                "metadata": {"name": "quick"},
                "spec": policy,
            }
        )
        (config / "rollout.yaml").write_text(yaml.safe_dump_all(rollout, sort_keys=False))
    return config


def cli(goldfleet, config: Path, *args: str) -> dict[str, Any]:
    done = goldfleet(*args, "-c", str(config), "-o", "json", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def release(goldfleet, config: Path, version: str) -> None:
    """A version replicated everywhere and promoted, at full speed; the clock's speed is put
    back after."""
    estate = goldfleet.estate
    speed = estate.control("GET", "/clock")["speed"]
    estate.control("PUT", "/clock", {"speed": FAST})
    _release(goldfleet, config, version)
    estate.control("PUT", "/clock", {"speed": speed})


def _release(goldfleet, config: Path, version: str) -> None:
    cli(
        goldfleet,
        config,
        "image",
        "version",
        "create",
        PIPELINE,
        "--source",
        SOURCE,
        "--version",
        version,
    )
    cli(
        goldfleet,
        config,
        "image",
        "version",
        "promote",
        f"{PIPELINE}:{version}",
        "--override-validation",
        "--reason",
        "test",
    )


def assignments(goldfleet, config: Path) -> dict[str, str]:
    """VM name -> its assigned user (``goldfleet pool status``), retired hosts left out."""
    hosts = cli(goldfleet, config, "pool", "status", POOL)["hosts"]
    return {h["name"]: h.get("assignedUser") or "" for h in hosts if not h["retiredAt"]}


def test_personal_desktops_are_replaced_after_their_users_sign_out(goldfleet, estate, tmp_path):
    config = personal_config(tmp_path)
    quick = personal_config(
        tmp_path / "quick",
        {
            "strategy": "deleteFirst",
            "batchSize": 5,
            "minAvailablePercent": 0,
            "canary": {"hosts": 0},
        },
    )
    release(goldfleet, config, "2027.108.1")
    at(estate, SATURDAY_WINDOW - timedelta(days=7, minutes=1))
    first = cli(goldfleet, quick, "pool", "rollout", POOL)
    assert first["state"] == "done" and len(first["created"]) == 5, first
    # The next version, replicated at full speed now: its simulated hours must not run into the
    # evening below.
    release(goldfleet, config, "2027.108.2")
    # Five lawyers who work late every day: each gets a desktop of their own the first evening.
    estate.control(
        "PUT",
        "/desktopvirtualization/populations",
        {
            "hostPoolId": POOL_ID,
            "users": 5,
            "timeZone": "Europe/Berlin",
            "start": "22:00",
            "end": "23:45",
            "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "signOutOnMessage": 1.0,
        },
    )
    at(estate, SATURDAY_WINDOW - timedelta(days=1, hours=23), FAST)  # after Friday's evening
    estate.control("PUT", "/clock", {"speed": 600})  # slow enough not to pass Saturday's
    before = assignments(goldfleet, config)
    assert sorted(u for u in before.values() if u) and len(before) == 5, before
    at(estate, SATURDAY_WINDOW - timedelta(minutes=1))
    pops = estate.control("GET", "/state")["sections"]["desktopvirtualization"]["populations"]
    signed_in = [u for u in pops[POOL_ID.lower()]["users"].values() if u["session"]]
    assert len(signed_in) >= 3  # the window opens while they work
    estate.control("DELETE", "/desktopvirtualization/metrics")
    estate.control("DELETE", "/requests")
    report = cli(goldfleet, config, "pool", "rollout", POOL)
    assert report["state"] == "done" and len(report["created"]) == 5, report
    assert report["forcedLogoffs"] == 0 and report["messagedSessions"] == 0
    seen = estate.control("GET", f"/desktopvirtualization/metrics?hostPoolId={POOL_ID}")
    assert seen[POOL_ID.lower()]["disruptions"] == 0
    records = estate.control("GET", "/desktopvirtualization/records")
    assert records["messages"] == []  # personal desktops are never messaged
    # each old desktop went only after its user's last sign-out of the evening
    last_logoff: dict[str, datetime] = {}
    for logoff in records["logoffs"]:
        at_ = datetime.fromisoformat(logoff["time"].replace("Z", "+00:00"))
        if at_ >= SATURDAY_WINDOW:
            host = logoff["sessionHostId"].rsplit("/", 1)[-1].split(".", 1)[0].lower()
            last_logoff[host] = max(last_logoff.get(host, at_), at_)
    assert len(last_logoff) >= 3, records["logoffs"]
    for batch in report["batches"]:
        for host in batch["retired"]:
            if host.lower() in last_logoff:
                assert datetime.fromisoformat(batch["ended"]) > last_logoff[host.lower()]
    after = assignments(goldfleet, config)
    assert sorted(u for u in after.values() if u) == sorted(u for u in before.values() if u)
    hosts = cli(goldfleet, config, "pool", "status", POOL)["hosts"]
    assert len(hosts) == 5 and all(h["version"] == "2027.108.2" for h in hosts), hosts
    estate.control("PUT", "/clock", {"speed": FAST})
