"""Fixtures of the documents tests: the registry fixtures of the credits tests, the project and
methodology fixtures of the projects tests, files under a temporary MEDIA_ROOT, and helpers that
read a PDF the way a person would (its text with pdftotext, its links with pdfinfo)."""

from __future__ import annotations

import subprocess

import pytest

from credits import services as credit_services
from credits.choices import TransactionKind
from tests.credits.conftest import *  # noqa: F403  (registries, accounts, issue, ...)
from tests.projects.conftest import *  # noqa: F403  (registered project, approved methodology, ...)

JAPANESE_BENEFICIARY = "株式会社デモ太陽光"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://registry.example.org"
    return settings.MEDIA_ROOT


def pdf_path(document) -> str:
    return document.file.path


def pdf_text(document) -> str:
    """The text of the PDF as pdftotext (poppler-utils) extracts it."""
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", pdf_path(document), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_links(document) -> list[str]:
    """The URLs of the PDF's link annotations (the QR code is one), as pdfinfo lists them."""
    out = subprocess.run(["pdfinfo", "-url", pdf_path(document)], check=True, capture_output=True, text=True).stdout
    return [line.split()[-1] for line in out.splitlines()[1:] if line.strip()]


def pdf_pages(document) -> int:
    out = subprocess.run(["pdfinfo", pdf_path(document)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def retire(accounts, holder_rep):
    """retire(quantity, beneficiary=...) retires credits from the participant's account."""
    def _retire(quantity, beneficiary=JAPANESE_BENEFICIARY, purpose="Voluntary offsetting of FY2025 emissions"):
        return credit_services.transaction_initiate(
            actor=holder_rep, kind=TransactionKind.RETIREMENT, from_account=accounts["jp_pp"],
            to_account=accounts["jp_retire"], quantity=quantity, purpose=purpose, beneficiary=beneficiary)
    return _retire


@pytest.fixture
def cancel(accounts, holder_rep):
    def _cancel(quantity):
        return credit_services.transaction_initiate(
            actor=holder_rep, kind=TransactionKind.CANCELLATION, from_account=accounts["jp_pp"],
            to_account=accounts["jp_cancel"], quantity=quantity)
    return _cancel


@pytest.fixture
def mn_issuance(registries, registry_admin_mn, issuance_decision, accounts):
    """An issuance into Mongolia's registry (whose country is named Монгол Улс)."""
    return credit_services.issue(
        actor=registry_admin_mn, registry=registries["MN"], decision=issuance_decision, project_code="MN001",
        monitoring_period_number=1, monitoring_period_key="MN001/01", vintage=2023,
        shares=[credit_services.Share(accounts["mn_gov"], 500)], decided_quantity=500)

