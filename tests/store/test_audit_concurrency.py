"""An audit append while another connection writes to the same SQLite database.

The append reads the chain's head and then inserts after it. If another writer could commit
between the two, SQLite refuses the insert at once ("database is locked"): a WAL reader's snapshot
cannot become a writer. The append must hold the write lock from its first statement.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event

from goldfleet.store import audit
from goldfleet.store.db import open_database


def test_a_write_between_reading_the_head_and_inserting_does_not_fail_the_append(
    tmp_path: Path,
) -> None:
    path = tmp_path / "goldfleet.sqlite"
    engine = open_database(f"sqlite:///{path}")
    audit.append(engine, at="t0", actor="me", action="first", subject="s")
    other_writes: list[str] = []

    def write_elsewhere(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("INSERT INTO goldfleet_audit"):
            return
        other = sqlite3.connect(path, timeout=0.05)
        try:
            other.execute("CREATE TABLE IF NOT EXISTS elsewhere (n INTEGER)")
            other.execute("INSERT INTO elsewhere VALUES (1)")
            other.commit()
            other_writes.append("committed")
        except sqlite3.OperationalError as refused:
            other_writes.append(str(refused))
        finally:
            other.close()

    event.listen(engine, "before_cursor_execute", write_elsewhere)
    try:
        entry = audit.append(engine, at="t1", actor="me", action="second", subject="s")
    finally:
        event.remove(engine, "before_cursor_execute", write_elsewhere)

    assert entry.seq == 2
    assert other_writes == ["database is locked"], "the append did not hold the write lock"
    assert audit.verify(engine) is None
    assert [e.action for e in audit.entries(engine)] == ["first", "second"]
