"""The demo's actions produce their documents: a newcomer finds a retirement certificate with its QR code
and verifies it on the public page."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from documents import services
from documents.models import Document, DocumentKind

from .conftest import pdf_links, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_a_verifiable_retirement_certificate(client):
    call_command("seed_demo", stdout=io.StringIO())
    kinds = set(Document.objects.values_list("kind", flat=True))
    assert {DocumentKind.RETIREMENT_CERTIFICATE, DocumentKind.CANCELLATION_CERTIFICATE,
            DocumentKind.ISSUANCE_NOTIFICATION, DocumentKind.DECISION_RECORD, DocumentKind.REGISTRATION_LETTER,
            DocumentKind.METHODOLOGY_APPROVAL} <= kinds
    certificate = Document.objects.get(kind=DocumentKind.RETIREMENT_CERTIFICATE)
    beneficiary = certificate.subject.beneficiary
    assert beneficiary in pdf_text(certificate)
    assert certificate.verification_url in pdf_links(certificate)
    page = client.get(reverse("documents:verify-number", args=[certificate.number])).content.decode()
    assert beneficiary in page and certificate.sha256 in page
    upload = SimpleUploadedFile("certificate.pdf", services.read_bytes(certificate), "application/pdf")
    assert "Genuine and current" in client.post(reverse("documents:verify"), {"file": upload}).content.decode()
    # seeding again (idempotent) makes no second copy
    call_command("seed_demo", stdout=io.StringIO())
    assert Document.objects.filter(kind=DocumentKind.RETIREMENT_CERTIFICATE).count() == 1
