"""A participant retires credits in real Chromium; the public then sees the retirement and its beneficiary."""

import datetime
import os

import pytest
from playwright.sync_api import expect

from committee import services as committee_services
from committee.choices import DecisionKind, DecisionMode, Role
from credits import services
from credits.choices import AccountType, TransactionKind, TransactionStatus
from credits.models import CreditTransaction
from tests import factories as f
from tests.browser.conftest import log_in

SCREENSHOTS = os.environ.get("JCM_SCREENSHOT_DIR", "/tmp")
BENEFICIARY = "Ulaanbaatar Green School No. 3"
PURPOSE = "Voluntary offsetting of the 2024 school bus emissions"


@pytest.fixture
def holding(sysadmin, japan, jc, secretariat, participant):
    """Japan's registry with the participant's company account holding 1,000 credits of MN001."""
    admin = f.make_user("regadmin_jp", Role.REGISTRY_ADMIN, country=japan)
    registry = services.registry_open(actor=sysadmin, country=japan, name="Japan JCM Registry")
    company = participant.role_assignments.get().organization
    account = services.account_open(actor=admin, registry=registry, type=AccountType.PARTICIPANT_HOLDING,
                                    name="Demo Solar LLC", holder=company, representatives=[participant])
    services.account_open(actor=admin, registry=registry, type=AccountType.RETIREMENT,
                          name="Japan retirement account")
    decision = committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 3, 1), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.ISSUE_CREDITS, title="Decision on issuance of credits: MN001, monitoring period 1",
        subject_label="MN001 monitoring period 1")
    services.issue(actor=admin, registry=registry, decision=decision, project_code="MN001",
                   monitoring_period_number=1, monitoring_period_key="MN001/01", vintage=2024,
                   shares=[services.Share(account, 1000)], decided_quantity=1000)
    return account


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_participant_retires_credits_that_the_public_sees(live_server, new_page, holding):
    # The participant logs in and opens their accounts.
    page = new_page()
    log_in(page, live_server.url, "participant", "/registry/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My accounts")
    expect(page.locator(".figures").first).to_have_text("Balance (credits) 1,000")

    # It retires 250 credits with a purpose and a beneficiary.
    page.get_by_role("region", name=f"Transactions from {holding.number}").get_by_role(
        "link", name="Retire", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Retirement from {holding.number}")
    expect(page.get_by_label("To account")).to_have_value(str(holding.registry.accounts.get(
        type=AccountType.RETIREMENT).pk))
    page.get_by_label("Quantity (credits)").fill("250")
    page.get_by_label("Purpose of the retirement").fill(PURPOSE)
    page.get_by_label("Beneficiary").fill(BENEFICIARY)
    page.screenshot(path=f"{SCREENSHOTS}/c_retire_form.png", full_page=True)
    page.get_by_role("button", name="Retire credits").click()

    txn = CreditTransaction.objects.get(kind=TransactionKind.RETIREMENT)
    assert (txn.status, txn.quantity, txn.beneficiary, txn.purpose) == (TransactionStatus.COMPLETED, 250,
                                                                        BENEFICIARY, PURPOSE)
    expect(page.get_by_role("status").first).to_contain_text(f"Retirement {txn.reference} of 250 credits was completed.")
    holding.refresh_from_db()
    assert holding.balance == 750

    # A visitor who is not logged in sees the retirement and its beneficiary on the public page.
    public = new_page()
    public.goto(f"{live_server.url}/registry/")
    expect(public.get_by_role("link", name="Log in")).to_be_visible()
    public.get_by_role("link", name="Retirements", exact=True).first.click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Retirements")
    row = public.get_by_role("row").filter(has_text=txn.reference)
    expect(row).to_contain_text(BENEFICIARY)
    expect(row).to_contain_text(PURPOSE)
    expect(row).to_contain_text("250")
    expect(public.get_by_text("750")).to_have_count(0)  # never the balance of the account
    public.screenshot(path=f"{SCREENSHOTS}/c_retirements_public.png", full_page=True)

    # The retired block's public history ends with the retirement.
    row.get_by_role("link").first.click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("Retirement")
    public.get_by_role("link", name="JP-MN001-01-2024-").first.click()
    history = public.locator("#history")
    expect(history).to_contain_text("Issuance")
    expect(history).to_contain_text("Retirement")
    expect(history).to_contain_text("Retirement account (JP)")
    public.screenshot(path=f"{SCREENSHOTS}/c_block_history.png", full_page=True)
