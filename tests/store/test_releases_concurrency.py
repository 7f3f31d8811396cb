"""Targets of one release recorded at the same time from many threads: none is lost."""

from __future__ import annotations

import threading
from pathlib import Path

from goldfleet.store import releases
from goldfleet.store.db import open_database


def test_concurrent_target_outcomes_are_all_kept(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'goldfleet.sqlite'}")
    releases.open_release(engine, "win11", "1.0.0", "/source", "replicating", "t0")
    keys = [f"target-{n}" for n in range(12)]
    start = threading.Barrier(len(keys))

    def record(key: str) -> None:
        start.wait()
        outcome = {"state": "Completed", "versionId": f"/v/{key}", "sourceId": "/source"}
        releases.record_target(engine, "win11:1.0.0", key, outcome, "t1")

    threads = [threading.Thread(target=record, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = releases.get(engine, "win11:1.0.0")
    assert found is not None
    assert sorted(found.targets) == sorted(keys)
    assert len(found.lineage) == len(keys)
