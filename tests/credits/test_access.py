"""A registry page offers an action exactly when the service would let this person do it.

For every action button of the registry's pages (the registry, an account, a transaction) and for people
of every kind (anonymous, a system administrator, each registry's administrators and ministry, the
account's representatives, a participant who represents nothing), the button is on the page if and only
if the service it leads to does not refuse that person (``NotAllowed``). The object's state is set so
that the state allows the action; a refusal for another reason (a holding too small, ...) still counts
as "allowed" here: this is about who may act. Every service call is rolled back.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.urls import reverse

from committee.choices import OrganizationKind, Role
from core.errors import ApplicationError, NotAllowed
from credits import access, services
from credits.choices import AccountStatus, AccountType, TransactionKind, TransactionStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "sysadmin", "registry_admin_jp", "registry_admin_mn", "ministry_jp", "ministry",
          "holder_rep", "holder_rep2", "outsider"]


class _Undo(Exception):
    pass


def service_allows(call) -> bool:
    """Whether the service lets the actor act: anything but NotAllowed (rolled back either way)."""
    try:
        with transaction.atomic():
            call()
            raise _Undo
    except _Undo:
        return True
    except NotAllowed:
        return False
    except ApplicationError:
        return True


@pytest.fixture
def outsider(db):
    company = f.OrganizationFactory(name="Unrelated Trading K.K.", kind=OrganizationKind.COMPANY)
    return f.make_user("outsider", Role.PROJECT_PARTICIPANT, organization=company)


@pytest.fixture
def ministry_jp(japan):
    return f.make_user("ministry_jp", Role.MINISTRY_API, country=japan)


@pytest.fixture
def people(request, sysadmin, registry_admin_jp, registry_admin_mn, ministry_jp, ministry, holder_rep, holder_rep2,
           outsider):
    return {name: AnonymousUser() if name == "anonymous" else request.getfixturevalue(name) for name in PEOPLE}


def offered(client, user, page: str, button: str) -> bool:
    """Whether ``page``, seen by ``user``, links to ``button`` (a link or a form's action)."""
    client.logout()
    if user.is_authenticated:
        client.force_login(user)
    response = client.get(page)
    assert response.status_code in (200, 404), (page, user, response.status_code)
    html = response.content.decode()
    return f'href="{button}"' in html or f'action="{button}"' in html


def check(client, people: dict, page: str, buttons: dict) -> None:
    """``buttons``: the button's URL -> a function of the actor calling the service behind it."""
    seen = {}
    for name, user in people.items():
        for button, call in buttons.items():
            seen[name, button] = (offered(client, user, page, button),
                                  service_allows(lambda call=call, user=user: call(user)))
    wrong = {key: value for key, value in seen.items() if value[0] != value[1]}
    assert not wrong, f"(offered, allowed) differ: {wrong}"
    assert any(on for on, _ in seen.values()), "nobody was offered anything: the test sees no button"


def test_registry_page(client, people, accounts, issuance_decision):
    registry = accounts["jp_gov"].registry

    def issue(user):
        services.issuance_create(actor=user, registry=registry, decision=issuance_decision, project_code="MN001",
                                 monitoring_period_number=1, monitoring_period_key="MN001/01", vintage=2023,
                                 shares=[services.Share(accounts["jp_gov"], 1)], decided_quantity=1)

    def report(user):  # the report is a page, not a service: its own gate answers
        client.logout()
        if user.is_authenticated:
            client.force_login(user)
        if client.get(reverse("credits:article6-report", args=[registry.code])).status_code != 200:
            raise NotAllowed("refused")

    check(client, people, registry.get_absolute_url(), {
        reverse("credits:issuance-queue", args=[registry.code]): issue,
        reverse("credits:account-open", args=[registry.code]): lambda user: services.account_open(
            actor=user, registry=registry, type=AccountType.GOVERNMENT_HOLDING, name="Another government account"),
        reverse("credits:article6-report", args=[registry.code]): report,
    })


@pytest.mark.parametrize("name", ["jp_gov", "jp_pp"])
def test_account_page(client, people, accounts, issue, outsider, name):
    account = accounts[name]
    issue(account, 100)
    targets = {TransactionKind.TRANSFER: accounts["jp_other" if name == "jp_pp" else "jp_pp"],
               TransactionKind.EXTERNAL_TRANSFER: accounts["mn_gov"],
               TransactionKind.CANCELLATION: accounts["jp_cancel"],
               TransactionKind.RETIREMENT: accounts["jp_retire"]}

    def initiate(kind):
        return lambda user: services.transaction_initiate(
            actor=user, kind=kind, from_account=account, to_account=targets[kind], quantity=1,
            purpose="Offsetting", beneficiary="A beneficiary")

    check(client, people, account.get_absolute_url(), {
        reverse("credits:account-status", args=[account.number]): lambda user: services.account_change_status(
            actor=user, account=account, status=AccountStatus.BLOCKED, reason="A court order"),
        reverse("credits:account-representatives", args=[account.number]):
            lambda user: services.account_set_representative(actor=user, account=account, user=outsider),
        **{reverse("credits:transaction-initiate", args=[account.number, slug]): initiate(kind)
           for slug, kind in [("transfer", TransactionKind.TRANSFER),
                              ("external-transfer", TransactionKind.EXTERNAL_TRANSFER),
                              ("cancellation", TransactionKind.CANCELLATION),
                              ("retirement", TransactionKind.RETIREMENT)]},
    })


def test_page_of_a_proposal(client, people, accounts, issue, holder_rep, registry_admin_jp):
    account = accounts["jp_pp"]
    account.requires_approval = True
    account.save(update_fields=["requires_approval"])
    issue(account, 100)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER, from_account=account,
                                        to_account=accounts["jp_other"], quantity=10)
    assert txn.status == TransactionStatus.PROPOSED
    check(client, people, txn.get_absolute_url(), {
        reverse("credits:transaction-approve", args=[txn.pk]):
            lambda user: services.transaction_approve(actor=user, txn=txn),
        reverse("credits:transaction-reject", args=[txn.pk]):
            lambda user: services.transaction_reject(actor=user, txn=txn, reason="Not agreed"),
        reverse("credits:transaction-cancel", args=[txn.pk]):
            lambda user: services.transaction_cancel(actor=user, txn=txn),
    })


def test_page_of_a_completed_transfer(client, people, accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 100)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                        from_account=accounts["jp_pp"], to_account=accounts["jp_other"], quantity=10)
    check(client, people, txn.get_absolute_url(), {
        reverse("credits:transaction-reverse", args=[txn.pk]):
            lambda user: services.transaction_reverse(actor=user, txn=txn, reason="Sent to the wrong account"),
    })


def test_require_refuses_exactly_when_can_says_no(people, accounts, issue, holder_rep):
    """Each ``require_<action>`` raises NotAllowed exactly when ``can_<action>`` is False."""
    issue(accounts["jp_pp"], 10)
    txn = services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                        from_account=accounts["jp_pp"], to_account=accounts["jp_other"], quantity=1)
    registry, account = accounts["jp_pp"].registry, accounts["jp_pp"]
    pairs = [(access.can_open_account, access.require_open_account, registry),
             (access.can_issue, access.require_issue, registry),
             (access.can_change_account_status, access.require_change_account_status, account),
             (access.can_manage_representatives, access.require_name_representative, account),
             (access.can_manage_representatives, access.require_remove_representative, account),
             (access.can_initiate, access.require_initiate, account),
             (access.can_approve, access.require_approve, txn),
             (access.can_reject, access.require_reject, txn),
             (access.can_cancel, access.require_cancel, txn),
             (access.can_reverse, access.require_reverse, txn)]
    for user in people.values():
        assert access.can_open_registry(user) == service_allows(lambda u=user: access.require_open_registry(u))
        for can, require, obj in pairs:
            assert can(user, obj) == service_allows(lambda u=user, r=require, o=obj: r(u, o)), (can, user)
