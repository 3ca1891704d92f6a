"""Browser pages of the registry (credits) app, mounted at /registry/.

Public pages (no login) read through ``credits.selectors`` and never show the balance or the
blocks of an individual account: in a block's history an account appears as its type and
registry, unless the visitor may see that account. Account representatives and registry
administrators act through forms; each form calls ONE service and shows its refusal on the form.
Pages for a role the user does not have answer 403 before the service is called (the service
checks again).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committee.roles import Viewer, acting_user
from core.auth import require_fresh_second_factor
from core.errors import ApplicationError
from core.forms import run_service
from core.views import PAGE_SIZE, form_status, paginate, query_without_page
from projects.models import IssuanceRequest, MonitoringPeriod, Project

from . import access, article6, forms, selectors, services
from .choices import (
    HOLDING_TYPES,
    AccountStatus,
    AccountType,
    BlockStatus,
    TransactionKind,
    TransactionStatus,
)
from .documents import statement_fictitious
from .filters import BlockFilter, RetirementFilter
from .models import Account, CreditBlock, CreditTransaction, Registry
from .serials import format_range

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACCOUNT_BLOCKS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# URL slug -> transaction kind of the "initiate" page
KIND_SLUGS = {
    "transfer": TransactionKind.TRANSFER,
    "external-transfer": TransactionKind.EXTERNAL_TRANSFER,
    "cancellation": TransactionKind.CANCELLATION,
    "retirement": TransactionKind.RETIREMENT,
}
SLUG_OF_KIND = {kind: slug for slug, kind in KIND_SLUGS.items()}


# --- helpers ----------------------------------------------------------------------------------------

def _registry(code: str) -> Registry:
    return get_object_or_404(selectors.registry_list(), country__code=code.upper())


def _account(number: str) -> Account:
    return get_object_or_404(Account.objects.select_related("registry__country", "holder"), number=number.upper())


def _transaction(pk: int) -> CreditTransaction:
    return get_object_or_404(CreditTransaction.objects.select_related(
        "registry__country", "from_account__registry", "to_account__registry", "initiator", "approver"), pk=pk)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _require_registry_admin(allowed: bool, registry: Registry) -> None:
    """403 unless ``allowed`` (an ``access.can_<action>`` of an action for the registry's administrators)."""
    _require(allowed, _("Only an administrator of the %(registry)s may do this.") % {"registry": registry})


def _form_page(request: HttpRequest, form: django_forms.BaseForm, *, heading: str, submit: StrOrPromise,
               back_url: str, eyebrow: str = "", intro: str = "", registry: Registry | None = None,
               method: str = "post", template: str = "credits/form_page.html", **extra: Any) -> HttpResponse:
    return render(request, template, {
        "form": form, "heading": heading, "submit": submit, "back_url": back_url, "eyebrow": eyebrow,
        "intro": intro, "registry": registry, "method": method, **extra,
    }, status=form_status(form))


@dataclass(frozen=True)
class AccountRef:
    """How an account is shown to this visitor: its number (linked) if they may see it, else its type."""

    text: str
    url: str = ""
    detail: str = ""


def _registry_codes() -> dict[int, str]:
    return dict(Registry.objects.values_list("pk", "country__code"))


def _account_ref(account: Account | None, visible: set[int] | None, codes: dict[int, str]) -> AccountRef | None:
    if account is None:
        return None
    if visible is None or account.pk in visible:
        return AccountRef(account.number, account.get_absolute_url(), account.name)
    return AccountRef(f"{account.get_type_display()} ({codes.get(account.registry_id, '')})")


def _with_refs(rows: Iterable[Any], user: Viewer) -> list[Any]:
    """Attach ``from_ref``/``to_ref`` (what this visitor may see of each account) to ledger entries or transactions."""
    visible = selectors.private_account_ids(user)
    codes = _registry_codes()
    rows = list(rows)
    for row in rows:
        row.from_ref = _account_ref(row.from_account, visible, codes)
        row.to_ref = _account_ref(row.to_account, visible, codes)
    return rows


def _accounts_of_kind(registry: Registry) -> list[dict]:
    """Totals of credits per account type of one registry, every type listed (as jcmregistry.go.jp publishes)."""
    found = {row["type"]: row for row in selectors.totals_by_account_type(registry)}
    rows = []
    for value, label in AccountType.choices:
        row = found.get(value)
        rows.append({"type": value, "label": label, "accounts": row["accounts"] if row else 0,
                     "credits": (row["credits"] if row else 0) or 0})
    return rows


def _annual_table(registry: Registry) -> dict:
    """The annual transactions summary as a table: one row per year, one column per kind (tCO2)."""
    kinds = list(TransactionKind.choices)
    years: dict[int, dict[str, selectors.YearKindSummary]] = {}
    for row in selectors.annual_summary(registry):
        years.setdefault(row["year"], {})[row["kind"]] = row
    rows = [{"year": year, "cells": [by_kind.get(value) for value, _label in kinds]}
            for year, by_kind in sorted(years.items(), reverse=True)]
    return {"kinds": kinds, "rows": rows}


def _credits(total: selectors.AccountTypeTotal | None) -> int:
    return (total["credits"] if total else 0) or 0


# --- public pages ----------------------------------------------------------------------------------

def home(request: HttpRequest) -> HttpResponse:
    registries = list(selectors.registry_list().order_by("-country__is_japan", "country__name"))
    totals = {(row["registry__country__code"], row["type"]): row for row in selectors.totals_by_account_type()}
    rows = [{"label": label, "cells": [_credits(totals.get((r.code, value))) for r in registries]}
            for value, label in AccountType.choices]
    return render(request, "credits/home.html", {
        "registries": registries, "totals": rows, "recent_retirements": selectors.retirements()[:5],
        "my_accounts": request.user.is_authenticated and selectors.my_accounts(request.user).exists(),
    })


def registry_detail(request: HttpRequest, code: str) -> HttpResponse:
    registry = _registry(code)
    user = request.user
    is_admin = access.is_registry_admin(user, registry)
    can_issue = access.can_issue(user, registry)
    return render(request, "credits/registry_detail.html", {
        "registry": registry,
        "totals": _accounts_of_kind(registry),
        "holding_accounts": selectors.holding_accounts_public(registry),
        "annual": _annual_table(registry),
        "is_admin": is_admin,
        "can_issue": can_issue,
        "can_open_account": access.can_open_account(user, registry),
        "may_report": access.can_report(user, registry),
        "queue_size": selectors.issuance_queue(registry).count() if can_issue else 0,
    })


def serial_search(request: HttpRequest) -> HttpResponse:
    form = forms.SerialSearchForm(request.GET or None)
    blocks, error = None, ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        try:
            blocks = selectors.lookup(form.cleaned_data["q"])
        except ApplicationError as exc:
            error = exc.message
    return render(request, "credits/serial_search.html", {
        "form": form, "blocks": blocks, "error": error, "query": (request.GET.get("q") or "").strip(),
    }, status=400 if error else 200)


BLOCK_FILTERS = ("project", "vintage", "account_type", "registry", "status")


def block_list(request: HttpRequest) -> HttpResponse:
    """Public block search (project, vintage, account type, registry where held, status) with the API's FilterSet."""
    filterset = BlockFilter(request.GET or None, queryset=selectors.block_search().order_by("first_serial"))
    page = paginate(request, filterset.qs)
    return render(request, "credits/block_list.html", {
        "filter": filterset, "page": page, "blocks": page.object_list, "query": query_without_page(request),
        "selected": {key: request.GET.get(key, "") for key in BLOCK_FILTERS},
        "account_types": AccountType.choices, "statuses": BlockStatus.choices,
        "registries": selectors.registry_list().order_by("country__code"),
    })


def block_detail(request: HttpRequest, pk: int) -> HttpResponse:
    block = get_object_or_404(selectors.block_search().select_related(
        "issuance__decision__joint_committee__partner", "issuance__transaction", "origin__issuing_registry__country",
        "created_by"), pk=pk)
    user = request.user
    visible = selectors.private_account_ids(user)
    history = _with_refs(selectors.block_history(block), user)
    for entry in history:
        entry.visible = selectors.transaction_visible(user, entry.transaction, visible)
    return render(request, "credits/block_detail.html", {
        "credit_block": block,  # not "block": inside {% block %} that name is the template block
        "holder": _account_ref(block.account, visible, _registry_codes()),
        "history": history,
        "splits": block.splits.select_related("issuing_registry__country").order_by("first_serial"),
        "period": _monitoring_period(block),
        "project_url": _project_url(block.project_code),
    })


def _monitoring_period(block: CreditBlock) -> MonitoringPeriod | None:
    return MonitoringPeriod.objects.filter(project__project_id=block.project_code,
                                           number=block.monitoring_period_number).first()


def _project_url(project_code: str) -> str:
    project = Project.objects.filter(project_id=project_code).first()
    return project.get_absolute_url() if project else ""


def retirement_list(request: HttpRequest) -> HttpResponse:
    filterset = RetirementFilter(request.GET or None, queryset=selectors.retirements().prefetch_related(
        "entries__block__issuing_registry__country"))
    page = paginate(request, filterset.qs)
    return render(request, "credits/retirement_list.html", {
        "filter": filterset, "page": page, "retirements": page.object_list, "query": query_without_page(request),
        "selected": {key: request.GET.get(key, "") for key in ("q", "registry", "year")},
        "registries": selectors.registry_list().order_by("country__code"),
    })


def transaction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    txn = _transaction(pk)
    user = request.user
    if not selectors.transaction_visible(user, txn):
        raise Http404(_("No such transaction."))
    _with_refs([txn], user)
    entries = _with_refs(txn.entries.select_related("block__issuing_registry__country").order_by("first_serial"),
                         user)
    for entry in entries:
        entry.printed = _printed_range(entry.block, entry.first_serial, entry.last_serial)
    proposed = txn.status == TransactionStatus.PROPOSED
    reversible = (txn.status == TransactionStatus.COMPLETED
                  and txn.kind in (TransactionKind.TRANSFER, TransactionKind.EXTERNAL_TRANSFER)
                  and not CreditTransaction.objects.filter(reverses=txn).exists())
    return render(request, "credits/transaction_detail.html", {
        "txn": txn,
        "entries": entries,
        "issuance": getattr(txn, "issuance_record", None) if txn.kind == TransactionKind.ISSUANCE else None,
        "reversed_by": CreditTransaction.objects.filter(reverses=txn).first(),
        "can_approve": proposed and access.can_approve(user, txn),
        "can_reject": proposed and access.can_reject(user, txn),
        "can_cancel": proposed and access.can_cancel(user, txn),
        "can_reverse": reversible and access.can_reverse(user, txn),
        "private": txn.kind not in selectors.PUBLIC_KINDS,
    })


def _printed_range(block: CreditBlock, first: int, last: int) -> str:
    return format_range(registry=block.issuing_registry.code, project=block.project_code,
                        period=block.monitoring_period_number, vintage=block.vintage, first=first, last=last)


def account_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The public facts of an account (no balance); its holdings and transactions for those who may see them."""
    account = _account(number)
    user = request.user
    context: dict[str, Any] = {"account": account, "private": access.can_view_account(user, account)}
    if context["private"]:
        blocks = selectors.holdings(account)
        context.update({
            "blocks": blocks[:ACCOUNT_BLOCKS_SHOWN],
            "block_count": blocks.count(),
            "transactions": _with_refs(selectors.account_transactions(account)[:PAGE_SIZE], user),
            "actions": _initiate_actions(user, account),
            "can_change_status": access.can_change_account_status(user, account),
            "can_manage_representatives": access.can_manage_representatives(user, account),
            "can_manage_trusted": access.can_manage_trusted_accounts(user, account),
            "can_set_threshold": access.can_set_approval_threshold(user, account),
            "corrections": _correction_actions(user, account),
            "representatives": account.representative_links.select_related("user").order_by("user__username"),
            "statement_form": forms.StatementForm(initial=forms.StatementForm.this_year()),
        })
    return render(request, "credits/account_detail.html", context)


def _initiate_actions(user: Viewer, account: Account) -> list[tuple[str, str]]:
    """The transactions the user may start from this account: (slug, label)."""
    if account.type not in HOLDING_TYPES or account.status != AccountStatus.OPEN or not access.can_initiate(user,
                                                                                                           account):
        return []
    return [("transfer", _("Transfer")), ("external-transfer", _("External transfer")),
            ("cancellation", _("Cancel")), ("retirement", _("Retire"))]


def _correction_actions(user: Viewer, account: Account) -> list[tuple[str, str]]:
    """The administrative corrections the user may propose on this account: (slug, label)."""
    if account.status != AccountStatus.OPEN or not access.can_propose_correction(user, account):
        return []
    return [("transfer", _("Transfer")), ("external-transfer", _("External transfer")),
            ("cancellation", _("Cancel")), ("retirement", _("Retire"))]


# --- account representatives ------------------------------------------------------------------------

@login_required
def my_accounts(request: HttpRequest) -> HttpResponse:
    user = acting_user(request.user)
    accounts = list(selectors.my_accounts(user))
    represented = set(user.account_links.values_list("account_id", flat=True))
    mine, operated = [], []
    for account in accounts:
        if account.pk in represented:
            blocks = selectors.holdings(account)
            account.shown_blocks = list(blocks[:25])
            account.block_count = blocks.count()
            account.actions = _initiate_actions(user, account)
            mine.append(account)
        else:
            operated.append(account)
    return render(request, "credits/my_accounts.html", {
        "mine": mine, "operated": operated,
        "awaiting": selectors.awaiting_approval(user).count(),
        "administered": [r for r in selectors.registry_list() if access.is_registry_admin(user, r)],
    })


@login_required
@require_fresh_second_factor
def transaction_initiate(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    account = _account(number)
    if kind not in KIND_SLUGS:
        raise Http404(_("No such kind of transaction."))
    kind_value = KIND_SLUGS[kind]
    _require(access.can_initiate(request.user, account),
             _("You may not initiate transactions from account %(number)s.") % {"number": account.number})
    form = forms.TransactionForm(request.POST or None, from_account=account, kind=kind_value)
    if request.method == "POST":
        txn = run_service(form, lambda: services.transaction_initiate(
            actor=acting_user(request.user), kind=kind_value, from_account=account, **form.cleaned_data))
        if txn is not None:
            _announce(request, txn)
            return redirect(txn)
    label = TransactionKind(kind_value).label
    return _form_page(request, form, heading=_("%(kind)s from %(number)s") % {"kind": label, "number": account.number},
                      submit=_("Retire credits") if kind_value == TransactionKind.RETIREMENT else label,
                      back_url=account.get_absolute_url(), eyebrow=account.name, registry=account.registry,
                      intro=_initiate_intro(account, kind_value), account=account)


def _initiate_intro(account: Account, kind: str) -> str:
    text = _("Account %(number)s holds %(balance)s credits.") % {"number": account.number,
                                                                   "balance": f"{account.balance:,}"}
    if kind == TransactionKind.RETIREMENT:
        text += " " + _("Retired credits never move again; the retirement, its purpose and its beneficiary "
                        "are published.")
    elif kind == TransactionKind.CANCELLATION:
        text += " " + _("Cancelled credits never move again.")
    if account.requires_approval or account.approval_threshold == 0:
        text += " " + _("A second representative must approve it before it is executed.")
    else:
        text += " " + _("A second representative must approve it if it reaches the account's approval threshold "
                        "or goes to an account not active on its trusted list.")
    return text


def _announce(request: HttpRequest, txn: CreditTransaction) -> None:
    values = {"kind": txn.get_kind_display(), "reference": txn.reference, "quantity": f"{txn.quantity:,}"}
    if txn.status == TransactionStatus.COMPLETED:
        messages.success(request, _("%(kind)s %(reference)s of %(quantity)s credits was completed.") % values)
    else:
        messages.success(request, _("%(kind)s %(reference)s of %(quantity)s credits was proposed; it awaits the "
                                    "approval of another representative.") % values)


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "credits/approvals.html", {
        "awaiting": _with_refs(selectors.awaiting_approval(user).order_by("created_at"), user),
        "mine": _with_refs(selectors.proposals_by(user).order_by("created_at"), user),
    })


def _require_approver(user: Viewer, txn: CreditTransaction) -> None:
    """403 unless the user decides on ``txn`` (``access.can_approve``; its initiator gets the service's
    refusal on the page instead)."""
    _require(access.can_approve(user, txn) or (txn.initiator_id == getattr(user, "pk", None)
                                                and txn.status == TransactionStatus.PROPOSED),
             _("You may not approve or reject this transaction."))


@login_required
@require_POST
@require_fresh_second_factor
def transaction_approve(request: HttpRequest, pk: int) -> HttpResponse:
    txn = _transaction(pk)
    _require_approver(request.user, txn)
    try:
        txn = services.transaction_approve(actor=acting_user(request.user), txn=txn)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(reference)s was approved and executed.") % {"reference": txn.reference})
    return redirect(txn)


@login_required
@require_fresh_second_factor
def transaction_reject(request: HttpRequest, pk: int) -> HttpResponse:
    txn = _transaction(pk)
    _require_approver(request.user, txn)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST":
        done = run_service(form, lambda: services.transaction_reject(
            actor=acting_user(request.user), txn=txn, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("%(reference)s was rejected.") % {"reference": done.reference})
            return redirect(done)
    return _form_page(request, form, heading=_("Reject %(reference)s") % {"reference": txn.reference},
                      submit=_("Reject"), back_url=txn.get_absolute_url(), registry=txn.registry,
                      eyebrow=_("Transaction awaiting approval"),
                      intro=_("The initiator is told the reason."), txn=txn)


@login_required
@require_POST
def transaction_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    txn = _transaction(pk)
    _require(access.can_cancel(request.user, txn),
             _("Only the initiator or a registry administrator may cancel a proposed transaction."))
    try:
        txn = services.transaction_cancel(actor=acting_user(request.user), txn=txn)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(reference)s was cancelled.") % {"reference": txn.reference})
    return redirect(txn)


@login_required
def account_statement(request: HttpRequest, number: str) -> HttpResponse:
    """The statement of an account for a period, as CSV (the form on the account page leads here)."""
    account = _account(number)
    _require(access.can_view_account(request.user, account),
             _("Only the account's representatives and the registry may see its statement."))
    form = forms.StatementForm(request.GET or None, initial=forms.StatementForm.this_year())
    if form.is_valid():
        statement = selectors.account_statement(account, form.cleaned_data["start"], form.cleaned_data["end"])
        name = f"statement-{account.number}-{statement.start:%Y%m%d}-{statement.end:%Y%m%d}.csv"
        return HttpResponse(_statement_csv(statement), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return _form_page(request, form, heading=_("Statement of %(number)s") % {"number": account.number},
                      submit=_("Download CSV"), back_url=account.get_absolute_url(), eyebrow=account.name,
                      registry=account.registry, account=account, method="get")


STATEMENT_COLUMNS = ["date", "transaction", "kind", "counterparty", "serial_numbers", "credits_in", "credits_out",
                     "balance"]


FICTITIOUS_CSV_NOTE = ("FICTITIOUS - demo data: the project, companies and TPE named here do not exist; their IDs and "
                       "figures are invented for the demonstration.")


def _statement_csv(statement: selectors.Statement) -> bytes:
    """The statement as CSV: the opening balance, one row per line of ``selectors.account_statement`` (the
    lines the PDF statement shows too), the closing balance. A statement showing the demo's fictitious data
    starts with one line saying so (before the header), as the PDF carries the FICTITIOUS banner."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    account = statement.account
    if statement_fictitious(statement):
        writer.writerow([FICTITIOUS_CSV_NOTE])
    writer.writerow(STATEMENT_COLUMNS)
    writer.writerow([statement.start.isoformat(), "", "opening balance", account.number, "", "", "",
                     statement.opening])
    for line in statement.lines:
        writer.writerow([line.day.isoformat(), line.transaction.reference,
                         line.transaction.kind, line.counterparty.number if line.counterparty else "",
                         line.serials, line.credits_in, line.credits_out, line.balance])
    writer.writerow([statement.end.isoformat(), "", "closing balance", account.number, "", "", "",
                     statement.closing])
    return buffer.getvalue().encode("utf-8")


# --- registry administrators ----------------------------------------------------------------------

@login_required
def account_open(request: HttpRequest, code: str) -> HttpResponse:
    registry = _registry(code)
    _require_registry_admin(access.can_open_account(request.user, registry), registry)
    form = forms.AccountOpenForm(request.POST or None)
    if request.method == "POST":
        account = run_service(form, lambda: services.account_open(
            actor=acting_user(request.user), registry=registry, **form.cleaned_data))
        if account is not None:
            messages.success(request, _("Account %(number)s was opened.") % {"number": account.number})
            return redirect(account)
    return _form_page(request, form, heading=_("Open an account"), submit=_("Open the account"),
                      back_url=registry.get_absolute_url(), eyebrow=registry.name, registry=registry)


@login_required
def account_status(request: HttpRequest, number: str) -> HttpResponse:
    account = _account(number)
    _require_registry_admin(access.can_change_account_status(request.user, account), account.registry)
    form = forms.AccountStatusForm(request.POST or None, account=account)
    if request.method == "POST":
        changed = run_service(form, lambda: services.account_change_status(
            actor=acting_user(request.user), account=account, **form.cleaned_data))
        if changed is not None:
            messages.success(request, _("Account %(number)s is now %(status)s.")
                             % {"number": changed.number, "status": changed.get_status_display().lower()})
            return redirect(changed)
    return _form_page(request, form, heading=_("Block, unblock or close %(number)s") % {"number": account.number},
                      submit=_("Change status"), back_url=account.get_absolute_url(), eyebrow=account.name,
                      registry=account.registry, account=account,
                      intro=_("The account is %(status)s.") % {"status": account.get_status_display().lower()})


@login_required
def account_representatives(request: HttpRequest, number: str) -> HttpResponse:
    account = _account(number)
    _require_registry_admin(access.can_manage_representatives(request.user, account), account.registry)
    form = forms.RepresentativeForm(request.POST or None)
    if request.method == "POST":
        link = run_service(form, lambda: services.account_set_representative(
            actor=acting_user(request.user), account=account, **form.cleaned_data))
        if link is not None:
            messages.success(request, _("%(user)s represents %(number)s.")
                             % {"user": link.user.username, "number": account.number})
            return redirect("credits:account-representatives", account.number)
    return _form_page(request, form, heading=_("Representatives of %(number)s") % {"number": account.number},
                      submit=_("Name the representative"), back_url=account.get_absolute_url(),
                      eyebrow=account.name, registry=account.registry, template="credits/representatives.html",
                      account=account,
                      links=account.representative_links.select_related("user").order_by("user__username"))


@login_required
@require_POST
def account_representative_remove(request: HttpRequest, number: str, user_pk: int) -> HttpResponse:
    account = _account(number)
    _require_registry_admin(access.can_manage_representatives(request.user, account), account.registry)
    user = get_object_or_404(get_user_model(), pk=user_pk)
    try:
        services.account_remove_representative(actor=acting_user(request.user), account=account, user=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(user)s no longer represents %(number)s.")
                         % {"user": user.username, "number": account.number})
    return redirect("credits:account-representatives", account.number)


@login_required
@require_fresh_second_factor
def correction_propose(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    """An administrative correction on a holder's account, with its legal basis (registry administrators)."""
    account = _account(number)
    if kind not in KIND_SLUGS:
        raise Http404(_("No such kind of transaction."))
    kind_value = KIND_SLUGS[kind]
    _require_registry_admin(access.can_propose_correction(request.user, account), account.registry)
    form = forms.CorrectionForm(request.POST or None, from_account=account, kind=kind_value)
    if request.method == "POST":
        txn = run_service(form, lambda: services.correction_propose(
            actor=acting_user(request.user), kind=kind_value, from_account=account, **form.cleaned_data))
        if txn is not None:
            messages.success(request, _("Correction %(reference)s was proposed; another administrator of the "
                                        "registry must approve it. The account's holder has been told.")
                             % {"reference": txn.reference})
            return redirect(txn)
    label = TransactionKind(kind_value).label
    return _form_page(request, form, heading=_("Administrative correction: %(kind)s from %(number)s")
                      % {"kind": label, "number": account.number},
                      submit=_("Propose the correction"), back_url=account.get_absolute_url(), eyebrow=account.name,
                      registry=account.registry, account=account,
                      intro=_("The registry acts on a holder's account only on a stated legal basis. The correction "
                              "stays proposed until a second administrator approves it; the holder is told when it "
                              "is proposed and when it is completed."))


@login_required
@require_fresh_second_factor
def account_trusted(request: HttpRequest, number: str) -> HttpResponse:
    """The account's trusted-account list: who is on it, from when each is active; add one (representatives)."""
    account = _account(number)
    _require(access.can_view_account(request.user, account), _("You may not see this account."))
    may_manage = access.can_manage_trusted_accounts(request.user, account)
    form = forms.TrustedAccountForm(request.POST or None, account=account)
    if request.method == "POST":
        _require(may_manage, _("Only a representative of account %(number)s may change its trusted accounts.")
                 % {"number": account.number})
        link = run_service(form, lambda: services.trusted_account_add(
            actor=acting_user(request.user), account=account, **form.cleaned_data))
        if link is not None:
            messages.success(request, _("%(trusted)s was added; it becomes active on %(when)s UTC.")
                             % {"trusted": link.trusted.number, "when": f"{link.active_from:%Y-%m-%d %H:%M}"})
            return redirect("credits:account-trusted", account.number)
    return _form_page(request, form, heading=_("Trusted accounts of %(number)s") % {"number": account.number},
                      submit=_("Add to the trusted list"), back_url=account.get_absolute_url(), eyebrow=account.name,
                      registry=account.registry, template="credits/trusted_accounts.html", account=account,
                      may_manage=may_manage, now=timezone.now(), delay_days=services.trusted_account_delay().days,
                      links=account.trusted_links.select_related("trusted__registry__country", "added_by")
                      .order_by("trusted__number"),
                      intro=_("Transfers to an account on this list need no second approval once its addition is "
                              "active (unless the quantity reaches the account's approval threshold); transfers to "
                              "other accounts do. An addition becomes active after %(days)s days; a removal takes "
                              "effect at once.") % {"days": services.trusted_account_delay().days})


@login_required
@require_POST
def account_trusted_remove(request: HttpRequest, number: str, trusted: str) -> HttpResponse:
    account = _account(number)
    _require(access.can_manage_trusted_accounts(request.user, account),
             _("Only a representative of account %(number)s may change its trusted accounts.")
             % {"number": account.number})
    other = _account(trusted)
    try:
        services.trusted_account_remove(actor=acting_user(request.user), account=account, trusted=other)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(trusted)s is no longer trusted.") % {"trusted": other.number})
    return redirect("credits:account-trusted", account.number)


@login_required
def account_threshold(request: HttpRequest, number: str) -> HttpResponse:
    account = _account(number)
    _require_registry_admin(access.can_set_approval_threshold(request.user, account), account.registry)
    form = forms.ThresholdForm(request.POST or None, initial={"threshold": account.approval_threshold})
    if request.method == "POST":
        changed = run_service(form, lambda: services.account_set_approval_threshold(
            actor=acting_user(request.user), account=account, **form.cleaned_data))
        if changed is not None:
            messages.success(request, _("The approval threshold of %(number)s was changed.")
                             % {"number": changed.number})
            return redirect(changed)
    return _form_page(request, form, heading=_("Second approval of %(number)s") % {"number": account.number},
                      submit=_("Save"), back_url=account.get_absolute_url(), eyebrow=account.name,
                      registry=account.registry, account=account)


@login_required
@require_fresh_second_factor
def transaction_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    txn = _transaction(pk)
    _require_registry_admin(access.can_reverse(request.user, txn), txn.registry)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST":
        reversal = run_service(form, lambda: services.transaction_reverse(
            actor=acting_user(request.user), txn=txn, **form.cleaned_data))
        if reversal is not None:
            messages.success(request, _("Reversal %(reversal)s of %(reference)s was proposed; an administrator of "
                                        "the receiving registry must approve it.")
                             % {"reference": txn.reference, "reversal": reversal.reference})
            return redirect(reversal)
    return _form_page(request, form, heading=_("Reverse %(reference)s") % {"reference": txn.reference},
                      submit=_("Reverse the transfer"), back_url=txn.get_absolute_url(), registry=txn.registry,
                      eyebrow=_("Correction by reversal"),
                      intro=_("The same serial numbers go back to the sending account, while the receiving account "
                              "still holds them all, once an administrator of the receiving registry approves it "
                              "within %(days)s days of the transfer. Both holders are told; the reason is the legal "
                              "basis recorded in the audit trail.") % {"days": services.reversal_window().days},
                      txn=txn)


@dataclass
class QueueItem:
    request: IssuanceRequest
    plan: list[services.Share]
    problem: str = ""

    @property
    def total(self) -> int:
        return sum(share.quantity for share in self.plan)


def _queue_item(request_obj: IssuanceRequest, registry: Registry) -> QueueItem:
    try:
        return QueueItem(request_obj, services.issuance_plan(request_obj, registry))
    except ApplicationError as exc:
        return QueueItem(request_obj, [], exc.message)


@login_required
def issuance_queue(request: HttpRequest, code: str) -> HttpResponse:
    registry = _registry(code)
    _require_registry_admin(access.can_issue(request.user, registry), registry)
    items = [_queue_item(r, registry) for r in selectors.issuance_queue(registry)]
    return render(request, "credits/issuance_queue.html", {"registry": registry, "items": items})


@login_required
def issuance_execute(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    registry = _registry(code)
    _require_registry_admin(access.can_issue(request.user, registry), registry)
    item = _queue_item(get_object_or_404(selectors.issuance_queue(registry), pk=pk), registry)
    form = forms.IssuanceExecuteForm(request.POST or None)
    if request.method == "POST":
        issuance = run_service(form, lambda: services.issuance_execute(
            actor=acting_user(request.user), request=item.request, registry=registry, **form.cleaned_data))
        if isinstance(issuance, CreditTransaction):
            messages.success(request, _("The issuance %(reference)s of %(quantity)s credits was proposed; another "
                                        "administrator of the registry must approve it.")
                             % {"reference": issuance.reference, "quantity": f"{issuance.quantity:,}"})
            return redirect(issuance)
        if issuance is not None:
            messages.success(request, _("%(quantity)s credits were issued for %(period)s.")
                             % {"quantity": f"{issuance.quantity:,}", "period": issuance.monitoring_period_key})
            return redirect(issuance.transaction)
    project = item.request.project
    return _form_page(request, form, heading=_("Issue credits for %(project)s, monitoring period %(number)s")
                      % {"project": project.project_id, "number": item.request.period.number},
                      submit=_("Issue"), back_url=reverse("credits:issuance-queue", args=[registry.code]),
                      eyebrow=registry.name, registry=registry, template="credits/issuance_execute.html", item=item)


@login_required
def article6_report(request: HttpRequest, code: str) -> HttpResponse:
    registry = _registry(code)
    _require(access.can_report(request.user, registry),
             _("Only the registry's administrators and its ministry may download the Article 6.2 report."))
    form = forms.Article6Form(request.GET or None)
    if form.is_valid():
        year, kind = form.cleaned_data["year"], form.cleaned_data["format"]
        rows = article6.annual_report(registry, year)
        name = f"article6-{registry.code}-{year}.{kind}"
        if kind == "csv":
            body, content_type = article6.to_csv(rows), "text/csv; charset=utf-8"
        else:
            title = f"{registry.name}: Article 6.2 annual information {year}"
            body, content_type = article6.to_xlsx(rows, title=title), XLSX
        return HttpResponse(body, content_type=content_type,
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return _form_page(request, form, heading=_("Article 6.2 annual report"), submit=_("Download"),
                      back_url=registry.get_absolute_url(), eyebrow=registry.name, registry=registry, method="get",
                      intro=_("Authorizations, first transfers, transfers, acquisitions, holdings at year end, "
                              "cancellations and use towards NDCs of one calendar year."))
