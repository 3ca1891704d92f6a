"""Who may do what with documents is written once (documents/access.py, delegating per kind to the domain
app's rule): each page offers an action exactly when its service would allow it, for representative users."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from committee.choices import Role
from core.errors import NotAllowed
from credits.documents import statement_key
from documents import access, selectors, services
from documents.models import BatchKind, DocumentKind
from tests import factories as f

pytestmark = pytest.mark.django_db

USERS = ["anonymous", "holder_rep", "registry_admin_jp", "registry_admin_mn", "ministry_jp", "secretariat",
         "other_secretariat", "sysadmin"]


@pytest.fixture
def ministry_jp(japan):
    return f.make_user("ministry_jp", Role.MINISTRY_API, country=japan)


@pytest.fixture
def people(request, ministry_jp):
    return {name: AnonymousUser() if name == "anonymous" else request.getfixturevalue(name) for name in USERS}


@pytest.fixture
def documents(accounts, issue, retire, issuance_decision):
    issue(accounts["jp_pp"], 1000)
    today = timezone.localdate()
    return {
        "certificate": services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=retire(250)),
        "decision": services.document_generate(kind=DocumentKind.DECISION_RECORD, subject=issuance_decision),
        "statement": services.document_generate(kind=DocumentKind.ACCOUNT_STATEMENT, subject=accounts["jp_pp"],
                                                key=statement_key(today - datetime.timedelta(days=7), today)),
    }


def _client(user) -> Client:
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


def _refused(service, **kwargs) -> bool:
    try:
        service(**kwargs)
    except NotAllowed:
        return True
    return False


def test_the_new_version_button_shows_exactly_when_the_service_would_allow_it(people, documents):
    allowed = {(doc, name) for doc, name in [("certificate", "registry_admin_jp"), ("decision", "secretariat"),
                                             ("statement", "registry_admin_jp")]}
    for doc_name, document in documents.items():
        for name, user in people.items():
            may = access.can_reissue(user, document)
            assert may == ((doc_name, name) in allowed or name == "sysadmin"), (doc_name, name)
            page = _client(user).get(reverse("documents:verify-number", args=[document.number])).content.decode()
            assert ("Issue a new version" in page) == may, (doc_name, name)
            assert _refused(services.document_reissue_request, actor=user, document=document,
                            reason="Check") == (not may), (doc_name, name)


def test_a_statement_is_read_and_asked_for_exactly_by_whoever_may_see_the_account(people, documents, accounts):
    statement, account = documents["statement"], accounts["jp_pp"]
    readers = {"holder_rep", "registry_admin_jp", "ministry_jp", "sysadmin"}
    today = timezone.localdate()
    for name, user in people.items():
        client = _client(user)
        may_read = access.can_read(user, statement)
        assert may_read == (name in readers), name
        assert (client.get(reverse("documents:download", args=[statement.number, 1])).status_code == 200) == may_read
        may_ask = access.can_start_batch(user, BatchKind.ACCOUNT_STATEMENT, account)
        assert may_ask == (name in readers), name
        assert (client.get(reverse("documents:statement", args=[account.number])).status_code == 200) == may_ask
        assert _refused(services.statement_request, actor=user, account=account, start=today,
                        end=today) == (not may_ask), name


def test_the_batches_page_offers_exactly_the_registries_whose_jobs_the_service_accepts(people, registries):
    runners = {"JP": {"registry_admin_jp", "ministry_jp", "sysadmin"}, "MN": {"registry_admin_mn", "sysadmin"}}
    for name, user in people.items():
        offered = selectors.batch_scopes(user)
        offered = set(offered.values_list("country__code", flat=True)) if offered is not None else set()
        assert offered == {code for code, who in runners.items() if name in who}, name
        for code, registry in registries.items():
            for kind in (BatchKind.RETIREMENT_CERTIFICATES, BatchKind.ARTICLE6_REPORT):
                assert access.can_start_batch(user, kind, registry) == (code in offered), (name, code, kind)
                assert _refused(services.batch_request, actor=user, kind=kind, registry=registry,
                                year=2025) == (code not in offered), (name, code)
        page = _client(user).get(reverse("documents:batch-list"))
        if user.is_authenticated:
            assert ('name="registry"' in page.content.decode()) == bool(offered), name
