"""A PostgreSQL server kept between benchmark runs (the suite's server mode).

The suite measures the database-bound scenarios on PostgreSQL as well. Loading 250,000
people into a server takes minutes, so, like the SQLite bases, the server's data folder is
kept in ``bench/data/`` under a name made of the size, the seed and the schema fingerprint,
and reused; the server itself runs only while the suite does (``pg_ctl start`` / ``stop``).

Unlike the test suite's throwaway server (``.ci/postgres``), this one keeps PostgreSQL's
durable defaults (``fsync``, synchronous commit, autovacuum): a save measured here waits for
its commit as it would on a service's server. It listens on 127.0.0.1 only; run by root, it
runs as the ``postgres`` system user, as PostgreSQL requires.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROLE = "spip_bench"
DATABASE = "spip_bench"


def bindir() -> Path | None:
    """The newest PostgreSQL server binaries installed (Debian's layout), or None."""
    configured = os.environ.get("PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def _as_server(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(command: list[str], cwd: Path) -> None:
    subprocess.run(_as_server(command), check=True, cwd=cwd, capture_output=True)


def _initdb(binaries: Path, folder: Path, password: str) -> None:
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    (folder / "password").write_text(password)
    pwfile = folder / "pwfile"
    pwfile.write_text(password)
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    # French ICU collation, as on a French service's server (falls back without ICU).
    for locale in (
        ["--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=fr-FR"],
        ["--locale=C.UTF-8"],
    ):
        try:
            _run(
                [
                    str(binaries / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    *locale,
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ],
                folder,
            )
            break
        except subprocess.CalledProcessError:
            shutil.rmtree(data, ignore_errors=True)
    else:
        raise RuntimeError("initdb a échoué")
    pwfile.unlink()


def data_folder(preferred: Path) -> Path:
    """``preferred`` when the server's system user can reach it, else a folder of the same
    name under /var/tmp (a clone in a private home folder is out of ``postgres``'s reach)."""
    if os.geteuid() != 0:
        return preferred
    preferred.parent.mkdir(parents=True, exist_ok=True)
    reachable = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(preferred.parent)],
        capture_output=True,
    )
    if reachable.returncode == 0:
        return preferred
    fallback = Path("/var/tmp/spip-bench") / preferred.name
    fallback.parent.mkdir(parents=True, exist_ok=True)
    return fallback


@contextmanager
def server(folder: Path) -> Iterator[str]:
    """Start the server whose data lives in ``folder`` (created at the first call) and
    yield the SQLAlchemy URL of its benchmark database; stop it on the way out."""
    folder = folder.resolve()
    binaries = bindir()
    if binaries is None:
        raise RuntimeError("PostgreSQL n'est pas installé (paquet postgresql)")
    # A folder without the marker was left half made (a run killed after initdb).
    fresh = not (folder / "ready").exists()
    if fresh:
        stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
        _initdb(binaries, folder, secrets.token_hex(16))
    password = (folder / "password").read_text().strip()
    stop(folder)  # a run killed before it could stop its server left it running
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} -c port={port}"
        " -c shared_buffers=512MB -c effective_cache_size=4GB -c work_mem=32MB"
        " -c maintenance_work_mem=512MB -c max_wal_size=4GB -c log_min_messages=warning"
    )
    try:
        _run(
            [
                str(binaries / "pg_ctl"),
                "start",
                "-D",
                str(folder / "data"),
                "-w",
                "-t",
                "120",
                "-s",
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
            ],
            folder,
        )
        if fresh:
            psql = [str(binaries / "psql"), "-h", str(folder), "-p", str(port), "-U", "postgres"]
            _run(
                [
                    *psql,
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    "postgres",
                    "-c",
                    f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'",
                    "-c",
                    f"CREATE DATABASE {DATABASE} OWNER {ROLE}",
                ],
                folder,
            )
            (folder / "ready").write_text("initdb, role and database made\n")
        yield f"postgresql+psycopg://{ROLE}:{password}@127.0.0.1:{port}/{DATABASE}"
    finally:
        stop(folder)


def stop(folder: Path) -> None:
    """Stop the server of ``folder`` if one runs there (a no-op otherwise)."""
    binaries = bindir()
    data = folder / "data"
    if binaries is None or not (data / "PG_VERSION").exists():
        return
    status = subprocess.run(
        _as_server([str(binaries / "pg_ctl"), "status", "-D", str(data)]),
        cwd=folder,
        capture_output=True,
    )
    if status.returncode == 0:
        _run([str(binaries / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-s"], folder)


def wait_until_accepting(url: str, timeout: float = 30) -> None:
    """Return once the server answers a query (it may still be replaying its journal)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
                return
            except sqlalchemy.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        engine.dispose()
