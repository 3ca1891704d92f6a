"""Reconciliation: replay the ledger and compare it with the holdings, in SQL (scales to 10^7 blocks).

Checks, each reported with the account or issuance concerned:
1. replay: for every account, the sum of its ledger movements (``selectors.ledger_movements``:
   units received minus units sent in completed transactions) equals its stored balance and the
   units of the blocks it holds;
2. issuance: the blocks of every issuance sum to its quantity;
3. overlap: no two blocks share a serial number (the exclusion constraint guards it too);
4. finality: cancelled/retired blocks sit in accounts of the matching type, and nothing was
   ever sent out of a cancellation or retirement account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from .choices import TERMINAL_TYPES
from .selectors import ledger_movements


@dataclass
class Difference:
    check: str
    subject: str
    expected: int | str
    found: int | str

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: expected {self.expected}, found {self.found}"


# {replay}: the ledger replayed per account, from the one ledger reader (see ``_replay``).
REPLAY_SQL = """
WITH replay AS ({replay}), held AS (
    SELECT account_id, SUM(quantity) AS units FROM credits_creditblock GROUP BY account_id
)
SELECT a.number, a.balance, COALESCE(r.units, 0), COALESCE(h.units, 0)
  FROM credits_account a
  LEFT JOIN replay r ON r.account_id = a.id
  LEFT JOIN held h ON h.account_id = a.id
 WHERE a.balance <> COALESCE(r.units, 0) OR a.balance <> COALESCE(h.units, 0)
 ORDER BY a.number
"""


def _replay() -> tuple[str, tuple]:
    """SQL (and its parameters) of the units every account holds by the ledger: the sum of its movements."""
    replay = ledger_movements().order_by().values("account_id").annotate(units=Sum("delta"))
    return replay.query.sql_with_params()


ISSUANCE_SQL = """
SELECT i.id, i.monitoring_period_key, r.country_id, i.quantity, COALESCE(SUM(b.quantity), 0)
  FROM credits_issuance i
  JOIN credits_registry r ON r.id = i.registry_id
  LEFT JOIN credits_creditblock b ON b.issuance_id = i.id
 GROUP BY i.id, i.monitoring_period_key, r.country_id, i.quantity
HAVING i.quantity <> COALESCE(SUM(b.quantity), 0)
"""

OVERLAP_SQL = """
SELECT id, first_serial, last_serial, prev_last FROM (
    SELECT id, first_serial, last_serial,
           MAX(last_serial) OVER (ORDER BY first_serial ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_last
      FROM credits_creditblock
) ordered WHERE prev_last >= first_serial
"""

FINALITY_SQL = """
SELECT b.id, b.status, a.number, a.type FROM credits_creditblock b JOIN credits_account a ON a.id = b.account_id
 WHERE (b.status = 'active' AND a.type = ANY(%(terminal)s))
    OR (b.status = 'retired' AND a.type <> 'retirement')
    OR (b.status = 'cancelled' AND (a.type = 'retirement' OR NOT a.type = ANY(%(terminal)s)))
UNION ALL
SELECT e.block_id, 'sent out of a final account', a.number, a.type
  FROM credits_ledgerentry e JOIN credits_account a ON a.id = e.from_account_id
 WHERE a.type = ANY(%(terminal)s)
"""


def reconcile() -> list[Difference]:
    """Run every check; an empty list means the registry reconciles."""
    differences: list[Difference] = []
    terminal = [str(t) for t in TERMINAL_TYPES]
    with connection.cursor() as cursor:
        replay, params = _replay()
        cursor.execute(REPLAY_SQL.format(replay=replay), params)
        for number, balance, replayed, held in cursor.fetchall():
            if balance != replayed:
                differences.append(Difference("replay", f"account {number}", f"{replayed} (replay)",
                                              f"{balance} (balance)"))
            if balance != held:
                differences.append(Difference("holdings", f"account {number}", f"{balance} (balance)",
                                              f"{held} (blocks held)"))
        cursor.execute(ISSUANCE_SQL)
        for _pk, period, _country, quantity, blocks in cursor.fetchall():
            differences.append(Difference("issuance", f"issuance {period}", quantity, blocks))
        cursor.execute(OVERLAP_SQL)
        for pk, first, last, prev_last in cursor.fetchall():
            differences.append(Difference("overlap", f"block {pk} ({first}-{last})", f"first serial > {prev_last}",
                                          first))
        cursor.execute(FINALITY_SQL, {"terminal": terminal})
        for pk, status, number, account_type in cursor.fetchall():
            differences.append(Difference("finality", f"block {pk} in {number}", f"no {status} in {account_type}",
                                          status))
    return differences
