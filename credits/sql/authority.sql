-- Who may move credits, guarded by the database too (credits.access is the rule the services and pages use;
-- docs/credits.md, "Who may move credits"). Loaded by migration credits 0006_authority_over_credits: the part
-- above "-- reverse" migrates forward, the part below it back. Released: a change is a new file loaded by a
-- new migration.
--
-- A transaction that takes units out of a participant's (holder's) account is either
--   - ordinary: started by one of the account's representatives who may initiate (checked when the row is
--     written first), or
--   - an administrative correction (a reversal is one): it states its legal basis, and it completes only with
--     an approver who is not its initiator.
-- The trigger's arguments are the statuses and type it needs, from credits.choices (their one definition):
-- TG_ARGV[0] the completed status, TG_ARGV[1] the participant holding account type.

CREATE FUNCTION credits_txn_authority() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.from_account_id IS NULL THEN  -- an issuance
        RETURN NEW;
    END IF;
    IF NEW.legal_basis <> '' THEN
        IF NEW.status = TG_ARGV[0] AND (NEW.approver_id IS NULL OR NEW.approver_id = NEW.initiator_id) THEN
            RAISE EXCEPTION 'an administrative correction completes only with a second person''s approval'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM credits_account a WHERE a.id = NEW.from_account_id
                                                                      AND a.type = TG_ARGV[1])
       AND NOT EXISTS (SELECT 1 FROM credits_accountrepresentative r
                        WHERE r.account_id = NEW.from_account_id AND r.user_id = NEW.initiator_id
                          AND r.can_initiate) THEN
        RAISE EXCEPTION 'only a representative of account % may start a transaction from it (or an '
                        'administrative correction with its legal basis)', NEW.from_account_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

-- credits_move, unless the transaction needs a second approval (then nothing is written and the outcome is
-- 'approval'): the sending account requires it for all its transactions, or p_quantity reaches its approval
-- threshold, or (p_transfer) the receiving account is not active on its trusted-account list at p_now. One
-- statement, so the ordinary transfer still takes one round trip (credits.services.transactions; the rule is
-- services.needs_second_approval's).
CREATE FUNCTION credits_move_unless_approval(
    p_txn jsonb, p_sender bigint, p_receiver bigint, p_quantity bigint, p_first bigint, p_last bigint,
    p_project text, p_vintage integer, p_open text, p_active text, p_moved_status text, p_first_transfer boolean,
    p_now timestamptz, p_transfer boolean,
    OUT outcome text, OUT txn_id bigint, OUT recipients bigint[], OUT firsts bigint[], OUT lasts bigint[])
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM credits_account a
                WHERE a.id = p_sender
                  AND (a.requires_approval OR coalesce(p_quantity >= a.approval_threshold, false)
                       OR (p_transfer AND NOT EXISTS (
                               SELECT 1 FROM credits_trustedaccount t
                                WHERE t.account_id = p_sender AND t.trusted_id = p_receiver
                                  AND t.active_from <= p_now)))) THEN
        outcome := 'approval';
        RETURN;
    END IF;
    SELECT m.outcome, m.txn_id, m.recipients, m.firsts, m.lasts INTO outcome, txn_id, recipients, firsts, lasts
      FROM credits_move(p_txn => p_txn, p_sender => p_sender, p_receiver => p_receiver, p_quantity => p_quantity,
                        p_first => p_first, p_last => p_last, p_project => p_project, p_vintage => p_vintage,
                        p_open => p_open, p_active => p_active, p_moved_status => p_moved_status,
                        p_first_transfer => p_first_transfer, p_now => p_now) m;
END;
$$;

-- reverse

DROP FUNCTION IF EXISTS credits_move_unless_approval(jsonb, bigint, bigint, bigint, bigint, bigint, text, integer, text,
                                                     text, text, boolean, timestamptz, boolean);
DROP FUNCTION IF EXISTS credits_txn_authority();
