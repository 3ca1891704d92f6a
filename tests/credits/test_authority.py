"""Who may move credits (issue 12, Found 1, 2 and 8): only an account's representatives start ordinary
transactions; registry administrators act on a holder's account only by an administrative correction with its
legal basis, approved by a second administrator and notified to the holder; a reversal is approved by the
receiving registry within a window; second approval by default for government accounts, per-account
thresholds and trusted-account lists whose additions wait. Each through the service and the API."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from committee.choices import Role
from core.errors import ApplicationError, Conflict, NotAllowed
from core.models import AuditEvent
from credits import access, services
from credits.choices import TransactionKind, TransactionStatus
from credits.models import CreditTransaction, TrustedAccount
from credits.reconcile import reconcile
from notifications.models import Notification
from tests import factories as f
from tests.conftest import client_for

API = "/api/v1"


def post(user, url, body=None, *, key=None, method="post"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return getattr(client_for(user), method)(f"{API}{url}", body or {}, format="json", **headers)


def balance(account) -> int:
    account.refresh_from_db()
    return account.balance


@pytest.fixture
def untrusted(accounts):
    """The accounts with no trusted-account list (the fixture trusts jp_other from jp_pp)."""
    TrustedAccount.objects.all().delete()
    return accounts


@pytest.fixture
def ministry_jp(japan):
    return f.make_user("ministry_jp", Role.MINISTRY_API, country=japan)


@pytest.fixture
def ministry_jp2(japan):
    return f.make_user("ministry_jp2", Role.MINISTRY_API, country=japan)


def transfer(accounts, actor, quantity=10, **extra):
    return services.transaction_initiate(actor=actor, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                                         to_account=accounts["jp_other"], quantity=quantity, **extra)


# --- Found 1: operators do not move holders' credits alone --------------------------------------------------

@pytest.mark.parametrize("kind,target", [(TransactionKind.TRANSFER, "jp_other"),
                                         (TransactionKind.CANCELLATION, "jp_cancel"),
                                         (TransactionKind.RETIREMENT, "jp_retire")])
def test_a_registry_administrator_or_the_superuser_cannot_move_a_holders_credits(
        accounts, issue, registry_admin_jp, sysadmin, kind, target):
    issue(accounts["jp_pp"], 100)
    for operator in (registry_admin_jp, sysadmin):
        with pytest.raises(NotAllowed):
            services.transaction_initiate(actor=operator, kind=kind, from_account=accounts["jp_pp"],
                                          to_account=accounts[target], quantity=10, purpose="p", beneficiary="b")
        assert not access.can_initiate(operator, accounts["jp_pp"])
        response = post(operator, "/transactions/", {
            "kind": kind, "from_account": accounts["jp_pp"].number, "to_account": accounts[target].number,
            "quantity": 10, "purpose": "p", "beneficiary": "b"}, key=f"{operator.username}-{kind}")
        assert response.status_code == 403, response.json()
    assert balance(accounts["jp_pp"]) == 100


def test_the_superuser_is_not_a_registry_administrator_unless_given_the_role(registries, sysadmin):
    assert not access.is_registry_admin(sysadmin, registries["JP"])
    assert access.can_report(sysadmin, registries["JP"])  # it still reads


def test_an_administrative_correction_needs_a_legal_basis_and_a_second_administrator_and_is_notified(
        accounts, issue, registry_admin_jp, registry_admin_jp2, sysadmin, holder_rep, holder_rep2):
    account = accounts["jp_pp"]
    issue(account, 100)
    with pytest.raises(ApplicationError) as refused:
        services.correction_propose(actor=registry_admin_jp, kind=TransactionKind.TRANSFER, from_account=account,
                                    to_account=accounts["jp_other"], quantity=10, legal_basis="  ")
    assert refused.value.errors == {"legal_basis": ["State the legal basis of the correction."]}
    with pytest.raises(NotAllowed):  # a representative is no administrator
        services.correction_propose(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=account,
                                    to_account=accounts["jp_other"], quantity=10, legal_basis="Court order 1")
    txn = services.correction_propose(actor=registry_admin_jp, kind=TransactionKind.TRANSFER, from_account=account,
                                      to_account=accounts["jp_other"], quantity=10,
                                      legal_basis="Court order 2026-17 of the Tokyo District Court")
    assert (txn.status, txn.is_correction) == (TransactionStatus.PROPOSED, True) and balance(account) == 100
    told = Notification.objects.filter(key=f"txn:{txn.pk}:correction")
    assert {n.recipient for n in told} == {holder_rep, holder_rep2}
    assert "Court order 2026-17" in told[0].body
    for alone in (registry_admin_jp, sysadmin, holder_rep):  # not the proposer, not the superuser, not a holder
        assert not access.can_approve(alone, txn)
        with pytest.raises(NotAllowed):
            services.transaction_approve(actor=alone, txn=txn)
    assert access.can_approve(registry_admin_jp2, txn)
    done = services.transaction_approve(actor=registry_admin_jp2, txn=txn)
    assert (done.status, done.approver) == (TransactionStatus.COMPLETED, registry_admin_jp2)
    assert balance(account) == 90
    assert {n.recipient for n in Notification.objects.filter(key=f"txn:{txn.pk}:correction_completed")} == {
        holder_rep, holder_rep2}
    assert list(AuditEvent.objects.filter(action__startswith="credits.transfer.correction")
                .values_list("action", flat=True).order_by("id")) == [
        "credits.transfer.correction_propose", "credits.transfer.correction_approve"]
    assert reconcile() == []


def test_with_second_approval_on_an_administrator_and_the_superuser_cannot_stand_in_for_representatives(
        accounts, issue, registry_admin_jp, sysadmin, holder_rep, holder_rep2):
    account = accounts["jp_pp"]
    account.requires_approval = True
    account.save(update_fields=["requires_approval"])
    issue(account, 100)
    proposal = transfer(accounts, holder_rep)
    for operator in (registry_admin_jp, sysadmin):
        with pytest.raises(NotAllowed):
            services.transaction_approve(actor=operator, txn=proposal)
        assert post(operator, f"/transactions/{proposal.pk}/approve/").status_code == 403
    assert post(holder_rep2, f"/transactions/{proposal.pk}/approve/").json()["status"] == "completed"


def test_corrections_through_the_api_with_field_messages(accounts, issue, registry_admin_jp, registry_admin_jp2,
                                                         holder_rep):
    issue(accounts["jp_pp"], 100)
    body = {"kind": "cancellation", "from_account": accounts["jp_pp"].number,
            "to_account": accounts["jp_cancel"].number, "quantity": 5}
    missing = post(registry_admin_jp, "/transactions/corrections/", body)
    assert missing.status_code == 400 and missing.json()["errors"] == {
        "legal_basis": ["State the legal basis of the correction."]}
    assert post(holder_rep, "/transactions/corrections/", {**body, "legal_basis": "x"}).status_code == 403
    proposed = post(registry_admin_jp, "/transactions/corrections/", {**body, "legal_basis": "Ministerial order 3"})
    assert proposed.status_code == 201, proposed.json()
    assert (proposed.json()["status"], proposed.json()["legal_basis"]) == ("proposed", "Ministerial order 3")
    pk = proposed.json()["id"]
    assert post(registry_admin_jp, f"/transactions/{pk}/approve/").status_code == 403
    assert post(registry_admin_jp2, f"/transactions/{pk}/approve/").json()["status"] == "completed"
    assert balance(accounts["jp_pp"]) == 95


def test_the_database_refuses_a_holders_transaction_started_by_someone_else(accounts, issue, registry_admin_jp,
                                                                           registry_admin_jp2, holder_rep):
    issue(accounts["jp_pp"], 100)
    fields = {"registry": accounts["jp_pp"].registry, "kind": TransactionKind.TRANSFER,
              "from_account": accounts["jp_pp"], "to_account": accounts["jp_other"], "quantity": 1}
    with pytest.raises(IntegrityError, match="only a representative"), transaction.atomic():
        CreditTransaction.objects.create(initiator=registry_admin_jp, **fields)
    with pytest.raises(IntegrityError, match="second person"), transaction.atomic():
        CreditTransaction.objects.create(initiator=registry_admin_jp, legal_basis="Order", approver=None,
                                         status=TransactionStatus.COMPLETED, **fields)
    with transaction.atomic():  # a representative, and a correction with a second person, are fine
        CreditTransaction.objects.create(initiator=holder_rep, **fields)
        CreditTransaction.objects.create(initiator=registry_admin_jp, legal_basis="Order",
                                         approver=registry_admin_jp2, **fields)
        transaction.set_rollback(True)


# --- Found 2: a reversal needs the receiving registry's approval within a window ---------------------------

@pytest.fixture
def external(mn_world, issue, holder_rep, holder_rep2):
    """A completed external transfer of 30 credits from Japan's jp_pp to Mongolia's mn_pp (approved by the
    second representative: Mongolia's account is not on jp_pp's trusted list)."""
    accounts = mn_world
    issue(accounts["jp_pp"], 100)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.EXTERNAL_TRANSFER,
                                        from_account=accounts["jp_pp"], to_account=accounts["mn_pp"], quantity=30)
    if txn.status == TransactionStatus.PROPOSED:
        txn = services.transaction_approve(actor=holder_rep2, txn=txn)
    return txn


@pytest.fixture
def mn_world(accounts, registry_admin_mn, mongolia):
    from credits.choices import AccountType

    company = f.OrganizationFactory(name="Darkhan Energy LLC", country=mongolia)
    rep = f.make_user("mn_rep", Role.PROJECT_PARTICIPANT, organization=company)
    mn_pp = services.account_open(actor=registry_admin_mn, registry=accounts["mn_gov"].registry,
                                  type=AccountType.PARTICIPANT_HOLDING, name="Darkhan Energy LLC", holder=company,
                                  representatives=[rep])
    return {**accounts, "mn_pp": mn_pp, "mn_rep": rep}


def test_a_reversal_of_an_external_transfer_needs_the_receiving_registrys_approval(
        external, mn_world, registry_admin_jp, registry_admin_jp2, registry_admin_mn, holder_rep):
    accounts = mn_world
    reversal = services.transaction_reverse(actor=registry_admin_jp, txn=external, reason="Sent by mistake")
    assert reversal.status == TransactionStatus.PROPOSED and balance(accounts["mn_pp"]) == 30
    with pytest.raises(NotAllowed, match="different person"):
        services.transaction_approve(actor=registry_admin_jp, txn=reversal)
    with pytest.raises(NotAllowed, match="Mongolia"):  # the sending registry cannot pull units back alone
        services.transaction_approve(actor=registry_admin_jp2, txn=reversal)
    told = {n.recipient for n in Notification.objects.filter(key=f"txn:{reversal.pk}:reversal_proposed")}
    assert told == {holder_rep, accounts["mn_rep"], *accounts["jp_pp"].representatives.all()}
    done = services.transaction_approve(actor=registry_admin_mn, txn=reversal)
    assert (done.status, done.approver) == (TransactionStatus.COMPLETED, registry_admin_mn)
    assert balance(accounts["mn_pp"]) == 0 and balance(accounts["jp_pp"]) == 100
    assert Notification.objects.filter(key=f"txn:{reversal.pk}:reversal_completed",
                                       recipient=accounts["mn_rep"]).exists()
    assert reconcile() == []


def test_a_reversal_through_the_api(external, mn_world, registry_admin_jp, registry_admin_mn):
    proposed = post(registry_admin_jp, f"/transactions/{external.pk}/reverse/", {"reason": "Wrong registry"})
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    pk = proposed.json()["id"]
    assert post(registry_admin_jp, f"/transactions/{pk}/approve/").status_code == 403
    again = post(registry_admin_jp, f"/transactions/{external.pk}/reverse/", {"reason": "Again"})
    assert again.status_code == 409
    assert post(registry_admin_mn, f"/transactions/{pk}/approve/").json()["status"] == "completed"
    assert balance(mn_world["mn_pp"]) == 0


@override_settings(CREDITS_REVERSAL_WINDOW_DAYS=30)
def test_a_reversal_is_refused_after_the_window(external, mn_world, registry_admin_jp, registry_admin_mn):
    reversal = services.transaction_reverse(actor=registry_admin_jp, txn=external, reason="Sent by mistake")
    CreditTransaction.objects.filter(pk=external.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=31))
    with pytest.raises(Conflict, match="30 days"):
        services.transaction_approve(actor=registry_admin_mn, txn=reversal)
    reversal.refresh_from_db()
    services.transaction_reject(actor=registry_admin_mn, txn=reversal, reason="Too late")
    late = post(registry_admin_jp, f"/transactions/{external.pk}/reverse/", {"reason": "Late"})
    assert late.status_code == 409 and "30 days" in late.json()["detail"]
    assert balance(mn_world["mn_pp"]) == 30


# --- Found 8: second approval by default, thresholds, trusted accounts -------------------------------------

def test_transfers_out_of_a_government_account_need_a_second_approval_by_default(
        accounts, issue, ministry_jp, ministry_jp2, registry_admin_jp):
    gov = accounts["jp_gov"]
    assert gov.approval_threshold == 0
    issue(gov, 100)
    body = {"kind": "cancellation", "from_account": gov.number, "to_account": accounts["jp_cancel"].number,
            "quantity": 1}
    proposed = post(ministry_jp, "/transactions/", body, key="gov-1")
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed" and balance(gov) == 100
    assert post(ministry_jp, f"/transactions/{proposed.json()['id']}/approve/").status_code == 403
    assert post(registry_admin_jp, f"/transactions/{proposed.json()['id']}/approve/").status_code == 403
    assert post(ministry_jp2, f"/transactions/{proposed.json()['id']}/approve/").json()["status"] == "completed"
    assert balance(gov) == 99


def test_a_per_account_threshold(accounts, issue, holder_rep, registry_admin_jp):
    account = accounts["jp_pp"]
    issue(account, 100)
    services.account_set_approval_threshold(actor=registry_admin_jp, account=account, threshold=50)
    with pytest.raises(NotAllowed):
        services.account_set_approval_threshold(actor=holder_rep, account=account, threshold=None)
    retire = {"kind": TransactionKind.RETIREMENT, "from_account": account, "to_account": accounts["jp_retire"],
              "purpose": "Offsetting", "beneficiary": "Someone"}
    assert services.transaction_initiate(actor=holder_rep, quantity=49, **retire).status == TransactionStatus.COMPLETED
    assert services.transaction_initiate(actor=holder_rep, quantity=50, **retire).status == TransactionStatus.PROPOSED
    response = post(registry_admin_jp, f"/accounts/{account.number}/approval-threshold/", {"threshold": -1})
    assert response.status_code == 400 and "threshold" in response.json()["errors"]
    response = post(registry_admin_jp, f"/accounts/{account.number}/approval-threshold/", {"threshold": 10})
    assert response.status_code == 200 and response.json()["approval_threshold"] == 10


@override_settings(CREDITS_TRUSTED_ACCOUNT_DELAY_DAYS=7)
def test_a_transfer_to_an_account_off_the_trusted_list_needs_a_second_approval_until_the_delay_passed(
        untrusted, accounts, issue, holder_rep, holder_rep2, registry_admin_jp):
    account = accounts["jp_pp"]
    issue(account, 100)
    assert transfer(accounts, holder_rep).status == TransactionStatus.PROPOSED  # not trusted
    link = services.trusted_account_add(actor=holder_rep, account=account, trusted=accounts["jp_other"])
    assert link.active_from - link.added_at == datetime.timedelta(days=7)
    assert Notification.objects.filter(key=f"trusted:{link.pk}", recipient=holder_rep2).exists()
    assert transfer(accounts, holder_rep).status == TransactionStatus.PROPOSED  # not yet active
    with pytest.raises(NotAllowed):  # an administrator does not manage a holder's trusted list
        services.trusted_account_add(actor=registry_admin_jp, account=account, trusted=accounts["jp_gov"])
    TrustedAccount.objects.filter(pk=link.pk).update(added_at=timezone.now() - datetime.timedelta(days=8),
                                                     active_from=timezone.now() - datetime.timedelta(days=1))
    assert transfer(accounts, holder_rep).status == TransactionStatus.COMPLETED
    services.trusted_account_remove(actor=holder_rep2, account=account, trusted=accounts["jp_other"])
    assert transfer(accounts, holder_rep).status == TransactionStatus.PROPOSED  # removal is immediate
    assert balance(account) == 90


def test_trusted_accounts_through_the_api(untrusted, accounts, holder_rep, registry_admin_jp):
    account = accounts["jp_pp"]
    url = f"/accounts/{account.number}/trusted/"
    added = post(holder_rep, url, {"account": accounts["jp_other"].number})
    assert added.status_code == 201, added.json()
    assert added.json()["account"] == accounts["jp_other"].number and added.json()["active"] is False
    assert post(holder_rep, url, {"account": accounts["jp_other"].number}).status_code == 409
    assert post(holder_rep, url, {"account": "JP-999-000001"}).status_code == 400
    assert post(registry_admin_jp, url, {"account": accounts["jp_gov"].number}).status_code == 403
    listed = client_for(holder_rep).get(f"{API}{url}").json()
    assert [row["account"] for row in listed] == [accounts["jp_other"].number] and listed[0]["active_from"]
    removed = post(holder_rep, f"{url}{accounts['jp_other'].number}/", method="delete")
    assert removed.status_code == 204 and not TrustedAccount.objects.exists()


# --- the browser pages ---------------------------------------------------------------------------------------

def _text(response) -> str:
    import re

    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)))


def test_the_correction_form_needs_a_legal_basis_and_is_offered_only_to_administrators(
        client, accounts, issue, registry_admin_jp, registry_admin_jp2, holder_rep):
    from django.urls import reverse

    account = accounts["jp_pp"]
    issue(account, 100)
    url = reverse("credits:correction-propose", args=[account.number, "cancellation"])
    client.force_login(holder_rep)
    assert "Administrative correction" not in _text(client.get(account.get_absolute_url()))
    assert client.get(url).status_code == 403
    client.force_login(registry_admin_jp)
    page = _text(client.get(account.get_absolute_url()))
    assert "Administrative correction" in page and "Start a transaction" not in page  # no ordinary transactions
    body = {"to_account": accounts["jp_cancel"].pk, "quantity": 5, "idempotency_key": "c1"}
    refused = client.post(url, {**body, "legal_basis": ""})
    assert refused.status_code == 400 and "State the legal basis of the correction." in _text(refused)
    assert not CreditTransaction.objects.filter(legal_basis__gt="").exists()
    done = client.post(url, {**body, "legal_basis": "Order 5 of the Ministry"})
    txn = CreditTransaction.objects.get(legal_basis="Order 5 of the Ministry")
    assert done.status_code == 302 and txn.status == TransactionStatus.PROPOSED
    page = _text(client.get(txn.get_absolute_url()))
    assert "Order 5 of the Ministry" in page and "Approve and execute" not in page
    client.force_login(registry_admin_jp2)
    assert "Approve and execute" in _text(client.get(txn.get_absolute_url()))
    assert txn.reference in _text(client.get(reverse("credits:approvals")))
    client.post(reverse("credits:transaction-approve", args=[txn.pk]))
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.COMPLETED and balance(account) == 95


def test_the_trusted_accounts_page_shows_when_an_addition_becomes_active(client, untrusted, accounts, holder_rep,
                                                                        registry_admin_jp):
    from django.urls import reverse

    account = accounts["jp_pp"]
    url = reverse("credits:account-trusted", args=[account.number])
    client.force_login(holder_rep)
    empty = client.post(url, {"trusted": ""})
    assert empty.status_code == 400 and not TrustedAccount.objects.exists()
    assert client.post(url, {"trusted": accounts["jp_other"].pk}).status_code == 302
    link = TrustedAccount.objects.get()
    page = _text(client.get(url))
    assert accounts["jp_other"].number in page and "not yet active" in page
    assert f"{link.active_from:%Y-%m-%d %H:%M}" in page
    client.force_login(registry_admin_jp)  # the registry reads it, but does not change it
    page = _text(client.get(url))
    assert accounts["jp_other"].number in page and "Add to the trusted list" not in page
    assert client.post(url, {"trusted": accounts["jp_gov"].pk}).status_code == 403
    remove = reverse("credits:account-trusted-remove", args=[account.number, accounts["jp_other"].number])
    assert client.post(remove).status_code == 403
    client.force_login(holder_rep)
    client.post(remove)
    assert not TrustedAccount.objects.exists()


# --- Found 8: issuance needs a second administrator by default ---------------------------------------------

from tests.credits.test_api import decided_request, mn_accounts, mn_company, mn_rep  # noqa: E402, F401


@pytest.fixture
def registry_admin_mn2(mongolia):
    return f.make_user("regadmin_mn2", Role.REGISTRY_ADMIN, country=mongolia)


def test_an_issuance_is_proposed_by_one_administrator_and_executed_by_another(
        mn_accounts, decided_request,  # noqa: F811 (the fixtures imported above)
        registry_admin_mn, registry_admin_mn2, registry_admin_jp, sysadmin):
    from credits.models import Issuance

    body = {"issuance_request": decided_request.pk, "registry": "MN", "authorization": "ndc"}
    proposed = post(registry_admin_mn, "/issuances/", body)
    assert proposed.status_code == 202, proposed.json()
    assert (proposed.json()["kind"], proposed.json()["status"], proposed.json()["quantity"]) == (
        "issuance", "proposed", 585)
    assert not Issuance.objects.exists() and balance(mn_accounts["mn_pp"]) == 0
    assert post(registry_admin_mn, "/issuances/", body).status_code == 409  # one proposal at a time
    pk = proposed.json()["id"]
    for alone in (registry_admin_mn, registry_admin_jp, sysadmin):
        assert post(alone, f"/transactions/{pk}/approve/").status_code == 403
    approved = post(registry_admin_mn2, f"/transactions/{pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "completed"
    issuance = Issuance.objects.get()
    assert (issuance.quantity, issuance.issued_by, issuance.transaction.approver) == (
        585, registry_admin_mn, registry_admin_mn2)
    assert balance(mn_accounts["mn_pp"]) == 225
    assert reconcile() == []
    # through the service
    txn = services.issuance_execute(actor=registry_admin_jp, request=decided_request,
                                    registry=mn_accounts["jp_gov"].registry)
    assert txn.status == TransactionStatus.PROPOSED and txn.kind == TransactionKind.ISSUANCE
