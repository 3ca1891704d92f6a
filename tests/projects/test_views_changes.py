"""The focal point's browser forms for MoC Annex 1 changes and for post-registration changes and renewals
of the crediting period, and the secretariat's decision on them: refusals shown on the form with nothing
written, the role checks, and the approved change visible on the project page."""

from __future__ import annotations

import datetime

from core.models import AuditEvent
from projects.choices import ChangeRequestKind, ChangeRequestStatus, ProjectStatus
from projects.models import ChangeRequest, MoCAnnexChange

from .test_views import browser, decision_fields, formset, text

ANNEX_URL = "/projects/MN001/moc/annex/"
CHANGE_URL = "/projects/MN001/changes/new/"
NO_CONTACTS = formset("contacts", [])


def annex(kind: str, **fields) -> dict:
    return {"kind": kind, "organization": "", "side": "", "new_name": "", "effective_on": "", "details": "",
            **NO_CONTACTS, **fields}


def approve_url(request) -> str:
    return f"/projects/MN001/changes/{request.pk}/approve/"


def change(kind: str = ChangeRequestKind.POST_REGISTRATION_CHANGE, **fields) -> dict:
    return {"kind": kind, "description": "", "title": "", "project_description": "",
            "expected_annual_reductions": "", "start_of_operation": "", "new_crediting_end": "", **fields}


# --- MoC Annex 1 -------------------------------------------------------------------------------------

def test_focal_point_adds_then_withdraws_a_participant_by_annex_1(registered, pp, other_company):
    page = browser(pp).get("/projects/MN001/")
    assert ANNEX_URL in text(page)
    form = browser(pp).get(ANNEX_URL)
    assert form.status_code == 200 and "version 2" in text(form)  # version 1 went to the TPE with the PDD

    added = browser(pp).post(ANNEX_URL, annex("add_participant", organization=other_company.pk, side="japanese",
                                              effective_on="2025-03-01", details="Joins as O&M contractor."))
    assert added.status_code == 302 and added["Location"].endswith("/projects/MN001/#moc")
    participant = registered.participants.get(organization=other_company)
    assert participant.active and participant.joined_on == datetime.date(2025, 3, 1)
    event = AuditEvent.objects.filter(action="projects.moc.annex_change").latest("id")
    assert event.data["kind"] == "add_participant" and event.data["organization"] == other_company.pk

    html = text(browser(pp).get("/projects/MN001/"))
    assert "1. Addition of a project participant: Other Projects K.K." in html
    assert "Joins as O&amp;M contractor." in html

    assert browser(pp).post(ANNEX_URL, annex("withdraw_participant", organization=other_company.pk)).status_code == 302
    participant.refresh_from_db()
    assert not participant.active and participant.left_on is not None
    assert list(MoCAnnexChange.objects.filter(statement__project=registered).values_list("number", flat=True)
                ) == [1, 2]


def test_annex_1_refusals_are_shown_on_the_form_and_write_nothing(registered, pp, japanese_company,
                                                                  partner_company):
    events = AuditEvent.objects.count()
    renamed = browser(pp).post(ANNEX_URL, annex("rename_participant", organization=partner_company.pk))
    assert renamed.status_code == 400
    assert "Give the participant&#x27;s new name." in text(renamed)

    focal = browser(pp).post(ANNEX_URL, annex("withdraw_participant", organization=japanese_company.pk))
    assert focal.status_code == 400
    assert "The focal point cannot withdraw by Annex 1" in text(focal)

    no_contacts = browser(pp).post(ANNEX_URL, annex("contact_change"))
    assert no_contacts.status_code == 400 and "Give the new contact details." in text(no_contacts)

    assert not MoCAnnexChange.objects.exists()
    assert AuditEvent.objects.count() == events
    assert registered.participants.get(organization=japanese_company).is_focal_point


def test_contact_change_records_the_new_contact_list(registered, pp):
    contacts = formset("contacts", [{"name": "Enkhjargal", "organization": "Partner LLC",
                                     "email": "e@example.mn", "phone": "+976 11 123456"}])
    assert browser(pp).post(ANNEX_URL, {**annex("contact_change"), **contacts}).status_code == 302
    change_ = MoCAnnexChange.objects.get()
    assert change_.contacts == [{"name": "Enkhjargal", "organization": "Partner LLC", "email": "e@example.mn",
                                 "phone": "+976 11 123456"}]
    assert "Change of contact details: Enkhjargal" in text(browser(pp).get("/projects/MN001/"))


def test_only_the_focal_point_changes_the_moc_or_requests_changes(registered, pp_partner, pp_other, secretariat):
    for user in (pp_partner, secretariat):
        assert browser(user).get(ANNEX_URL).status_code == 403
        assert browser(user).post(CHANGE_URL, change(description="x", title="New")).status_code == 403
    assert browser(pp_other).get(ANNEX_URL).status_code == 403
    assert browser().get(CHANGE_URL).status_code == 302  # to the login page
    assert not ChangeRequest.objects.exists() and not MoCAnnexChange.objects.exists()


# --- post-registration changes and renewal ----------------------------------------------------------

def test_post_registration_change_sends_only_the_edited_fields_and_applies_on_approval(registered, pp,
                                                                                       secretariat):
    page = browser(pp).get(CHANGE_URL)
    assert page.status_code == 200
    assert f'value="{registered.title}"' in text(page)  # the current values, to be edited
    old_start = registered.start_of_operation

    posted = browser(pp).post(CHANGE_URL, change(
        description="Capacity extended by a second array.", title="Solar PV in Darkhan, phases 1 and 2",
        expected_annual_reductions="2500", start_of_operation=old_start.isoformat()))
    assert posted.status_code == 302 and posted["Location"].endswith("#changes")
    request = ChangeRequest.objects.get()
    assert request.status == ChangeRequestStatus.REQUESTED
    assert request.changes == {"title": "Solar PV in Darkhan, phases 1 and 2", "expected_annual_reductions": 2500}

    page = text(browser(pp).get("/projects/MN001/"))
    assert "Capacity extended by a second array." in page and "Solar PV in Darkhan, phases 1 and 2" in page
    registered.refresh_from_db()
    assert registered.title != "Solar PV in Darkhan, phases 1 and 2"  # nothing applies before the decision

    again = browser(pp).post(CHANGE_URL, change(description="Again", title="Another title"))
    assert again.status_code == 400 and "A request of this kind is already pending." in text(again)

    assert approve_url(request) in text(browser(secretariat).get("/projects/MN001/"))
    assert browser(secretariat).post(approve_url(request), decision_fields()).status_code == 302
    registered.refresh_from_db()
    assert registered.title == "Solar PV in Darkhan, phases 1 and 2"
    assert registered.expected_annual_reductions == 2500
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPROVED and request.decision is not None


def test_a_change_request_that_changes_nothing_is_refused(registered, pp):
    events = AuditEvent.objects.count()
    refused = browser(pp).post(CHANGE_URL, change(description="Nothing really.", title=registered.title))
    assert refused.status_code == 400 and "Say what changes." in text(refused)
    missing = browser(pp).post(CHANGE_URL, change(title="New title"))
    assert missing.status_code == 400 and "This field is required." in text(missing)
    assert not ChangeRequest.objects.exists() and AuditEvent.objects.count() == events


def test_renewal_must_end_after_the_current_crediting_period(registered, pp, secretariat):
    end = registered.crediting_end
    early = browser(pp).post(CHANGE_URL, change(ChangeRequestKind.RENEWAL, description="Second period.",
                                                new_crediting_end=end.isoformat()))
    assert early.status_code == 400
    assert "The renewed crediting period must end after the current one" in text(early)
    assert not ChangeRequest.objects.exists()

    later = end.replace(year=end.year + 7)
    assert browser(pp).post(CHANGE_URL, change(ChangeRequestKind.RENEWAL, description="Second period.",
                                               new_crediting_end=later.isoformat())).status_code == 302
    request = ChangeRequest.objects.get(kind=ChangeRequestKind.RENEWAL)
    assert request.previous_crediting_end == end and request.new_crediting_end == later

    reject = f"/projects/MN001/changes/{request.pk}/reject/"
    refused = browser(secretariat).post(reject, {**decision_fields(), "reason": ""})
    assert refused.status_code == 400
    assert browser(secretariat).post(approve_url(request), decision_fields()).status_code == 302
    registered.refresh_from_db()
    assert registered.crediting_end == later


def test_change_requests_are_for_registered_projects(draft, pp):
    page = browser(pp).get(CHANGE_URL)
    assert page.status_code == 200 and "This step is not open at the moment" in text(page)
    refused = browser(pp).post(CHANGE_URL, change(description="Too early.", title="Other"))
    assert refused.status_code == 400
    assert "Post-registration changes and renewals are for registered projects." in text(refused)
    assert CHANGE_URL not in text(browser(pp).get("/projects/MN001/"))
    draft.refresh_from_db()
    assert draft.status == ProjectStatus.DRAFT
