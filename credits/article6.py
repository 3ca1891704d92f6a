"""Article 6.2 annual information of one registry for one calendar year, as CSV and XLSX.

Rows: (category, authorization, vintage, quantity). Categories, following the annual
information of decision 2/CMA.3 (see docs/credits.md for the mapping to JCM accounts):
- ``authorization``   credits issued in the year with an NDC or OIMP authorization
- ``first_transfer``  authorized credits first transferred out of their issuing registry in the year
- ``transfer``        credits transferred out of this registry to another registry in the year
- ``acquisition``     credits received from another registry in the year
- ``holdings``        credits held at 31 December, per account type
- ``cancellation``, ``voluntary_cancellation``, ``omge_cancellation``   cancellations in the year
- ``use_towards_ndc`` retirements in the year
"""

from __future__ import annotations

import csv
import io

from django.db import connection

from .choices import AccountType
from .models import Registry
from .selectors import year_bounds

COLUMNS = ["registry", "year", "category", "authorization", "vintage", "quantity"]

_MOVES_SQL = """
SELECT %(category)s, b."authorization", b.vintage, SUM(e.quantity)
  FROM credits_ledgerentry e
  JOIN credits_credittransaction t ON t.id = e.transaction_id
  JOIN credits_creditblock b ON b.id = e.block_id
  LEFT JOIN credits_account fa ON fa.id = e.from_account_id
  JOIN credits_account ta ON ta.id = e.to_account_id
 WHERE t.status = 'completed' AND t.completed_at >= %(start)s AND t.completed_at < %(end)s AND {where}
 GROUP BY b."authorization", b.vintage
"""

_QUERIES = {
    "authorization": "t.kind = 'issuance' AND ta.registry_id = %(registry)s AND b.\"authorization\" <> 'none'",
    "transfer": "t.kind = 'external_transfer' AND fa.registry_id = %(registry)s",
    "acquisition": "t.kind = 'external_transfer' AND ta.registry_id = %(registry)s",
    "cancellation": f"t.kind = 'cancellation' AND ta.registry_id = %(registry)s AND ta.type = '{AccountType.CANCELLATION}'",
    "voluntary_cancellation": (f"t.kind = 'cancellation' AND ta.registry_id = %(registry)s "
                               f"AND ta.type = '{AccountType.VOLUNTARY_CANCELLATION}'"),
    "omge_cancellation": (f"t.kind = 'cancellation' AND ta.registry_id = %(registry)s "
                          f"AND ta.type = '{AccountType.OMGE_CANCELLATION}'"),
    "use_towards_ndc": "t.kind = 'retirement' AND ta.registry_id = %(registry)s",
}

_FIRST_TRANSFER_SQL = """
SELECT 'first_transfer', b."authorization", b.vintage, SUM(b.quantity)
  FROM credits_creditblock b
 WHERE b.issuing_registry_id = %(registry)s AND b."authorization" <> 'none'
   AND b.first_transferred_at >= %(start)s AND b.first_transferred_at < %(end)s
 GROUP BY b."authorization", b.vintage
"""

# Holdings at year end: replay every completed movement up to the end of the year.
_HOLDINGS_SQL = """
SELECT 'holdings:' || a.type, b."authorization", b.vintage, SUM(m.delta)
  FROM (
      SELECT e.to_account_id AS account_id, e.block_id, e.quantity AS delta
        FROM credits_ledgerentry e JOIN credits_credittransaction t ON t.id = e.transaction_id
       WHERE t.status = 'completed' AND t.completed_at < %(end)s
      UNION ALL
      SELECT e.from_account_id, e.block_id, -e.quantity
        FROM credits_ledgerentry e JOIN credits_credittransaction t ON t.id = e.transaction_id
       WHERE t.status = 'completed' AND t.completed_at < %(end)s AND e.from_account_id IS NOT NULL
  ) m
  JOIN credits_account a ON a.id = m.account_id
  JOIN credits_creditblock b ON b.id = m.block_id
 WHERE a.registry_id = %(registry)s
 GROUP BY a.type, b."authorization", b.vintage
HAVING SUM(m.delta) <> 0
"""


def annual_report(registry: Registry, year: int) -> list[dict]:
    start, end = year_bounds(year)
    params = {"registry": registry.pk, "start": start, "end": end}
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for category, where in _QUERIES.items():
            cursor.execute(_MOVES_SQL.format(where=where), {**params, "category": category})
            rows.extend(cursor.fetchall())
        cursor.execute(_FIRST_TRANSFER_SQL, params)
        rows.extend(cursor.fetchall())
        cursor.execute(_HOLDINGS_SQL, params)
        rows.extend(cursor.fetchall())
    order = [*_QUERIES, "first_transfer"]
    rows.sort(key=lambda r: (order.index(r[0]) if r[0] in order else len(order), r[0], r[1], r[2]))
    return [{"registry": registry.code, "year": year, "category": r[0], "authorization": r[1], "vintage": r[2],
             "quantity": int(r[3])} for r in rows]


def to_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows: list[dict], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Article 6.2 annual information"[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(COLUMNS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
