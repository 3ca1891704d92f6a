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


@pytest.fixture
def accounts(registries, registry_admin_jp, registry_admin_mn, company, holder_rep, holder_rep2):
    jp, mn = registries["JP"], registries["MN"]
    open_ = services.account_open
    return {
        "jp_gov": open_(actor=registry_admin_jp, registry=jp, type=AccountType.GOVERNMENT_HOLDING,
                        name="Government of Japan"),
        "jp_pp": open_(actor=registry_admin_jp, registry=jp, type=AccountType.PARTICIPANT_HOLDING,
                       name="Demo Solar Japan K.K.", holder=company, representatives=[holder_rep, holder_rep2]),
        "jp_other": open_(actor=registry_admin_jp, registry=jp, type=AccountType.PARTICIPANT_HOLDING,
                          name="Another company", holder=f.OrganizationFactory(name="Another K.K.")),
        "jp_cancel": open_(actor=registry_admin_jp, registry=jp, type=AccountType.CANCELLATION,
                           name="Japan cancellation account"),
        "jp_retire": open_(actor=registry_admin_jp, registry=jp, type=AccountType.RETIREMENT,
                           name="Japan retirement account"),
        "mn_gov": open_(actor=registry_admin_mn, registry=mn, type=AccountType.GOVERNMENT_HOLDING,
                        name="Government of Mongolia"),
    }


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
