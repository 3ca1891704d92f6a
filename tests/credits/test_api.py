"""The registry API: what each face reads and does, the refusals with their field messages, idempotency,
keyset pagination and constant query counts. Everything is set up through the real services."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from committee import services as committee_services
from committee.choices import OrganizationKind, Role
from core.models import AuditEvent
from credits import services
from credits.choices import AccountType, BlockStatus, TransactionKind, TransactionStatus
from credits.models import Account, CreditBlock, CreditTransaction
from credits.reconcile import reconcile
from projects import services as project_services
from tests import factories as f
from tests.conftest import client_for
from tests.credits.conftest import move_approved

API = "/api/v1"


# --- fixtures (also used by test_api_permissions) ----------------------------------------------------------

@pytest.fixture
def mn_company(mongolia):
    return f.OrganizationFactory(name="Darkhan Energy LLC", kind=OrganizationKind.COMPANY, country=mongolia)


@pytest.fixture
def mn_rep(mn_company):
    """Representative of the Mongolian company's holding account."""
    return f.make_user("mn_rep", Role.PROJECT_PARTICIPANT, organization=mn_company)


@pytest.fixture
def mn_accounts(accounts, registry_admin_mn, mn_company, mn_rep):
    mn = accounts["mn_gov"].registry
    open_ = services.account_open
    return {
        **accounts,
        "mn_pp": open_(actor=registry_admin_mn, registry=mn, type=AccountType.PARTICIPANT_HOLDING,
                       name="Darkhan Energy LLC", holder=mn_company, representatives=[mn_rep]),
        "mn_cancel": open_(actor=registry_admin_mn, registry=mn, type=AccountType.CANCELLATION,
                           name="Mongolia cancellation account"),
        "mn_retire": open_(actor=registry_admin_mn, registry=mn, type=AccountType.RETIREMENT,
                           name="Mongolia retirement account"),
    }


@pytest.fixture
def decided_request(jc, sysadmin, secretariat, company, holder_rep, mn_company):
    """A decided issuance request of 900 credits for a Japan–Mongolia project, through the project cycle.

    Allocation (tests/projects/cycle.py): Japan 10 %, Mongolia 40 %, the Japanese company 25 % (Japan's
    registry), the Mongolian company 25 % (Mongolia's registry)."""
    from tests.projects import cycle

    scope = f.scope(1)
    version = cycle.approved_version(sysadmin, jc, title="Installation of Solar PV System", scope=scope,
                                     content=cycle.solar_content(), approved="MN_AM003")
    tpe = committee_services.tpe_designate(
        actor=sysadmin, joint_committee=jc, designated_on=datetime.date(2014, 1, 15), scopes_validation=[scope],
        scopes_verification=[scope], number=1,
        organization=f.OrganizationFactory(name="Good Verification Ltd.", kind=OrganizationKind.TPE, country=None))
    auditor = f.make_user("auditor", Role.TPE_AUDITOR, organization=tpe.organization)
    project = cycle.create_project(holder_rep, jc, version=version, scope=scope, japanese=company, partner=mn_company)
    project = cycle.to_registered(project, pp=holder_rep, secretariat=secretariat, auditor=auditor, tpe=tpe,
                                  japanese=company, partner=mn_company)
    period = cycle.verified_period(project, pp=holder_rep, tpe=tpe, auditor=auditor,
                                   values={"EG_i": {"Darkhan": "1000"}})
    request = project_services.issuance_request_submit(actor=holder_rep, period=period)
    return project_services.issuance_decide(actor=secretariat, request=request, amount=request.requested_amount,
                                            decision=cycle.decision())


def post(user, url, body=None, *, key=None, method="post"):
    client = client_for(user)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return getattr(client, method)(f"{API}{url}", body or {}, format="json", **headers)


def get(user, url, params=None):
    return client_for(user).get(f"{API}{url}", params or {})


def balance(account) -> int:
    account.refresh_from_db()
    return account.balance


# --- registries -------------------------------------------------------------------------------------------

def test_registries_are_public_with_totals_per_account_type(accounts, issue):
    issue(accounts["jp_pp"], 1000)
    listing = get(None, "/registries/").json()
    assert [(r["code"], r["operated_by"]) for r in listing["results"]] == [("JP", None), ("MN", "JP")]

    detail = get(None, "/registries/JP/").json()
    totals = {row["type"]: (row["accounts"], row["credits"]) for row in detail["totals"]}
    assert totals["participant_holding"] == (2, 1000)
    assert totals["government_holding"] == (1, 0)
    assert totals["omge_cancellation"] == (0, 0)  # every type is listed
    assert get(None, "/registries/JP/totals/").json() == detail["totals"]
    assert get(None, "/registries/jp/").status_code == 200
    assert get(None, "/registries/KH/").status_code == 404


def test_annual_transaction_summary_is_public(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 1000)
    services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                                  to_account=accounts["jp_other"], quantity=10)
    rows = get(None, "/registries/JP/annual-summary/").json()
    year = datetime.date.today().year
    assert {(r["year"], r["kind"]): (r["transactions"], r["credits"]) for r in rows} == {
        (year, "issuance"): (1, 1000), (year, "transfer"): (1, 10)}


def test_article6_report_as_json_csv_and_xlsx(accounts, issue, registry_admin_jp):
    issue(accounts["jp_gov"], 500)
    move_approved(kind=TransactionKind.EXTERNAL_TRANSFER, from_account=accounts["jp_gov"],
                  to_account=accounts["mn_gov"], quantity=40)
    year = datetime.date.today().year
    body = get(registry_admin_jp, "/registries/JP/article6/", {"year": year}).json()
    assert body["columns"][:3] == ["registry", "year", "category"]
    assert {"category": "transfer", "vintage": 2023, "quantity": 40}.items() <= next(
        r for r in body["rows"] if r["category"] == "transfer").items()

    response = get(registry_admin_jp, "/registries/JP/article6/", {"year": year, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="article6-JP-{year}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert any(r["category"] == "transfer" and r["quantity"] == "40" for r in rows)

    response = get(registry_admin_jp, "/registries/JP/article6/", {"year": year, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "registry" and sheet.max_row == len(body["rows"]) + 2


def test_article6_refusals_are_json_with_field_messages(registries, registry_admin_jp, registry_admin_mn):
    wrong_format = get(registry_admin_jp, "/registries/JP/article6/", {"format": "pdf"})
    assert wrong_format.status_code == 400 and wrong_format.json()["errors"] == {
        "format": ["The format is json, csv or xlsx."]}
    wrong_year = get(registry_admin_jp, "/registries/JP/article6/", {"year": "soon"})
    assert wrong_year.status_code == 400 and "year" in wrong_year.json()["errors"]
    other = get(registry_admin_mn, "/registries/JP/article6/", {"format": "csv"})
    assert other.status_code == 403 and other["Content-Type"] == "application/json"
    assert get(None, "/registries/JP/article6/").status_code == 401


# --- accounts ---------------------------------------------------------------------------------------------

def test_account_list_is_public_and_balances_only_for_those_concerned(accounts, issue, holder_rep,
                                                                     registry_admin_jp, registry_admin_mn):
    issue(accounts["jp_pp"], 70)

    def balances(user):
        rows = get(user, "/accounts/", {"page_size": 100}).json()["results"]
        return {r["number"]: r["balance"] for r in rows}

    public = balances(None)
    assert len(public) == 6 and set(public.values()) == {None}
    assert balances(holder_rep) == {**public, accounts["jp_pp"].number: 70}
    admin = balances(registry_admin_jp)
    assert admin[accounts["jp_pp"].number] == 70 and admin[accounts["mn_gov"].number] is None
    assert balances(registry_admin_mn)[accounts["mn_gov"].number] == 0

    row = get(None, f"/accounts/{accounts['jp_pp'].number}/").json()
    assert row["holder"]["name"] == "Demo Solar Japan K.K." and row["type"] == "participant_holding"
    assert row["representatives"] is None and row["balance"] is None
    mine = get(holder_rep, f"/accounts/{accounts['jp_pp'].number}/").json()
    assert [r["username"] for r in mine["representatives"]] == ["holder_rep", "holder_rep2"]


def test_registry_admin_opens_an_account_numbered_by_registry_and_type(registries, registry_admin_mn, mn_company,
                                                                       mn_rep):
    response = post(registry_admin_mn, "/accounts/", {"registry": "MN", "type": "participant_holding",
                                                      "name": "Darkhan Energy LLC", "holder": mn_company.pk,
                                                      "requires_approval": True, "representatives": ["mn_rep"]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "MN-200-000001" and body["requires_approval"] is True
    assert body["balance"] == 0 and [r["username"] for r in body["representatives"]] == ["mn_rep"]
    second = post(registry_admin_mn, "/accounts/", {"registry": "MN", "type": "retirement", "name": "Retirement"})
    assert second.json()["number"] == "MN-400-000001"
    assert AuditEvent.objects.filter(action="credits.account.open").count() == 2


def test_opening_an_account_refusals(registries, registry_admin_jp, registry_admin_mn):
    missing = post(registry_admin_mn, "/accounts/", {"registry": "XX", "type": "bank"})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"registry", "type", "name"}
    no_holder = post(registry_admin_mn, "/accounts/", {"registry": "MN", "type": "participant_holding",
                                                       "name": "A company"})
    assert no_holder.status_code == 400 and no_holder.json()["errors"] == {
        "holder": ["A participant holding account needs its holder organization."]}
    other = post(registry_admin_jp, "/accounts/", {"registry": "MN", "type": "retirement", "name": "R"})
    assert other.status_code == 403 and Account.objects.filter(registry=registries["MN"]).count() == 0


def test_account_status_and_representatives(accounts, issue, registry_admin_jp, participant):
    number = accounts["jp_pp"].number
    issue(accounts["jp_pp"], 5)
    no_reason = post(registry_admin_jp, f"/accounts/{number}/status/", {"status": "blocked"})
    assert no_reason.status_code == 400 and no_reason.json()["errors"] == {"reason": ["Give the reason."]}
    blocked = post(registry_admin_jp, f"/accounts/{number}/status/", {"status": "blocked", "reason": "Court order"})
    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked"
    closing = post(registry_admin_jp, f"/accounts/{number}/status/", {"status": "closed", "reason": "Wound up"})
    assert closing.status_code == 409 and "still holds 5" in closing.json()["detail"]

    added = post(registry_admin_jp, f"/accounts/{number}/representatives/",
                 {"user": "participant", "can_approve": False})
    assert added.status_code == 200
    assert {"username": "participant", "can_initiate": True, "can_approve": False}.items() <= next(
        r for r in added.json()["representatives"] if r["username"] == "participant").items()
    unknown = post(registry_admin_jp, f"/accounts/{number}/representatives/", {"user": "nobody"})
    assert unknown.status_code == 400 and "user" in unknown.json()["errors"]
    removed = post(registry_admin_jp, f"/accounts/{number}/representatives/participant/", method="delete")
    assert removed.status_code == 204
    again = post(registry_admin_jp, f"/accounts/{number}/representatives/participant/", method="delete")
    assert again.status_code == 400 and "user" in again.json()["errors"]


def test_holdings_by_block_for_the_representative(accounts, issue, holder_rep, participant):
    issue(accounts["jp_pp"], 100)
    issue(accounts["jp_pp"], 50, vintage=2024)
    url = f"/accounts/{accounts['jp_pp'].number}/blocks/"
    rows = get(holder_rep, url).json()["results"]
    assert [(r["quantity"], r["vintage"], r["account"]) for r in rows] == [
        (100, 2023, accounts["jp_pp"].number), (50, 2024, accounts["jp_pp"].number)]
    assert [r["vintage"] for r in get(holder_rep, url, {"vintage": 2024}).json()["results"]] == [2024]
    assert get(participant, url).status_code == 403
    assert get(None, url).status_code == 401


# --- blocks and serial numbers ----------------------------------------------------------------------------

def test_block_search_by_any_unit_and_its_history(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 1000)
    services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                                  to_account=accounts["jp_other"], quantity=300)
    found = get(None, "/blocks/", {"serial": "JP-MN001-01-2023-000000000007"}).json()["results"]
    assert [(b["serial"], b["account_type"], b["account"]) for b in found] == [
        ("JP-MN001-01-2023-000000000001-000000000300", "participant_holding", None)]
    assert [b["first_serial"] for b in get(None, "/blocks/", {"serial": "301"}).json()["results"]] == [301]
    assert [b["quantity"] for b in get(None, "/blocks/", {"serial": "JP-MN001-01-2023-000000000250-000000000400"})
            .json()["results"]] == [300, 700]
    assert get(None, "/blocks/", {"serial": "5000"}).json()["results"] == []
    assert len(get(None, "/blocks/", {"project": "mn001", "account_type": "participant_holding"})
               .json()["results"]) == 2
    assert get(None, "/blocks/", {"registry": "MN"}).json()["results"] == []

    moved = CreditBlock.objects.get(account=accounts["jp_other"])
    detail = get(None, f"/blocks/{moved.pk}/").json()
    assert [(h["kind"], h["serial"], h["from_account"], h["to_account_type"]) for h in detail["history"]] == [
        ("issuance", "JP-MN001-01-2023-000000000001-000000001000", None, "participant_holding"),
        ("transfer", "JP-MN001-01-2023-000000000001-000000000300", None, "participant_holding")]
    mine = get(holder_rep, f"/blocks/{moved.pk}/").json()["history"]
    assert mine[1]["from_account"] == accounts["jp_pp"].number and mine[1]["to_account"] is None


def test_a_malformed_serial_is_refused_with_the_format(accounts):
    response = get(None, "/blocks/", {"serial": "JP-0001"})
    assert response.status_code == 400
    assert "JP-MN001-01-2015-000000000001-000000001000" in response.json()["errors"]["serial"][0]


def test_serial_lookup_of_one_unit_with_its_history(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 100)
    services.transaction_initiate(actor=holder_rep, kind=TransactionKind.RETIREMENT, from_account=accounts["jp_pp"],
                                  to_account=accounts["jp_retire"], quantity=10, purpose="Offsetting",
                                  beneficiary="Darkhan Marathon")
    body = get(None, "/serials/JP-MN001-01-2023-000000000007/").json()
    assert body["context_matches"] is True
    assert [(b["status"], b["account_type"]) for b in body["blocks"]] == [("retired", "retirement")]
    assert [h["kind"] for h in body["history"]] == ["issuance", "retirement"]
    assert get(None, "/serials/50/").json()["blocks"][0]["status"] == "active"
    wrong_context = get(None, "/serials/MN-MN002-01-2023-000000000007/").json()
    assert wrong_context["context_matches"] is False  # the serial exists, the printed prefix is not its own
    assert get(None, "/serials/99999/").status_code == 404
    assert get(None, "/serials/not-a-serial/").status_code == 400


# --- transactions -----------------------------------------------------------------------------------------

def transfer_body(accounts, quantity=10, **extra):
    return {"kind": "transfer", "from_account": accounts["jp_pp"].number, "to_account": accounts["jp_other"].number,
            "quantity": quantity, **extra}


def test_a_transfer_needs_an_idempotency_key_and_replays_it(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 100)
    missing = post(holder_rep, "/transactions/", transfer_body(accounts))
    assert missing.status_code == 400 and "idempotency_key" in missing.json()["errors"]

    first = post(holder_rep, "/transactions/", transfer_body(accounts), key="order-1")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["status"] == "completed" and body["reference"].startswith("JP-TX-")
    assert body["ranges"] == [{"serial": "JP-MN001-01-2023-000000000001-000000000010", "first_serial": 1,
                               "last_serial": 10, "quantity": 10, "to_account": accounts["jp_other"].number}]
    again = post(holder_rep, "/transactions/", transfer_body(accounts), key="order-1")
    assert again.status_code == 200 and again.json() == body and again["Idempotency-Replayed"] == "true"
    assert balance(accounts["jp_pp"]) == 90  # executed once

    different = post(holder_rep, "/transactions/", transfer_body(accounts, quantity=11), key="order-1")
    assert different.status_code == 409
    assert different.json()["errors"] == {"idempotency_key": [
        "This idempotency key was already used for a different request."]}
    assert balance(accounts["jp_pp"]) == 90


def test_transaction_refusals_carry_field_messages(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 10)
    too_many = post(holder_rep, "/transactions/", transfer_body(accounts, quantity=11), key="k1")
    assert too_many.status_code == 409 and too_many.json()["errors"] == {
        "quantity": [f"Account {accounts['jp_pp'].number} holds 10 credits; 11 requested."]}
    retire = post(holder_rep, "/transactions/", {**transfer_body(accounts), "kind": "retirement",
                                                 "to_account": accounts["jp_retire"].number}, key="k2")
    assert retire.status_code == 400 and set(retire.json()["errors"]) == {"purpose", "beneficiary"}
    shape = post(holder_rep, "/transactions/", {"kind": "issuance", "from_account": "JP-999-000001",
                                                "quantity": 0}, key="k3")
    assert set(shape.json()["errors"]) == {"kind", "from_account", "to_account", "quantity"}
    wrong_type = post(holder_rep, "/transactions/", {**transfer_body(accounts),
                                                     "to_account": accounts["jp_cancel"].number}, key="k4")
    assert wrong_type.status_code == 400 and "to_account" in wrong_type.json()["errors"]
    long_key = post(holder_rep, "/transactions/", transfer_body(accounts), key="k" * 101)
    assert long_key.status_code == 400
    assert CreditTransaction.objects.exclude(kind=TransactionKind.ISSUANCE).count() == 0
    assert balance(accounts["jp_pp"]) == 10


def test_explicit_range_by_printed_serials_cancellation_and_retirement(accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 100)
    moved = post(holder_rep, "/transactions/", {
        "kind": "transfer", "from_account": accounts["jp_pp"].number, "to_account": accounts["jp_other"].number,
        "first_serial": "JP-MN001-01-2023-000000000041", "last_serial": 50}, key="range")
    assert moved.status_code == 201 and moved.json()["quantity"] == 10
    cancelled = post(holder_rep, "/transactions/", {"kind": "cancellation", "from_account": accounts["jp_pp"].number,
                                                    "to_account": accounts["jp_cancel"].number, "quantity": 5},
                     key="cancel")
    assert cancelled.json()["status"] == "completed"
    retired = post(holder_rep, "/transactions/", {
        "kind": "retirement", "from_account": accounts["jp_pp"].number, "to_account": accounts["jp_retire"].number,
        "quantity": 20, "purpose": "Offsetting the 2025 conference", "beneficiary": "JCM Partners Forum"},
        key="retire")
    assert retired.status_code == 201
    assert balance(accounts["jp_pp"]) == 65
    assert CreditBlock.objects.filter(account=accounts["jp_retire"], status=BlockStatus.RETIRED).count() == 1

    listing = get(None, "/retirements/").json()["results"]
    assert [(r["beneficiary"], r["purpose"], r["quantity"], r["projects"]) for r in listing] == [
        ("JCM Partners Forum", "Offsetting the 2025 conference", 20, ["MN001"])]
    assert listing[0]["serials"] == ["JP-MN001-01-2023-000000000006-000000000025"]  # 1-5 cancelled
    assert get(None, f"/retirements/{retired.json()['id']}/").json()["beneficiary"] == "JCM Partners Forum"
    # credits retired never move again: nothing can be sent from the retirement account
    again = post(holder_rep, "/transactions/", {"kind": "transfer", "from_account": accounts["jp_retire"].number,
                                                "to_account": accounts["jp_pp"].number, "quantity": 1}, key="back")
    assert again.status_code == 409 and "never move again" in again.json()["detail"]
    assert reconcile() == []


def test_approval_by_a_second_person_rejection_and_cancellation(accounts, issue, holder_rep, holder_rep2,
                                                                registry_admin_jp):
    account = accounts["jp_pp"]
    account.requires_approval = True
    account.save(update_fields=["requires_approval"])
    issue(account, 100)
    proposed = post(holder_rep, "/transactions/", transfer_body(accounts, quantity=30), key="p1").json()
    assert proposed["status"] == "proposed" and balance(account) == 100
    own = post(holder_rep, f"/transactions/{proposed['id']}/approve/")
    assert own.status_code == 403 and "different person" in own.json()["detail"]
    approved = post(holder_rep2, f"/transactions/{proposed['id']}/approve/")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["approver"]) == ("completed", "holder_rep2")
    assert post(holder_rep2, f"/transactions/{proposed['id']}/approve/").status_code == 409
    assert balance(account) == 70

    second = post(holder_rep, "/transactions/", transfer_body(accounts, quantity=5), key="p2").json()
    no_reason = post(holder_rep2, f"/transactions/{second['id']}/reject/")
    assert no_reason.status_code == 400 and no_reason.json()["errors"] == {
        "reason": ["Give the reason for the rejection."]}
    rejected = post(holder_rep2, f"/transactions/{second['id']}/reject/", {"reason": "Wrong buyer"}).json()
    assert (rejected["status"], rejected["refusal_reason"]) == ("rejected", "Wrong buyer")

    third = post(holder_rep, "/transactions/", transfer_body(accounts, quantity=5), key="p3").json()
    assert post(holder_rep, f"/transactions/{third['id']}/cancel/").json()["status"] == "cancelled"
    assert balance(account) == 70


def test_reversal_of_a_transfer_by_the_registry_administrator_only(accounts, issue, holder_rep,
                                                                    registry_admin_jp, registry_admin_jp2):
    issue(accounts["jp_pp"], 100)
    txn = post(holder_rep, "/transactions/", transfer_body(accounts, quantity=30), key="t").json()
    refused = post(holder_rep, f"/transactions/{txn['id']}/reverse/", {"reason": "Oops"})
    assert refused.status_code == 403
    no_reason = post(registry_admin_jp, f"/transactions/{txn['id']}/reverse/")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    reversal = post(registry_admin_jp, f"/transactions/{txn['id']}/reverse/", {"reason": "Wrong account"})
    assert reversal.status_code == 201 and reversal.json()["status"] == "proposed"
    assert (reversal.json()["kind"], reversal.json()["reverses"]) == ("reversal", txn["id"])
    assert post(registry_admin_jp2, f"/transactions/{reversal.json()['id']}/approve/").status_code == 200
    assert get(holder_rep, f"/transactions/{txn['id']}/").json()["reversed_by"] == reversal.json()["id"]
    assert balance(accounts["jp_pp"]) == 100
    retired = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.RETIREMENT,
                                            from_account=accounts["jp_pp"], to_account=accounts["jp_retire"],
                                            quantity=1, purpose="Offsetting", beneficiary="Someone")
    final = post(registry_admin_jp, f"/transactions/{retired.pk}/reverse/", {"reason": "Regret"})
    assert final.status_code == 409 and "final" in final.json()["detail"]
    assert reconcile() == []


def test_transactions_are_listed_to_those_concerned(accounts, issue, holder_rep, participant, registry_admin_mn):
    issue(accounts["jp_pp"], 100)
    post(holder_rep, "/transactions/", transfer_body(accounts), key="a")
    assert [t["kind"] for t in get(holder_rep, "/transactions/").json()["results"]] == ["transfer", "issuance"]
    assert get(participant, "/transactions/").json()["results"] == []
    assert get(None, "/transactions/").json()["results"] == []
    assert get(registry_admin_mn, "/transactions/").json()["results"] == []
    transfer = CreditTransaction.objects.get(kind=TransactionKind.TRANSFER)
    assert get(participant, f"/transactions/{transfer.pk}/").status_code == 404
    issuance = CreditTransaction.objects.get(kind=TransactionKind.ISSUANCE)
    public = get(None, f"/transactions/{issuance.pk}/").json()  # completed issuances are public
    assert public["kind"] == "issuance" and public["initiator"] is None
    assert [t["kind"] for t in get(holder_rep, "/transactions/", {"kind": "transfer"}).json()["results"]] == [
        "transfer"]


def test_a_ministry_operates_its_governments_accounts(mn_accounts, registry_admin_mn, ministry, issue,
                                                      registry_admin_jp, gov_reps):
    issue(mn_accounts["jp_gov"], 100)
    move_approved(kind=TransactionKind.EXTERNAL_TRANSFER, from_account=mn_accounts["jp_gov"],
                  to_account=mn_accounts["mn_gov"], quantity=60)
    body = {"kind": "cancellation", "from_account": mn_accounts["mn_gov"].number,
            "to_account": mn_accounts["mn_cancel"].number, "quantity": 15}
    response = post(ministry, "/transactions/", body, key="mn-2025-001")
    # a government account's transactions all need a second approval: another of its representatives
    assert response.status_code == 201 and response.json()["status"] == "proposed"
    approved = post(gov_reps["MN"][0], f"/transactions/{response.json()['id']}/approve/")
    assert approved.json()["status"] == "completed"
    assert balance(mn_accounts["mn_gov"]) == 45
    # but not a company's account
    company = post(ministry, "/transactions/", {**body, "from_account": mn_accounts["mn_pp"].number},
                   key="mn-2025-002")
    assert company.status_code == 403
    assert get(ministry, f"/accounts/{mn_accounts['mn_gov'].number}/").json()["balance"] == 45


# --- issuance ---------------------------------------------------------------------------------------------

@override_settings(CREDITS_ISSUANCE_SECOND_APPROVAL=False)  # one step here; the default: test_authority
def test_issuance_from_the_joint_committee_decision_into_both_registries(mn_accounts, decided_request,
                                                                         registry_admin_jp, registry_admin_mn):
    body = {"issuance_request": decided_request.pk, "registry": "MN", "authorization": "ndc"}
    refused = post(registry_admin_jp, "/issuances/", body)
    assert refused.status_code == 403
    response = post(registry_admin_mn, "/issuances/", body)
    assert response.status_code == 201, response.json()
    issued = response.json()
    assert (issued["quantity"], issued["vintage"], issued["authorization"]) == (585, 2024, "ndc")
    assert sorted((s["account_type"], s["quantity"]) for s in issued["shares"]) == [
        ("government_holding", 360), ("participant_holding", 225)]
    assert post(registry_admin_mn, "/issuances/", body).status_code == 409  # once per period and registry
    japan = post(registry_admin_jp, "/issuances/", {**body, "registry": "JP"}).json()
    assert japan["quantity"] == 315
    assert (balance(mn_accounts["jp_pp"]), balance(mn_accounts["mn_pp"])) == (225, 225)

    public = get(None, "/issuances/", {"project": decided_request.project.project_id}).json()["results"]
    assert sorted(i["registry"] for i in public) == ["JP", "MN"]
    assert all(s["to_account"] is None for i in public for s in i["shares"])
    assert get(None, f"/issuances/{issued['id']}/").json()["monitoring_period_key"] == issued["monitoring_period_key"]
    bad = post(registry_admin_mn, "/issuances/", {"issuance_request": 0, "registry": "MN", "authorization": "all"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"issuance_request", "authorization"}
    assert reconcile() == []


# --- pagination and query counts --------------------------------------------------------------------------

def fragment(accounts, issue, holder_rep, blocks: int) -> None:
    """``blocks`` separate blocks in jp_other, by moving every other unit out of one issued block."""
    issue(accounts["jp_pp"], 2 * blocks)
    first = CreditBlock.objects.get(account=accounts["jp_pp"]).first_serial
    for n in range(blocks):
        serial = first + 2 * n
        services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER, quantity=1,
                                      from_account=accounts["jp_pp"], to_account=accounts["jp_other"],
                                      first_serial=serial, last_serial=serial)


def test_block_list_is_keyset_paginated(accounts, issue, holder_rep):
    fragment(accounts, issue, holder_rep, 12)
    client = client_for(None)
    url, seen, counts = f"{API}/blocks/?page_size=5&account_type=participant_holding", [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).json()
        counts.append(len(queries))
        assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
        seen += [b["first_serial"] for b in page["results"]]
        url = page["next"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == CreditBlock.objects.count()
    assert len(set(counts)) == 1, counts  # the last page costs what the first costs


def _count(user, url) -> tuple[int, int]:
    client = client_for(user)
    client.get(url)  # warm the token lookup path
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    rows = response.json()
    return len(queries), len(rows["results"] if isinstance(rows, dict) else rows)


@pytest.mark.parametrize("resource", ["accounts", "blocks", "transactions", "issuances", "retirements",
                                      "registries"])
def test_list_query_count_does_not_grow_with_rows(resource, accounts, issue, holder_rep, registry_admin_jp):
    made = iter(range(100))

    def grow(n):
        for _ in range(n):
            i = next(made)
            issue(accounts["jp_pp"], 10 + i)
            services.transaction_initiate(actor=holder_rep, kind=TransactionKind.RETIREMENT, quantity=2,
                                          from_account=accounts["jp_pp"], to_account=accounts["jp_retire"],
                                          purpose="Offsetting", beneficiary=f"Beneficiary {i}")
            services.account_open(actor=registry_admin_jp, registry=accounts["jp_pp"].registry,
                                  type=AccountType.PARTICIPANT_HOLDING, name=f"Company {i}",
                                  holder=f.OrganizationFactory(name=f"Company {i}"), representatives=[holder_rep])

    url = f"{API}/{resource}/"
    grow(1)
    few, rows_before = _count(holder_rep, url)
    grow(4)
    many, rows_after = _count(holder_rep, url)
    assert rows_after > rows_before or resource == "registries"
    assert many == few, f"{resource}: {few} queries before adding rows, {many} after"


# --- schema and admin -------------------------------------------------------------------------------------

def test_the_openapi_schema_documents_the_registry(api_client):
    schema = api_client.get("/api/schema/")
    assert schema.status_code == 200
    for path in (b"/api/v1/registries/{code}/article6/", b"/api/v1/transactions/{id}/reverse/",
                 b"/api/v1/serials/{text}/", b"/api/v1/accounts/{number}/blocks/", b"Idempotency-Key"):
        assert path in schema.content, path


def test_the_admin_shows_the_registry_but_never_edits_credits(accounts, issue, sysadmin):
    from django.test import Client

    issue(accounts["jp_pp"], 10)
    client = Client()
    client.force_login(sysadmin)
    block = CreditBlock.objects.get()
    txn = CreditTransaction.objects.get()
    for url in ("/admin/credits/account/", f"/admin/credits/account/{accounts['jp_pp'].pk}/change/",
                "/admin/credits/creditblock/", f"/admin/credits/creditblock/{block.pk}/change/",
                "/admin/credits/credittransaction/", f"/admin/credits/credittransaction/{txn.pk}/change/",
                "/admin/credits/registry/", "/admin/credits/issuance/", "/admin/credits/ledgerentry/"):
        assert client.get(url).status_code == 200, url
    for url in ("/admin/credits/creditblock/add/", "/admin/credits/credittransaction/add/",
                "/admin/credits/account/add/", "/admin/credits/ledgerentry/add/"):
        assert client.get(url).status_code == 403, url
    # a change form posted with another balance and status changes neither
    page = client.get(f"/admin/credits/account/{accounts['jp_pp'].pk}/change/").content.decode()
    assert 'name="balance"' not in page and 'name="status"' not in page and 'name="number"' not in page
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    response = client.post(f"/admin/credits/account/{accounts['jp_pp'].pk}/change/",
                           {**hidden, "name": "Renamed K.K.", "balance": 999, "status": "closed",
                            "number": "JP-200-999999"})
    assert response.status_code == 302
    account = Account.objects.get(pk=accounts["jp_pp"].pk)
    assert (account.name, account.balance, account.status, account.number) == ("Renamed K.K.", 10, "open",
                                                                                 accounts["jp_pp"].number)
    assert AuditEvent.objects.filter(action="admin.credits.account.change").count() == 1
    assert TransactionStatus.COMPLETED == CreditTransaction.objects.get().status
