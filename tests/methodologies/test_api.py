"""The methodologies API: public reads, scoped workflow writes, comments by anyone, the calculation."""

import datetime
import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from committee.models import Decision
from core.models import AuditEvent
from methodologies.demo import heat_only_boiler_content
from methodologies.models import Methodology, PublicComment
from tests.conftest import client_for
from tests.methodologies.conftest import submit, to_consideration

API = "/api/v1"


def submission(**overrides) -> dict:
    body = {
        "joint_committee": "MN", "title": "Installation of Solar PV System", "summary": "PV replaces grid power.",
        "sectoral_scope": 1,
        "criteria": ["The project installs solar PV systems."],
        "parameters": [
            {"symbol": "EG_i", "description": "Electricity fed to the grid", "unit": "MWh", "kind": "monitored",
             "per_site": True, "min_value": "0", "monitoring_option": "C", "frequency": "Monthly"},
            {"symbol": "EF_grid", "description": "Grid emission factor", "unit": "tCO2/MWh", "kind": "default",
             "default_value": "0.9", "min_value": "0", "max_value": "2"},
        ],
        "formulas": [
            {"symbol": "RE", "expression": "sum(EG_i * EF_grid)"},
            {"symbol": "PE", "expression": "0"},
            {"symbol": "ER", "expression": "RE - PE"},
        ],
    }
    body.update(overrides)
    return body


def decision_body(**extra) -> dict:
    return {"decided_on": timezone.localdate().isoformat(), "mode": "electronic", **extra}


# --- reads ---------------------------------------------------------------------------------

def test_public_list_shows_published_methodologies_only(api_client, approved, participant, jc, secretariat,
                                                        other_secretariat):
    unpublished = submit(participant, jc, title="Not yet checked")

    numbers = {m["number"] for m in api_client.get(f"{API}/methodologies/").json()["results"]}
    assert numbers == {approved.number}
    assert unpublished.proposed_number in {m["number"] for m in
                                           client_for(participant).get(f"{API}/methodologies/").json()["results"]}
    assert unpublished.proposed_number in {m["number"] for m in
                                           client_for(secretariat).get(f"{API}/methodologies/").json()["results"]}
    assert unpublished.proposed_number not in {m["number"] for m in client_for(other_secretariat).get(
        f"{API}/methodologies/").json()["results"]}
    assert api_client.get(f"{API}/methodologies/{unpublished.proposed_number}/").status_code == 404


def test_search_and_filters(api_client, approved, secretariat, other_jc, other_secretariat):
    boiler = submit(other_secretariat, other_jc, content=heat_only_boiler_content(), proponent_name="X",
                    title="Heat only boilers")
    to_consideration(boiler, other_secretariat)

    def numbers(query):
        return {m["number"] for m in api_client.get(f"{API}/methodologies/?{query}").json()["results"]}

    assert numbers("") == {"MN_AM001", "KH_PM001"}
    assert numbers("country=MN") == {"MN_AM001"}
    assert numbers("scope=1") == {"MN_AM001", "KH_PM001"}
    assert numbers("status=consideration") == {"KH_PM001"}
    assert numbers("q=boilers") == {"KH_PM001"}
    assert numbers("q=PM001") == {"MN_AM001", "KH_PM001"}  # MN_AM001 was proposed as MN_PM001


def test_detail_by_approved_or_proposed_number(api_client, approved):
    body = api_client.get(f"{API}/methodologies/MN_AM001/").json()
    assert (body["number"], body["proposed_number"], body["status"]) == ("MN_AM001", "MN_PM001", "approved")
    assert [v["version"] for v in body["versions"]] == ["ver01.0"]
    assert api_client.get(f"{API}/methodologies/MN_PM001/").json()["number"] == "MN_AM001"

    version = api_client.get(body["versions"][0]["url"]).json()
    assert version["status"] == "valid" and version["approval_decision"]
    assert [f["readable"] for f in version["formulas"]] == ["Σ(EG_i × EF_grid)", "0", "RE - PE"]
    assert version["parameters"][1]["default_value"] == "0.900000000000"


def test_list_query_count_does_not_grow_with_rows(api_client, approved, secretariat, participant, jc):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(f"{API}/methodologies/").status_code == 200
        return len(ctx)

    one = count()
    for title in ("Second", "Third"):
        to_consideration(submit(participant, jc, title=title), secretariat)
    assert count() == one


def test_deadline_shown(api_client, in_public_input):
    body = api_client.get(f"{API}/methodologies/{in_public_input.number}/").json()
    assert body["deadline"]["step"] == "Public input" and body["deadline"]["overdue"] is False
    assert body["open_for_comments"] is True


# --- submission and workflow -------------------------------------------------------------------

def test_participant_submits_through_the_api(participant, jc):
    response = client_for(participant).post(f"{API}/methodologies/", submission(), format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["number"], response.json()["status"]) == ("MN_PM001", "submitted")
    assert AuditEvent.objects.filter(action="methodologies.methodology.submit").count() == 1


def test_submission_refusals(api_client, participant, ministry, jc):
    assert api_client.post(f"{API}/methodologies/", submission(), format="json").status_code in (401, 403)
    assert client_for(ministry).post(f"{API}/methodologies/", submission(), format="json").status_code == 403

    bad = submission(formulas=[{"symbol": "RE", "expression": "sum(EG_i * EF_gird)"},
                               {"symbol": "PE", "expression": "0"}, {"symbol": "ER", "expression": "RE - PE"}])
    response = client_for(participant).post(f"{API}/methodologies/", bad, format="json")
    assert response.status_code == 400
    assert "EF_gird" in response.json()["detail"] and "RE" in response.json()["errors"]

    hostile = submission(formulas=[{"symbol": "RE", "expression": "EG_i.__class__"},
                                   {"symbol": "PE", "expression": "0"}, {"symbol": "ER", "expression": "RE - PE"}])
    response = client_for(participant).post(f"{API}/methodologies/", hostile, format="json")
    assert response.status_code == 400 and "RE" in response.json()["errors"]
    assert not Methodology.objects.exists()


def test_completeness_check_scoped_to_the_committee_secretariat(proposal, secretariat, other_secretariat,
                                                                participant):
    url = f"{API}/methodologies/{proposal.number}/accept-complete/"
    assert client_for(other_secretariat).post(url).status_code == 403
    assert client_for(participant).post(url).status_code == 403
    response = client_for(secretariat).post(url)
    assert response.status_code == 200 and response.json()["status"] == "public_input"
    assert client_for(secretariat).post(url).status_code == 409


def test_return_incomplete_needs_a_reason(proposal, secretariat):
    url = f"{API}/methodologies/{proposal.number}/return-incomplete/"
    response = client_for(secretariat).post(url, {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = client_for(secretariat).post(url, {"reason": "Spreadsheet missing"}, format="json")
    assert response.json()["status"] == "returned"


def test_close_extend_approve(in_public_input, secretariat):
    number = in_public_input.number
    sec = client_for(secretariat)
    early = sec.post(f"{API}/methodologies/{number}/close-public-input/")
    assert early.status_code == 409 and "cannot be closed early" in early.json()["detail"]

    from methodologies import services
    services.methodology_close_public_input(actor=None, methodology=in_public_input,
                                            now=in_public_input.public_input_closes_at)
    extended = sec.post(f"{API}/methodologies/{number}/extend-consideration/", {"reason": "Expert review"},
                        format="json")
    assert extended.status_code == 200 and extended.json()["consideration_extended_at"]

    response = sec.post(f"{API}/methodologies/{number}/approve/", decision_body(text="Approved."), format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["number"], response.json()["status"]) == ("MN_AM001", "approved")
    decision = Decision.objects.get()
    assert decision.kind == "approve_methodology" and decision.subject_id == str(in_public_input.pk)


def test_reject_and_return_for_revision(in_consideration, secretariat, participant, jc):
    sec = client_for(secretariat)
    response = sec.post(f"{API}/methodologies/{in_consideration.number}/return-for-revision/",
                        {"reason": "Conservativeness"}, format="json")
    assert response.json()["status"] == "revision_requested"
    resubmitted = client_for(participant).post(f"{API}/methodologies/{in_consideration.number}/resubmit/",
                                               {"title": "Solar PV (revised)"}, format="json")
    assert resubmitted.json()["status"] == "submitted" and resubmitted.json()["title"] == "Solar PV (revised)"

    other = to_consideration(submit(participant, jc, title="Other"), secretariat)
    response = sec.post(f"{API}/methodologies/{other.number}/reject/", decision_body(reason="Not conservative"),
                        format="json")
    assert response.json()["status"] == "rejected"


def test_revision_of_an_approved_methodology(approved, participant, secretariat, other_secretariat):
    response = client_for(participant).post(f"{API}/methodologies/{approved.number}/revisions/",
                                            {"kind": "minor", "reason": "Editorial"}, format="json")
    assert response.status_code == 201 and response.json()["version"] == "ver01.1"
    version_id = response.json()["id"]
    url = f"{API}/methodology-versions/{version_id}/approve/"
    assert client_for(other_secretariat).post(url, decision_body(), format="json").status_code == 403
    until = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    response = client_for(secretariat).post(url, decision_body(previous_valid_until=until), format="json")
    assert response.status_code == 200 and response.json()["status"] == "valid"
    versions = client_for(None).get(f"{API}/methodology-versions/?methodology={approved.number}").json()["results"]
    assert {(v["version"], v["status"], v["valid_until"]) for v in versions} == {
        ("ver01.0", "superseded", until), ("ver01.1", "valid", None)}


# --- comments ----------------------------------------------------------------------------------

def test_anonymous_comment_while_open(api_client, in_public_input, secretariat):
    url = f"{API}/methodologies/{in_public_input.number}/comments/"
    response = api_client.post(url, {"name": "A. Citizen", "email": "a@example.org", "text": "Looks fine."},
                               format="json")
    assert response.status_code == 201
    public = api_client.get(url).json()
    assert [c["name"] for c in public] == ["A. Citizen"] and "email" not in public[0]
    assert client_for(secretariat).get(url).json()[0]["email"] == "a@example.org"
    event = AuditEvent.objects.get(action="methodologies.comment.submit")
    assert event.actor_name == "anonymous"


def test_comment_refused_when_not_open(api_client, proposal, in_consideration):
    body = {"name": "A", "email": "a@example.org", "text": "Late"}
    assert api_client.post(f"{API}/methodologies/{in_consideration.number}/comments/", body,
                           format="json").status_code == 409
    missing = api_client.post(f"{API}/methodologies/{in_consideration.number}/comments/", {"name": "A"},
                              format="json")
    assert missing.status_code == 400 and {"email", "text"} <= set(missing.json()["errors"])
    assert not PublicComment.objects.exists()


def test_unpublish_comment(in_public_input, secretariat, api_client):
    from methodologies import services
    comment = services.comment_submit(actor=None, methodology=in_public_input, name="Spam", email="s@example.org",
                                      text="Buy now")
    url = f"{API}/methodology-comments/{comment.pk}/unpublish/"
    assert api_client.post(url, {"reason": "spam"}, format="json").status_code in (401, 403)
    assert client_for(secretariat).post(url, {"reason": "Advertising"}, format="json").status_code == 200
    assert api_client.get(f"{API}/methodologies/{in_public_input.number}/comments/").json() == []


# --- calculation -------------------------------------------------------------------------------

def calculate_url(methodology) -> str:
    return f"{API}/methodology-versions/{methodology.versions.get(status='valid').pk}/calculate/"


def test_calculate_solar_pv(api_client, approved):
    # RE = (1000.5 + 2000) MWh × 0.9 tCO2/MWh = 2700.45 tCO2; PE = 0; ER = 2700.45 -> 2700 credits
    response = api_client.post(calculate_url(approved), {"values": {"EG_i": {"A": 1000.5, "B": "2000"}}},
                               format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["reference_emissions"], body["emission_reductions"], body["credits"]) == ("2700.45", "2700.45", 2700)
    assert body["sites"] == ["A", "B"]
    assert [(step["symbol"], step["site"], step["value"]) for step in body["trace"]][:2] == [
        ("RE", "A", "900.45"), ("RE", "B", "1800")]


def test_calculate_heat_only_boiler(api_client, secretariat, jc):
    from methodologies import services
    m = to_consideration(submit(secretariat, jc, content=heat_only_boiler_content(), proponent_name="Demo"),
                         secretariat)
    services.methodology_approve(actor=secretariat, methodology=m, decision=services.DecisionInput(
        decided_on=timezone.localdate(), mode="electronic"))
    # RE = 6800 GJ / 0.68 × 0.0909 = 909 tCO2; PE = 500 t × 14 GJ/t × 0.0909 = 636.3 tCO2; ER = 272.7 -> 272
    response = api_client.post(calculate_url(m), {"values": {"HG_i": {"HOB-1": "6800"}, "FC_i": {"HOB-1": "500"},
                                                             "NCV": "14"}}, format="json")
    body = response.json()
    assert (Decimal(body["reference_emissions"]), Decimal(body["project_emissions"])) == (Decimal("909"),
                                                                                          Decimal("636.3"))
    assert (body["emission_reductions"], body["credits"]) == ("272.7", 272)


def test_calculate_refusals_name_the_parameter(api_client, approved):
    missing = api_client.post(calculate_url(approved), {"values": {}}, format="json")
    assert missing.status_code == 400 and "EG_i" in missing.json()["errors"]

    negative = api_client.post(calculate_url(approved), {"values": {"EG_i": {"A": "-5"}}}, format="json")
    assert negative.status_code == 400 and "EG_i" in negative.json()["errors"]
    assert "outside the allowed range" in negative.json()["errors"]["EG_i"][0]

    changed_default = api_client.post(calculate_url(approved), {"values": {"EG_i": {"A": "1"}, "EF_grid": "0.5"}},
                                      format="json")
    assert changed_default.status_code == 400 and "EF_grid" in changed_default.json()["errors"]

    not_a_number = api_client.post(calculate_url(approved), {"values": {"EG_i": {"A": "1e400x"}}}, format="json")
    assert not_a_number.status_code == 400 and "EG_i" in not_a_number.json()["errors"]


def test_spreadsheet_download_and_read_back(api_client, approved):
    version = approved.versions.get(status="valid")
    response = api_client.get(f"{API}/methodology-versions/{version.pk}/spreadsheet/?sites=North,South")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")

    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Monitoring Plan Sheet"]
    header = next(r for r in range(1, 20) if sheet.cell(row=r, column=1).value == "Symbol")
    columns = {sheet.cell(row=header, column=c).value: c for c in range(1, 15)}
    filled = {"North": "100", "South": "50"}
    for row in range(header + 1, sheet.max_row + 1):
        if sheet.cell(row=row, column=columns["Symbol"]).value == "EG_i":
            sheet.cell(row=row, column=columns["Value"]).value = filled[sheet.cell(row=row, column=columns["Site"]).value]
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "filled.xlsx"

    read = api_client.post(f"{API}/methodology-versions/{version.pk}/read-spreadsheet/", {"file": buffer},
                           format="multipart")
    assert read.status_code == 200, read.json()
    assert read.json()["result"]["emission_reductions"] == "135"  # (100 + 50) × 0.9

    garbage = io.BytesIO(b"not a workbook")
    garbage.name = "x.xlsx"
    refused = api_client.post(f"{API}/methodology-versions/{version.pk}/read-spreadsheet/", {"file": garbage},
                              format="multipart")
    assert refused.status_code == 400 and "workbook" in refused.json()["errors"]


def test_api_root_lists_the_resources(api_client):
    body = api_client.get(f"{API}/").json()
    assert {"methodologies", "methodology-versions", "methodology-comments"} <= set(body)

