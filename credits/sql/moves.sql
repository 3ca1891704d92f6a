-- The hot path of the registry: the units of one transaction move from one account to another in one
-- statement, so in one round trip (credits.services.moves calls credits_move; its audit event follows in a
-- second). Loaded by migration credits 0004_moves_in_one_round_trip: the part above "-- reverse" migrates
-- forward, the part below it back. Released: a change is a new file loaded by a new migration.
--
-- Statuses come as parameters (credits.choices is their one definition). The transaction row comes as JSON
-- built from the model's fields, and a new block copies every column of the block it comes from except
-- those the move sets, so neither list of columns is written here.


-- A new block copying block p_origin, except the columns named in p_set (a JSON object of column -> value);
-- the database fills the primary key and the generated columns. Returns its id. The columns are read from
-- the catalogue, so that a column added to credits_creditblock is copied without a change here.
CREATE FUNCTION credits_block_copy(p_origin bigint, p_set jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    copied text;
    chosen text;
    named integer;
    new_id bigint;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
           string_agg(CASE WHEN p_set ? a.attname THEN 's.' ELSE 'o.' END || quote_ident(a.attname), ', '
                      ORDER BY a.attnum),
           count(*) FILTER (WHERE p_set ? a.attname)
      INTO copied, chosen, named
      FROM pg_attribute a
     WHERE a.attrelid = 'credits_creditblock'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attgenerated = '' AND a.attidentity = ''
       AND a.attnum <> ALL (SELECT unnest(c.conkey) FROM pg_constraint c
                             WHERE c.conrelid = 'credits_creditblock'::regclass AND c.contype = 'p');
    IF named <> (SELECT count(*) FROM jsonb_object_keys(p_set)) THEN
        RAISE EXCEPTION 'credits_block_copy: % names a column that a new block cannot be given', p_set;
    END IF;
    EXECUTE format('INSERT INTO credits_creditblock (%s) SELECT %s FROM credits_creditblock o, '
                   'jsonb_populate_record(NULL::credits_creditblock, $2) s WHERE o.id = $1 RETURNING id',
                   copied, chosen)
       INTO new_id USING p_origin, p_set;
    RETURN new_id;
END;
$$;


-- Move p_quantity units of account p_sender to account p_receiver for the transaction p_txn.
--
-- p_txn: the transaction row as the ORM would write it, completed (status, decided_at, completed_at set). With
--   no "id" it is new and is inserted once the sender has paid (a refused move takes no transaction number);
--   with one it is a proposal, whose status, decision, completion and approver are written.
-- The units: the range [p_first, p_last] if p_first is given, which one active block of the sender must hold
--   entirely; else the oldest p_quantity units of the sender's active blocks (of project p_project and vintage
--   p_vintage when given).
-- p_open: the status of an account that may send and receive; p_active: of a block whose units may move;
-- p_moved_status: the status of the units once moved; p_first_transfer: stamp first_transferred_at (an
-- external transfer) where it is not set; p_now: the time of the move (new blocks, ledger rows, stamp).
--
-- In this order: the two balance updates, in primary-key order (the sender's UPDATE ... WHERE balance >=
-- quantity both checks the holding and locks the account, so concurrent moves from one account queue
-- there); the transaction row; the sender's blocks, locked in serial order; the whole blocks moved, with
-- their ledger rows in serial order; then at most one block cut: it keeps the serials below the moved range
-- if that starts inside it, else those above; the moved range, and the upper remainder of a range cut from
-- the middle, become new blocks whose origin is the cut block, the moved one with its ledger row.
--
-- outcome: 'moved', or why nothing may move: 'sender' (not open, or holds fewer than p_quantity units),
-- 'receiver' (not open), 'range' (no block holds the range), 'quantity' (fewer matching units). The caller
-- raises the refusal, which rolls back what was written. txn_id: the transaction; recipients: the users
-- who represent the receiving account; firsts, lasts: the ranges moved, in serial order.
CREATE FUNCTION credits_move(
    p_txn jsonb, p_sender bigint, p_receiver bigint, p_quantity bigint, p_first bigint, p_last bigint,
    p_project text, p_vintage integer, p_open text, p_active text, p_moved_status text, p_first_transfer boolean,
    p_now timestamptz,
    OUT outcome text, OUT txn_id bigint, OUT recipients bigint[], OUT firsts bigint[], OUT lasts bigint[])
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    txn credits_credittransaction := jsonb_populate_record(NULL::credits_credittransaction, p_txn);
    next_account bigint;
    debited boolean := false;
    credited boolean := false;
    block record;
    remaining bigint := p_quantity;
    take bigint;
    whole bigint[] := '{}';
    cut record;          -- the block cut by the move, if any (then cut_first is set)
    cut_first bigint;    -- the range moved out of it
    cut_last bigint;
    moved bigint;
    written bigint;
BEGIN
    firsts := '{}';
    lasts := '{}';
    FOREACH next_account IN ARRAY ARRAY[least(p_sender, p_receiver), greatest(p_sender, p_receiver)] LOOP
        IF next_account = p_sender THEN
            UPDATE credits_account SET balance = balance - p_quantity
             WHERE id = p_sender AND status = p_open AND balance >= p_quantity;
            debited := FOUND;
        ELSE
            UPDATE credits_account SET balance = balance + p_quantity
             WHERE id = p_receiver AND status = p_open
            RETURNING ARRAY(SELECT r.user_id FROM credits_accountrepresentative r
                             WHERE r.account_id = p_receiver ORDER BY r.id) INTO recipients;
            credited := FOUND;
        END IF;
    END LOOP;
    IF NOT debited THEN
        outcome := 'sender';
        RETURN;
    ELSIF NOT credited THEN
        outcome := 'receiver';
        RETURN;
    END IF;

    IF txn.id IS NULL THEN
        txn.id := nextval(pg_get_serial_sequence('credits_credittransaction', 'id'));
        INSERT INTO credits_credittransaction SELECT txn.*;
    ELSE
        UPDATE credits_credittransaction
           SET status = txn.status, decided_at = txn.decided_at, completed_at = txn.completed_at,
               approver_id = txn.approver_id
         WHERE id = txn.id;
    END IF;
    txn_id := txn.id;

    IF p_first IS NOT NULL THEN
        SELECT id, first_serial, last_serial, first_transferred_at INTO block FROM credits_creditblock
         WHERE account_id = p_sender AND status = p_active AND first_serial <= p_first AND last_serial >= p_last
         ORDER BY first_serial DESC LIMIT 1 FOR UPDATE;
        IF NOT FOUND THEN
            outcome := 'range';
            RETURN;
        END IF;
        IF block.first_serial = p_first AND block.last_serial = p_last THEN
            whole := ARRAY[block.id];
        ELSE
            cut := block;
            cut_first := p_first;
            cut_last := p_last;
        END IF;
        firsts := ARRAY[p_first];
        lasts := ARRAY[p_last];
    ELSE
        FOR block IN SELECT id, first_serial, last_serial, first_transferred_at FROM credits_creditblock
                      WHERE account_id = p_sender AND status = p_active
                        AND (p_project IS NULL OR project_code = p_project)
                        AND (p_vintage IS NULL OR vintage = p_vintage)
                      ORDER BY first_serial FOR UPDATE LOOP
            take := least(remaining, block.last_serial - block.first_serial + 1);
            IF take = block.last_serial - block.first_serial + 1 THEN
                whole := whole || block.id;
            ELSE
                cut := block;
                cut_first := block.first_serial;
                cut_last := block.first_serial + take - 1;
            END IF;
            firsts := firsts || block.first_serial;
            lasts := lasts || (block.first_serial + take - 1);
            remaining := remaining - take;
            EXIT WHEN remaining = 0;
        END LOOP;
        IF remaining > 0 THEN
            outcome := 'quantity';
            RETURN;
        END IF;
    END IF;

    IF cardinality(whole) > 0 THEN
        WITH moved_blocks AS (
            UPDATE credits_creditblock
               SET account_id = p_receiver, status = p_moved_status,
                   first_transferred_at = CASE WHEN p_first_transfer THEN coalesce(first_transferred_at, p_now)
                                               ELSE first_transferred_at END
             WHERE id = ANY(whole)
            RETURNING id, first_serial, last_serial)
        INSERT INTO credits_ledgerentry (transaction_id, block_id, first_serial, last_serial, from_account_id,
                                         to_account_id, created_at)
        SELECT txn.id, id, first_serial, last_serial, p_sender, p_receiver, p_now FROM moved_blocks
         ORDER BY first_serial;
        GET DIAGNOSTICS written = ROW_COUNT;
        IF written <> cardinality(whole) THEN  -- cannot happen while the blocks are locked
            RAISE EXCEPTION 'credits_move: % ledger rows written for % blocks moved', written, cardinality(whole);
        END IF;
    END IF;

    IF cut_first IS NOT NULL THEN
        -- the block shrinks first, so that the exclusion constraint sees no overlap
        UPDATE credits_creditblock
           SET first_serial = CASE WHEN cut_first > cut.first_serial THEN cut.first_serial ELSE cut_last + 1 END,
               last_serial = CASE WHEN cut_first > cut.first_serial THEN cut_first - 1 ELSE cut.last_serial END
         WHERE id = cut.id;
        moved := credits_block_copy(cut.id, jsonb_build_object(
            'first_serial', cut_first, 'last_serial', cut_last, 'account_id', p_receiver, 'status', p_moved_status,
            'first_transferred_at', CASE WHEN p_first_transfer THEN coalesce(cut.first_transferred_at, p_now)
                                         ELSE cut.first_transferred_at END,
            'origin_id', cut.id, 'created_by_id', txn.id, 'created_at', p_now));
        INSERT INTO credits_ledgerentry (transaction_id, block_id, first_serial, last_serial, from_account_id,
                                         to_account_id, created_at)
        VALUES (txn.id, moved, cut_first, cut_last, p_sender, p_receiver, p_now);
        IF cut_first > cut.first_serial AND cut_last < cut.last_serial THEN
            PERFORM credits_block_copy(cut.id, jsonb_build_object(
                'first_serial', cut_last + 1, 'last_serial', cut.last_serial, 'origin_id', cut.id,
                'created_by_id', txn.id, 'created_at', p_now));
        END IF;
    END IF;
    outcome := 'moved';
END;
$$;

-- reverse

DROP FUNCTION IF EXISTS credits_move(jsonb, bigint, bigint, bigint, bigint, bigint, text, integer, text, text, text,
                                     boolean, timestamptz);
DROP FUNCTION IF EXISTS credits_block_copy(bigint, jsonb);
