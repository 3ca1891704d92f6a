"""Each kind of document renders to a PDF that states its facts and links to its verification page.

Text is read back with pdftotext and links with pdfinfo (poppler-utils), as a reader would see them;
Japanese and Mongolian Cyrillic names must come out as text, which needs the fonts to be embedded.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from credits.documents import statement_key
from documents import services
from documents.models import DocumentKind

from .conftest import JAPANESE_BENEFICIARY, pdf_links, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


def _verifiable_text(document) -> str:
    """The PDF's text, after checking that its QR code links to the document's verification page."""
    url = f"https://registry.example.org/documents/verify/{document.number}/?version={document.version}"
    assert document.verification_url == url
    assert url in pdf_links(document)  # the QR code is a link annotation to the verification URL
    text = pdf_text(document)
    assert document.number in text
    assert f"Version {document.version}" in text
    assert "二国間クレジット制度" in text  # the Japanese letterhead
    return text


def test_retirement_certificate_states_beneficiary_quantity_and_serials(accounts, issue, retire):
    issue(accounts["jp_pp"], 1000)
    txn = retire(250)
    document = services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=txn)
    text = _verifiable_text(document)
    assert document.number.startswith(f"JCM-RC-{timezone.now().year}-")
    assert "Retirement certificate" in text
    assert JAPANESE_BENEFICIARY in text  # a Japanese beneficiary's name comes out as text
    assert "250 JCM credits" in text
    assert "Voluntary offsetting of FY2025 emissions" in text
    assert "JP-MN001-01-2023-000000000001-000000000250" in text.replace(" ", "")
    assert txn.reference in text
    assert {"label": "Beneficiary", "value": JAPANESE_BENEFICIARY} in document.facts
    assert pdf_pages(document) == 1


def test_cancellation_certificate(accounts, issue, cancel):
    issue(accounts["jp_pp"], 1000)
    txn = cancel(100)
    document = services.document_generate(kind=DocumentKind.CANCELLATION_CERTIFICATE, subject=txn)
    text = _verifiable_text(document)
    assert document.number.startswith("JCM-CC-")
    assert "Cancellation certificate" in text
    assert "100 JCM credits" in text
    assert accounts["jp_cancel"].number in text


def test_issuance_notification_in_mongolias_registry_shows_its_cyrillic_name(mn_issuance, accounts):
    document = services.document_generate(kind=DocumentKind.ISSUANCE_NOTIFICATION, subject=mn_issuance)
    text = _verifiable_text(document)
    assert document.number.startswith("JCM-IN-")
    assert "Issuance notification" in text
    assert "Монгол Улс" in text
    assert "500 JCM credits" in text
    assert accounts["mn_gov"].number in text
    assert "MN001/01" in text


def test_account_statement_balances_and_movements(accounts, issue, retire, cancel):
    issue(accounts["jp_pp"], 1000)
    retire(250)
    cancel(100)
    today = timezone.localdate()
    key = statement_key(today - datetime.timedelta(days=30), today)
    document = services.document_generate(kind=DocumentKind.ACCOUNT_STATEMENT, subject=accounts["jp_pp"], key=key)
    text = _verifiable_text(document)
    assert document.number.startswith("JCM-AS-")
    assert not document.public  # balances are not for everyone
    facts = {f["label"]: f["value"] for f in document.facts}
    assert facts["Opening balance"] == "0"
    assert facts["Credits received"] == "1,000"
    assert facts["Credits sent"] == "350"
    assert facts["Closing balance"] == "650"
    accounts["jp_pp"].refresh_from_db()
    assert facts["Closing balance"] == f"{accounts['jp_pp'].balance:,}"  # replay agrees with the balance
    assert "Retirement" in text and "Cancellation" in text and "Issuance" in text


def test_statement_of_a_later_period_opens_with_the_earlier_balance(accounts, issue):
    issue(accounts["jp_pp"], 1000)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    content_key = statement_key(tomorrow, tomorrow)
    from credits.documents import account_statement_content as account_statement

    facts = {f["label"]: f["value"] for f in account_statement(accounts["jp_pp"], content_key).facts}
    assert (facts["Opening balance"], facts["Closing balance"], facts["Movements"]) == ("1,000", "1,000", "0")


def test_decision_record_of_the_japan_mongolia_committee(issuance_decision):
    document = services.document_generate(kind=DocumentKind.DECISION_RECORD, subject=issuance_decision)
    text = _verifiable_text(document)
    assert document.number.startswith("JCM-DR-")
    assert issuance_decision.reference in text
    assert "Монгол Улс" in text  # the partner's own name
    assert "Decision on issuance of credits: MN001, monitoring period 1" in text


def test_methodology_approval_notice(solar):
    document = services.document_generate(kind=DocumentKind.METHODOLOGY_APPROVAL, subject=solar)
    text = _verifiable_text(document)
    assert document.number.startswith("JCM-MA-")
    assert "Methodology approval notice" in text
    assert "MN_AM003" in text and solar.version in text
    assert solar.approval_decision.reference in text


def test_registration_letter(registered):
    document = services.document_generate(kind=DocumentKind.REGISTRATION_LETTER, subject=registered)
    text = _verifiable_text(document)
    assert document.number.startswith("JCM-RL-")
    assert "Project registration letter" in text
    assert registered.project_id in text
    assert "Nippon Solar K.K." in text and "Darkhan Energy LLC" in text
    assert registered.registration_decision.reference in text


def test_a_draft_decision_has_no_record(jc, secretariat):
    from committee import services as committee_services
    from committee.choices import DecisionKind, DecisionMode
    from core.errors import Conflict

    draft = committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 3, 1), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.OTHER, title="A draft", publish=False)
    with pytest.raises(Conflict):
        services.document_generate(kind=DocumentKind.DECISION_RECORD, subject=draft)
    assert not services.current_document(DocumentKind.DECISION_RECORD, draft)


def test_the_fonts_are_embedded(accounts, issue, retire):
    """Names stay readable on any machine: the Japanese and the Latin/Cyrillic fonts travel in the PDF."""
    import subprocess

    issue(accounts["jp_pp"], 1000)
    document = services.document_generate(kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=retire(1))
    fonts = subprocess.run(["pdffonts", document.file.path], check=True, capture_output=True, text=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if line.split()[-5] == "yes"]
    assert any("Noto-Sans-CJK-JP" in line for line in embedded)
    assert any("DejaVu-Sans" in line for line in embedded)
    assert len(embedded) == len(fonts.splitlines()[2:])
