"""The browser pages: public list and detail, the proposal form, the secretariat's workflow pages,
the calculation page. Refusals are shown on the form."""

import pytest
from django.test import Client
from django.utils import timezone

from committee.models import Decision
from methodologies import services
from methodologies.choices import MethodologyStatus
from methodologies.models import Methodology, PublicComment
from tests.methodologies.conftest import submit


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def proposal_post(jc, **overrides) -> dict:
    formulas = overrides.pop("formulas", [{"symbol": "RE", "expression": "sum(EG_i * EF_grid)", "unit": "tCO2e"},
                                          {"symbol": "PE", "expression": "0", "unit": "tCO2e"},
                                          {"symbol": "ER", "expression": "RE - PE", "unit": "tCO2e"}])
    parameters = overrides.pop("parameters", [
        {"symbol": "EG_i", "description": "Electricity fed to the grid", "unit": "MWh", "kind": "monitored",
         "per_site": "on", "min_value": "0", "monitoring_option": "C", "frequency": "Monthly"},
        {"symbol": "EF_grid", "description": "Grid emission factor", "unit": "tCO2/MWh", "kind": "default",
         "default_value": "0.9", "min_value": "0", "max_value": "2"},
        {},  # an extra row left empty is ignored
    ])
    data = {"joint_committee": str(jc.pk), "title": "Installation of Solar PV System",
            "summary": "PV replaces grid electricity.", "sectoral_scope": "1", "proponent_name": "", **overrides}
    data.update(formset("criteria", [{"statement": "The project installs solar PV systems."}, {}]))
    data.update(formset("parameters", parameters))
    data.update(formset("formulas", formulas))
    return data


# --- public pages ------------------------------------------------------------------------------

def test_list_renders_and_filters(approved, participant, jc, secretariat):
    services.methodology_accept_complete(actor=secretariat, methodology=submit(participant, jc, title="LED lights"))
    client = browser()

    page = client.get("/methodologies/")
    assert page.status_code == 200
    assert "MN_AM001" in page.content.decode() and "LED lights" in page.content.decode()

    filtered = client.get("/methodologies/?status=public_input").content.decode()
    assert "LED lights" in filtered and "MN_AM001" not in filtered
    searched = client.get("/methodologies/?q=installation&country=MN&scope=1").content.decode()
    assert "MN_AM001" in searched and "LED lights" not in searched


def test_detail_shows_versions_criteria_parameters_and_readable_formulas(approved):
    page = browser().get("/methodologies/MN_AM001/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Σ(EG_i × EF_grid)" in html and "RE - PE" in html
    assert "ver01.0" in html and "EF_grid" in html and "0.9" in html
    assert "The PV modules are certified" in html
    assert "Comment on this proposal" not in html  # no public input any more
    assert browser().get("/methodologies/MN_PM001/").status_code == 302  # the proposed number redirects


def test_unpublished_proposal_is_not_found_for_the_public(proposal, participant):
    assert browser().get(f"/methodologies/{proposal.number}/").status_code == 404
    assert browser(participant).get(f"/methodologies/{proposal.number}/").status_code == 200


def test_anonymous_comment_through_the_page(in_public_input):
    url = f"/methodologies/{in_public_input.number}/"
    assert "Comment on this proposal" in browser().get(url).content.decode()

    response = browser().post(f"{url}comment/", {"name": "A. Citizen", "organization": "", "email": "a@example.org",
                                                 "text": "Is the grid factor conservative?"})
    assert response.status_code == 302
    html = browser().get(url).content.decode()
    assert "Is the grid factor conservative?" in html and "a@example.org" not in html


def test_comment_form_errors_are_shown(in_public_input):
    response = browser().post(f"/methodologies/{in_public_input.number}/comment/",
                              {"name": "A", "email": "not-an-address", "text": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html and "This field is required." in html
    assert not PublicComment.objects.exists()


# --- the proposal form ---------------------------------------------------------------------------

def test_participant_proposes_with_the_form(participant, jc):
    client = browser(participant)
    assert client.get("/methodologies/propose/").status_code == 200
    response = client.post("/methodologies/propose/", proposal_post(jc))
    assert response.status_code == 302, response.content.decode()[:2000]
    m = Methodology.objects.get()
    assert (m.proposed_number, m.status) == ("MN_PM001", MethodologyStatus.SUBMITTED)
    version = m.versions.get()
    assert [p.symbol for p in version.parameters.all()] == ["EG_i", "EF_grid"]
    assert version.parameters.get(symbol="EG_i").per_site
    assert version.criteria.count() == 1


def test_form_shows_formula_errors_on_the_row(participant, jc):
    data = proposal_post(jc, formulas=[{"symbol": "RE", "expression": "sum(EG_i * EF_gird)"},
                                       {"symbol": "PE", "expression": "0"},
                                       {"symbol": "ER", "expression": "RE - PE"}])
    response = browser(participant).post("/methodologies/propose/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The methodology was not saved" in html
    assert "unknown symbol EF_gird" in html and "did you mean EF_grid" in html
    assert not Methodology.objects.exists()


def test_form_shows_field_errors(participant, jc):
    data = proposal_post(jc, title="", parameters=[
        {"symbol": "EG_i", "description": "Electricity", "unit": "MWh", "kind": "monitored", "per_site": "on",
         "min_value": "5", "max_value": "1"},
        {"symbol": "EF grid", "description": "Factor", "unit": "tCO2/MWh", "kind": "default"}])
    response = browser(participant).post("/methodologies/propose/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "The highest allowed value is below the lowest." in html
    assert "A fixed default parameter needs its default value." in html
    assert "starts with a letter" in html
    assert "This field is required." in html
    assert not Methodology.objects.exists()


def test_proposal_form_refused_to_others(jc, ministry):
    assert browser().get("/methodologies/propose/").status_code == 302  # to the login page
    assert browser(ministry).get("/methodologies/propose/").status_code == 403


def test_resubmission_page_prefills_the_content(proposal, secretariat, participant):
    services.methodology_return_incomplete(actor=secretariat, methodology=proposal, reason="Add a criterion.")
    page = browser(participant).get(f"/methodologies/{proposal.number}/resubmit/")
    assert page.status_code == 200
    assert "sum(EG_i * EF_grid)" in page.content.decode() and "Add a criterion." in page.content.decode()


# --- secretariat pages ---------------------------------------------------------------------------

def test_secretariat_accepts_as_complete(proposal, secretariat, other_secretariat):
    url = f"/methodologies/{proposal.number}/do/accept-complete/"
    assert browser(other_secretariat).post(url).status_code == 404  # not published: not even visible
    assert browser(secretariat).get(url).status_code == 200
    assert browser(secretariat).post(url).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == MethodologyStatus.PUBLIC_INPUT


def test_workflow_pages_are_for_the_committee_secretariat(in_public_input, other_secretariat, participant):
    url = f"/methodologies/{in_public_input.number}/do/close-public-input/"
    assert browser(other_secretariat).post(url).status_code == 403
    assert browser(participant).get(url).status_code == 403
    in_public_input.refresh_from_db()
    assert in_public_input.status == MethodologyStatus.PUBLIC_INPUT


def test_refused_step_is_shown_on_the_form(in_public_input, secretariat):
    response = browser(secretariat).post(f"/methodologies/{in_public_input.number}/do/close-public-input/")
    assert response.status_code == 400
    assert "cannot be closed early" in response.content.decode()


def test_secretariat_approves_with_the_decision_form(in_consideration, secretariat):
    url = f"/methodologies/{in_consideration.number}/do/approve/"
    response = browser(secretariat).post(url, {"decided_on": timezone.localdate().isoformat(), "mode": "electronic",
                                               "text": "Approved.", "reference": "", "approved_number": ""})
    assert response.status_code == 302
    in_consideration.refresh_from_db()
    assert in_consideration.approved_number == "MN_AM001"
    assert Decision.objects.get().kind == "approve_methodology"


def test_decision_form_errors(in_consideration, secretariat):
    response = browser(secretariat).post(f"/methodologies/{in_consideration.number}/do/reject/",
                                         {"decided_on": "", "mode": "electronic", "reason": ""})
    assert response.status_code == 400
    assert response.content.decode().count("This field is required.") == 2


def test_queue_shows_deadlines(proposal, in_public_input, secretariat, participant):
    page = browser(secretariat).get("/methodologies/workflow/")
    html = page.content.decode()
    assert page.status_code == 200
    assert in_public_input.number in html and "closes" in html
    assert browser(participant).get("/methodologies/workflow/").status_code == 403


# --- calculation and spreadsheet -------------------------------------------------------------------

def test_calculation_page(approved):
    url = "/methodologies/MN_AM001/ver01.0/calculate/"
    page = browser().get(url + "?sites=North%0ASouth")
    assert page.status_code == 200 and "North" in page.content.decode()

    response = browser().post(url, {"sites": "North\nSouth", "v:EG_i:0": "100", "v:EG_i:1": "50.5"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "135.45" in html and "Calculation process" in html and "100 × 0.9" in html


def test_calculation_page_shows_refusals(approved):
    response = browser().post("/methodologies/MN_AM001/ver01.0/calculate/", {"sites": "North", "v:EG_i:0": "-1"})
    assert response.status_code == 400
    assert "outside the allowed range" in response.content.decode()


def test_spreadsheet_download(approved):
    response = browser().get("/methodologies/MN_AM001/ver01.0/spreadsheet.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('MN_AM001_ver01.0.xlsx"')
    assert response.content[:2] == b"PK"  # an XLSX is a zip archive


@pytest.mark.parametrize("url", ["/methodologies/XX_AM999/", "/methodologies/MN_AM001/ver09.0/"])
def test_unknown_methodology_or_version(url, approved):
    assert browser().get(url).status_code == 404


def _content_post(version) -> dict:
    """The content formsets of a page prefilled with ``version``'s content, submitted unchanged."""
    data = formset("criteria", [{"statement": c.statement} for c in version.criteria.all()],
                   initial=version.criteria.count())
    data.update(formset("parameters", [
        {k: ("on" if v is True else "" if v in (None, False) else v) for k, v in {
            "symbol": p.symbol, "description": p.description, "unit": p.unit, "kind": p.kind, "per_site": p.per_site,
            "min_value": p.min_value, "max_value": p.max_value, "default_value": p.default_value}.items()}
        for p in version.parameters.all()], initial=version.parameters.count()))
    data.update(formset("formulas", [{"symbol": f.symbol, "expression": f.expression, "unit": f.unit}
                                     for f in version.formulas.all()], initial=version.formulas.count()))
    return data


def test_revision_requested_and_approved_through_the_pages(approved, participant, secretariat):
    current = approved.versions.get()
    page = browser(participant).get("/methodologies/MN_AM001/revise/")
    assert page.status_code == 200 and "sum(EG_i * EF_grid)" in page.content.decode()

    data = {"kind": "major", "reason": "Update the grid factor.", "request_url": "", **_content_post(current)}
    data["parameters-1-default_value"] = "0.95"
    response = browser(participant).post("/methodologies/MN_AM001/revise/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft = approved.versions.get(version="ver02.0")
    assert str(draft.parameters.get(symbol="EF_grid").default_value.normalize()) == "0.95"

    response = browser(secretariat).post("/methodologies/MN_AM001/ver02.0/do/approve/", {
        "decided_on": timezone.localdate().isoformat(), "mode": "electronic", "previous_valid_until": ""})
    assert response.status_code == 302
    html = browser().get("/methodologies/MN_AM001/").content.decode()
    assert "ver02.0" in html and "Superseded" in html


def test_removing_a_row_with_the_remove_box(approved, participant):
    data = {"kind": "minor", "reason": "Drop a criterion.", **_content_post(approved.versions.get())}
    data["criteria-3-DELETE"] = "on"
    assert browser(participant).post("/methodologies/MN_AM001/revise/", data).status_code == 302
    assert approved.versions.get(version="ver01.1").criteria.count() == 3
