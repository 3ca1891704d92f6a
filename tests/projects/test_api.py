"""The whole cycle again, this time through the REST API, as participants, the TPE and the secretariat would
drive it from their own systems; plus the shape of refusals and the cost of the list endpoints."""

from __future__ import annotations

import datetime
import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core.models import AuditEvent
from projects.models import Project
from tests.conftest import client_for

from . import cycle

API = "/api/v1"


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, getattr(response, "data", response.content))
    return response.json() if response.get("Content-Type", "").startswith("application/json") else response


def let_public_input_close(project_id: str) -> None:
    """Time passes: the 30-day public input period is moved 31 days back (the only write outside the API)."""
    project = Project.objects.get(project_id=project_id)
    shift = datetime.timedelta(days=31)
    Project.objects.filter(pk=project.pk).update(public_input_opens_at=project.public_input_opens_at - shift,
                                                 public_input_closes_at=project.public_input_closes_at - shift)


def project_body(japanese, partner, **extra) -> dict:
    return {
        "joint_committee": "MN", "title": "Solar PV in Darkhan", "sectoral_scope": 1,
        "methodology_versions": ["MN_AM003 ver01.0"],
        "participants": [{"organization": japanese.pk, "side": "japanese"},
                         {"organization": partner.pk, "side": "partner"}],
        "focal_point": japanese.pk,
        "sites": [{"name": "Darkhan", "latitude": "49.486", "longitude": "105.922"}],
        "expected_annual_reductions": 9000, "start_of_operation": "2023-12-01",
        "crediting_start": "2024-01-01", "crediting_end": "2033-12-31", **extra,
    }


def test_whole_cycle_through_the_api(solar, pp, secretariat, auditor, tpe, japanese_company, partner_company,
                                     registry_admin):
    participant, sec, tpe_client, public = client_for(pp), client_for(secretariat), client_for(auditor), client_for(None)

    # a participant starts the project and fills in the PDD (multipart, answers as JSON text)
    project = ok(participant.post(f"{API}/projects/", project_body(japanese_company, partner_company),
                                  format="json"), 201)
    assert (project["project_id"], project["status"]) == ("MN001", "draft")
    url = f"{API}/projects/MN001"
    criteria = solar.criteria.all()
    answers = [{"criterion": c.pk, "meets": True, "justification": "See section B."} for c in criteria]
    pdd = ok(participant.post(f"{url}/pdd/", {"public_file": cycle.pdf("pdd.pdf"),
                                              "confidential_file": cycle.pdf("pdd-full.pdf"),
                                              "answers": json.dumps(answers)}, format="multipart"))
    assert (pdd["version"], pdd["status"], len(pdd["public_sha256"])) == (1, "draft", 64)
    # the PDD goes with the MoC to the TPE the participants chose (contracted)
    refused = participant.post(f"{url}/submit-pdd/")
    assert refused.status_code == 400 and set(refused.json()["errors"]) >= {"validation_tpe", "moc"}
    ok(participant.post(f"{url}/choose-tpe/", {"tpe": "TPE-MN-001"}, format="json"))
    ok(participant.post(f"{url}/moc/", {"focal_point": japanese_company.pk,
                                        "primary_signatory": {"name": "Taro Yamada"},
                                        "alternate_signatory": {"name": "Hanako Sato"}, "tpes": ["TPE-MN-001"],
                                        "contacts": [{"name": "Bat", "email": "bat@example.mn"}]}, format="json"), 201)
    ok(participant.post(f"{API}/project-forms/", {"project": "MN001", "kind": "sd_plan", "title": "SD plan",
                                                   "content": "Local jobs."}, format="json"), 201)
    assert ok(participant.post(f"{url}/submit-pdd/"))["status"] == "pdd_submitted"

    # the TPE asks for publication, the secretariat publishes it; anyone comments
    assert sec.post(f"{url}/publish/").status_code == 409
    assert ok(tpe_client.post(f"{url}/request-publication/"))["status"] == "publication_requested"
    assert ok(sec.post(f"{url}/publish/"))["status"] == "public_input"
    ok(public.post(f"{url}/comments/", {"name": "A. Citizen", "email": "a@example.org",
                                        "text": "Is the grid factor conservative?"}, format="json"), 201)
    comments = ok(public.get(f"{url}/comments/"))["results"]
    assert comments[0]["name"] == "A. Citizen" and "email" not in comments[0]
    assert ok(sec.get(f"{url}/comments/"))["results"][0]["email"] == "a@example.org"

    # validation by the TPE the participants chose, once the public input period is over
    assert ok(participant.post(f"{url}/start-validation/"))["status"] == "under_validation"
    refused = tpe_client.post(f"{url}/validation-reports/", {
        "conclusion": "positive", "report_date": datetime.date.today().isoformat(),
        "file": cycle.pdf("validation.pdf")}, format="multipart")
    assert refused.status_code == 409 and "waits for the end of the public input" in refused.json()["detail"]
    let_public_input_close("MN001")
    report = ok(tpe_client.post(f"{url}/validation-reports/", {
        "conclusion": "positive", "report_date": datetime.date.today().isoformat(),
        "findings": json.dumps([{"kind": "cl", "status": "closed", "text": "Meter class?"}]),
        "file": cycle.pdf("validation.pdf")}, format="multipart"), 201)
    assert report["findings"][0]["kind"] == "cl"

    # MoC, credit allocation, registration
    ok(participant.post(f"{url}/moc/", {"focal_point": japanese_company.pk,
                                        "primary_signatory": {"name": "Taro Yamada"},
                                        "alternate_signatory": {"name": "Hanako Sato"}, "tpes": ["TPE-MN-001"],
                                        "contacts": [{"name": "Bat", "email": "bat@example.mn"}]}, format="json"), 201)
    allocation = ok(participant.post(f"{url}/allocations/", {"shares": [
        {"party": "japan_government", "percent": "10"}, {"party": "partner_government", "percent": "40"},
        {"party": "participant", "organization": japanese_company.pk, "registry": "japan", "percent": "25"},
        {"party": "participant", "organization": partner_company.pk, "registry": "partner", "percent": "25"},
    ]}, format="json"), 201)
    assert allocation["version"] == 1
    assert ok(participant.post(f"{url}/request-registration/"))["status"] == "registration_requested"
    decided_on = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    registered = ok(sec.post(f"{url}/register/", {"decided_on": decided_on, "mode": "electronic"}, format="json"))
    assert registered["status"] == "registered" and registered["registration_decision"].startswith("MN-ED")

    # monitoring: a period, values from the participant's own system (exact JSON numbers), evidence
    period = ok(participant.post(f"{url}/monitoring-periods/", {"start_date": "2024-01-01",
                                                                 "end_date": "2024-12-31"}, format="json"), 201)
    purl = f"{API}/monitoring-periods/{period['id']}"
    saved = ok(participant.post(f"{purl}/values/", data=b'{"values": {"EG_i": {"Darkhan": 1000.5}}}',
                                content_type="application/json"))
    assert saved["values"] == {"EG_i": {"Darkhan": "1000.5"}} and saved["entry_method"] == "api"
    ok(participant.post(f"{purl}/evidence/", {"file": cycle.pdf("meter.pdf"), "parameter": "EG_i"},
                        format="multipart"), 201)
    submitted = ok(participant.post(f"{purl}/submit/", {"verification_tpe": "TPE-MN-001"}, format="json"))
    assert submitted["status"] == "submitted"
    assert submitted["report"]["reported_reductions"] == 900
    assert submitted["report"]["results"]["emission_reductions"] == "900.45"

    # verification, issuance request, the Joint Committee's decision
    verification = ok(tpe_client.post(f"{purl}/verification/", {
        "conclusion": "positive", "verified_reductions": 900, "report_date": datetime.date.today().isoformat()},
        format="json"), 201)
    assert verification["verified_reductions"] == 900
    issuance = ok(participant.post(f"{purl}/request-issuance/"), 201)
    assert (issuance["status"], issuance["requested_amount"]) == ("requested", 900)
    decided = ok(sec.post(f"{API}/issuance-requests/{issuance['id']}/decide/",
                          {"amount": 900, "decided_on": decided_on, "mode": "electronic"}, format="json"))
    assert decided["status"] == "decided" and decided["decided_amount"] == 900
    assert [s["credits"] for s in decided["split"]] == [90, 360, 225, 225]

    # the public reads the decision (what the registries turn into credits)
    listed = ok(public.get(f"{API}/issuance-requests/", {"project": "MN001", "status": "decided"}))["results"]
    assert listed[0]["decision"]["kind"] == "issue_credits"
    assert listed[0]["period"]["start_date"] == "2024-01-01"
    assert list(AuditEvent.objects.filter(action__startswith="projects.").values_list("action", flat=True)) == [
        "projects.project.create", "projects.pdd.save", "projects.validation.choose_tpe", "projects.moc.submit",
        "projects.project_form.submit", "projects.pdd.submit", "projects.pdd.request_publication", "projects.pdd.publish",
        "projects.comment.submit", "projects.validation.start",
        "projects.validation.positive", "projects.moc.submit", "projects.allocation.submit",
        "projects.registration.request", "projects.registration.register", "projects.monitoring_period.create",
        "projects.monitoring_report.save", "projects.evidence.add", "projects.monitoring_report.submit",
        "projects.verification.positive", "projects.issuance.request", "projects.issuance.decide"]


def test_xlsx_upload_through_the_api(registered, pp, tpe):
    participant = client_for(pp)
    period = ok(participant.post(f"{API}/projects/MN001/monitoring-periods/",
                                 {"start_date": "2024-01-01", "end_date": "2024-12-31"}, format="json"), 201)
    purl = f"{API}/monitoring-periods/{period['id']}"
    response = ok(participant.get(f"{purl}/workbook/"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                        else response.content))
    from methodologies.spreadsheet import COLUMN, HEADER_ROW, PLAN_SHEET, VALUE_COLUMN

    sheet = workbook[PLAN_SHEET]
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(row=row, column=COLUMN["Symbol"]).value == "EG_i":
            sheet.cell(row=row, column=VALUE_COLUMN, value="500")
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = ok(participant.post(f"{purl}/upload/", {"file": SimpleUploadedFile("filled.xlsx", buffer.getvalue())},
                                 format="multipart"))
    assert report["entry_method"] == "xlsx" and report["values"] == {"EG_i": {"Darkhan": "500"}}
    submitted = ok(participant.post(f"{purl}/submit/", {"verification_tpe": "TPE-MN-001"}, format="json"))
    assert submitted["report"]["reported_reductions"] == 450


def test_refusals_answer_with_the_reason_and_the_field(draft, pp, pp_other, secretariat, tpe_wrong_scope):
    url = f"{API}/projects/MN001"
    forbidden = client_for(pp_other).post(f"{url}/submit-pdd/")
    assert forbidden.status_code == 403 and "participant of MN001" in forbidden.json()["detail"]
    conflict = client_for(secretariat).post(f"{url}/publish/")
    assert conflict.status_code == 409 and conflict.json()["errors"]["status"]
    incomplete = client_for(pp).post(f"{url}/submit-pdd/")
    assert incomplete.status_code == 400 and incomplete.json()["errors"]["pdd"] == ["Save the PDD first."]
    scope = client_for(pp).post(f"{url}/choose-tpe/", {"tpe": tpe_wrong_scope.tpe_id}, format="json")
    assert scope.status_code == 400 and "scope" in scope.json()["errors"]["validation_tpe"][0]
    assert client_for(None).post(f"{url}/submit-pdd/").status_code == 401


def test_allocation_that_does_not_sum_to_100_is_refused(draft, pp):
    response = client_for(pp).post(f"{API}/projects/MN001/allocations/",
                                   {"shares": [{"party": "japan_government", "percent": "99.99"}]}, format="json")
    assert response.status_code == 400
    assert "exactly 100%" in response.json()["errors"]["shares"][0]


def test_drafts_are_invisible_to_outsiders(draft, pp, pp_other, secretariat, ministry):
    assert client_for(pp).get(f"{API}/projects/MN001/").status_code == 200
    for user in (None, pp_other, secretariat, ministry):  # not even submitted yet
        assert client_for(user).get(f"{API}/projects/MN001/").status_code == 404
    assert client_for(None).get(f"{API}/projects/").json()["count"] == 0


def test_project_list_filters_and_costs_a_fixed_number_of_queries(registered, pp, jc, solar, scope1,
                                                                  japanese_company, partner_company,
                                                                  django_assert_max_num_queries, secretariat):
    for n in range(3):
        project = cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company,
                                       partner=partner_company, title=f"Other {n}")
        cycle.to_public_input(project, pp=pp, secretariat=secretariat)
    client = client_for(None)
    with django_assert_max_num_queries(8):
        data = client.get(f"{API}/projects/").json()
    assert data["count"] == 4
    assert [p["project_id"] for p in client.get(f"{API}/projects/", {"status": "registered"}).json()["results"]] == [
        "MN001"]
    assert client.get(f"{API}/projects/", {"country": "KH"}).json()["count"] == 0
    assert client.get(f"{API}/projects/", {"methodology": "MN_AM003", "scope": 1}).json()["count"] == 4
    assert client.get(f"{API}/projects/", {"q": "Other 1"}).json()["count"] == 1
    assert client.get(f"{API}/projects/", {"q": "Darkhan Energy"}).json()["count"] == 4  # by participant name
