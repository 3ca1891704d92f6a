-- The ledger's two invariants, checked by PostgreSQL at commit, and TRUNCATE refused on the blocks and the
-- ledger (docs/credits.md, "Database guards"). Loaded by migration credits 0003_ledger_invariants: the part
-- above "-- reverse" migrates forward, the part below it back. Released: a change is a new file loaded by a
-- new migration, so that migrating from scratch replays the same history.
--
-- 1. An account's balance equals the units of the blocks it holds.
--    credits_account.block_units counts those units. Two statement-level triggers on credits_creditblock keep
--    it (one UPDATE per account whose units a statement changed, however many blocks it moved), so that a
--    transfer costs the same whatever the number of blocks the account holds; a deferred constraint trigger
--    compares it with the balance at commit.
-- 2. A transaction's ledger entries add up to its quantity when it is completed, and to nothing before.
--    credits_credittransaction.entry_units counts the units of its entries, kept by a statement-level trigger
--    on credits_ledgerentry; a deferred constraint trigger compares it with the quantity at commit.
--
-- The two counters are the database's own (the models do not know them): a new row starts at 0 whatever the
-- INSERT says, and only the counting triggers may change them afterwards. A deferred trigger re-reads its
-- row, so it checks what is there at commit, not what the statement that queued it wrote.

ALTER TABLE credits_account ADD COLUMN block_units bigint NOT NULL DEFAULT 0;
ALTER TABLE credits_credittransaction ADD COLUMN entry_units bigint NOT NULL DEFAULT 0;

-- Existing databases: count what is there, and refuse to migrate a ledger that does not reconcile (every
-- later move from such an account would be refused at commit).
UPDATE credits_account a SET block_units = b.units
  FROM (SELECT account_id, sum(quantity) AS units FROM credits_creditblock GROUP BY account_id) b
 WHERE a.id = b.account_id;
UPDATE credits_credittransaction t SET entry_units = e.units
  FROM (SELECT transaction_id, sum(quantity) AS units FROM credits_ledgerentry GROUP BY transaction_id) e
 WHERE t.id = e.transaction_id;
DO $$
DECLARE
    accounts text;
    transactions text;
BEGIN
    SELECT string_agg(format('%s (balance %s, blocks %s)', number, balance, block_units), ', ' ORDER BY number)
      INTO accounts FROM credits_account WHERE balance <> block_units;
    SELECT string_agg(format('#%s (%s, quantity %s, entries %s)', id, status, quantity, entry_units), ', ' ORDER BY id)
      INTO transactions FROM credits_credittransaction
     WHERE entry_units <> CASE WHEN status = 'completed' THEN quantity ELSE 0 END;
    IF accounts IS NOT NULL OR transactions IS NOT NULL THEN
        RAISE EXCEPTION 'the registry does not reconcile; correct it before migrating (manage.py reconcile)'
            USING DETAIL = format('accounts: %s; transactions: %s', coalesce(accounts, 'none'),
                                  coalesce(transactions, 'none'));
    END IF;
END;
$$;

-- The counters belong to the database.
CREATE FUNCTION jcm_account_block_units_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.block_units := 0;  -- a new account holds no blocks
    ELSIF NEW.block_units IS DISTINCT FROM OLD.block_units AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'credits_account.block_units is kept by the triggers on credit blocks'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER jcm_account_block_units_guard BEFORE INSERT OR UPDATE OF block_units ON credits_account
    FOR EACH ROW EXECUTE FUNCTION jcm_account_block_units_guard();

CREATE FUNCTION jcm_transaction_entry_units_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.entry_units := 0;  -- a new transaction has no ledger entries
    ELSIF NEW.entry_units IS DISTINCT FROM OLD.entry_units AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'credits_credittransaction.entry_units is kept by the trigger on ledger entries'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER jcm_transaction_entry_units_guard BEFORE INSERT OR UPDATE OF entry_units ON credits_credittransaction
    FOR EACH ROW EXECUTE FUNCTION jcm_transaction_entry_units_guard();

-- Counting. "added" and "removed" are the rows a statement inserted or changed (new and old versions).
CREATE FUNCTION jcm_count_block_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE credits_account a SET block_units = a.block_units + d.units
          FROM (SELECT account_id, sum(quantity) AS units FROM added GROUP BY account_id) d
         WHERE a.id = d.account_id;
    ELSE
        UPDATE credits_account a SET block_units = a.block_units + d.units
          FROM (SELECT account_id, sum(units) AS units
                  FROM (SELECT account_id, quantity AS units FROM added
                        UNION ALL
                        SELECT account_id, -quantity FROM removed) changes
                 GROUP BY account_id HAVING sum(units) <> 0) d
         WHERE a.id = d.account_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER jcm_count_block_units_inserted AFTER INSERT ON credits_creditblock
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION jcm_count_block_units();
CREATE TRIGGER jcm_count_block_units_updated AFTER UPDATE ON credits_creditblock
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION jcm_count_block_units();

CREATE FUNCTION jcm_count_entry_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE credits_credittransaction t SET entry_units = t.entry_units + d.units
      FROM (SELECT transaction_id, sum(quantity) AS units FROM added GROUP BY transaction_id) d
     WHERE t.id = d.transaction_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER jcm_count_entry_units AFTER INSERT ON credits_ledgerentry
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION jcm_count_entry_units();

-- Checking, at commit.
CREATE FUNCTION jcm_check_account_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    account record;
BEGIN
    SELECT number, balance, block_units INTO account FROM credits_account WHERE id = NEW.id;
    IF account.balance <> account.block_units THEN
        RAISE EXCEPTION 'account % has a balance of % credits but holds % in its blocks', account.number,
            account.balance, account.block_units USING ERRCODE = 'integrity_constraint_violation',
            CONSTRAINT = 'account_balance_is_its_blocks';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER account_balance_is_its_blocks AFTER INSERT OR UPDATE OF balance, block_units
    ON credits_account DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION jcm_check_account_balance();

-- TG_ARGV[0]: the status of a completed transaction, the only one that has ledger entries.
CREATE FUNCTION jcm_check_transaction_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    txn record;
BEGIN
    SELECT id, status, quantity, entry_units INTO txn FROM credits_credittransaction WHERE id = NEW.id;
    IF txn.entry_units <> (CASE WHEN txn.status = TG_ARGV[0] THEN txn.quantity ELSE 0 END) THEN
        RAISE EXCEPTION 'the ledger entries of transaction % (%, quantity %) add up to % credits', txn.id,
            txn.status, txn.quantity, txn.entry_units USING ERRCODE = 'integrity_constraint_violation',
            CONSTRAINT = 'transaction_entries_add_up';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER transaction_entries_add_up AFTER INSERT OR UPDATE OF status, quantity, entry_units
    ON credits_credittransaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION jcm_check_transaction_entries('completed');

-- TRUNCATE would pass the row triggers that keep blocks and ledger entries.
CREATE FUNCTION jcm_blocks_never_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit blocks are never deleted: TRUNCATE is not allowed'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER jcm_blocks_never_truncated BEFORE TRUNCATE ON credits_creditblock
    FOR EACH STATEMENT EXECUTE FUNCTION jcm_blocks_never_truncated();
-- jcm_ledger_append_only (migration 0002) names the operation it refuses
CREATE TRIGGER jcm_ledger_never_truncated BEFORE TRUNCATE ON credits_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION jcm_ledger_append_only();

-- reverse

DROP TRIGGER IF EXISTS jcm_ledger_never_truncated ON credits_ledgerentry;
DROP TRIGGER IF EXISTS jcm_blocks_never_truncated ON credits_creditblock;
DROP FUNCTION IF EXISTS jcm_blocks_never_truncated();
DROP TRIGGER IF EXISTS transaction_entries_add_up ON credits_credittransaction;
DROP FUNCTION IF EXISTS jcm_check_transaction_entries();
DROP TRIGGER IF EXISTS account_balance_is_its_blocks ON credits_account;
DROP FUNCTION IF EXISTS jcm_check_account_balance();
DROP TRIGGER IF EXISTS jcm_count_entry_units ON credits_ledgerentry;
DROP FUNCTION IF EXISTS jcm_count_entry_units();
DROP TRIGGER IF EXISTS jcm_count_block_units_updated ON credits_creditblock;
DROP TRIGGER IF EXISTS jcm_count_block_units_inserted ON credits_creditblock;
DROP FUNCTION IF EXISTS jcm_count_block_units();
DROP TRIGGER IF EXISTS jcm_transaction_entry_units_guard ON credits_credittransaction;
DROP FUNCTION IF EXISTS jcm_transaction_entry_units_guard();
DROP TRIGGER IF EXISTS jcm_account_block_units_guard ON credits_account;
DROP FUNCTION IF EXISTS jcm_account_block_units_guard();
ALTER TABLE credits_credittransaction DROP COLUMN IF EXISTS entry_units;
ALTER TABLE credits_account DROP COLUMN IF EXISTS block_units;
