"""The embedded PostgreSQL (no DATABASE_URL): first start, reuse of the data, clean stop.

Each step runs ``jcm_registry.embedded_pg`` in its own Python process on a temporary data
directory, as `make run` and `manage.py` commands do on var/pgdata; this test's own database
connection is not involved.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# argv: pgdata, then "create" (make a table), "read" (read it back) or "hold" (stay attached
# until a line arrives on stdin, to play a long-running process such as runserver).
SCRIPT = """
import json, sys
from pathlib import Path
import psycopg
from jcm_registry import embedded_pg

pgdata, step = Path(sys.argv[1]), sys.argv[2]
params = embedded_pg.database_settings(pgdata)
with psycopg.connect(dbname=params["NAME"], user=params["USER"], host=params["HOST"],
                     port=params["PORT"] or None) as conn:
    out = {"version": conn.execute("SELECT version()").fetchone()[0],
           "server_pid": embedded_pg.start(pgdata).get_pid()}
    if step == "create":
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('written by the first run')")
    elif step == "read":
        out["notes"] = [row[0] for row in conn.execute("SELECT note FROM kept")]
print(json.dumps(out), flush=True)
if step == "hold":
    sys.stdin.readline()
"""


def env_without_database() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XDG_RUNTIME_DIR", "JCM_PGDATA")}
    env["PYTHONPATH"] = str(BASE_DIR)
    return env


def run_step(pgdata: Path, step: str) -> dict:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(pgdata), step], env=env_without_database(),
                            cwd=BASE_DIR, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def alive(pid: int) -> bool:
    """Running, not merely an exited process waiting to be reaped (a zombie)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(cmdline) and alive(proc.pid):
            found.append(proc)
    return found


@pytest.fixture
def pgdata(tmp_path):
    path = tmp_path / "pgdata"
    yield path
    for proc in postgres_processes(path):  # never leave a server behind, even when a test fails
        proc.kill()


def test_first_start_initialises_and_serves_then_stops(pgdata):
    out = run_step(pgdata, "create")
    assert out["version"].startswith("PostgreSQL")
    assert (pgdata / "PG_VERSION").exists()
    assert not alive(out["server_pid"])
    assert postgres_processes(pgdata) == []
    assert not (pgdata / "postmaster.pid").exists()


def test_second_start_reuses_the_data(pgdata):
    run_step(pgdata, "create")
    out = run_step(pgdata, "read")
    assert out["notes"] == ["written by the first run"]
    assert postgres_processes(pgdata) == []


def test_the_last_process_to_exit_stops_the_server(pgdata):
    run_step(pgdata, "create")
    holder = subprocess.Popen([sys.executable, "-c", SCRIPT, str(pgdata), "hold"], env=env_without_database(),
                              cwd=BASE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        held = json.loads(holder.stdout.readline())
        # A second process attaches to the running server and leaves it running when it exits.
        out = run_step(pgdata, "read")
        assert out["server_pid"] == held["server_pid"]
        assert out["notes"] == ["written by the first run"]
        assert alive(held["server_pid"])
        assert postgres_processes(pgdata) != []
    finally:
        holder.communicate("done\n", timeout=180)
    assert holder.returncode == 0
    assert not alive(held["server_pid"])
    assert postgres_processes(pgdata) == []
