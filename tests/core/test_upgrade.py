"""An existing database upgrades with ``migrate`` and its audit chain still verifies.

``tests/fixtures/old_layout.sql.gz`` is a dump (``pg_dump --inserts``) of the demo registry as it was before the
audit trail moved to ``core`` and documents and notifications to apps of their own (commit 48cc2cb): every model
then lived in ``jcm_registry``. The test restores it into a database of its own on the test server, runs
``manage.py migrate`` and ``manage.py verify_audit`` in a subprocess against it, and checks that the content
types were renamed in place (their ids, which audit events name and the audit hash covers, unchanged).
"""

import gzip
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
DUMP = BASE_DIR / "tests" / "fixtures" / "old_layout.sql.gz"
MOVED = {"auditevent": "core", "document": "documents", "documentbatch": "documents",
         "documentnumber": "documents", "notification": "notifications",
         "notificationpreference": "notifications", "webhookendpoint": "notifications",
         "webhookdelivery": "notifications", "webhookattempt": "notifications"}


def _connect(settings: dict, dbname: str) -> psycopg.Connection:
    return psycopg.connect(dbname=dbname, user=settings["USER"], password=settings["PASSWORD"] or None,
                           host=settings["HOST"] or None, port=settings["PORT"] or None, autocommit=True)


def _url(settings: dict, dbname: str) -> str:
    user = urllib.parse.quote(settings["USER"] or "")
    password = f":{urllib.parse.quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or ""
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    if host.startswith("/"):  # a socket folder (the embedded server): as a query, which the URL parser keeps
        return f"postgres://{user}{password}@{port}/{dbname}?host={urllib.parse.quote(host, safe='/')}"
    return f"postgres://{user}{password}@{host}{port}/{dbname}"


@pytest.fixture
def old_database(db):
    settings = connection.settings_dict
    name = f"{settings['NAME']}_upgrade"
    with _connect(settings, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    script = "\n".join(line for line in gzip.decompress(DUMP.read_bytes()).decode().splitlines()
                       if not line.startswith("\\"))  # psql meta-commands (\restrict) are not SQL
    with _connect(settings, name) as conn:
        conn.execute(script)
    yield settings, name
    with _connect(settings, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(settings: dict, name: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(settings, name), "DJANGO_SETTINGS_MODULE": "jcm_registry.settings.local"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=600)


def test_a_database_of_the_old_layout_upgrades_and_its_audit_chain_verifies(old_database):
    settings, name = old_database
    with _connect(settings, name) as conn:
        before = dict(conn.execute("SELECT model, id FROM django_content_type WHERE app_label = 'jcm_registry'"))
        events = conn.execute("SELECT count(*) FROM jcm_registry_auditevent").fetchone()[0]
    assert set(before) == set(MOVED) and events > 100

    migrated = _manage(settings, name, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    verified = _manage(settings, name, "verify_audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"Audit chain intact: {events} events verified." in verified.stdout

    with _connect(settings, name) as conn:
        after = {model: (app, pk) for model, app, pk in conn.execute(
            "SELECT model, app_label, id FROM django_content_type WHERE model = ANY(%s)", [list(MOVED)])}
        left = conn.execute("SELECT count(*) FROM django_content_type WHERE app_label = 'jcm_registry'").fetchone()[0]
    assert after == {model: (MOVED[model], before[model]) for model in MOVED}
    assert left == 0

    # and the demo data is still readable through the moved models: a second seed adds nothing
    seeded = _manage(settings, name, "seed_demo", "-v", "0")
    assert seeded.returncode == 0, seeded.stderr
