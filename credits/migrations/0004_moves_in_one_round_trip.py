"""The units of a transaction move in one statement: the PL/pgSQL functions credits_move and
credits_block_copy of credits/sql/moves.sql, called by credits.services.moves."""

import re
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql" / "moves.sql"


def sql_sections(path: Path) -> tuple[str, str]:
    """The forward and reverse SQL of a file of credits/sql: the parts above and below its "-- reverse" line."""
    forward, reverse = re.split(r"^-- reverse$", path.read_text(encoding="utf-8"), maxsplit=1, flags=re.M)
    return forward, reverse


FORWARD, REVERSE = sql_sections(SQL)


class Migration(migrations.Migration):
    dependencies = [("credits", "0003_ledger_invariants")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
