"""Database guards of the registry that constraints alone cannot express.

- Blocks are never deleted, and a cancelled or retired block never changes again.
- Ledger entries are append-only.
- The serial counter row exists.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION jcm_block_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'credit blocks are never deleted (block %)', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status <> 'active' AND (NEW.account_id <> OLD.account_id OR NEW.status <> OLD.status
            OR NEW.first_serial <> OLD.first_serial OR NEW.last_serial <> OLD.last_serial) THEN
        RAISE EXCEPTION 'credits in block % are % and never move again', OLD.id, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER jcm_block_guard BEFORE UPDATE OR DELETE ON credits_creditblock
    FOR EACH ROW EXECUTE FUNCTION jcm_block_guard();

CREATE FUNCTION jcm_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the credit ledger is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER jcm_ledger_append_only BEFORE UPDATE OR DELETE ON credits_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION jcm_ledger_append_only();

INSERT INTO credits_serialcounter (id, next_serial) VALUES (1, 1) ON CONFLICT (id) DO NOTHING;
"""

REVERSE = """
DROP TRIGGER IF EXISTS jcm_ledger_append_only ON credits_ledgerentry;
DROP FUNCTION IF EXISTS jcm_ledger_append_only();
DROP TRIGGER IF EXISTS jcm_block_guard ON credits_creditblock;
DROP FUNCTION IF EXISTS jcm_block_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_registry_ledger")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
