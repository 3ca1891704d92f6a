"""Browser pages of the registry, through Django's test client.

What the public reads (totals, serial look-ups, a block's history, retirements — never the balance
of an individual account), what representatives and registry administrators do through the forms,
and what the forms refuse (errors shown, nothing written). All data is made through the services.
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from committee.choices import OrganizationKind, Role
from core.models import AuditEvent
from credits import services
from credits.choices import (
    AccountStatus,
    AccountType,
    Authorization,
    BlockStatus,
    TransactionKind,
    TransactionStatus,
)
from credits.models import Account, CreditBlock, CreditTransaction, Issuance
from tests import factories as f

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def outsider(db):
    company = f.OrganizationFactory(name="Unrelated Trading K.K.", kind=OrganizationKind.COMPANY)
    return f.make_user("outsider", Role.PROJECT_PARTICIPANT, organization=company)


@pytest.fixture
def living(accounts, issue, holder_rep):
    """1,234 credits in the company's account and 4,321 in another company's; 300 of the first are
    transferred to the government (a split), 100 retired with a beneficiary."""
    first = issue(accounts["jp_pp"], 1234, vintage=2023)
    block = first.blocks.get()
    issue(accounts["jp_other"], 4321, vintage=2024)
    transfer = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                             from_account=accounts["jp_pp"], to_account=accounts["jp_gov"],
                                             quantity=300)
    retirement = services.transaction_initiate(
        actor=holder_rep, kind=TransactionKind.RETIREMENT, from_account=accounts["jp_pp"],
        to_account=accounts["jp_retire"], quantity=100, purpose="Offsetting the 2024 emissions of our head office",
        beneficiary="Demo Solar Japan K.K. Tokyo head office")
    block.refresh_from_db()  # the issued block keeps the serials that stayed in the account
    return {"issuance": first, "block": block, "transfer": transfer, "retirement": retirement}


# --- public pages ---------------------------------------------------------------------------------

def test_registry_home_shows_totals_per_account_type_but_no_account_balance(client, accounts, living):
    response = client.get(reverse("credits:home"))
    assert response.status_code == 200
    page = text(response)
    assert "Japan JCM Registry" in page and "Mongolia JCM Registry" in page
    # participant holding accounts together: 1,234 - 300 - 100 + 4,321
    assert re.search(r"Participant holding account 5,155 0", page)
    assert re.search(r"Government holding account 300 0", page)
    assert re.search(r"Retirement account 100 0", page)
    assert "834" not in page  # the company's own balance is never shown to the public
    assert "Demo Solar Japan K.K. Tokyo head office" in page  # recent retirements


def test_registry_page_lists_holding_accounts_and_the_annual_summary(client, accounts, living, registries):
    response = client.get(reverse("credits:registry-detail", args=["jp"]))
    assert response.status_code == 200
    page = text(response)
    year = timezone.now().year
    assert "JP-200-000001 Demo Solar Japan K.K. Participant holding account Open" in page
    assert "JP-100-000001" in page and "JP-400-000001" not in page  # holding accounts only
    # the year's row: issuance 5,555, transfer 300, external 0, cancellation 0, retirement 100, reversal 0
    assert f"{year} 5,555 300 0 0 100 0" in page
    assert "834" not in page
    assert "Open an account" not in page  # no administration for the public


def test_public_account_page_shows_no_balance_or_blocks(client, accounts, living, holder_rep):
    url = reverse("credits:account-detail", args=[accounts["jp_pp"].number])
    page = text(client.get(url))
    assert "Demo Solar Japan K.K." in page and "Participant holding account" in page
    assert "834" not in page and str(living["block"]) not in page
    assert "shown only to its representatives" in page
    # its representative sees the balance by block
    page = text(login(client, holder_rep).get(url))
    assert "834" in page and str(living["block"]) in page


def test_serial_lookup_finds_the_block_of_any_unit(client, living):
    block = living["block"]
    unit = f"JP-MN001-01-2023-{block.first_serial + 5:012d}"
    response = client.get(reverse("credits:serial-search"), {"q": unit})
    assert response.status_code == 200
    page = text(response)
    assert "1 block holds units of" in page and str(block) in page
    # just the number, and a printed block range covering the split parts
    assert str(block) in text(client.get(reverse("credits:serial-search"), {"q": str(block.last_serial)}))
    issued = living["issuance"].transaction.entries.get()
    whole = f"JP-MN001-01-2023-{issued.first_serial:012d}-{issued.last_serial:012d}"
    assert "3 blocks hold units of" in text(client.get(reverse("credits:serial-search"), {"q": whole}))


def test_serial_lookup_explains_unparsable_input_and_unknown_serials(client, living):
    response = client.get(reverse("credits:serial-search"), {"q": "JP-12-nonsense"})
    assert response.status_code == 400
    assert "Not a serial number" in text(response)
    response = client.get(reverse("credits:serial-search"), {"q": "999999999"})
    assert response.status_code == 200
    assert "No block holds serial number 999999999" in text(response)


def test_block_detail_shows_article6_fields_and_the_history_of_its_units(client, accounts, living):
    block = living["block"]
    response = client.get(block.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    assert str(block) in page
    assert "Not authorized" in page and "Corresponding adjustment Not applicable" in page
    assert "Participant holding account (JP)" in page and "JP-200-000001" not in page
    # the units still in the block were only issued; the parts that left were split off
    assert "Issuance" in page.split("History of these units", 1)[1]
    transferred, retired = CreditBlock.objects.filter(origin=block).order_by("first_serial")
    assert f"Blocks split from this one {transferred}" in page and str(retired) in page
    # the transferred part: issued, then moved to a government account
    response = client.get(transferred.get_absolute_url())
    page = text(response)
    # the range it was cut from (the block as it was then), and the block as it is now
    assert f"Split from {transferred.split_from_label} (the block as it was then; now {block})" in page
    assert transferred.split_from_last == block.last_serial and transferred.split_from_first < block.first_serial
    history = page.split("History of these units", 1)[1]
    assert history.index("Issuance") < history.index("Transfer")
    assert "Government holding account (JP)" in history and "JP-100-000001" not in history
    assert f'href="{living["transfer"].get_absolute_url()}"' not in response.content.decode()  # transfers: private
    # the retired part: issued, then retired; the retirement is public
    response = client.get(retired.get_absolute_url())
    history = text(response).split("History of these units", 1)[1]
    assert history.index("Issuance") < history.index("Retirement") and "Retirement account (JP)" in history
    assert f'href="{living["retirement"].get_absolute_url()}"' in response.content.decode()
    assert retired.status == BlockStatus.RETIRED


def test_block_search_filters(client, living):
    url = reverse("credits:block-list")
    assert "4 blocks" in text(client.get(url))
    assert "1 block " in text(client.get(url, {"status": "retired"}))
    assert "1 block " in text(client.get(url, {"vintage": "2024"}))
    assert "2 blocks" in text(client.get(url, {"account_type": AccountType.PARTICIPANT_HOLDING}))
    assert "4 blocks" in text(client.get(url, {"project": "mn001", "registry": "JP"}))
    assert "0 blocks" in text(client.get(url, {"registry": "MN"}))


def test_retirements_list_shows_beneficiaries_and_purposes(client, living):
    page = text(client.get(reverse("credits:retirement-list")))
    assert "Demo Solar Japan K.K. Tokyo head office" in page
    assert "Offsetting the 2024 emissions of our head office" in page
    assert "1 retirement" in page
    assert "0 retirements" in text(client.get(reverse("credits:retirement-list"), {"q": "nobody"}))


def test_transaction_details_public_for_retirements_private_for_transfers(client, living, holder_rep, outsider):
    retirement, transfer = living["retirement"], living["transfer"]
    page = text(client.get(retirement.get_absolute_url()))
    assert "Retirement JP-TX-" in page and "Demo Solar Japan K.K. Tokyo head office" in page
    assert "Participant holding account (JP)" in page and "holder_rep" not in page
    assert client.get(living["issuance"].transaction.get_absolute_url()).status_code == 200
    assert client.get(transfer.get_absolute_url()).status_code == 404
    assert login(client, outsider).get(transfer.get_absolute_url()).status_code == 404
    page = text(login(client, holder_rep).get(transfer.get_absolute_url()))
    assert "JP-200-000001" in page and "Government holding account (JP)" in page  # not their account


# --- account representatives ----------------------------------------------------------------------

def initiate_url(account, kind="retirement"):
    return reverse("credits:transaction-initiate", args=[account.number, kind])


def test_retirement_form_requires_purpose_and_beneficiary_and_writes_nothing(client, accounts, living, holder_rep):
    account = accounts["jp_pp"]
    before = CreditTransaction.objects.count()
    login(client, holder_rep)
    form = client.get(initiate_url(account))
    assert form.status_code == 200
    key = form.context["form"]["idempotency_key"].value()
    response = client.post(initiate_url(account), {"to_account": accounts["jp_retire"].pk, "quantity": "10",
                                                   "idempotency_key": key})
    assert response.status_code == 400
    page = text(response)
    assert "State the purpose of the retirement." in page and "Name the beneficiary." in page
    assert CreditTransaction.objects.count() == before
    account.refresh_from_db()
    assert account.balance == 834


def test_retirement_form_refuses_more_than_the_balance(client, accounts, living, holder_rep):
    login(client, holder_rep)
    before = CreditTransaction.objects.count()
    response = client.post(initiate_url(accounts["jp_pp"]), {
        "to_account": accounts["jp_retire"].pk, "quantity": "835", "purpose": "Offset", "beneficiary": "Someone",
        "idempotency_key": "k-835"})
    assert response.status_code == 400
    assert "Account JP-200-000001 holds 834 credits; 835 requested." in text(response)
    assert CreditTransaction.objects.count() == before


def test_retirement_of_an_explicit_serial_range_executes_once(client, accounts, living, holder_rep):
    block = accounts["jp_pp"].blocks.get()
    first, last = block.first_serial + 10, block.first_serial + 19
    printed = f"JP-MN001-01-2023-{first:012d}-{last:012d}"
    data = {"to_account": accounts["jp_retire"].pk, "first_serial": printed, "purpose": "Use towards the NDC",
            "beneficiary": "City of Kyoto", "idempotency_key": "retire-range-1"}
    login(client, holder_rep)
    response = client.post(initiate_url(accounts["jp_pp"]), data, follow=True)
    txn = CreditTransaction.objects.get(beneficiary="City of Kyoto")
    assert response.redirect_chain[-1][0] == txn.get_absolute_url()
    assert f"Retirement {txn.reference} of 10 credits was completed." in text(response)
    assert list(txn.entries.values_list("first_serial", "last_serial")) == [(first, last)]
    client.post(initiate_url(accounts["jp_pp"]), data)  # the same form submitted twice
    assert CreditTransaction.objects.filter(beneficiary="City of Kyoto").count() == 1
    accounts["jp_pp"].refresh_from_db()
    assert accounts["jp_pp"].balance == 824


def test_only_representatives_may_initiate(client, accounts, living, outsider):
    url = initiate_url(accounts["jp_pp"], "transfer")
    assert client.get(url).status_code == 302  # to the login page
    login(client, outsider)
    assert client.get(url).status_code == 403
    before = CreditTransaction.objects.count()
    assert client.post(url, {"to_account": accounts["jp_other"].pk, "quantity": "1",
                             "idempotency_key": "x"}).status_code == 403
    assert CreditTransaction.objects.count() == before
    assert client.get(reverse("credits:account-statement", args=["JP-200-000001"])).status_code == 403


def test_my_accounts_shows_balances_by_block(client, accounts, living, holder_rep):
    page = text(login(client, holder_rep).get(reverse("credits:my-accounts")))
    assert "JP-200-000001 Demo Solar Japan K.K." in page
    assert "Balance (credits) 834" in page
    assert str(accounts["jp_pp"].blocks.get()) in page
    assert "JP-200-000002" not in page  # another company's account


@pytest.fixture
def approval_account(accounts, registry_admin_jp, issue, holder_rep, holder_rep2):
    account = services.account_open(actor=registry_admin_jp, registry=accounts["jp_pp"].registry,
                                    type=AccountType.PARTICIPANT_HOLDING, name="Two-person account",
                                    holder=accounts["jp_pp"].holder, requires_approval=True,
                                    representatives=[holder_rep, holder_rep2])
    issue(account, 500)
    return account


def test_a_proposal_is_approved_by_a_different_representative(client, accounts, approval_account, holder_rep,
                                                              holder_rep2):
    login(client, holder_rep)
    response = client.post(initiate_url(approval_account, "transfer"), {
        "to_account": accounts["jp_gov"].pk, "quantity": "50", "idempotency_key": "p1"}, follow=True)
    txn = CreditTransaction.objects.get(from_account=approval_account)
    assert txn.status == TransactionStatus.PROPOSED
    assert "awaits the approval of another representative" in text(response)
    # the initiator cannot approve it: the service refuses, nothing moves
    response = client.post(reverse("credits:transaction-approve", args=[txn.pk]), follow=True)
    assert "approved by a different person" in text(response)
    txn.refresh_from_db()
    assert txn.status == TransactionStatus.PROPOSED
    assert "You have no proposal awaiting approval." not in text(client.get(reverse("credits:approvals")))
    # the second representative sees it and approves it
    login(client, holder_rep2)
    assert txn.reference in text(client.get(reverse("credits:approvals")))
    response = client.post(reverse("credits:transaction-approve", args=[txn.pk]), follow=True)
    assert f"{txn.reference} was approved and executed." in text(response)
    txn.refresh_from_db()
    approval_account.refresh_from_db()
    assert (txn.status, txn.approver, approval_account.balance) == (TransactionStatus.COMPLETED, holder_rep2, 450)


def test_reject_needs_a_reason_and_cancel_is_for_the_initiator(client, accounts, approval_account, holder_rep,
                                                               holder_rep2, outsider):
    first = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                          from_account=approval_account, to_account=accounts["jp_gov"], quantity=5)
    second = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                           from_account=approval_account, to_account=accounts["jp_gov"], quantity=6)
    login(client, outsider)
    assert client.get(reverse("credits:transaction-reject", args=[first.pk])).status_code == 403
    assert client.post(reverse("credits:transaction-cancel", args=[first.pk])).status_code == 403
    login(client, holder_rep2)
    response = client.post(reverse("credits:transaction-reject", args=[first.pk]), {"reason": ""})
    assert response.status_code == 400 and "This field is required." in text(response)
    first.refresh_from_db()
    assert first.status == TransactionStatus.PROPOSED
    client.post(reverse("credits:transaction-reject", args=[first.pk]), {"reason": "Wrong receiving account"})
    first.refresh_from_db()
    assert (first.status, first.refusal_reason) == (TransactionStatus.REJECTED, "Wrong receiving account")
    login(client, holder_rep)
    response = client.post(reverse("credits:transaction-cancel", args=[second.pk]), follow=True)
    assert f"{second.reference} was cancelled." in text(response)
    second.refresh_from_db()
    assert second.status == TransactionStatus.CANCELLED


def test_statement_csv_of_a_period(client, accounts, living, holder_rep):
    today = timezone.localdate()
    url = reverse("credits:account-statement", args=[accounts["jp_pp"].number])
    response = login(client, holder_rep).get(url, {"start": today.isoformat(), "end": today.isoformat()})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["kind"], r["credits_in"], r["credits_out"], r["balance"]) for r in rows] == [
        ("opening balance", "", "", "0"), ("issuance", "1234", "0", "1234"), ("transfer", "0", "300", "934"),
        ("retirement", "0", "100", "834"), ("closing balance", "", "", "834")]
    assert rows[2]["counterparty"] == "JP-100-000001"
    # a later period opens with the balance
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    rows = list(csv.DictReader(io.StringIO(client.get(url, {"start": tomorrow, "end": tomorrow}).content.decode())))
    assert [r["balance"] for r in rows] == ["834", "834"]
    # a reversed period is an error on the form
    response = client.get(url, {"start": tomorrow, "end": today.isoformat()})
    assert response.status_code == 400 and "The end of the period is before its start." in text(response)


# --- registry administrators ----------------------------------------------------------------------

def test_administrator_opens_an_account_and_refusals_write_nothing(client, accounts, registry_admin_jp, holder_rep,
                                                                    company):
    url = reverse("credits:account-open", args=["JP"])
    assert login(client, holder_rep).get(url).status_code == 403
    login(client, registry_admin_jp)
    before = Account.objects.count()
    response = client.post(url, {"type": AccountType.PARTICIPANT_HOLDING, "name": "New holder account"})
    assert response.status_code == 400
    assert "A participant holding account needs its holder organization." in text(response)
    assert Account.objects.count() == before
    response = client.post(url, {"type": AccountType.PARTICIPANT_HOLDING, "name": "New holder account",
                                 "holder": company.pk, "representatives": "holder_rep, nobody"})
    assert response.status_code == 400 and "No active user named nobody." in text(response)
    response = client.post(url, {"type": AccountType.PARTICIPANT_HOLDING, "name": "New holder account",
                                 "holder": company.pk, "representatives": "holder_rep"}, follow=True)
    account = Account.objects.get(name="New holder account")
    assert account.number == "JP-200-000003" and list(account.representatives.all()) == [holder_rep]
    assert "Account JP-200-000003 was opened." in text(response)


def test_administrator_blocks_an_account_with_a_reason(client, accounts, registry_admin_jp, holder_rep):
    account = accounts["jp_pp"]
    url = reverse("credits:account-status", args=[account.number])
    assert login(client, holder_rep).get(url).status_code == 403
    login(client, registry_admin_jp)
    response = client.post(url, {"status": AccountStatus.BLOCKED, "reason": ""})
    assert response.status_code == 400 and "Give the reason." in text(response)
    account.refresh_from_db()
    assert account.status == AccountStatus.OPEN
    client.post(url, {"status": AccountStatus.BLOCKED, "reason": "Court order 2025-17"})
    account.refresh_from_db()
    assert account.status == AccountStatus.BLOCKED
    assert AuditEvent.objects.filter(action="credits.account.blocked").count() == 1


def test_administrator_names_and_removes_representatives(client, accounts, registry_admin_jp, outsider):
    account = accounts["jp_other"]
    url = reverse("credits:account-representatives", args=[account.number])
    assert login(client, outsider).get(url).status_code == 403
    login(client, registry_admin_jp)
    response = client.post(url, {"user": "ghost", "can_initiate": "on"})
    assert response.status_code == 400 and "No active user named ghost." in text(response)
    client.post(url, {"user": "outsider", "can_initiate": "on"})
    link = account.representative_links.get()
    assert (link.user, link.can_initiate, link.can_approve) == (outsider, True, False)
    client.post(reverse("credits:account-representative-remove", args=[account.number, outsider.pk]))
    assert not account.representative_links.exists()


def test_administrator_reverses_a_transfer_with_a_reason(client, accounts, living, registry_admin_jp, holder_rep,
                                                         registry_admin_jp2):
    transfer = living["transfer"]
    url = reverse("credits:transaction-reverse", args=[transfer.pk])
    assert login(client, holder_rep).get(url).status_code == 403
    login(client, registry_admin_jp)
    assert "Reverse" in text(client.get(transfer.get_absolute_url()))
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert not CreditTransaction.objects.filter(kind=TransactionKind.REVERSAL).exists()
    response = client.post(url, {"reason": "Sent to the wrong account"}, follow=True)
    reversal = CreditTransaction.objects.get(kind=TransactionKind.REVERSAL)
    assert (f"Reversal {reversal.reference} of {transfer.reference} was proposed; an administrator of the "
            "receiving registry must approve it.") in text(response)
    assert "Approve and execute" not in text(response)  # not by its proposer
    login(client, registry_admin_jp2)
    assert "Approve and execute" in text(client.get(reversal.get_absolute_url()))
    client.post(reverse("credits:transaction-approve", args=[reversal.pk]))
    accounts["jp_pp"].refresh_from_db()
    assert accounts["jp_pp"].balance == 1134
    login(client, registry_admin_jp)
    # a retirement cannot be reversed: the service refuses
    response = client.post(reverse("credits:transaction-reverse", args=[living["retirement"].pk]),
                           {"reason": "Try"})
    assert response.status_code == 400 and "cancellations and retirements are final" in text(response)


def test_article6_report_downloads(client, accounts, living, registry_admin_jp, holder_rep, ministry):
    url = reverse("credits:article6-report", args=["JP"])
    assert login(client, holder_rep).get(url).status_code == 403
    assert login(client, ministry).get(url).status_code == 403  # Mongolia's ministry, not Japan's
    login(client, registry_admin_jp)
    year = timezone.now().year
    response = client.get(url, {"year": year, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert ("use_towards_ndc", "100") in [(r["category"], r["quantity"]) for r in rows]
    response = client.get(url, {"year": year, "format": "xlsx"})
    assert response["Content-Disposition"] == f'attachment; filename="article6-JP-{year}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "Article 6.2 annual information" in sheet["A1"].value
    assert client.get(url, {"year": "1800", "format": "csv"}).status_code == 400


# --- issuance of a Joint Committee decision --------------------------------------------------------

@pytest.fixture
def decided(sysadmin, jc, secretariat, japan, mongolia):
    """MN001 through the project cycle: 900 tCO2e verified, 880 decided, allocation 10/40/25/25 %."""
    from projects import services as project_services
    from tests.projects import cycle

    japanese = f.OrganizationFactory(name="Nippon Solar K.K.", kind=OrganizationKind.COMPANY, country=japan)
    partner = f.OrganizationFactory(name="Darkhan Energy LLC", kind=OrganizationKind.COMPANY, country=mongolia)
    pp = f.make_user("pp_focal", Role.PROJECT_PARTICIPANT, organization=japanese)
    tpe_org = f.OrganizationFactory(name="Good Verification Ltd.", kind=OrganizationKind.TPE, country=None)
    from committee import services as committee_services

    tpe = committee_services.tpe_designate(actor=sysadmin, joint_committee=jc, organization=tpe_org,
                                           designated_on=datetime.date(2014, 1, 15), scopes_validation=[f.scope(1)],
                                           scopes_verification=[f.scope(1)], number=1)
    auditor = f.make_user("auditor", Role.TPE_AUDITOR, organization=tpe_org)
    version = cycle.approved_version(sysadmin, jc, title="Installation of Solar PV System", scope=f.scope(1),
                                     content=cycle.solar_content(), approved="MN_AM003")
    project = cycle.create_project(pp, jc, version=version, scope=f.scope(1), japanese=japanese, partner=partner)
    project = cycle.to_registered(project, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe,
                                  japanese=japanese, partner=partner)
    period = cycle.verified_period(project, pp=pp, tpe=tpe, auditor=auditor, values={"EG_i": {"Darkhan": "1000"}})
    request = project_services.issuance_request_submit(actor=pp, period=period)
    request = project_services.issuance_decide(actor=secretariat, request=request, amount=880,
                                               decision=cycle.decision())
    return {"request": request, "japanese": japanese, "partner": partner}


def test_administrator_executes_a_decided_issuance(client, decided, registries, registry_admin_jp,
                                                   registry_admin_mn, holder_rep, registry_admin_jp2):
    jp = registries["JP"]
    gov = services.account_open(actor=registry_admin_jp, registry=jp, type=AccountType.GOVERNMENT_HOLDING,
                                name="Government of Japan")
    pp_account = services.account_open(actor=registry_admin_jp, registry=jp, type=AccountType.PARTICIPANT_HOLDING,
                                       name="Nippon Solar K.K.", holder=decided["japanese"])
    queue = reverse("credits:issuance-queue", args=["JP"])
    assert login(client, holder_rep).get(queue).status_code == 403
    assert login(client, registry_admin_mn).get(queue).status_code == 403
    login(client, registry_admin_jp)
    page = text(client.get(queue))
    # 880 split 10/40/25/25: Japan's registry takes 88 (government) and 220 (the Japanese participant)
    assert "MN001" in page and "880" in page
    assert f"{gov.number} Government of Japan 88" in page and f"{pp_account.number} Nippon Solar K.K. 220" in page
    assert "Total for this registry 308" in page
    # Mongolia's registry has no accounts yet: its queue says why it cannot issue
    login(client, registry_admin_mn)
    assert "has no open government holding account" in text(client.get(reverse("credits:issuance-queue",
                                                                                args=["MN"])))
    login(client, registry_admin_jp)
    url = reverse("credits:issuance-execute", args=["JP", decided["request"].pk])
    response = client.post(url, {"authorization": Authorization.NDC}, follow=True)
    proposal = CreditTransaction.objects.get(kind=TransactionKind.ISSUANCE, registry=jp)
    assert (f"The issuance {proposal.reference} of 308 credits was proposed; another administrator of the registry "
            "must approve it.") in text(response)
    assert not Issuance.objects.exists() and "Approve and execute" not in text(response)
    login(client, registry_admin_jp2)  # the second administrator finds it among the approvals, and approves it
    assert proposal.reference in text(client.get(reverse("credits:approvals")))
    response = client.post(reverse("credits:transaction-approve", args=[proposal.pk]), follow=True)
    issuance = Issuance.objects.get(registry=jp)
    assert (issuance.quantity, issuance.authorization) == (308, Authorization.NDC)
    assert response.redirect_chain[-1][0] == issuance.transaction.get_absolute_url()
    login(client, registry_admin_jp)
    assert sorted(issuance.blocks.values_list("account__number", "quantity")) == [(gov.number, 88),
                                                                                 (pp_account.number, 220)]
    assert "No decided issuance awaits this registry." in text(client.get(queue))
    assert client.get(url).status_code == 404  # no longer in the queue
