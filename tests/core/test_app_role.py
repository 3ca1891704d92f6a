"""Found 7 (issue 12): the application connects as a role that may only INSERT and SELECT on the audit
trail and the ledger, and can neither truncate a table nor switch a trigger off (migrations run as the
owner). ``manage.py create_app_role`` makes the role; this test makes one on the test database, connects as
it, and tries."""

import os

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

ROLE = "jcm_app_test" + os.environ.get("JCM_TEST_DB_SUFFIX", "").lower()  # roles are per cluster


@pytest.fixture
def app_connection():
    call_command("create_app_role", ROLE, "--password", "app-role-test-password", verbosity=0)
    params = connection.get_connection_params()
    conn = psycopg.connect(host=params.get("host") or "127.0.0.1", port=params.get("port") or 5432,
                           dbname=connection.settings_dict["NAME"], user=ROLE, password="app-role-test-password",
                           autocommit=True)
    yield conn
    conn.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{ROLE}"')
        cursor.execute(f'DROP ROLE IF EXISTS "{ROLE}"')


@pytest.mark.parametrize("statement", [
    "DELETE FROM jcm_registry_auditevent",
    "UPDATE jcm_registry_auditevent SET message = 'x'",
    "TRUNCATE jcm_registry_auditevent",
    "ALTER TABLE jcm_registry_auditevent DISABLE TRIGGER jcm_audit_append_only",
    "ALTER TABLE jcm_registry_auditevent DISABLE TRIGGER ALL",
    "DELETE FROM credits_ledgerentry",
    "UPDATE credits_ledgerentry SET id = id",
    "TRUNCATE credits_ledgerentry",
    "TRUNCATE credits_creditblock",
    "ALTER TABLE credits_ledgerentry DISABLE TRIGGER jcm_ledger_append_only",
    "SET session_replication_role = replica",
    "DROP TABLE jcm_registry_auditevent",
])
def test_the_app_role_cannot_rewrite_the_audit_trail_or_the_ledger(app_connection, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_connection.execute(statement)


def test_the_app_role_reads_and_appends(app_connection):
    row = app_connection.execute(
        "SELECT has_table_privilege(current_user, 'jcm_registry_auditevent', 'INSERT'),"
        "       has_table_privilege(current_user, 'jcm_registry_auditevent', 'SELECT'),"
        "       has_table_privilege(current_user, 'credits_ledgerentry', 'INSERT'),"
        "       has_table_privilege(current_user, 'credits_account', 'UPDATE'),"
        "       (SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls FROM pg_roles"
        "         WHERE rolname = current_user)").fetchone()
    assert row == (True, True, True, True, False)
    app_connection.execute("SELECT count(*) FROM jcm_registry_auditevent").fetchone()


def test_the_embedded_demo_serves_as_the_app_role(monkeypatch, settings):
    """`make run` / `make serve` on the embedded database: migrations and seed_demo as the server's owner, the web
    server as the application's role (JCM_EMBEDDED_DB_ROLE), made by ``create_app_role --if-embedded``."""
    from pathlib import Path

    from jcm_registry import embedded_pg

    owner = {"NAME": "jcm", "USER": "postgres", "PASSWORD": "", "HOST": "/tmp/sock", "PORT": ""}
    monkeypatch.setattr(embedded_pg, "start", lambda pgdata: object())
    monkeypatch.setattr(embedded_pg, "ensure_database", lambda server, database: None)
    monkeypatch.setattr(embedded_pg, "connection_params", lambda server, database: dict(owner))
    assert embedded_pg.database_settings(Path("/nowhere"))["USER"] == "postgres"
    assert embedded_pg.database_settings(Path("/nowhere"), role="jcm_app")["USER"] == "jcm_app"
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    serve = makefile.split("\nserve:")[1].split("\n\n")[0]
    migrate = makefile.split("\nmigrate:")[1].split("\n\n")[0]
    assert "JCM_EMBEDDED_DB_ROLE=$(APP_DB_ROLE)" in serve and "runserver" in serve
    assert "create_app_role $(APP_DB_ROLE) --if-embedded" in migrate

    # with a DATABASE_URL (as here), --if-embedded does nothing: the operator manages that server's roles
    settings.JCM_EMBEDDED_DATABASE = False
    call_command("create_app_role", ROLE + "_never", "--if-embedded", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE + "_never"])
        assert cursor.fetchone() is None
