"""A secretariat user records a Joint Committee decision in real Chromium; the public then sees it."""

import datetime
import os

import pytest
from playwright.sync_api import expect

from committee import services
from committee.models import Decision
from tests.browser.conftest import log_in

SCREENSHOT = os.environ.get("JCM_SCREENSHOT", "/tmp/jc.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretariat_records_a_decision_that_the_public_sees(live_server, new_page, secretariat, jc, moe,
                                                             mn_ministry):
    services.meeting_record(actor=secretariat, joint_committee=jc, date=datetime.date(2013, 4, 11),
                            city="Ulaanbaatar", is_online=True, attendees=[moe, mn_ministry])
    jc_url = f"{live_server.url}{jc.get_absolute_url()}"

    # The secretariat logs in through the login form and lands on the Joint Committee page.
    page = new_page()
    log_in(page, live_server.url, "sec_mn", jc.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Japan–Mongolia Joint Committee")

    # It records a decision taken at the first meeting.
    page.get_by_role("link", name="Record a decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a decision")
    page.get_by_label("At a meeting").check()
    page.get_by_label("Meeting", exact=True).select_option(label="1st Joint Committee (2013-04-11)")
    page.get_by_label("Kind of decision").select_option(label="Adopt rules and guidelines")
    page.get_by_label("Title", exact=True).fill("Adoption of the Project Cycle Procedure")
    page.get_by_label("Object decided").fill("JCM_MN_PCP_ver01.0")
    page.get_by_role("button", name="Record and publish").click()

    expect(page.get_by_role("status")).to_contain_text("Decision MN-JC01-01 was recorded and published.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Adoption of the Project Cycle Procedure")
    decision = Decision.objects.get()
    assert (decision.reference, decision.decided_on) == ("MN-JC01-01", datetime.date(2013, 4, 11))

    # A visitor who is not logged in sees it on the public Joint Committee page.
    public = new_page()
    public.goto(jc_url)
    expect(public.get_by_role("link", name="Log in")).to_be_visible()
    decisions = public.locator("#decisions")
    expect(decisions).to_contain_text("MN-JC01-01")
    expect(decisions).to_contain_text("Adoption of the Project Cycle Procedure")
    expect(decisions).to_contain_text("1st Joint Committee")
    expect(public.get_by_role("link", name="Record a decision")).to_have_count(0)
    public.screenshot(path=SCREENSHOT, full_page=True)
