"""The embedded PostgreSQL used when no ``DATABASE_URL`` is configured.

The `pgserver` package ships real PostgreSQL binaries. The data directory lives under
``var/pgdata`` in the project (or ``JCM_PGDATA``) and is reused across runs: the first
process that needs it starts the server, later processes attach to the running one, and
the last process to exit stops it (pgserver keeps a list of the processes holding it).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

DATABASE_NAME = "jcm"

_servers: dict[Path, object] = {}


def _prepare_runtime_dir(base: Path) -> None:
    # pgserver keeps an inter-process lock in the XDG runtime directory; give it a
    # stable, private one inside the project so that every process finds the same lock.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run = base / "run"
        run.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(run)


def start(pgdata: Path) -> object:
    """Start (or attach to) the embedded server for ``pgdata`` and return its handle."""
    pgdata = Path(pgdata).resolve()
    if pgdata in _servers:
        return _servers[pgdata]
    pgdata.mkdir(parents=True, exist_ok=True)
    _prepare_runtime_dir(pgdata.parent)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver.postgres_server import PostgresServer

        with PostgresServer._lock:
            _forget_dead_holders(pgdata)
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _exit_cleanly_on_sigterm()
    _servers[pgdata] = server
    return server


def _forget_dead_holders(pgdata: Path) -> None:
    """Drop processes killed without cleaning up from pgserver's list of holders.

    pgserver stops the server when the last process on its list exits; a process killed by a
    signal never removes itself, and the server would then never stop.
    """
    import psutil

    holders = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(holders.read_text())
    except (FileNotFoundError, ValueError):
        return

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    living = [pid for pid in pids if alive(pid)]
    if living != pids:
        holders.write_text(json.dumps(living))


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit so that pgserver's atexit hook stops the server."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def connection_params(server: object, database: str = DATABASE_NAME) -> dict:
    """Host (socket directory), port and user of a running embedded server."""
    uri = urlparse(server.get_uri())  # postgresql://postgres:@/postgres?host=/tmp/xyz
    query = parse_qs(uri.query)
    return {
        "NAME": database,
        "USER": uri.username or "postgres",
        "PASSWORD": uri.password or "",
        "HOST": query.get("host", [uri.hostname or ""])[0],
        "PORT": str(uri.port or ""),
    }


def ensure_database(server: object, database: str = DATABASE_NAME) -> None:
    import psycopg
    from psycopg import sql

    params = connection_params(server, "postgres")
    with psycopg.connect(
        dbname="postgres", user=params["USER"], host=params["HOST"], port=params["PORT"] or None,
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def database_settings(pgdata: Path, database: str = DATABASE_NAME, role: str | None = None) -> dict:
    """Django ``DATABASES['default']`` for the embedded server, starting it if needed.

    The connection is the server's owner (a superuser: migrations, ``seed_demo``, ``create_app_role``), or
    ``role`` when given (``make serve``: the application's role ``jcm_app``, which may not switch triggers off
    or rewrite the audit trail; docs/security.md). The server trusts local connections, so no password."""
    server = start(pgdata)
    ensure_database(server, database)
    params = connection_params(server, database)
    if role:
        params.update(USER=role, PASSWORD="")
    return {"ENGINE": "django.db.backends.postgresql", **params}
