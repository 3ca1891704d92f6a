"""What each kind of document states, read from its subject.

A builder takes the subject (and the key, e.g. a statement's period) and returns the
``Content``: the title, who issues it, one paragraph that says what it certifies, the key
facts (stored with the document and shown on its verification page) and an optional table.
Builders raise ``Conflict`` when the subject cannot have the document (e.g. a draft decision).
Documents are written in English, the working language of the JCM, with names as recorded
(Japanese and Mongolian Cyrillic included).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Q, Sum
from django.utils import timezone

from core.errors import ApplicationError, Conflict
from documents.models import DocumentKind

MAX_RANGES_IN_FACTS = 10
SERIAL_WIDTHS = (52, 16, 14, 18)


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()  # columns aligned right
    widths: tuple[int, ...] = ()  # per cent of the width, per column (else equal columns)


@dataclass
class Content:
    title: str
    issuer: str
    statement: str
    facts: list[dict]
    tables: list[Table] = field(default_factory=list)
    addressee: str = ""
    public: bool = True


def fact(label: str, value) -> dict:
    return {"label": label, "value": "" if value is None else str(value)}


# --- formatting ---------------------------------------------------------------------------

def qty(n: int) -> str:
    return f"{n:,}"


def day(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def names(*values: str) -> str:
    """Distinct non-empty names joined with a middle dot: "Mongolia · Монгол Улс · モンゴル"."""
    seen: list[str] = []
    for value in values:
        value = (value or "").strip()
        if value and value not in seen:
            seen.append(value)
    return " · ".join(seen)


def country_names(country) -> str:
    return names(country.name, country.name_local, country.name_ja)


def organization_names(org) -> str:
    return names(org.name, org.name_ja) if org is not None else "—"


def registry_names(registry) -> str:
    return f"{registry.name} ({country_names(registry.country)})"


def committee_names(jc) -> str:
    return f"{jc.name} ({names('Japan', '日本')} – {country_names(jc.partner)})"


def printed_range(entry) -> str:
    from credits.serials import format_range

    block = entry.block
    return format_range(registry=block.issuing_registry.code, project=block.project_code,
                        period=block.monitoring_period_number, vintage=block.vintage,
                        first=entry.first_serial, last=entry.last_serial)


def ranges_fact(printed: list[str]) -> dict:
    shown = printed[:MAX_RANGES_IN_FACTS]
    more = len(printed) - len(shown)
    return fact("Serial numbers", "; ".join(shown) + (f"; and {more} more ranges" if more else ""))


def _entries(txn):
    return list(txn.entries.select_related("block__issuing_registry__country", "to_account", "from_account")
                .order_by("first_serial"))


def _account_label(account) -> str:
    holder = f", {organization_names(account.holder)}" if account.holder_id else ""
    return f"{account.number} {account.name}{holder}"


# --- credits -------------------------------------------------------------------------------

def issuance_notification(issuance, key: str) -> Content:
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
    )


def _project_title(project_code: str) -> str:
    Project = apps.get_model("projects", "Project")
    return Project.objects.filter(project_id=project_code).values_list("title", flat=True).first() or ""


def _completed_transaction(txn, kind: str) -> None:
    from credits.choices import TransactionStatus

    if txn.kind != kind or txn.status != TransactionStatus.COMPLETED:
        raise Conflict(f"Transaction {txn.reference} is not a completed {kind}.", field="status")


def retirement_certificate(txn, key: str) -> Content:
    from credits.choices import TransactionKind

    _completed_transaction(txn, TransactionKind.RETIREMENT)
    entries = _entries(txn)
    printed = [printed_range(e) for e in entries]
    projects = sorted({e.block.project_code for e in entries})
    vintages = sorted({e.block.vintage for e in entries})
    return Content(
        title="Retirement certificate",
        issuer=registry_names(txn.registry),
        addressee=txn.beneficiary,
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


def cancellation_certificate(txn, key: str) -> Content:
    from credits.choices import TransactionKind

    _completed_transaction(txn, TransactionKind.CANCELLATION)
    entries = _entries(txn)
    printed = [printed_range(e) for e in entries]
    kind_of_account = txn.to_account.get_type_display()
    return Content(
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


# --- account statements ----------------------------------------------------------------------

def statement_key(start: datetime.date, end: datetime.date) -> str:
    return f"{start.isoformat()}_{end.isoformat()}"


def parse_statement_key(key: str) -> tuple[datetime.date, datetime.date]:
    try:
        start, end = (datetime.date.fromisoformat(part) for part in key.split("_"))
    except ValueError as exc:
        raise ApplicationError("A statement's period is written 2026-01-01_2026-03-31.", field="key") from exc
    return start, end


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz))


def statement_rows(account, start: datetime.date, end: datetime.date) -> tuple[int, list[dict]]:
    """The balance at the start of the period and the completed movements in it, oldest first."""
    from credits.choices import TransactionStatus
    from credits.models import LedgerEntry

    lo, hi = _bounds(start, end)
    entries = LedgerEntry.objects.filter(Q(from_account=account) | Q(to_account=account),
                                         transaction__status=TransactionStatus.COMPLETED)
    totals = entries.filter(transaction__completed_at__lt=lo).aggregate(
        incoming=Sum("quantity", filter=Q(to_account=account)), outgoing=Sum("quantity", filter=Q(from_account=account)))
    opening = (totals["incoming"] or 0) - (totals["outgoing"] or 0)
    movements = list(
        entries.filter(transaction__completed_at__gte=lo, transaction__completed_at__lt=hi)
        .values("transaction_id", "transaction__kind", "transaction__completed_at", "transaction__registry__country__code",
                "transaction__from_account__number", "transaction__to_account__number")
        .annotate(incoming=Sum("quantity", filter=Q(to_account=account)),
                  outgoing=Sum("quantity", filter=Q(from_account=account)))
        .order_by("transaction__completed_at", "transaction_id"))
    return opening, movements


def account_statement(account, key: str) -> Content:
    from credits.choices import TransactionKind

    start, end = parse_statement_key(key)
    opening, movements = statement_rows(account, start, end)
    labels = dict(TransactionKind.choices)
    balance, total_in, total_out, rows = opening, 0, 0, []
    for m in movements:
        incoming, outgoing = m["incoming"] or 0, m["outgoing"] or 0
        balance += incoming - outgoing
        total_in += incoming
        total_out += outgoing
        counterparty = (m["transaction__from_account__number"] if incoming else m["transaction__to_account__number"])
        rows.append([day(m["transaction__completed_at"]),
                     f"{m['transaction__registry__country__code']}-TX-{m['transaction_id']:08d}",
                     str(labels.get(m["transaction__kind"], m["transaction__kind"])), counterparty or "—",
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
            fact("Opening balance", qty(opening)),
            fact("Credits received", qty(total_in)),
            fact("Credits sent", qty(total_out)),
            fact("Closing balance", qty(balance)),
            fact("Movements", len(rows)),
        ],
        tables=[Table("Movements", ["Date", "Transaction", "Kind", "Counterparty", "In", "Out", "Balance"], rows,
                      numeric=(4, 5, 6), widths=(12, 16, 16, 17, 13, 13, 13))],
    )


# --- committee, methodologies, projects ---------------------------------------------------------

def _meeting(decision) -> str:
    if decision.meeting_id is None:
        return "Electronic decision"
    return str(decision.meeting)


def decision_record(decision, key: str) -> Content:
    from committee.choices import PublicationStatus

    if decision.status != PublicationStatus.PUBLISHED:
        raise Conflict(f"Decision {decision.reference} is not published.", field="status")
    jc = decision.joint_committee
    return Content(
        title="Record of a decision of the Joint Committee",
        issuer=committee_names(jc),
        statement=(f"The {jc.name} decided on {day(decision.decided_on)}: {decision.title}."),
        facts=[
            fact("Reference", decision.reference),
            fact("Joint Committee", committee_names(jc)),
            fact("Date of the decision", day(decision.decided_on)),
            fact("Taken", f"{decision.get_mode_display()}: {_meeting(decision)}"),
            fact("Kind", decision.get_kind_display()),
            fact("Title", decision.title),
            fact("Object decided", decision.subject_label or "—"),
            fact("Published on", day(decision.published_at)),
            *([fact("Text", decision.text)] if decision.text else []),
        ],
    )


def methodology_approval(version, key: str) -> Content:
    if version.approval_decision_id is None or version.approved_on is None:
        raise Conflict(f"{version} has not been approved.", field="status")
    methodology = version.methodology
    jc = methodology.joint_committee
    decision = version.approval_decision
    revision = f" as a revision of {version.revises.version}" if version.revises_id else ""
    return Content(
        title="Methodology approval notice",
        issuer=committee_names(jc),
        addressee=methodology.proponent,
        statement=(f"The {jc.name} approved the methodology {methodology.number} {version.version}{revision} on "
                   f"{day(version.approved_on)} by its decision {decision.reference}."),
        facts=[
            fact("Methodology", methodology.number),
            fact("Version", version.version),
            fact("Title", methodology.title),
            fact("Sectoral scope", names(str(methodology.sectoral_scope), methodology.sectoral_scope.name_ja)),
            fact("Joint Committee", committee_names(jc)),
            fact("Approved on", day(version.approved_on)),
            fact("Decision", decision.reference),
            fact("Proponent", methodology.proponent or "—"),
            *([fact("Revises", version.revises.version)] if version.revises_id else []),
        ],
    )


def registration_letter(project, key: str) -> Content:
    if project.registration_decision_id is None or project.registered_on is None:
        raise Conflict(f"{project.project_id} is not registered.", field="status")
    jc = project.joint_committee
    decision = project.registration_decision
    participants = list(project.participants.filter(active=True).select_related("organization"))
    focal = next((p for p in participants if p.is_focal_point), None)
    methodologies = ", ".join(v.code for v in project.methodology_versions.select_related("methodology"))
    return Content(
        title="Project registration letter",
        issuer=committee_names(jc),
        addressee=names(focal.name, focal.organization.name_ja) if focal else "",
        statement=(f"The {jc.name} registered the project {project.project_id} “{project.title}” as a JCM project "
                   f"on {day(project.registered_on)} by its decision {decision.reference}."),
        facts=[
            fact("Project ID", project.project_id),
            fact("Title", project.title),
            fact("Joint Committee", committee_names(jc)),
            fact("Registered on", day(project.registered_on)),
            fact("Decision", decision.reference),
            fact("Sectoral scope", names(str(project.sectoral_scope), project.sectoral_scope.name_ja)),
            fact("Methodologies", methodologies or "—"),
            fact("Focal point", names(focal.name, focal.organization.name_ja) if focal else "—"),
            fact("Project participants", "; ".join(names(p.name, p.organization.name_ja) for p in participants)),
        ],
        tables=[Table("Project participants", ["Participant", "Side", "Focal point"],
                      [[names(p.name, p.organization.name_ja), p.get_side_display(), "yes" if p.is_focal_point else ""]
                       for p in participants], widths=(55, 30, 15))],
    )


# --- the kinds ------------------------------------------------------------------------------------

def _nothing(subject) -> None:
    return None


@dataclass(frozen=True)
class Spec:
    kind: str
    model: str  # "app_label.ModelName" of the subject
    build: Callable[[Any, str], Content]
    registry: Callable[[Any], Any] = _nothing
    joint_committee: Callable[[Any], Any] = _nothing

    @property
    def template(self) -> str:
        return f"documents/pdf/{self.kind}.html"

    def model_class(self):
        return apps.get_model(self.model)


SPECS: dict[str, Spec] = {spec.kind: spec for spec in [
    Spec(DocumentKind.ISSUANCE_NOTIFICATION, "credits.Issuance", issuance_notification,
         registry=lambda issuance: issuance.registry),
    Spec(DocumentKind.RETIREMENT_CERTIFICATE, "credits.CreditTransaction", retirement_certificate,
         registry=lambda txn: txn.registry),
    Spec(DocumentKind.CANCELLATION_CERTIFICATE, "credits.CreditTransaction", cancellation_certificate,
         registry=lambda txn: txn.registry),
    Spec(DocumentKind.ACCOUNT_STATEMENT, "credits.Account", account_statement,
         registry=lambda account: account.registry),
    Spec(DocumentKind.REGISTRATION_LETTER, "projects.Project", registration_letter,
         joint_committee=lambda project: project.joint_committee),
    Spec(DocumentKind.DECISION_RECORD, "committee.Decision", decision_record,
         joint_committee=lambda decision: decision.joint_committee),
    Spec(DocumentKind.METHODOLOGY_APPROVAL, "methodologies.MethodologyVersion", methodology_approval,
         joint_committee=lambda version: version.methodology.joint_committee),
]}


def spec_for(kind: str) -> Spec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ApplicationError(f"Unknown kind of document: {kind}.", field="kind") from None
