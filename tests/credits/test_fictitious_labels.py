"""The demo's fictitious projects and organizations are labelled as fictitious on every registry page and
document that shows them (issue 11): crawl the registry's pages of the seeded demo as the users who see the
most, and every page showing a fictitious project's credits or a fictitious organization's account carries
the "Fictitious" label; the statement (PDF and CSV) and the certificates say so too."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client

from committee.models import Organization
from credits import documents
from credits.choices import AccountType, TransactionKind
from credits.models import Account, CreditTransaction, Issuance
from jcm_registry import demo
from projects.models import Project
from tests.conftest import client_for

LABEL = re.compile(r'class="[^"]*\bfictitious\b[^"]*"')
HREF = re.compile(r'href="([^"]+)"')
LABELLED_OPTION = re.compile(r"<option[^>]*>[^<]*Fictitious[^<]*</option>")


def registry_pages(client: Client, limit: int = 250) -> dict[str, str]:
    """The HTML pages under /registry/ reachable from the registry's home page by its own links."""
    pages: dict[str, str] = {}
    queue, seen = deque(["/registry/"]), set()
    while queue and len(pages) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        pages[url] = body
        for raw in HREF.findall(body):
            link = urldefrag(raw.replace("&amp;", "&"))[0]
            if link.startswith("/registry/") and "/new/" not in link and urlsplit(link).path not in seen:
                queue.append(link)
    return pages


@pytest.fixture
def seeded(db):
    demo.seed()


@pytest.mark.parametrize("username", ["registry-admin", "registry-admin-mn", "participant", None])
def test_every_registry_page_showing_demo_data_says_fictitious(seeded, username, django_user_model):
    codes = list(Project.objects.filter(is_fictitious=True).values_list("project_id", flat=True))
    holders = list(Organization.objects.filter(is_fictitious=True).values_list("name", flat=True))
    assert codes and holders
    client = Client()
    if username:
        client.force_login(django_user_model.objects.get(username=username))
    pages = registry_pages(client)
    # an account in a drop-down list says "Fictitious" in its option (an option cannot carry the badge)
    pages = {url: LABELLED_OPTION.sub("", body) for url, body in pages.items()}
    showing = {url: body for url, body in pages.items()
               if any(code in body for code in codes) or any(name in body for name in holders)}
    assert len(showing) >= 3, sorted(pages)
    unlabelled = [url for url, body in showing.items() if not LABEL.search(body)]
    assert unlabelled == []


@pytest.mark.django_db
def test_kinds_of_pages_with_demo_data_carry_the_badge(seeded, django_user_model):
    admin = Client()
    admin.force_login(django_user_model.objects.get(username="registry-admin"))
    company = Account.objects.get(registry__country__code="MN", type=AccountType.PARTICIPANT_HOLDING)
    issuance = Issuance.objects.select_related("transaction").first()
    retirement = CreditTransaction.objects.get(kind=TransactionKind.RETIREMENT)
    block = retirement.entries.first().block
    for url in ["/registry/", "/registry/blocks/", "/registry/retirements/", "/registry/MN/",
                company.get_absolute_url(), issuance.transaction.get_absolute_url(), retirement.get_absolute_url(),
                block.get_absolute_url()]:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert LABEL.search(response.content.decode()), url


@pytest.mark.django_db
def test_statement_and_certificates_of_demo_data_are_marked_fictitious(seeded, django_user_model):
    company = Account.objects.get(registry__country__code="MN", type=AccountType.PARTICIPANT_HOLDING)
    year = datetime.date.today().year
    key = documents.statement_key(datetime.date(2000, 1, 1), datetime.date(year, 12, 31))
    assert documents.account_statement_content(company, key).fictitious
    retirement = CreditTransaction.objects.get(kind=TransactionKind.RETIREMENT)
    assert documents.retirement_certificate(retirement, "").fictitious
    assert documents.issuance_notification(Issuance.objects.first(), "").fictitious

    client = Client()
    client.force_login(django_user_model.objects.get(username="participant"))
    response = client.get(f"{company.get_absolute_url()}statement/",
                          {"start": "2000-01-01", "end": f"{year}-12-31"})
    assert response.status_code == 200
    first_row = next(csv.reader(io.StringIO(response.content.decode())))
    assert first_row[0].startswith("FICTITIOUS - demo data")


@pytest.mark.django_db
def test_projects_api_says_which_projects_are_fictitious(seeded, django_user_model):
    client = client_for(None)
    rows = client.get("/api/v1/projects/").json()
    rows = rows.get("results", rows)
    flags = {row["project_id"]: row["is_fictitious"] for row in rows}
    assert flags and all(flags[code] for code in Project.objects.filter(is_fictitious=True)
                         .values_list("project_id", flat=True) if code in flags)
    detail = client.get(f"/api/v1/projects/{next(iter(flags))}/").json()
    assert "is_fictitious" in detail
