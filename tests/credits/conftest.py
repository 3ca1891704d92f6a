"""Registry fixtures: Japan's and Mongolia's registries with accounts, and an issuance helper."""

import datetime

import pytest

from committee import services as committee_services
from committee.choices import DecisionKind, DecisionMode, OrganizationKind, Role
from credits import services
from credits.choices import AccountType
from tests import factories as f


@pytest.fixture
def registry_admin_jp(japan):
    return f.make_user("regadmin_jp", Role.REGISTRY_ADMIN, country=japan)


@pytest.fixture
def registry_admin_mn(mongolia):
    return f.make_user("regadmin_mn", Role.REGISTRY_ADMIN, country=mongolia)


@pytest.fixture
def registry_admin_jp2(japan):
    """A second administrator of Japan's registry (approves corrections, reversals and issuances)."""
    return f.make_user("regadmin_jp2", Role.REGISTRY_ADMIN, country=japan)


@pytest.fixture
def gov_reps(accounts):
    """The two representatives of each government holding account: {"JP": [..., ...], "MN": [..., ...]}."""
    return {code: [link.user for link in accounts[f"{code.lower()}_gov"].representative_links.order_by("id")]
            for code in ("JP", "MN")}


def move_approved(**kwargs):
    """An ordinary transaction from ``from_account``, initiated by its first representative and, if it waits
    for a second approval (a government account always does), approved by its second."""
    account = kwargs["from_account"]
    reps = [link.user for link in account.representative_links.select_related("user").order_by("id")]
    txn = services.transaction_initiate(actor=reps[0], **kwargs)
    if txn.status == "proposed":
        txn = services.transaction_approve(actor=reps[1], txn=txn)
    return txn


@pytest.fixture
def registries(sysadmin, japan, mongolia):
    jp = services.registry_open(actor=sysadmin, country=japan, name="Japan JCM Registry")
    mn = services.registry_open(actor=sysadmin, country=mongolia, name="Mongolia JCM Registry", operated_by=japan)
    return {"JP": jp, "MN": mn}


@pytest.fixture
def company(db):
    return f.OrganizationFactory(name="Demo Solar Japan K.K.", kind=OrganizationKind.COMPANY)


@pytest.fixture
def holder_rep(company):
    return f.make_user("holder_rep", Role.PROJECT_PARTICIPANT, organization=company)


@pytest.fixture
def holder_rep2(company):
    return f.make_user("holder_rep2", Role.PROJECT_PARTICIPANT, organization=company)


def trust_now(account, trusted):
    """``trusted`` on ``account``'s trusted-account list, active already (as if its addition had been made
    longer ago than CREDITS_TRUSTED_ACCOUNT_DELAY_DAYS): transfers to it need no second approval."""
    from django.utils import timezone

    from credits.models import TrustedAccount

    past = timezone.now() - datetime.timedelta(days=365)
    rep = account.representative_links.select_related("user").first()
    link, _created = TrustedAccount.objects.get_or_create(
        account=account, trusted=trusted, defaults={"added_by": rep.user, "added_at": past, "active_from": past})
    return link


@pytest.fixture
def accounts(registries, registry_admin_jp, registry_admin_mn, company, holder_rep, holder_rep2):
    """Japan's and Mongolia's accounts; jp_other and jp_gov are on jp_pp's trusted list (active), so that
    transfers to them need no second approval. The government accounts are represented by ``gov_reps``."""
    jp, mn = registries["JP"], registries["MN"]
    open_ = services.account_open
    gov_reps = {code: [f.make_user(f"gov_{code.lower()}"), f.make_user(f"gov_{code.lower()}2")]
                for code in ("JP", "MN")}
    made = {
        "jp_gov": open_(actor=registry_admin_jp, registry=jp, type=AccountType.GOVERNMENT_HOLDING,
                        name="Government of Japan", representatives=gov_reps["JP"]),
        "jp_pp": open_(actor=registry_admin_jp, registry=jp, type=AccountType.PARTICIPANT_HOLDING,
                       name="Demo Solar Japan K.K.", holder=company, representatives=[holder_rep, holder_rep2]),
        "jp_other": open_(actor=registry_admin_jp, registry=jp, type=AccountType.PARTICIPANT_HOLDING,
                          name="Another company", holder=f.OrganizationFactory(name="Another K.K.")),
        "jp_cancel": open_(actor=registry_admin_jp, registry=jp, type=AccountType.CANCELLATION,
                           name="Japan cancellation account"),
        "jp_retire": open_(actor=registry_admin_jp, registry=jp, type=AccountType.RETIREMENT,
                           name="Japan retirement account"),
        "mn_gov": open_(actor=registry_admin_mn, registry=mn, type=AccountType.GOVERNMENT_HOLDING,
                        name="Government of Mongolia", representatives=gov_reps["MN"]),
    }
    trust_now(made["jp_pp"], made["jp_other"])
    trust_now(made["jp_pp"], made["jp_gov"])
    return made


@pytest.fixture
def issuance_decision(jc, secretariat):
    return committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 3, 1), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.ISSUE_CREDITS, title="Decision on issuance of credits: MN001, monitoring period 1",
        subject_label="MN001 monitoring period 1")


@pytest.fixture
def issue(issuance_decision, registry_admin_jp):
    """issue(account, quantity, period=1) issues into one Japanese account."""
    counter = {"n": 0}

    def _issue(account, quantity, period=None, vintage=2023, decided=None):
        counter["n"] += 1
        period = period or counter["n"]
        return services.issue(actor=registry_admin_jp, registry=account.registry, decision=issuance_decision,
                              project_code="MN001", monitoring_period_number=period,
                              monitoring_period_key=f"MN001/{period:02d}", vintage=vintage,
                              shares=[services.Share(account, quantity)], decided_quantity=decided or quantity)
    return _issue
