"""The reference data of the Japan–Mongolia register (a source on each reference page) and the demo's
fictitious entities (labelled as fictitious on every page and document that shows them)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from committee.models import Organization, RuleDocument, ThirdPartyEntity
from core.models import AuditEvent
from credits.documents import issuance_notification, retirement_certificate
from credits.models import CreditTransaction, Issuance
from jcm_registry import demo
from methodologies.models import Methodology
from projects.documents import registration_letter
from projects.models import Project
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    demo.seed()


def test_load_reference_data_alone_then_again_adds_nothing(db):
    f.UserFactory(username="root", is_superuser=True, is_staff=True)
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    assert "Reference data loaded" in out.getvalue()
    assert ThirdPartyEntity.objects.filter(tpe_id="TPE-MN-013").exists()
    assert Methodology.objects.filter(approved_number__in=["MN_AM001", "MN_AM003"]).count() == 2
    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    assert "nothing to do" in out.getvalue() and AuditEvent.objects.count() == events


def test_each_reference_page_shows_its_source(client, seeded):
    pages = [ThirdPartyEntity.objects.get(tpe_id="TPE-MN-014").get_absolute_url(),
             RuleDocument.objects.get(code="JCM_MN_F_Iss_Req_ver04.0").get_absolute_url(),
             Methodology.objects.get(approved_number="MN_AM003").get_absolute_url(),
             Methodology.objects.get(approved_number="MN_AM001").get_absolute_url()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "jcm-mongolia.com" in response.content.decode(), url


def test_the_environment_ministry_page_shows_its_names_over_time(client, seeded):
    ministry = Organization.objects.get(name="Ministry of Environment and Climate Change")
    assert ministry.name_on(datetime.date(2013, 4, 11)) == "Ministry of Environment and Green Development"
    page = client.get(reverse("committee:organization-detail", args=[ministry.pk])).content.decode()
    assert "Ministry of Environment and Tourism" in page and "pdfslide.us" in page


def test_fictitious_entities_are_labelled_on_pages_and_documents(client, seeded):
    project = Project.objects.get(project_id="MN9001")
    assert project.is_fictitious
    for url in (project.get_absolute_url(), reverse("projects:list"),
                ThirdPartyEntity.objects.get(tpe_id="TPE-MN-9001").get_absolute_url(),
                Methodology.objects.get(approved_number="MN_AM9001").get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Fictitious" in response.content.decode(), url
    assert registration_letter(project, "").fictitious
    assert issuance_notification(Issuance.objects.filter(project_code="MN9001").first(), "").fictitious
    retirement = CreditTransaction.objects.get(kind="retirement")
    assert retirement_certificate(retirement, "").fictitious
    # the real TPEs are not labelled
    assert "Fictitious" not in client.get(
        ThirdPartyEntity.objects.get(tpe_id="TPE-MN-014").get_absolute_url()).content.decode()
