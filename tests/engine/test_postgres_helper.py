"""The throwaway-PostgreSQL helper says what is missing when the server binaries are absent
(the PostgreSQL tests then fail with that message; they are never skipped)."""

from __future__ import annotations

import pytest

from tests.engine import postgres


def test_missing_server_binaries_are_reported_with_what_to_install(monkeypatch):
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    with pytest.raises(postgres.PostgresUnavailable, match=r"initdb, pg_ctl.*apt-get install"):
        postgres.find_bin_dir()
