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

Movements and holdings are read from the ledger's one reader (``selectors.ledger_movements``, the
registry's accounts, the days of the year by ``selectors.day_bounds``); first transfers are a date
stamped on each block.
"""

from __future__ import annotations

import csv
import datetime
import io
import operator
from functools import reduce

from django.db.models import Case, CharField, Q, Sum, Value, When

from .choices import AccountType, Authorization, TransactionKind
from .models import CreditBlock, Registry
from .selectors import day_bounds, ledger_movements

COLUMNS = ["registry", "year", "category", "authorization", "vintage", "quantity"]

# The movements of the registry's accounts in the year that each category counts (no movement is in two).
_CATEGORIES: dict[str, Q] = {
    "authorization": Q(kind=TransactionKind.ISSUANCE, incoming=True) & ~Q(block__authorization=Authorization.NONE),
    "transfer": Q(kind=TransactionKind.EXTERNAL_TRANSFER, incoming=False),
    "acquisition": Q(kind=TransactionKind.EXTERNAL_TRANSFER, incoming=True),
    "cancellation": Q(kind=TransactionKind.CANCELLATION, incoming=True, account__type=AccountType.CANCELLATION),
    "voluntary_cancellation": Q(kind=TransactionKind.CANCELLATION, incoming=True,
                                account__type=AccountType.VOLUNTARY_CANCELLATION),
    "omge_cancellation": Q(kind=TransactionKind.CANCELLATION, incoming=True,
                           account__type=AccountType.OMGE_CANCELLATION),
    "use_towards_ndc": Q(kind=TransactionKind.RETIREMENT, incoming=True),
}
_ORDER = [*_CATEGORIES, "first_transfer"]  # then the holdings per account type

Row = tuple[str, str, int, int]  # category, authorization, vintage, quantity


def _moves(registry: Registry, first: datetime.date, last: datetime.date) -> list[Row]:
    """Units of each category moved in the period, per authorization and vintage."""
    category = Case(*(When(where, then=Value(name)) for name, where in _CATEGORIES.items()),
                    output_field=CharField())
    rows = (ledger_movements(registry=registry, start=first, end=last).order_by()
            .filter(reduce(operator.or_, _CATEGORIES.values())).annotate(category=category)
            .values_list("category", "block__authorization", "block__vintage").annotate(units=Sum("quantity")))
    return list(rows)


def _first_transfers(registry: Registry, first: datetime.date, last: datetime.date) -> list[Row]:
    """Authorized units issued by the registry whose block first left it (by external transfer) in the period."""
    start, end = day_bounds(first, last)
    rows = (CreditBlock.objects.filter(issuing_registry=registry, first_transferred_at__gte=start,
                                       first_transferred_at__lt=end)
            .exclude(authorization=Authorization.NONE).order_by()
            .values_list("authorization", "vintage").annotate(units=Sum("quantity")))
    return [("first_transfer", *row) for row in rows]


def _holdings(registry: Registry, last: datetime.date) -> list[Row]:
    """Units held at the end of ``last`` per account type (the ledger replayed up to then)."""
    rows = (ledger_movements(registry=registry, end=last).order_by()
            .values_list("account__type", "block__authorization", "block__vintage").annotate(units=Sum("delta"))
            .exclude(units=0))
    return [(f"holdings:{account_type}", authorization, vintage, units)
            for account_type, authorization, vintage, units in rows]


def annual_report(registry: Registry, year: int) -> list[dict]:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = [*_moves(registry, first, last), *_first_transfers(registry, first, last), *_holdings(registry, last)]
    rows.sort(key=lambda r: (_ORDER.index(r[0]) if r[0] in _ORDER else len(_ORDER), r[0], r[1], r[2]))
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
