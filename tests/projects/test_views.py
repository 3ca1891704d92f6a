"""The browser pages of the projects app: the public register and project pages (which hide the
confidential material), the participants' forms (refusals shown on the form, nothing written), the TPE's
and the secretariat's forms, the role checks (403) and the work lists."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from committee.models import Decision
from core.models import AuditEvent
from projects import services
from projects.choices import IssuanceStatus, MonitoringStatus, ProjectStatus
from projects.models import (
    PDD,
    CreditAllocation,
    IssuanceRequest,
    MonitoringReport,
    Project,
    ProjectComment,
    ValidationReport,
    VerificationReport,
)

from . import cycle


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def formset(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def decision_fields(days_back: int = 1) -> dict:
    return {"decided_on": (timezone.localdate() - datetime.timedelta(days=days_back)).isoformat(),
            "mode": "electronic", "reference": "", "text": ""}


@pytest.fixture
def public_input(pp, jc, solar, scope1, japanese_company, partner_company, secretariat, tpe, auditor):
    """MN001 in an open public input period (published yesterday)."""
    project = cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company,
                                   partner=partner_company, title="Solar PV in Erdenet")
    return cycle.to_public_input(project, pp=pp, secretariat=secretariat, days_back=3, tpe=tpe, auditor=auditor)


@pytest.fixture
def period(registered, pp):
    return services.monitoring_period_create(actor=pp, project=registered, start_date=cycle.CREDITING_START,
                                             end_date=datetime.date(2024, 12, 31))


# --- public pages --------------------------------------------------------------------------------------

def test_public_list_searches_and_filters_and_hides_drafts(registered, pp, jc, solar, scope1, japanese_company,
                                                           partner_company):
    cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company, partner=partner_company,
                         title="Unpublished wind farm")
    page = browser().get("/projects/")
    html = text(page)
    assert page.status_code == 200
    assert "MN001" in html and "Solar PV in Darkhan" in html and "Nippon Solar K.K." in html
    assert "Unpublished wind farm" not in html  # a draft is seen by its participants only
    assert "Unpublished wind farm" in text(browser(pp).get("/projects/"))

    assert "MN001" in text(browser().get("/projects/?q=darkhan&country=MN&scope=1&status=registered"
                                         "&methodology=MN_AM003"))
    assert "MN001" not in text(browser().get("/projects/?status=public_input"))
    assert "MN001" not in text(browser().get("/projects/?country=KH"))
    assert "MN001" in text(browser().get("/projects/?status=&scope=&country="))  # "All" sends empty values


def test_project_page_shows_the_public_record_and_hides_the_confidential_one(registered, pp, member):
    page = browser().get("/projects/MN001/")
    html = text(page)
    assert page.status_code == 200
    for expected in ("Solar PV in Darkhan", "Darkhan", "49.486000", "Nippon Solar K.K.", "Darkhan Energy LLC",
                     "Focal point", "MN_AM003", "ver01.0", "2024-01-01 – 2033-12-31", "TPE-MN-001",
                     "Download the public PDD", "The project installs solar PV systems.",
                     "Meter calibration?", "Registered"):
        assert expected in html, expected
    for hidden in ("Download the confidential PDD", "Taro Yamada", "b@example.mn", "Credit allocation version",
                   "Modalities of Communication statement"):
        assert hidden not in html, hidden
    # committee members are not in the confidential circle either
    assert "Taro Yamada" not in text(browser(member).get("/projects/MN001/"))

    own = text(browser(pp).get("/projects/MN001/"))
    assert "Download the confidential PDD" in own and "Taro Yamada" in own and "b@example.mn" in own
    assert "25 %" in own  # the participants' allocation shares

    pdd = registered.pdds.get(status="submitted")
    public_file = browser().get(f"/projects/files/pdd-public/{pdd.pk}/")
    assert public_file.status_code == 200 and b"demo content" in b"".join(public_file.streaming_content)
    assert browser().get(f"/projects/files/pdd-confidential/{pdd.pk}/").status_code == 404
    assert browser(member).get(f"/projects/files/pdd-confidential/{pdd.pk}/").status_code == 404
    confidential = browser(pp).get(f"/projects/files/pdd-confidential/{pdd.pk}/")
    assert b"confidential figures" in b"".join(confidential.streaming_content)


def test_a_draft_project_does_not_exist_for_the_public(draft, pp, pp_other):
    assert browser().get("/projects/MN001/").status_code == 404
    assert browser(pp_other).get("/projects/MN001/").status_code == 404
    assert browser(pp).get("/projects/MN001/").status_code == 200


def test_comments_while_public_input_is_open(public_input, secretariat):
    page = text(browser().get("/projects/MN001/"))
    assert "Comment on this PDD" in page

    refused = browser().post("/projects/MN001/comment/", {"name": "A. Citizen", "email": "", "text": "Good."})
    assert refused.status_code == 400
    assert "This field is required." in text(refused)
    assert not ProjectComment.objects.exists()

    done = browser().post("/projects/MN001/comment/", {"name": "A. Citizen", "email": "citizen@example.org",
                                                       "organization": "NGO", "text": "Please publish the meters."})
    assert done.status_code == 302
    public = text(browser().get("/projects/MN001/"))
    assert "Please publish the meters." in public and "citizen@example.org" not in public
    assert "citizen@example.org" in text(browser(secretariat).get("/projects/MN001/"))


# --- participants ----------------------------------------------------------------------------------

def test_participant_starts_a_project_and_bad_dates_write_nothing(pp, jc, solar, japanese_company):
    form = {"joint_committee": jc.pk, "title": "Solar PV in Choir", "description": "", "sectoral_scope": 1,
            "methodology_versions": [solar.pk], "organization": japanese_company.pk, "side": "japanese",
            "expected_annual_reductions": "5000", "start_of_operation": "2024-06-01",
            "crediting_start": "2024-06-01", "crediting_end": "2024-01-01"}
    events = AuditEvent.objects.count()
    refused = browser(pp).post("/projects/new/", form)
    assert refused.status_code == 400
    assert "The crediting period cannot end before it starts." in text(refused)
    assert not Project.objects.exists() and AuditEvent.objects.count() == events

    created = browser(pp).post("/projects/new/", {**form, "crediting_end": "2033-05-31"})
    assert created.status_code == 302 and created["Location"] == "/projects/MN001/"
    project = Project.objects.get()
    assert (project.title, project.status, project.crediting_end) == ("Solar PV in Choir", "draft",
                                                                      datetime.date(2033, 5, 31))
    assert project.participants.get().is_focal_point


def test_sites_formset_refusal_and_save(draft, pp):
    rows = [{"name": "Darkhan", "latitude": "49.486", "longitude": "105.922"},
            {"name": "Darkhan", "latitude": "47.9", "longitude": "106.9"}]
    refused = browser(pp).post("/projects/MN001/sites/", formset("sites", rows))
    assert refused.status_code == 400 and "Each site needs its own name." in text(refused)
    assert list(draft.sites.values_list("name", flat=True)) == ["Darkhan"]

    rows[1]["name"] = "Ulaanbaatar"
    saved = browser(pp).post("/projects/MN001/sites/", formset("sites", [*rows, {}]))
    assert saved.status_code == 302
    assert list(draft.sites.values_list("name", flat=True)) == ["Darkhan", "Ulaanbaatar"]


def test_pdd_is_saved_as_a_draft_resumed_and_submitted(draft, pp, solar, tpe):
    cycle.give_tpe_the_moc(draft, pp=pp, tpe=tpe)  # the PDD goes with the MoC to the chosen TPE
    criteria = list(solar.criteria.all())
    data = {"public_file": SimpleUploadedFile("pdd.pdf", b"%PDF-1.4 public", content_type="application/pdf")}
    data.update({f"meets_{criteria[0].pk}": "yes", f"why_{criteria[0].pk}": "Section A.3"})
    saved = browser(pp).post("/projects/MN001/pdd/", data)
    assert saved.status_code == 302
    resumed = text(browser(pp).get("/projects/MN001/pdd/"))
    assert "Section A.3" in resumed and "Draft version 1" in resumed

    # the second criterion is unanswered: the submission is refused and lists what is missing
    refused = browser(pp).post("/projects/MN001/do/submit-pdd/", {})
    assert refused.status_code == 400
    assert "Answer eligibility criterion 2 of MN_AM003 ver01.0." in text(refused)
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.DRAFT

    browser(pp).post("/projects/MN001/pdd/", {f"meets_{criteria[1].pk}": "yes", f"why_{criteria[1].pk}": "B.1",
                                              f"meets_{criteria[0].pk}": "yes", f"why_{criteria[0].pk}": "A.3"})
    assert browser(pp).post("/projects/MN001/do/submit-pdd/", {}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.PDD_SUBMITTED
    assert PDD.objects.get().status == "submitted"


def test_allocation_not_adding_up_to_100_is_refused_and_nothing_is_written(registered, pp, japanese_company,
                                                                           partner_company):
    shares = [{"party": "japan_government", "percent": "10"}, {"party": "partner_government", "percent": "40"},
              {"party": "participant", "organization": japanese_company.pk, "registry": "japan", "percent": "25"},
              {"party": "participant", "organization": partner_company.pk, "registry": "partner",
               "percent": "15"}]
    events = AuditEvent.objects.count()
    refused = browser(pp).post("/projects/MN001/allocation/", {"note": "", **formset("shares", shares)})
    assert refused.status_code == 400
    assert "The shares add up to 90%; they must add up to exactly 100%." in text(refused)
    assert CreditAllocation.objects.filter(project=registered).count() == 1
    assert AuditEvent.objects.count() == events

    shares[3]["percent"] = "25"
    untouched = {"party": "", "organization": "", "registry": "", "percent": ""}  # the form's spare row
    assert browser(pp).post("/projects/MN001/allocation/",
                            {"note": "v2", **formset("shares", [*shares, untouched])}).status_code == 302
    assert registered.allocations.get(status="current").version == 2


def test_wrong_role_gets_403(registered, pp, pp_partner, pp_other, member, secretariat, other_secretariat,
                             other_auditor, period):
    assert browser(pp_partner).get("/projects/MN001/allocation/").status_code == 403  # not the focal point
    assert browser(pp_other).get("/projects/MN001/periods/1/report/").status_code == 403
    assert browser(member).get("/projects/MN001/do/register/").status_code == 403
    assert browser(other_secretariat).post("/projects/MN001/do/withdraw/", {"reason": "x"}).status_code == 403
    assert browser(other_auditor).get("/projects/MN001/validation/").status_code == 403
    assert browser(pp).get("/projects/work/").status_code == 403
    assert browser(secretariat).get("/projects/mine/").status_code == 403
    assert browser(pp).get("/projects/tpe/").status_code == 403
    assert browser().get("/projects/mine/").status_code == 302  # to the login page
    registered.refresh_from_db()
    assert registered.status == ProjectStatus.REGISTERED


def test_my_projects_shows_the_awaited_step(draft, pp, pp_partner, secretariat, tpe):
    html = text(browser(pp).get("/projects/mine/"))
    assert "MN001" in html and "Complete and submit the PDD" in html
    cycle.submit_pdd(draft, pp=pp, tpe=tpe)
    html = text(browser(pp_partner).get("/projects/mine/"))
    assert "Waiting for: Request for publication by TPE-MN-001" in html


def test_participant_enters_resumes_and_submits_a_monitoring_report(registered, pp, tpe, period):
    report_url = "/projects/MN001/periods/1/report/"
    assert "Enter and submit the monitoring report for period 1" in text(browser(pp).get("/projects/mine/"))
    assert 'value="2025-01-01"' in text(browser(pp).get("/projects/MN001/periods/new/"))  # the next period

    refused = browser(pp).post(report_url, {"v:EG_i:0": "12 MWh"})
    assert refused.status_code == 400 and "Enter a number, e.g. 1234.567." in text(refused)
    assert not MonitoringReport.objects.exists()

    assert browser(pp).post(report_url, {"v:EG_i:0": "1,234.5678"}).status_code == 302
    assert 'value="1234.5678"' in text(browser(pp).get(report_url))  # the draft is resumed

    submitted = browser(pp).post(f"{report_url}submit/", {"verification_tpe": tpe.pk})
    assert submitted.status_code == 302 and submitted["Location"] == "/projects/MN001/periods/1/"
    page = text(browser().get("/projects/MN001/periods/1/"))
    # 1234.5678 MWh × 0.9 tCO2/MWh = 1111.11102 tCO2e, rounded down to 1,111 credits
    assert "1111.11102 tCO2e" in page and ">1,111<" in page
    assert "1234.5678 × 0.9" in page
    period.refresh_from_db()
    assert period.status == MonitoringStatus.SUBMITTED


def test_report_submission_refusal_names_the_missing_value(registered, pp, tpe, period):
    browser(pp).post("/projects/MN001/periods/1/report/", {"v:EG_i:0": ""})
    refused = browser(pp).post("/projects/MN001/periods/1/report/submit/", {"verification_tpe": tpe.pk})
    assert refused.status_code == 400
    assert "Missing value" in text(refused) and "EG_i" in text(refused)
    period.refresh_from_db()
    assert period.status == MonitoringStatus.OPEN


# --- TPE ------------------------------------------------------------------------------------------------

def test_positive_validation_with_an_open_car_is_refused(draft, pp, secretariat, tpe, auditor):
    project = cycle.to_public_input(draft, pp=pp, secretariat=secretariat, tpe=tpe)
    services.validation_start(actor=pp, project=project)
    assert "MN001" in text(browser(auditor).get("/projects/tpe/"))
    data = {"conclusion": "positive", "report_date": timezone.localdate().isoformat(), "reference": "VR-1",
            **formset("findings", [{"kind": "car", "status": "open", "text": "Meter not calibrated."},
                                   {"kind": "", "status": "open", "text": "", "response": ""}])}
    refused = browser(auditor).post("/projects/MN001/validation/", data)
    assert refused.status_code == 400
    assert "A positive validation needs every CAR and CL closed; 1 remain open." in text(refused)
    assert not ValidationReport.objects.exists()

    data["findings-0-status"] = "closed"
    assert browser(auditor).post("/projects/MN001/validation/", data).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.VALIDATED


def test_verification_cannot_exceed_the_reported_reductions(registered, pp, tpe, auditor):
    period = cycle.submitted_period(registered, pp=pp, tpe=tpe, values={"EG_i": {"Darkhan": "1000"}})
    url = "/projects/MN001/periods/1/verification/"
    form = text(browser(auditor).get(url))
    assert 'value="900"' in form  # the reported reductions are offered
    data = {"conclusion": "positive", "verified_reductions": "901", "report_date": timezone.localdate().isoformat(),
            **formset("findings", [])}
    refused = browser(auditor).post(url, data)
    assert refused.status_code == 400 and "cannot exceed the reported ones (900 tCO2e)" in text(refused)
    data["verified_reductions"] = "850"
    refused = browser(auditor).post(url, data)
    assert refused.status_code == 400 and "Give the reason the verified reductions are lower" in text(refused)
    assert not VerificationReport.objects.exists()
    data["reason_lower"] = "Meter out of tolerance in May."
    assert browser(auditor).post(url, data).status_code == 302
    period.refresh_from_db()
    assert period.status == MonitoringStatus.VERIFIED


# --- secretariat -------------------------------------------------------------------------------------

def test_tpe_requests_publication_and_the_secretariat_publishes_from_the_queue(draft, pp, secretariat, tpe,
                                                                              auditor):
    cycle.submit_pdd(draft, pp=pp, tpe=tpe)
    assert "Completeness check" not in text(browser(secretariat).get("/projects/work/"))
    assert browser(secretariat).post("/projects/MN001/do/return-pdd/", {"reason": "x"}).status_code == 403
    tpe_page = text(browser(auditor).get("/projects/tpe/"))
    assert "Request publication for public input" in tpe_page
    refused = browser(auditor).post("/projects/MN001/do/return-pdd/", {"reason": ""})
    assert refused.status_code == 400
    asked = browser(auditor).post("/projects/MN001/do/request-publication/", {})
    assert asked.status_code == 302
    queue = text(browser(secretariat).get("/projects/work/"))
    assert "Publication of the PDD requested by its TPE" in queue and "MN001" in queue
    done = browser(secretariat).post("/projects/MN001/do/publish/?next=/projects/work/", {"next": "/projects/work/"})
    assert done.status_code == 302 and done["Location"] == "/projects/work/"
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.PUBLIC_INPUT
    assert "Public input closes" in text(browser(secretariat).get("/projects/work/"))


def test_issuance_decision_at_most_the_verified_amount(registered, pp, tpe, auditor, secretariat):
    period = cycle.verified_period(registered, pp=pp, tpe=tpe, auditor=auditor, values={"EG_i": {"Darkhan": "1000"}})
    assert browser(pp).post("/projects/MN001/periods/1/do/request-issuance/", {}).status_code == 302
    request = IssuanceRequest.objects.get()
    queue = text(browser(secretariat).get("/projects/work/"))
    assert "Issuance request for monitoring period 1 (900 tCO2e)" in queue
    assert request.due_on.isoformat() in queue

    url = f"/projects/MN001/issuance/{request.pk}/decide/"
    decisions = Decision.objects.count()
    refused = browser(secretariat).post(url, {"amount": "901", **decision_fields()})
    assert refused.status_code == 400
    assert "The amount must be between 1 and the verified reductions (900 tCO2e)." in text(refused)
    assert Decision.objects.count() == decisions
    assert browser(secretariat).post(url, {"amount": "900", **decision_fields()}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_amount) == (IssuanceStatus.DECIDED, 900)
    page = text(browser().get("/projects/MN001/periods/1/"))
    assert re.search(r"<strong>900</strong>", page) and request.decision.reference in page
    period.refresh_from_db()
    assert period.status == MonitoringStatus.ISSUANCE_DECIDED
    assert "900 credits" in text(browser().get("/projects/MN001/"))


def test_values_from_the_filled_spreadsheet_and_evidence_files(registered, pp, period):
    from methodologies.spreadsheet import COLUMN, HEADER_ROW, PLAN_SHEET, VALUE_COLUMN

    download = browser(pp).get("/projects/MN001/periods/1/workbook.xlsx")
    assert download.status_code == 200
    assert 'filename="MN001-MP01-MN_AM003-ver01.0.xlsx"' in download["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(download.content))
    sheet = workbook[PLAN_SHEET]
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(row=row, column=COLUMN["Symbol"]).value == "EG_i":
            sheet.cell(row=row, column=VALUE_COLUMN, value="2000.25")
    buffer = io.BytesIO()
    workbook.save(buffer)

    upload_url = "/projects/MN001/periods/1/report/upload/"
    refused = browser(pp).post(upload_url, {"file": cycle.pdf("values.pdf")})
    assert refused.status_code == 400 and "xlsx" in text(refused)
    assert not MonitoringReport.objects.exists()
    done = browser(pp).post(upload_url, {"file": SimpleUploadedFile("filled.xlsx", buffer.getvalue())})
    assert done.status_code == 302
    report = MonitoringReport.objects.get()
    assert (report.entry_method, report.values) == ("xlsx", {"EG_i": {"Darkhan": "2000.25"}})
    assert 'value="2000.25"' in text(browser(pp).get("/projects/MN001/periods/1/report/"))

    evidence_url = "/projects/MN001/periods/1/report/evidence/"
    refused = browser(pp).post(evidence_url, {"file": SimpleUploadedFile("meter.exe", b"MZ"), "parameter": ""})
    assert refused.status_code == 400 and not report.evidence.exists()
    assert browser(pp).post(evidence_url, {"file": cycle.pdf("meter.pdf"), "description": "Meter readings",
                                           "parameter": "EG_i"}).status_code == 302
    evidence = report.evidence.get()
    assert "meter.pdf" in text(browser(pp).get("/projects/MN001/periods/1/report/"))
    assert browser().get(f"/projects/files/evidence/{evidence.pk}/").status_code == 404  # confidential
    assert browser(pp).get(f"/projects/files/evidence/{evidence.pk}/").status_code == 200
    assert browser(pp).post(f"{evidence_url}{evidence.pk}/remove/").status_code == 302
    assert not report.evidence.exists()


def test_report_form_asks_only_the_monitored_values(pp, jc, boiler, scope3, japanese_company, partner_company,
                                                    secretariat, auditor, tpe):
    project = cycle.create_project(pp, jc, version=boiler, scope=scope3, japanese=japanese_company,
                                   partner=partner_company, title="Heat-only boilers",
                                   sites=[{"name": "School 12", "latitude": "47.9", "longitude": "106.9"}])
    cycle.to_registered(project, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe,
                        japanese=japanese_company, partner=partner_company, ex_ante={"NCV": "18.9"})
    services.monitoring_period_create(actor=pp, project=project, start_date=cycle.CREDITING_START,
                                      end_date=datetime.date(2024, 12, 31))
    page = text(browser(pp).get("/projects/MN001/periods/1/report/"))
    assert 'name="v:HG_i:0"' in page and 'name="v:FC_i:0"' in page
    assert 'name="v:NCV' not in page and 'name="v:eta_ref' not in page
    assert "18.9" in page and "ex ante, fixed in the PDD" in page and "0.68" in page


def test_every_form_page_opens_for_the_right_person(draft, pp, secretariat, auditor, tpe):
    for url in ("/projects/MN001/edit/", "/projects/MN001/sites/", "/projects/MN001/participants/",
                "/projects/MN001/pdd/", "/projects/MN001/moc/", "/projects/MN001/allocation/",
                "/projects/MN001/do/choose-tpe/", "/projects/MN001/do/withdraw/", "/projects/new/",
                "/projects/mine/"):
        assert browser(pp).get(url).status_code == 200, url
    cycle.submit_pdd(draft, pp=pp, tpe=tpe)
    for url in ("/projects/MN001/do/publish/", "/projects/MN001/do/register/",
                "/projects/work/", "/projects/MN001/"):
        assert browser(secretariat).get(url).status_code == 200, url
    for url in ("/projects/tpe/", "/projects/MN001/", "/projects/MN001/do/return-pdd/",
                "/projects/MN001/do/request-publication/"):
        assert browser(auditor).get(url).status_code == 200, url


def test_project_page_in_japanese(registered, pp):
    client = browser(pp)
    client.cookies["django_language"] = "ja"
    assert client.get("/projects/MN001/").status_code == 200
    assert client.get("/projects/").status_code == 200
