"""Authority over credits: per-account approval thresholds (government holding accounts: 0, every outgoing
transaction needs a second approval), trusted-account lists, the legal basis of administrative corrections
and reversals, and the trigger credits_txn_authority of credits/sql/authority.sql."""

import importlib
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

sql_sections = importlib.import_module("credits.migrations.0004_moves_in_one_round_trip").sql_sections
FORWARD, REVERSE = sql_sections(Path(__file__).resolve().parent.parent / "sql" / "authority.sql")
# The statuses and type the trigger needs, as literals of credits.choices at the time of this migration.
TRIGGER = """CREATE TRIGGER credits_txn_authority
    BEFORE INSERT OR UPDATE OF status, approver_id, initiator_id, legal_basis ON credits_credittransaction
    FOR EACH ROW EXECUTE FUNCTION credits_txn_authority('completed', 'participant_holding');"""
DROP_TRIGGER = "DROP TRIGGER IF EXISTS credits_txn_authority ON credits_credittransaction;"
# Reversals recorded before this migration state their reason in the note: it is their legal basis.
BACKFILL = "UPDATE credits_credittransaction SET legal_basis = note WHERE kind = 'reversal' AND legal_basis = '';"
# Government holding accounts: every outgoing transaction needs a second approval by default.
GOVERNMENT_THRESHOLD = ("UPDATE credits_account SET approval_threshold = 0 "
                        "WHERE type = 'government_holding' AND approval_threshold IS NULL;")


class Migration(migrations.Migration):

    dependencies = [
        ('committee', '0003_cycle_settings'),
        ('credits', '0007_block_split_from_range'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TrustedAccount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('added_at', models.DateTimeField()),
                ('active_from', models.DateTimeField()),
            ],
            options={
                'ordering': ['account', 'trusted__number'],
            },
        ),
        migrations.AddField(
            model_name='account',
            name='approval_threshold',
            field=models.BigIntegerField(blank=True, help_text="An outgoing transaction of at least this many credits needs a second representative's approval; 0 = every one (the default for government accounts); empty = none by quantity.", null=True, verbose_name='second approval from this quantity'),
        ),
        migrations.AddField(
            model_name='credittransaction',
            name='legal_basis',
            field=models.TextField(blank=True, default='', db_default='', help_text="Set for an administrative correction (and a reversal): the legal basis on which registry administrators act on a holder's account."),
        ),
        migrations.RunSQL(BACKFILL + GOVERNMENT_THRESHOLD, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.CheckConstraint(condition=models.Q(('approval_threshold__isnull', True), ('approval_threshold__gte', 0), _connector='OR'), name='account_approval_threshold_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='credittransaction',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'reversal'), _negated=True), models.Q(('legal_basis', ''), _negated=True), _connector='OR'), name='txn_reversal_has_legal_basis'),
        ),
        migrations.AddField(
            model_name='trustedaccount',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='trusted_links', to='credits.account'),
        ),
        migrations.AddField(
            model_name='trustedaccount',
            name='added_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='trustedaccount',
            name='trusted',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='credits.account'),
        ),
        migrations.AddConstraint(
            model_name='trustedaccount',
            constraint=models.UniqueConstraint(fields=('account', 'trusted'), name='trusted_account_unique'),
        ),
        migrations.AddConstraint(
            model_name='trustedaccount',
            constraint=models.CheckConstraint(condition=models.Q(('account', models.F('trusted')), _negated=True), name='trusted_account_not_itself'),
        ),
        migrations.AddConstraint(
            model_name='trustedaccount',
            constraint=models.CheckConstraint(condition=models.Q(('active_from__gte', models.F('added_at'))), name='trusted_account_after_added'),
        ),
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.RunSQL(TRIGGER, DROP_TRIGGER),
    ]
