"""The documents about the registry's credits (read by the documents app through core.registries).

Kinds: the issuance notification (``IN``), the retirement and cancellation certificates (``RC``, ``CC``),
made when the action completes; the account statement (``AS``) for a period, made on request and every
month, read from the ledger by ``selectors.account_statement`` (the one reader of movements).

Batches (long jobs on the documents' batches page): one account's statement, the statements of every
account of a registry, a year's retirement certificates of a registry, and the Article 6.2 annual report.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from committee.documents import country_names, organization_names
from committee.models import User
from core.access import is_authenticated
from core.document_kinds import (
    BatchItem,
    Content,
    DocumentBatchSpec,
    DocumentKindSpec,
    Table,
    day,
    fact,
    names,
    qty,
    register_batches,
    register_kinds,
)
from core.errors import ApplicationError, Conflict
from projects.models import Project

from . import article6
from .access import is_registry_overseer
from .choices import AccountStatus, TransactionKind, TransactionStatus
from .models import Account, CreditTransaction, Issuance, LedgerEntry, Registry
from .permissions import is_ministry_of, may_view_account
from .selectors import Statement, StatementLine, account_statement, year_bounds
from .serials import format_range

MAX_RANGES_IN_FACTS = 10
SERIAL_WIDTHS = (52, 16, 14, 18)

# The codes stored with the documents and batches (documents.models.DocumentKind and BatchKind).
ISSUANCE_NOTIFICATION = "issuance_notification"
RETIREMENT_CERTIFICATE = "retirement_certificate"
CANCELLATION_CERTIFICATE = "cancellation_certificate"
ACCOUNT_STATEMENT = "account_statement"
RETIREMENT_CERTIFICATES = "retirement_certificates"
ACCOUNT_STATEMENTS = "account_statements"
ARTICLE6_REPORT = "article6_report"


# --- names and serial numbers as the documents print them ------------------------------------------

def registry_names(registry: Registry) -> str:
    return f"{registry.name} ({country_names(registry.country)})"


def printed_range(entry: LedgerEntry) -> str:
    block = entry.block
    return format_range(registry=block.issuing_registry.code, project=block.project_code,
                        period=block.monitoring_period_number, vintage=block.vintage,
                        first=entry.first_serial, last=entry.last_serial)


def ranges_fact(printed: list[str]) -> dict:
    shown = printed[:MAX_RANGES_IN_FACTS]
    more = len(printed) - len(shown)
    return fact("Serial numbers", "; ".join(shown) + (f"; and {more} more ranges" if more else ""))


def _entries(txn: CreditTransaction) -> list[LedgerEntry]:
    return list(txn.entries.select_related("block__issuing_registry__country", "to_account", "from_account")
                .order_by("first_serial"))


def _account_label(account: Account) -> str:
    holder = f", {organization_names(account.holder)}" if account.holder_id else ""
    return f"{account.number} {account.name}{holder}"


def _project_title(project_code: str) -> str:
    return Project.objects.filter(project_id=project_code).values_list("title", flat=True).first() or ""


def _fictitious(project_codes) -> bool:
    """Whether any of the projects is one of the demo's fictitious projects (the document then says so)."""
    return Project.objects.filter(project_id__in=list(project_codes), is_fictitious=True).exists()


def statement_fictitious(statement: Statement) -> bool:
    """Whether a statement shows demo data: the account of a fictitious organization, or credits of a fictitious
    project moved in the period (the PDF then carries the FICTITIOUS banner, the CSV a first line saying so)."""
    account = statement.account
    if account.holder_id and account.holder.is_fictitious:
        return True
    codes = (LedgerEntry.objects.filter(transaction__in=[line.transaction for line in statement.lines])
             .values_list("block__project_code", flat=True).distinct())
    return _fictitious(codes)


def _completed_transaction(txn: CreditTransaction, kind: str) -> None:
    if txn.kind != kind or txn.status != TransactionStatus.COMPLETED:
        raise Conflict(f"Transaction {txn.reference} is not a completed {kind}.", field="status")


# --- issuance, retirement, cancellation ----------------------------------------------------------

def issuance_notification(issuance: Issuance, key: str) -> Content:
    entries = _entries(issuance.transaction)
    decision = issuance.decision
    project = _project_title(issuance.project_code)
    rows = [[printed_range(e), e.to_account.number, e.to_account.name, qty(e.quantity)] for e in entries]
    return Content(
        title="Issuance notification",
        issuer=registry_names(issuance.registry),
        statement=(f"The {issuance.registry.name} issued {qty(issuance.quantity)} JCM credits for the project "
                   f"{issuance.project_code}, monitoring period {issuance.monitoring_period_number}, vintage "
                   f"{issuance.vintage}, following the decision {decision.reference} of the Joint Committee "
                   f"of {day(decision.decided_on)}. The credits were placed in the accounts listed below."),
        facts=[
            fact("Issuing registry", registry_names(issuance.registry)),
            fact("Project", names(issuance.project_code, project)),
            fact("Monitoring period", issuance.monitoring_period_key),
            fact("Vintage", issuance.vintage),
            fact("Joint Committee decision", f"{decision.reference} of {day(decision.decided_on)}"),
            fact("Quantity issued", f"{qty(issuance.quantity)} JCM credits (t-CO2e)"),
            fact("Article 6.2 authorization", issuance.get_authorization_display()),
            fact("Issued on", day(issuance.issued_at)),
            fact("Transaction", issuance.transaction.reference),
            ranges_fact([r[0] for r in rows]),
        ],
        tables=[Table("Credits issued, by account", ["Serial numbers", "Account", "Account name", "Quantity"],
                      rows, numeric=(3,), widths=(44, 17, 26, 13))],
        fictitious=_fictitious([issuance.project_code]),
    )


def retirement_certificate(txn: CreditTransaction, key: str) -> Content:
    _completed_transaction(txn, TransactionKind.RETIREMENT)
    entries = _entries(txn)
    printed = [printed_range(e) for e in entries]
    projects = sorted({e.block.project_code for e in entries})
    vintages = sorted({e.block.vintage for e in entries})
    return Content(
        title="Retirement certificate",
        issuer=registry_names(txn.registry),
        addressee=txn.beneficiary,
        fictitious=_fictitious(projects),
        statement=(f"This certifies that {qty(txn.quantity)} JCM credits were retired on {day(txn.completed_at)} "
                   f"in the {txn.registry.name} on behalf of {txn.beneficiary}. Retired credits can never be "
                   f"transferred or used again."),
        facts=[
            fact("Beneficiary", txn.beneficiary),
            fact("Purpose", txn.purpose),
            fact("Quantity retired", f"{qty(txn.quantity)} JCM credits (t-CO2e)"),
            fact("Retired on", day(txn.completed_at)),
            fact("Registry", registry_names(txn.registry)),
            fact("Transaction", txn.reference),
            fact("Retired from account", _account_label(txn.from_account)),
            fact("Retirement account", txn.to_account.number),
            fact("Projects", ", ".join(projects)),
            fact("Vintages", ", ".join(str(v) for v in vintages)),
            ranges_fact(printed),
        ],
        tables=[Table("Serial numbers retired", ["Serial numbers", "Project", "Vintage", "Quantity"],
                      [[p, e.block.project_code, str(e.block.vintage), qty(e.quantity)]
                       for p, e in zip(printed, entries, strict=True)], numeric=(3,), widths=SERIAL_WIDTHS)],
    )


def cancellation_certificate(txn: CreditTransaction, key: str) -> Content:
    _completed_transaction(txn, TransactionKind.CANCELLATION)
    entries = _entries(txn)
    printed = [printed_range(e) for e in entries]
    kind_of_account = txn.to_account.get_type_display()
    return Content(
        fictitious=_fictitious({e.block.project_code for e in entries}),
        title="Cancellation certificate",
        issuer=registry_names(txn.registry),
        statement=(f"This certifies that {qty(txn.quantity)} JCM credits were cancelled on {day(txn.completed_at)} "
                   f"in the {txn.registry.name}, into the {kind_of_account.lower()} {txn.to_account.number}. "
                   f"Cancelled credits can never be transferred or used again."),
        facts=[
            fact("Quantity cancelled", f"{qty(txn.quantity)} JCM credits (t-CO2e)"),
            fact("Cancelled on", day(txn.completed_at)),
            fact("Registry", registry_names(txn.registry)),
            fact("Transaction", txn.reference),
            fact("Cancelled from account", _account_label(txn.from_account)),
            fact("Cancellation account", f"{txn.to_account.number} ({kind_of_account})"),
            *([fact("Purpose", txn.purpose)] if txn.purpose else []),
            ranges_fact(printed),
        ],
        tables=[Table("Serial numbers cancelled", ["Serial numbers", "Project", "Vintage", "Quantity"],
                      [[p, e.block.project_code, str(e.block.vintage), qty(e.quantity)]
                       for p, e in zip(printed, entries, strict=True)], numeric=(3,), widths=SERIAL_WIDTHS)],
    )


# --- account statements ------------------------------------------------------------------------------

def statement_key(start: datetime.date, end: datetime.date) -> str:
    """The key of the statement of one period: ``2026-01-01_2026-03-31``."""
    return f"{start.isoformat()}_{end.isoformat()}"


def parse_statement_key(key: str) -> tuple[datetime.date, datetime.date]:
    try:
        start, end = (datetime.date.fromisoformat(part) for part in key.split("_"))
    except ValueError as exc:
        raise ApplicationError("A statement's period is written 2026-01-01_2026-03-31.", field="key") from exc
    return start, end


def _by_transaction(statement: Statement) -> list[list[StatementLine]]:
    """The statement's lines (one per serial range) grouped by transaction, in the order of completion."""
    groups: dict[int, list[StatementLine]] = {}
    for line in statement.lines:
        groups.setdefault(line.transaction.pk, []).append(line)
    return sorted(groups.values(), key=lambda lines: (lines[0].completed_at, lines[0].transaction.pk))


def account_statement_content(account: Account, key: str) -> Content:
    """The statement of ``account`` for the period ``key``: one row per transaction, with the running balance."""
    start, end = parse_statement_key(key)
    statement = account_statement(account, start, end)
    balance, total_in, total_out, rows = statement.opening, 0, 0, []
    for lines in _by_transaction(statement):
        incoming, outgoing = sum(line.credits_in for line in lines), sum(line.credits_out for line in lines)
        balance += incoming - outgoing
        total_in += incoming
        total_out += outgoing
        # The account at the other end: the sender of what came in, else the receiver of what went out.
        counterparty = next((line.counterparty for line in lines if (line.credits_in > 0) == (incoming > 0)), None)
        txn = lines[0].transaction
        rows.append([day(txn.completed_at), txn.reference, txn.get_kind_display(),
                     counterparty.number if counterparty is not None else "—",
                     qty(incoming) if incoming else "", qty(outgoing) if outgoing else "", qty(balance)])
    return Content(
        title="Account statement",
        issuer=registry_names(account.registry),
        addressee=organization_names(account.holder) if account.holder_id else account.name,
        public=False,
        statement=(f"Completed movements of JCM credits in account {account.number} from {day(start)} to "
                   f"{day(end)} (inclusive, {timezone.get_current_timezone_name()})."),
        facts=[
            fact("Account", f"{account.number} {account.name}"),
            fact("Account type", account.get_type_display()),
            fact("Holder", organization_names(account.holder) if account.holder_id else "—"),
            fact("Registry", registry_names(account.registry)),
            fact("Period", f"{day(start)} to {day(end)}"),
            fact("Opening balance", qty(statement.opening)),
            fact("Credits received", qty(total_in)),
            fact("Credits sent", qty(total_out)),
            fact("Closing balance", qty(balance)),
            fact("Movements", len(rows)),
        ],
        tables=[Table("Movements", ["Date", "Transaction", "Kind", "Counterparty", "In", "Out", "Balance"], rows,
                      numeric=(4, 5, 6), widths=(12, 16, 16, 17, 13, 13, 13))],
        fictitious=statement_fictitious(statement),
    )


def monthly_statements(today: datetime.date) -> list[tuple[int, str]]:
    """Last month's statement of every account that is not closed: (account pk, key)."""
    end = today.replace(day=1) - datetime.timedelta(days=1)
    key = statement_key(end.replace(day=1), end)
    return [(pk, key) for pk in Account.objects.exclude(status=AccountStatus.CLOSED).values_list("pk", flat=True)]


def account_by_number(number: str) -> Account | None:
    return Account.objects.select_related("registry__country", "holder").filter(number=number.upper()).first()


# --- who may read and reissue ------------------------------------------------------------------------

def may_reissue(user: User, subject: Issuance | CreditTransaction | Account) -> bool:
    """The administrators of the subject's registry (and the system administrator, who moves no credits but
    keeps the documents) issue new versions of its documents."""
    return is_registry_overseer(user, subject.registry)


def may_run_for_registry(user: User, registry: Registry) -> bool:
    """Registry-wide jobs: the registry's administrators and its ministry."""
    return is_authenticated(user) and (is_registry_overseer(user, registry) or is_ministry_of(user, registry))


register_kinds(
    DocumentKindSpec(ISSUANCE_NOTIFICATION, "IN", "credits.Issuance", issuance_notification,
                     may_reissue=may_reissue, events=(("credits.issuance.completed", "issuance_id"),)),
    DocumentKindSpec(RETIREMENT_CERTIFICATE, "RC", "credits.CreditTransaction", retirement_certificate,
                     may_reissue=may_reissue, events=(("credits.retirement.completed", "transaction_id"),)),
    DocumentKindSpec(CANCELLATION_CERTIFICATE, "CC", "credits.CreditTransaction", cancellation_certificate,
                     may_reissue=may_reissue, events=(("credits.cancellation.completed", "transaction_id"),)),
    DocumentKindSpec(ACCOUNT_STATEMENT, "AS", "credits.Account", account_statement_content,
                     may_read=may_view_account, may_reissue=may_reissue, monthly=monthly_statements,
                     lookup=account_by_number),
)


# --- batches --------------------------------------------------------------------------------------------

def _period(start: datetime.date | None, end: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    if start is None or end is None:
        raise ApplicationError("Give the first and the last day of the period.",
                               errors={k: ["Give the date."] for k, v in (("start", start), ("end", end)) if v is None})
    if end < start:
        raise ApplicationError("The period ends before it starts.", field="end")
    if end > timezone.localdate():
        raise ApplicationError("A statement can cover days up to today.", field="end")
    return start, end


def _year(year: Any) -> int:
    if not isinstance(year, int) or not 2013 <= year <= timezone.localdate().year:
        raise ApplicationError(f"Choose a year from 2013 to {timezone.localdate().year}.", field="year")
    return year


def _registry(params: dict) -> Registry:
    registry = Registry.objects.filter(country__code=params["registry"]).first()
    if registry is None:
        raise Conflict(f"There is no registry {params['registry']}.", field="registry")
    return registry


def registries_for(user: User) -> QuerySet[Registry]:
    """The registries whose registry-wide jobs the user may start."""
    return Registry.objects.filter(pk__in=[r.pk for r in Registry.objects.select_related("country")
                                           if may_run_for_registry(user, r)])


def may_follow_registry_job(user: User, params: dict) -> bool:
    registry = Registry.objects.filter(country__code=params.get("registry", "")).first()
    return registry is not None and may_run_for_registry(user, registry)


def _registry_refusal(registry: Registry) -> str:
    return f"Only the administrators of the {registry} may prepare its documents."


# One account's statement for a period (asked for on the account's statements page).

def _statement_params(account: Account, *, year: int | None = None, start: datetime.date | None = None,
                      end: datetime.date | None = None) -> tuple[dict, str]:
    start, end = _period(start, end)
    params = {"registry": account.registry.code, "account": account.number, "start": start.isoformat(),
              "end": end.isoformat()}
    return params, f"Statement of account {account.number}, {start} to {end}"


def _statement_items(params: dict) -> list[BatchItem]:
    account = Account.objects.filter(number=params["account"]).first()
    if account is None:
        raise Conflict(f"Account {params['account']} no longer exists.", field="account")
    key = statement_key(datetime.date.fromisoformat(params["start"]), datetime.date.fromisoformat(params["end"]))
    return [(ACCOUNT_STATEMENT, account, key)]


# The statement of every account of a registry for a period.

def _statements_params(registry: Registry, *, year: int | None = None, start: datetime.date | None = None,
                       end: datetime.date | None = None) -> tuple[dict, str]:
    start, end = _period(start, end)
    return ({"registry": registry.code, "start": start.isoformat(), "end": end.isoformat()},
            f"Statements of every account of the {registry}, {start} to {end}")


def _statements_items(params: dict) -> list[BatchItem]:
    registry = _registry(params)
    key = statement_key(datetime.date.fromisoformat(params["start"]), datetime.date.fromisoformat(params["end"]))
    return [(ACCOUNT_STATEMENT, a, key) for a in registry.accounts.order_by("number")]


# A year's retirement certificates, and the Article 6.2 annual report, of a registry.

def _yearly_params(what: str) -> Callable[..., tuple[dict, str]]:
    def params(registry: Registry, *, year: int | None = None, start: datetime.date | None = None,
               end: datetime.date | None = None) -> tuple[dict, str]:
        checked = _year(year)
        return {"registry": registry.code, "year": checked}, f"{what} of the {registry}, {checked}"
    return params


def _retirements_items(params: dict) -> list[BatchItem]:
    registry = _registry(params)
    start, end = year_bounds(params["year"])
    retirements = CreditTransaction.objects.filter(
        registry=registry, kind=TransactionKind.RETIREMENT, status=TransactionStatus.COMPLETED,
        completed_at__gte=start, completed_at__lt=end).order_by("completed_at", "pk")
    return [(RETIREMENT_CERTIFICATE, t, "") for t in retirements]


def _article6_items(params: dict) -> list[BatchItem]:
    _registry(params)
    return []


def _article6_files(params: dict) -> list[tuple[str, bytes]]:
    registry = Registry.objects.select_related("country").get(country__code=params["registry"])
    year = params["year"]
    rows = article6.annual_report(registry, year)
    stem = f"article6-{registry.code}-{year}"
    return [(f"{stem}.csv", article6.to_csv(rows)),
            (f"{stem}.xlsx", article6.to_xlsx(rows, title=f"Article 6.2 annual information: {registry}, {year}"))]


def _statement_refusal(account: Account) -> str:
    return f"You may not see the statements of account {account.number}."


def _registry_job(kind: str, params: Callable[..., tuple[dict, str]], items: Callable[[dict], list[BatchItem]],
                  **more: Any) -> DocumentBatchSpec:
    """A job over one registry, started on the batches page by its administrators or ministry."""
    return DocumentBatchSpec(kind, "registry", may_run_for_registry, _registry_refusal, params, items,
                             may_view=may_follow_registry_job, scopes=registries_for, **more)


register_batches(
    DocumentBatchSpec(ACCOUNT_STATEMENT, "account", may_view_account, _statement_refusal, _statement_params,
                      _statement_items, refresh=True),
    _registry_job(ACCOUNT_STATEMENTS, _statements_params, _statements_items, refresh=True),
    _registry_job(RETIREMENT_CERTIFICATES, _yearly_params("Retirement certificates"), _retirements_items),
    _registry_job(ARTICLE6_REPORT, _yearly_params("Article 6.2 annual report"), _article6_items,
                  files=_article6_files, file_count=2),
)
