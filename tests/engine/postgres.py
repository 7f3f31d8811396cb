"""A throwaway PostgreSQL cluster for tests and benchmarks: ``initdb`` into a private temporary
directory, ``pg_ctl start`` on a Unix socket inside it, ``pg_ctl stop`` and delete at the end.

It needs only the server binaries (``initdb``, ``pg_ctl``), not a running server. ``initdb``
refuses to run as root, so as root the cluster is created and run as an unprivileged user (the
``postgres`` account when it exists, otherwise ``nobody``). Nothing listens on TCP: clients
connect through the socket, so parallel runs never collide on a port.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BINARIES = ("initdb", "pg_ctl")
SERVER_SETTINGS = {"max_connections": "300", "listen_addresses": "''"}
# For tests: a throwaway cluster need not survive a power cut. Benchmarks keep durability on.
NOT_DURABLE = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed (or the cluster would not start)."""


def find_bin_dir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` live: on PATH, or the newest /usr/lib/postgresql/*/bin."""
    found = [shutil.which(name) for name in BINARIES]
    if all(found):
        return Path(str(found[0])).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name or 0)
    )
    for directory in reversed(candidates):
        if all((Path(directory) / name).exists() for name in BINARIES):
            return Path(directory)
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in "
        "/usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: apt-get install postgresql); "
        "the tests start and stop their own throwaway cluster, no server needs to run."
    )


@dataclass
class ThrowawayPostgres:
    root: Path
    socket_dir: Path
    port: int
    user: str  # the database superuser

    def url(self, database: str) -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` over the Unix socket."""
        return (
            f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"
        )

    def fresh_url(self, prefix: str = "gf") -> str:
        """A URL for a database nobody has used yet (DBOS creates it on first launch)."""
        return self.url(f"{prefix}_{uuid.uuid4().hex[:12]}")


def _run_as(accounts: tuple[str, ...] = ("postgres", "nobody")) -> dict[str, Any]:
    """``subprocess`` arguments that drop root to an unprivileged account (initdb refuses root)."""
    if os.geteuid() != 0:
        return {}
    for name in accounts:
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    raise PostgresUnavailable("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def throwaway_postgres(
    *, durable: bool = False, accounts: tuple[str, ...] = ("postgres", "nobody")
) -> Iterator[ThrowawayPostgres]:
    """Create, start, yield, stop and delete a private PostgreSQL cluster (with ``durable``,
    commits are flushed to disk as in production; without, they are not - faster tests)."""
    bin_dir = find_bin_dir()
    run_as = _run_as(accounts)
    # Not under pytest's tmp dir: that is mode 0700 and owned by root, so the server's
    # unprivileged account could not reach its own data directory.
    root = Path(tempfile.mkdtemp(prefix="goldfleet-pg-"))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if run_as:
        for path in (root, sockets):
            os.chown(path, run_as["user"], run_as["group"])
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}

    def run(args: list[str]) -> None:
        # cwd: the unprivileged account may not be able to enter the caller's directory
        done = subprocess.run(
            args, env=env, cwd=root, capture_output=True, text=True, check=False, **run_as
        )
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr or done.stdout}"
                + (f"\nserver log:\n{log.read_text()}" if log.exists() else "")
            )

    options = " ".join(
        [f"-p {port}", f"-k {sockets}"]
        + [
            f"-c {k}={v}"
            for k, v in {**SERVER_SETTINGS, **({} if durable else NOT_DURABLE)}.items()
        ]
    )
    try:
        run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
        )
        yield ThrowawayPostgres(root, sockets, port, "postgres")
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                env=env,
                cwd=root,
                capture_output=True,
                check=False,
                **run_as,
            )
        shutil.rmtree(root, ignore_errors=True)
