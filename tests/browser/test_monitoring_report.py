"""A project participant fills in and submits a monitoring report in real Chromium, and sees the emission
reductions the methodology engine computed, with the credits and the step-by-step calculation."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from committee import services as committee_services
from committee.choices import OrganizationKind, Role
from projects import services
from projects.models import MonitoringReport
from tests import factories as f
from tests.projects import cycle

SCREENSHOTS = os.environ.get("JCM_SCREENSHOT_DIR", "/tmp")


def _shot(page, name: str) -> None:
    page.screenshot(path=os.path.join(SCREENSHOTS, f"p{name}.png"), full_page=True)


@pytest.fixture
def registered_project(sysadmin, jc, secretariat):
    """MN001, registered through the services: solar PV at two sites, monitoring period 1 open."""
    scope = f.scope(1)
    japanese = f.OrganizationFactory(name="Nippon Solar K.K.", kind=OrganizationKind.COMPANY)
    partner = f.OrganizationFactory(name="Darkhan Energy LLC", kind=OrganizationKind.COMPANY, country=jc.partner)
    pp = f.make_user("pp_focal", Role.PROJECT_PARTICIPANT, organization=japanese)
    tpe_org = f.OrganizationFactory(name="Good Verification Ltd.", kind=OrganizationKind.TPE, country=None)
    tpe = committee_services.tpe_designate(actor=sysadmin, joint_committee=jc, organization=tpe_org,
                                           designated_on=datetime.date(2014, 1, 15), scopes_validation=[scope],
                                           scopes_verification=[scope], number=1)
    auditor = f.make_user("auditor", Role.TPE_AUDITOR, organization=tpe_org)
    solar = cycle.approved_version(sysadmin, jc, title="Installation of Solar PV System", scope=scope,
                                   content=cycle.solar_content(), approved="MN_AM003")
    project = cycle.create_project(pp, jc, version=solar, scope=scope, japanese=japanese, partner=partner, sites=[
        {"name": "Darkhan", "latitude": Decimal("49.486"), "longitude": Decimal("105.922")},
        {"name": "Erdenet", "latitude": Decimal("49.027"), "longitude": Decimal("104.044")}])
    project = cycle.to_registered(project, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe,
                                  japanese=japanese, partner=partner)
    services.monitoring_period_create(actor=pp, project=project, start_date=cycle.CREDITING_START,
                                      end_date=datetime.date(2024, 12, 31))
    return project


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_participant_submits_a_monitoring_report_and_sees_the_reductions(live_server, new_page, registered_project):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/projects/mine/")
    page.get_by_label("Username").fill("pp_focal")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()

    # "My projects" says what awaits the participant: the report of period 1.
    expect(page.get_by_role("heading", level=1)).to_have_text("My projects")
    _shot(page, "1-mine")
    page.get_by_role("link", name="Enter and submit the monitoring report for period 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring period 1")
    page.get_by_role("link", name="Enter the monitoring report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring report")

    # A value that is not a number is refused on the form; nothing is saved.
    page.get_by_label("EG_i Darkhan").fill("1234,5 MWh")
    page.get_by_label("EG_i Erdenet").fill("876.5")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the values marked below")
    expect(page.locator("#values")).to_contain_text("Enter a number, e.g. 1234.567.")
    assert not MonitoringReport.objects.exists()

    # The corrected values are saved as a draft, which is there when the page is opened again.
    page.get_by_label("EG_i Darkhan").fill("1234.567")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status").first).to_contain_text("The draft report was saved")
    page.reload()
    expect(page.get_by_label("EG_i Darkhan")).to_have_value("1234.567")
    expect(page.get_by_label("EG_i Erdenet")).to_have_value("876.5")
    _shot(page, "2-report")

    # Review and submit to the TPE: the engine computes the reductions, frozen with the report.
    page.get_by_role("link", name="Review and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit the monitoring report")
    page.get_by_label("TPE that verifies the report").select_option(label="TPE-MN-001 — Good Verification Ltd.")
    _shot(page, "3-submit")
    page.get_by_role("button", name="Submit for verification").click()

    # (1234.567 + 876.5) MWh × 0.9 tCO2/MWh = 1899.9603 tCO2e, rounded down to 1,899 credits.
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring period 1")
    expect(page.get_by_test_id("emission-reductions")).to_have_text("1899.9603 tCO2e")
    expect(page.get_by_test_id("credits")).to_have_text("1,899")
    expect(page.locator(".messages")).to_contain_text("1899.9603 tCO2e of emission reductions, 1899 credits")
    trace = page.locator("table.trace")
    expect(trace).to_contain_text("1234.567 × 0.9")
    expect(trace).to_contain_text("876.5 × 0.9")
    expect(page.locator(".badge", has_text="Submitted for verification")).to_be_visible()
    _shot(page, "4-period")
    report = MonitoringReport.objects.get()
    assert (report.status, report.reported_reductions, report.results["emission_reductions"]) == (
        "submitted", 1899, "1899.9603")
