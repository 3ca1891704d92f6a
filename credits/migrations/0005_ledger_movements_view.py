"""The ledger's movements as a view: one row per account and ledger entry of a completed transaction.

Every reader of the ledger (account statements, reconciliation, the Article 6.2 report) reads this view
through ``credits.selectors.ledger_movements``, so they replay the ledger the same way. Each entry gives an
incoming row for its receiving account and, unless it is an issuance (no sending account), an outgoing row
with a negative ``delta`` for its sending account. A column of the ledger or transaction tables that the view
reads cannot change type or be dropped while the view exists: drop and recreate the view in such a migration.
"""

import django.db.models.deletion
from django.db import migrations, models

# The two sides of every entry (the outgoing one only where there is a sending account), then their
# transaction: each side reads one table, so PostgreSQL reads only the columns a query uses and pushes an
# account's filter down to the index of either side.
CREATE_VIEW = """
CREATE VIEW credits_ledgermovement AS
SELECT m.entry_id, m.incoming, m.transaction_id, m.block_id, m.account_id, m.counterparty_id,
       m.first_serial, m.last_serial, m.quantity, m.delta, t.kind, t.completed_at
  FROM (SELECT e.id AS entry_id, TRUE AS incoming, e.transaction_id, e.block_id,
               e.to_account_id AS account_id, e.from_account_id AS counterparty_id,
               e.first_serial, e.last_serial, e.quantity, e.quantity AS delta
          FROM credits_ledgerentry e
        UNION ALL
        SELECT e.id, FALSE, e.transaction_id, e.block_id,
               e.from_account_id, e.to_account_id,
               e.first_serial, e.last_serial, e.quantity, -e.quantity
          FROM credits_ledgerentry e
         WHERE e.from_account_id IS NOT NULL) m
  JOIN credits_credittransaction t ON t.id = m.transaction_id
 WHERE t.status = 'completed'
"""

DROP_VIEW = "DROP VIEW IF EXISTS credits_ledgermovement"


class Migration(migrations.Migration):

    dependencies = [
        ("credits", "0004_moves_in_one_round_trip"),
    ]

    operations = [
        migrations.RunSQL(CREATE_VIEW, DROP_VIEW),
        migrations.CreateModel(
            name="LedgerMovement",
            fields=[
                ("pk", models.CompositePrimaryKey("entry", "incoming", blank=True, editable=False, primary_key=True,
                                                  serialize=False)),
                ("entry", models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                            to="credits.ledgerentry")),
                ("incoming", models.BooleanField()),
                ("transaction", models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                                  to="credits.credittransaction")),
                ("block", models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                            to="credits.creditblock")),
                ("account", models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                              to="credits.account")),
                ("counterparty", models.ForeignKey(help_text="The other account of the entry; none for an issuance.",
                                                   null=True, on_delete=django.db.models.deletion.DO_NOTHING,
                                                   related_name="+", to="credits.account")),
                ("first_serial", models.BigIntegerField()),
                ("last_serial", models.BigIntegerField()),
                ("quantity", models.BigIntegerField()),
                ("delta", models.BigIntegerField(help_text="The quantity, negative when the units leave the account.")),
                ("kind", models.CharField(choices=[("issuance", "Issuance"), ("transfer", "Transfer"),
                                                   ("external_transfer", "External transfer"),
                                                   ("cancellation", "Cancellation"), ("retirement", "Retirement"),
                                                   ("reversal", "Correction by reversal")], max_length=20)),
                ("completed_at", models.DateTimeField()),
            ],
            options={
                "db_table": "credits_ledgermovement",
                "managed": False,
            },
        ),
    ]
