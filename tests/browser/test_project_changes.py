"""The focal point of a registered project, in real Chromium: records an MoC Annex 1 change of contacts
(adding a contact row with the page's own button), is told what is wrong with a renewal that does not
extend the crediting period, sends a valid one, and sees the secretariat's approval extend it."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from projects.choices import ChangeRequestStatus
from projects.models import ChangeRequest, MoCAnnexChange
from tests.browser.conftest import log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_focal_point_changes_contacts_and_renews_the_crediting_period(live_server, new_page, registered_project,
                                                                      secretariat):
    project = registered_project
    page = new_page()
    log_in(page, live_server.url, "pp_focal", f"/projects/{project.project_id}/")

    # Annex 1: the contacts change. The form starts with the current contacts and one spare row.
    page.get_by_role("link", name="MoC Annex 1 change").click()
    expect(page.get_by_role("heading", name="MoC Annex 1 change")).to_be_visible()
    page.get_by_label("Change of contact details").check()
    page.get_by_role("button", name="Add a row").click()
    rows = page.locator("input[name$='-name'][name^='contacts-']")
    expect(rows).to_have_count(3)
    rows.nth(1).fill("Enkhjargal B.")
    page.locator("input[name='contacts-1-email']").fill("enkhjargal@example.mn")
    rows.nth(2).fill("Kenji Mori")
    page.get_by_role("textbox", name="Details").fill("New site manager in Darkhan.")
    page.get_by_role("button", name="Record the Annex 1 change").click()

    expect(page.get_by_role("status").filter(has_text="Annex 1 change 1")).to_be_visible()
    expect(page.locator("#moc")).to_contain_text("Change of contact details: Bat-Erdene, Enkhjargal B., Kenji Mori")
    change = MoCAnnexChange.objects.get()
    assert [c["name"] for c in change.contacts] == ["Bat-Erdene", "Enkhjargal B.", "Kenji Mori"]

    # A renewal that does not extend the crediting period is refused on the form, nothing sent.
    page.get_by_role("link", name="Request a change or renewal").first.click()
    page.get_by_label("Renewal of the crediting period").check()
    page.get_by_label("Reason and description of the request").fill("Second crediting period.")
    end = project.crediting_end
    page.get_by_label("New end of the crediting period").fill(end.isoformat())
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("The renewed crediting period must end after the current one")).to_be_visible()
    assert not ChangeRequest.objects.exists()

    later = datetime.date(end.year + 7, end.month, end.day)
    page.get_by_label("New end of the crediting period").fill(later.isoformat())
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#changes")).to_contain_text("Renewal of the crediting period")
    expect(page.locator("#changes")).to_contain_text(later.isoformat())
    request = ChangeRequest.objects.get()
    assert request.status == ChangeRequestStatus.REQUESTED

    # The secretariat records the Joint Committee's approval; the crediting period is extended.
    other = new_page()
    log_in(other, live_server.url, secretariat.username, f"/projects/{project.project_id}/#changes")
    other.locator("#changes").get_by_role("link", name="Approve (record the decision)").click()
    other.get_by_label("Date of the decision").fill(datetime.date.today().isoformat())
    other.get_by_label("Electronic decision").check()
    other.get_by_role("button", name="Approve (record the decision)").click()
    expect(other.locator("#changes")).to_contain_text("Approved")

    page.reload()
    expect(page.locator(".facts").first).to_contain_text(later.isoformat())
    project.refresh_from_db()
    assert project.crediting_end == later
