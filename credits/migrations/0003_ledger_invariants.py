"""PostgreSQL checks the ledger's two invariants at commit (an account's balance equals the units of its
blocks; a transaction's ledger entries add up to its quantity) and refuses TRUNCATE of the blocks and the
ledger: credits/sql/ledger_invariants.sql, which also counts what existing databases hold."""

import re
from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql" / "ledger_invariants.sql"


def sql_sections(path: Path) -> tuple[str, str]:
    """The forward and reverse SQL of a file of credits/sql: the parts above and below its "-- reverse" line."""
    forward, reverse = re.split(r"^-- reverse$", path.read_text(encoding="utf-8"), maxsplit=1, flags=re.M)
    return forward, reverse


FORWARD, REVERSE = sql_sections(SQL)


class Migration(migrations.Migration):
    dependencies = [("credits", "0002_ledger_guards")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
