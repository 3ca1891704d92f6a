"""``manage.py create_app_role <role> [--password P | --password-env VAR]``: the database role the application
connects as (docs/security.md, "Database roles and the audit anchor").

Run as the owner of the tables (the role migrations run as), after every ``migrate`` (new tables get their
grants). The role logs in and is no superuser and owns nothing, so it cannot switch a trigger off
(``ALTER TABLE ... DISABLE TRIGGER`` needs the owner), set ``session_replication_role`` (a superuser's) or
truncate, alter or drop a table. It may read and write the registry's tables, except the append-only ones,
where it may only SELECT and INSERT: the audit trail and the ledger entries (and credit blocks are never
deleted). Idempotent: grants are made again, the password is set when given.
"""

from __future__ import annotations

import os
import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# table -> the privileges beyond SELECT and INSERT that the application keeps on it
APPEND_ONLY = {
    "jcm_registry_auditevent": [],
    "credits_ledgerentry": [],
    "credits_creditblock": ["UPDATE"],  # a block is split and superseded, never deleted
}


class Command(BaseCommand):
    help = "Create or update the application's database role: no DDL, no TRUNCATE, append-only audit and ledger."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role's name, e.g. jcm_app")
        parser.add_argument("--password", default=None, help="its password (or --password-env)")
        parser.add_argument("--password-env", default=None, help="an environment variable holding its password")
        parser.add_argument("--if-embedded", action="store_true",
                            help="do nothing unless the database is the embedded one (make migrate, make serve)")

    def handle(self, *args, role: str, password: str | None, password_env: str | None, **options):
        if options.get("if_embedded") and not getattr(settings, "JCM_EMBEDDED_DATABASE", False):
            return
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise CommandError("The role's name is lower-case letters, digits and _.")
        if password_env:
            password = os.environ.get(password_env) or None
            if password is None:
                raise CommandError(f"{password_env} is not set.")
        owner = connection.get_connection_params().get("user") or ""
        if owner == role:
            raise CommandError("Run this as the tables' owner, not as the application's role.")
        quoted = connection.ops.quote_name(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(f"{verb} ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                           f"NOBYPASSRLS")
            if password:
                cursor.execute(f"ALTER ROLE {quoted} PASSWORD %s", [password])
            cursor.execute("SELECT current_database()")
            database = connection.ops.quote_name(cursor.fetchone()[0])
            cursor.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {quoted}")
            cursor.execute(f"REVOKE CREATE ON SCHEMA public FROM {quoted}")
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            tables = [row[0] for row in cursor.fetchall()]
            for table in tables:
                name = connection.ops.quote_name(table)
                cursor.execute(f"REVOKE ALL ON TABLE {name} FROM {quoted}")
                kept = ["SELECT", "INSERT", *APPEND_ONLY[table]] if table in APPEND_ONLY else [
                    "SELECT", "INSERT", "UPDATE", "DELETE"]
                cursor.execute(f"GRANT {', '.join(kept)} ON TABLE {name} TO {quoted}")
            cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}")
        if options.get("verbosity", 1):
            self.stdout.write(self.style.SUCCESS(
                f"Role {role}: {len(tables)} tables; append-only for it: {', '.join(sorted(APPEND_ONLY))}."))
