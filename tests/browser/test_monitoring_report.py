"""A project participant fills in and submits a monitoring report in real Chromium, and sees the emission
reductions the methodology engine computed, with the credits and the step-by-step calculation."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from projects.models import MonitoringReport
from tests.browser.conftest import log_in

SCREENSHOTS = os.environ.get("JCM_SCREENSHOT_DIR", "/tmp")


def _shot(page, name: str) -> None:
    page.screenshot(path=os.path.join(SCREENSHOTS, f"p{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_participant_submits_a_monitoring_report_and_sees_the_reductions(live_server, new_page, registered_project):
    page = new_page()
    log_in(page, live_server.url, "pp_focal", "/projects/mine/")

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
