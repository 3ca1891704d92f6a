"""The browser pages: public verification (by number and by upload), downloads, statements on
request, and long jobs with their progress and ZIP download."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from documents import services
from documents.models import BatchKind, BatchStatus, DocumentBatch, DocumentKind
from tests import factories as f

from .conftest import JAPANESE_BENEFICIARY

pytestmark = pytest.mark.django_db

VERIFY = reverse("documents:verify")


@pytest.fixture
def certificate(accounts, issue, retire):
    issue(accounts["jp_pp"], 1000)
    return services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=retire(250))


def _upload(client, data: bytes):
    return client.post(VERIFY, {"file": SimpleUploadedFile("certificate.pdf", data, "application/pdf")})


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


# --- public verification -------------------------------------------------------------------------

def test_anyone_uploads_a_genuine_certificate_and_sees_what_it_states(client, certificate):
    response = _upload(client, services.read_bytes(certificate))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Genuine and current" in page
    assert certificate.sha256 in page
    assert JAPANESE_BENEFICIARY in page


def test_a_tampered_file_is_unknown(client, certificate):
    data = bytearray(services.read_bytes(certificate))
    data[-200] ^= 0x20
    page = _upload(client, bytes(data)).content.decode()
    assert "Unknown document" in page
    assert "Genuine" not in page
    assert JAPANESE_BENEFICIARY not in page


def test_an_old_version_is_genuine_but_superseded(client, certificate, registry_admin_jp):
    old = services.read_bytes(certificate)
    new = services.document_supersede(actor=registry_admin_jp, document=certificate, reason="Correction")
    page = _upload(client, old).content.decode()
    assert "Genuine but superseded" in page
    assert reverse("documents:verify-number", args=[new.number]) in page


def test_the_qr_target_shows_facts_hash_and_status(client, certificate):
    response = client.get(certificate.verification_url.removeprefix("https://registry.example.org"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Version 1 is the current version" in page
    assert certificate.sha256 in page
    assert JAPANESE_BENEFICIARY in page
    assert reverse("documents:download", args=[certificate.number, 1]) in page


def test_the_page_of_a_superseded_version_says_so(client, certificate, registry_admin_jp):
    services.document_supersede(actor=registry_admin_jp, document=certificate, reason="Holder renamed")
    page = client.get(reverse("documents:verify-number", args=[certificate.number]) + "?version=1").content.decode()
    assert "Version 1 is superseded" in page
    assert "Holder renamed" in page


def test_look_up_by_number(client, certificate):
    response = client.get(VERIFY, {"number": certificate.number.lower()})
    assert response.status_code == 302
    assert response.url == reverse("documents:verify-number", args=[certificate.number])
    assert "No document of the registry has this number" in client.get(
        VERIFY, {"number": "JCM-RC-1999-000001"}).content.decode()
    assert client.get(reverse("documents:verify-number", args=["JCM-RC-1999-000001"])).status_code == 404


def test_anyone_downloads_a_certificate(client, certificate):
    response = client.get(reverse("documents:download", args=[certificate.number, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == certificate.sha256


def test_links_from_other_pages_find_the_current_document(client, certificate):
    url = reverse("documents:for-subject", args=[DocumentKind.RETIREMENT_CERTIFICATE, certificate.subject_id])
    assert client.get(url).url == reverse("documents:verify-number", args=[certificate.number])
    missing = reverse("documents:for-subject", args=[DocumentKind.CANCELLATION_CERTIFICATE, certificate.subject_id])
    assert client.get(missing).status_code == 404


def test_a_document_still_being_made_is_announced_to_who_may_read_it(client, accounts, issue, retire, sysadmin):
    """A link to a subject's document that the background worker has not made yet opens a page that says so
    (not a broken link), for whoever may read it; others still learn nothing."""
    issue(accounts["jp_pp"], 1000)
    retirement = retire(250)  # no document made: its on-commit task never ran in this test transaction
    url = reverse("documents:for-subject", args=[DocumentKind.RETIREMENT_CERTIFICATE, retirement.pk])
    assert client.get(url).status_code == 404
    client.force_login(sysadmin)
    response = client.get(url)
    assert response.status_code == 200
    assert "has not been made yet" in response.content.decode()


def test_a_registry_administrator_reissues_from_the_page(client, certificate, registry_admin_jp,
                                                         django_capture_on_commit_callbacks):
    client.force_login(registry_admin_jp)
    url = reverse("documents:reissue", args=[certificate.number])
    assert "Issue a new version" in client.get(reverse("documents:verify-number", args=[certificate.number])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "The holder's name changed"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert not certificate.is_current
    assert certificate.superseded_by.reason == "The holder's name changed"


def test_others_cannot_reissue(client, certificate, holder_rep):
    client.force_login(holder_rep)
    page = client.get(reverse("documents:verify-number", args=[certificate.number])).content.decode()
    assert "Issue a new version" not in page
    response = client.post(reverse("documents:reissue", args=[certificate.number]), {"reason": "Mine"})
    assert response.status_code == 400
    certificate.refresh_from_db()
    assert certificate.is_current


# --- statements -------------------------------------------------------------------------------------

def test_a_representative_requests_a_statement_and_downloads_it(client, accounts, issue, holder_rep,
                                                                  django_capture_on_commit_callbacks):
    issue(accounts["jp_pp"], 1000)
    client.force_login(holder_rep)
    url = reverse("documents:statement", args=[accounts["jp_pp"].number])
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"start": today - datetime.timedelta(days=31), "end": today})
    batch = DocumentBatch.objects.get()
    assert response.url == reverse("documents:batch-detail", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert 'http-equiv="refresh"' not in page  # done: no more refreshing
    statement = batch.documents.get()
    assert statement.kind == DocumentKind.ACCOUNT_STATEMENT
    download = client.get(reverse("documents:download", args=[statement.number, 1]))
    assert download.status_code == 200
    assert statement.number in client.get(url).content.decode()  # listed on the account's statements page
    assert AuditEvent.objects.filter(action="documents.batch.request", actor=holder_rep).count() == 1


def test_statements_are_not_public(client, accounts, issue, holder_rep):
    issue(accounts["jp_pp"], 1000)
    today = timezone.localdate()
    from credits.documents import statement_key

    statement = services.document_generate(kind=DocumentKind.ACCOUNT_STATEMENT, subject=accounts["jp_pp"],
                                           key=statement_key(today, today))
    download = reverse("documents:download", args=[statement.number, 1])
    assert client.get(download).status_code == 403
    page = client.get(reverse("documents:verify-number", args=[statement.number])).content.decode()
    assert statement.sha256 in page  # the fingerprint and status are public ...
    assert "Closing balance" not in page  # ... what it states is not
    stranger = f.make_user("stranger")
    client.force_login(stranger)
    assert client.get(download).status_code == 403
    assert client.get(reverse("documents:statement", args=[accounts["jp_pp"].number])).status_code == 403
    client.force_login(holder_rep)
    assert client.get(download).status_code == 200
    # whoever holds the file may still check it and see what it states
    client.logout()
    assert "Closing balance" in _upload(client, services.read_bytes(statement)).content.decode()


def test_a_statement_cannot_cover_the_future(client, accounts, holder_rep):
    client.force_login(holder_rep)
    today = timezone.localdate()
    response = client.post(reverse("documents:statement", args=[accounts["jp_pp"].number]),
                           {"start": today, "end": today + datetime.timedelta(days=3)})
    assert response.status_code == 400
    assert "up to today" in response.content.decode()
    assert not DocumentBatch.objects.exists()


# --- long jobs ---------------------------------------------------------------------------------------

def test_a_queued_job_page_refreshes_itself_and_shows_progress(client, registries, registry_admin_jp):
    batch = services.batch_request(actor=registry_admin_jp, kind=BatchKind.RETIREMENT_CERTIFICATES,
                                   registry=registries["JP"], year=timezone.localdate().year)
    client.force_login(registry_admin_jp)
    page = client.get(reverse("documents:batch-detail", args=[batch.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Queued" in page and "0 of 0 done" in page
    assert client.get(reverse("documents:batch-download", args=[batch.pk])).status_code == 404


def test_all_retirement_certificates_of_a_year_as_a_zip(client, accounts, issue, retire, registries,
                                                       registry_admin_jp, django_capture_on_commit_callbacks):
    issue(accounts["jp_pp"], 1000)
    retirements = [retire(10 * (i + 1)) for i in range(3)]
    client.force_login(registry_admin_jp)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:batch-list"), {
            "kind": BatchKind.RETIREMENT_CERTIFICATES, "registry": registries["JP"].pk,
            "year": timezone.localdate().year})
    batch = DocumentBatch.objects.get()
    assert response.url == reverse("documents:batch-detail", args=[batch.pk])
    assert (batch.status, batch.done, batch.total) == (BatchStatus.DONE, 3, 3)
    page = client.get(response.url).content.decode()
    assert "Download (ZIP)" in page and "3 of 3 done" in page
    archive = _zip(client.get(reverse("documents:batch-download", args=[batch.pk])))
    pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
    assert len(pdfs) == 3
    sums = dict(reversed(line.split("  ")) for line in archive.read("SHA256SUMS").decode().splitlines())
    for name in pdfs:
        assert hashlib.sha256(archive.read(name)).hexdigest() == sums[name]
    assert {d.subject for d in batch.documents.all()} == set(retirements)


def test_the_article6_report_as_a_file(client, accounts, issue, registries, registry_admin_jp,
                                       django_capture_on_commit_callbacks):
    issue(accounts["jp_pp"], 1000)
    client.force_login(registry_admin_jp)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:batch-list"), {
            "kind": BatchKind.ARTICLE6_REPORT, "registry": registries["JP"].pk, "year": timezone.localdate().year})
    batch = DocumentBatch.objects.get()
    assert batch.status == BatchStatus.DONE
    names = _zip(client.get(reverse("documents:batch-download", args=[batch.pk]))).namelist()
    year = timezone.localdate().year
    assert {f"article6-JP-{year}.csv", f"article6-JP-{year}.xlsx", "SHA256SUMS"} == set(names)


def test_statements_of_every_account(client, accounts, issue, registries, registry_admin_jp,
                                     django_capture_on_commit_callbacks):
    issue(accounts["jp_pp"], 1000)
    client.force_login(registry_admin_jp)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:batch-list"), {
            "kind": BatchKind.ACCOUNT_STATEMENTS, "registry": registries["JP"].pk, "start": today, "end": today})
    batch = DocumentBatch.objects.get()
    assert batch.total == registries["JP"].accounts.count() == batch.documents.count()


def test_only_registry_administrators_run_registry_jobs(client, registries, holder_rep, registry_admin_mn):
    client.force_login(holder_rep)
    data = {"kind": BatchKind.RETIREMENT_CERTIFICATES, "registry": registries["JP"].pk, "year": 2025}
    assert "Prepare documents for a whole registry" not in client.get(reverse("documents:batch-list")).content.decode()
    assert client.post(reverse("documents:batch-list"), data).status_code == 403
    client.force_login(registry_admin_mn)  # another registry's administrator
    response = client.post(reverse("documents:batch-list"), data)
    assert response.status_code == 400
    assert not DocumentBatch.objects.exists()


def test_a_job_is_seen_by_its_requester_and_its_registry_only(client, registries, registry_admin_jp, holder_rep):
    batch = services.batch_request(actor=registry_admin_jp, kind=BatchKind.ARTICLE6_REPORT,
                                   registry=registries["JP"], year=2025)
    url = reverse("documents:batch-detail", args=[batch.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(holder_rep)
    assert client.get(url).status_code == 403
