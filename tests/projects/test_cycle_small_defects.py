"""Smaller defects of issue 11, each with the test that failed before its fix."""

from __future__ import annotations

import datetime

import pytest

from core.errors import ApplicationError
from projects import services
from projects.choices import MonitoringStatus
from tests.conftest import client_for

from . import cycle
from .test_views import browser, text

API = "/api/v1"


# --- (a) values out of range: a warning on save, a refusal on submission ---------------------------------

@pytest.fixture
def period(registered, pp):
    return services.monitoring_period_create(actor=pp, project=registered, start_date=cycle.CREDITING_START,
                                             end_date=datetime.date(2024, 12, 31))


def test_an_out_of_range_value_is_saved_with_a_warning_and_refused_on_submission(period, pp, tpe):
    report = services.monitoring_report_save(actor=pp, period=period, values={"EG_i": {"Darkhan": "-5"}})
    assert report.values == {"EG_i": {"Darkhan": "-5"}}
    [warning] = report.warnings["EG_i"]
    assert "EG_i at site 'Darkhan' is -5 MWh, outside the allowed range 0 – … MWh" in warning
    with pytest.raises(ApplicationError, match="outside the allowed range"):
        services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe)
    period.refresh_from_db()
    assert period.status == MonitoringStatus.OPEN


def test_the_api_returns_the_warning_with_the_saved_draft(period, pp):
    response = client_for(pp).post(f"{API}/monitoring-periods/{period.pk}/values/",
                                   data=b'{"values": {"EG_i": {"Darkhan": -5}}}', content_type="application/json")
    assert response.status_code == 200, response.json()
    assert "outside the allowed range" in response.json()["warnings"]["EG_i"][0]
    fine = client_for(pp).post(f"{API}/monitoring-periods/{period.pk}/values/",
                               data=b'{"values": {"EG_i": {"Darkhan": 5}}}', content_type="application/json")
    assert fine.json()["warnings"] == {}


def test_the_page_shows_the_warning_when_the_draft_is_saved(period, pp):
    saved = browser(pp).post("/projects/MN001/periods/1/report/", {"v:EG_i:0": "-5"}, follow=True)
    assert saved.status_code == 200
    assert "The draft report was saved." in text(saved)
    assert "outside the allowed range" in text(saved)


# --- (b) the new-project form offers and accepts the chosen Joint Committee's methodologies only ---------

@pytest.fixture
def cambodian_version(sysadmin, other_jc, scope1):
    return cycle.approved_version(sysadmin, other_jc, title="Cambodian solar PV", scope=scope1,
                                  content=cycle.solar_content(), approved="KH_AM001")


def test_the_new_project_form_offers_the_chosen_committees_methodologies_only(pp, jc, solar, cambodian_version,
                                                                             japanese_company):
    mongolia = text(browser(pp).get("/projects/new/?joint_committee=MN"))
    assert "MN_AM003" in mongolia and "KH_AM001" not in mongolia
    cambodia = text(browser(pp).get("/projects/new/?joint_committee=KH"))
    assert "KH_AM001" in cambodia and "MN_AM003" not in cambodia
    form = {"joint_committee": cambodian_version.methodology.joint_committee.pk, "title": "Solar PV",
            "description": "", "sectoral_scope": 1, "methodology_versions": [solar.pk],
            "organization": japanese_company.pk, "side": "japanese", "expected_annual_reductions": "5000",
            "start_of_operation": "2024-06-01", "crediting_start": "2024-06-01", "crediting_end": "2033-05-31"}
    refused = browser(pp).post("/projects/new/", form)
    assert refused.status_code == 400
    assert "MN_AM003 ver01.0: not a methodology of the" in text(refused)
    from projects.models import Project
    assert not Project.objects.exists()


# --- (c) the monitoring workbook carries the fixed values the PDD sets ------------------------------------

def test_the_workbook_fills_the_ex_ante_value_the_pdd_fixes(pp, jc, boiler, scope3, secretariat, auditor, tpe,
                                                            japanese_company, partner_company):
    import io

    from openpyxl import load_workbook

    from projects import selectors

    project = cycle.create_project(pp, jc, version=boiler, scope=scope3, japanese=japanese_company,
                                   partner=partner_company, title="Heat-only boilers")
    project = cycle.to_registered(project, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe,
                                  japanese=japanese_company, partner=partner_company, ex_ante={"NCV": "14.5"})
    period = services.monitoring_period_create(actor=pp, project=project, start_date=cycle.CREDITING_START,
                                               end_date=datetime.date(2024, 12, 31))
    assert "14.5" in text(browser(pp).get(f"/projects/{project.project_id}/periods/1/report/"))  # the web form
    _name, data = selectors.monitoring_workbook(period)
    sheet = load_workbook(io.BytesIO(data))["Monitoring Plan Sheet"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(6, sheet.max_row + 1)}
    assert sheet.cell(row=rows["NCV"], column=_value_column(sheet)).value == "14.5"
    # and the filled workbook goes back in with the value unchanged
    report = services.monitoring_report_upload(actor=pp, period=period, file=_xlsx(sheet.parent, rows))
    assert report.values["NCV"] == "14.5"


def _value_column(sheet) -> int:
    return next(c for c in range(1, sheet.max_column + 1) if sheet.cell(row=5, column=c).value == "Value")


def _xlsx(book, rows):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    sheet = book["Monitoring Plan Sheet"]
    column = _value_column(sheet)
    for r in range(6, sheet.max_row + 1):
        if sheet.cell(row=r, column=1).value in ("HG_i", "FC_i"):
            sheet.cell(row=r, column=column, value="100")
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("filled.xlsx", buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
