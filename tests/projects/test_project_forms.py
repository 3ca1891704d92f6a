"""The forms that had no workflow object: Project Idea Note (PIN), Assessment of Reference Emissions (ARE),
Project Implementation Report (PIR), and the Japan–Mongolia sustainable-development contribution plan and
report. Per form: who submits, who reviews, statuses and deadlines, the audit event of each step, the PDF,
the pages (offering exactly what the services allow) and the API (4xx with field messages)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from committee.choices import Role, Side
from core.errors import ApplicationError, Conflict, NotAllowed
from core.models import AuditEvent
from documents import services as document_services
from documents.models import DocumentKind
from notifications.models import Notification
from projects import access
from projects import services as project_services
from projects.form_choices import ProjectFormKind, ProjectFormStatus
from projects.models import ProjectForm
from projects.services import project_forms as services
from tests import factories as f
from tests.conftest import client_for
from tests.documents.conftest import pdf_text

from . import cycle
from .cycle import CREDITING_START
from .test_views import browser, text

pytestmark = pytest.mark.django_db
API = "/api/v1/project-forms/"
TODAY = timezone.localdate


def ago(days: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=days)


@pytest.fixture
def mn_secretariat(jc):
    """The secretariat of the Mongolian side of the Japan–Mongolia Joint Committee."""
    return f.make_user("sec_mn_partner", Role.SECRETARIAT, joint_committee=jc, side=Side.PARTNER)


def pin(project, actor, **fields):
    return services.project_form_submit(actor=actor, project=project, kind=ProjectFormKind.PIN,
                                        **{"title": "Solar PV in Darkhan", "content": "Idea: 10 MW PV.", **fields})


def actions(form) -> list[str]:
    return list(AuditEvent.objects.filter(action__startswith="projects.project_form.", target_id=str(form.pk))
                .order_by("seq").values_list("action", flat=True))


# --- PIN ---------------------------------------------------------------------------------------------

def test_pin_submitted_returned_resubmitted_and_accepted(draft, pp, pp_partner, secretariat):
    form = pin(draft, pp_partner)
    assert form.status == ProjectFormStatus.SUBMITTED and form.revision == 1
    assert form.due_on == TODAY() + datetime.timedelta(days=30)
    assert Notification.objects.filter(recipient=secretariat, kind="projects.project_form.submitted").exists()

    with pytest.raises(ApplicationError) as refused:
        services.project_form_return(actor=secretariat, form=form, comments="  ")
    assert "comments" in refused.value.errors
    form = services.project_form_return(actor=secretariat, form=form, comments="Say where the site is.")
    assert form.status == ProjectFormStatus.RETURNED
    assert Notification.objects.filter(recipient=pp, kind="projects.project_form.returned").exists()
    with pytest.raises(Conflict):
        services.project_form_accept(actor=secretariat, form=form)

    form = services.project_form_resubmit(actor=pp, form=form, title="Solar PV in Darkhan", content="Site: Darkhan.")
    assert (form.status, form.revision) == (ProjectFormStatus.SUBMITTED, 2)
    form = services.project_form_accept(actor=secretariat, form=form, comments="Thank you.")
    assert form.status == ProjectFormStatus.ACCEPTED and form.reviewed_by == secretariat
    assert actions(form) == ["projects.project_form.submit", "projects.project_form.return",
                             "projects.project_form.resubmit", "projects.project_form.accept"]

    document = document_services.document_generate(kind=DocumentKind.PROJECT_FORM, subject=form)
    assert document.number.startswith("JCM-PF-")
    assert document.kind == DocumentKind.PROJECT_FORM
    pdf = pdf_text(document)
    assert "Project Idea Note (accepted)" in pdf and "MN001" in pdf and "Site: Darkhan." in pdf
    assert "revision 2" in pdf and "Thank you." in pdf


def test_pin_refused_to_others_and_after_registration(draft, pp, pp_other, auditor, secretariat, other_secretariat):
    for outsider in (pp_other, auditor, secretariat):
        with pytest.raises(NotAllowed):
            pin(draft, outsider)
    form = pin(draft, pp)
    with pytest.raises(Conflict):
        pin(draft, pp)  # one under review at a time
    for outsider in (pp, other_secretariat):
        with pytest.raises(NotAllowed):
            services.project_form_accept(actor=outsider, form=form)
    with pytest.raises(NotAllowed):
        services.project_form_withdraw(actor=pp_other, form=form)
    services.project_form_withdraw(actor=pp, form=form, reason="Merged into another idea.")
    assert ProjectForm.objects.get(pk=form.pk).status == ProjectFormStatus.WITHDRAWN
    assert not ProjectForm.objects.filter(status=ProjectFormStatus.ACCEPTED).exists()


def test_pin_precedes_registration(registered, pp):
    with pytest.raises(Conflict):
        pin(registered, pp)


# --- PIR ---------------------------------------------------------------------------------------------

def pir(project, actor, start, end):
    return services.project_form_submit(actor=actor, project=project, kind=ProjectFormKind.PIR,
                                        title="Implementation 2024", content="Operating since Dec 2023.",
                                        period_start=start, period_end=end)


def test_pir_for_an_ended_period_of_a_registered_project(registered, draft, pp, secretariat):
    with pytest.raises(ApplicationError) as future:
        pir(registered, pp, CREDITING_START, TODAY())
    assert "period_end" in future.value.errors
    with pytest.raises(ApplicationError) as early:
        pir(registered, pp, datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
    assert "period_start" in early.value.errors
    assert not ProjectForm.objects.exclude(kind=ProjectFormKind.SD_PLAN).exists()  # (the plan went with the PDD)

    form = pir(registered, pp, CREDITING_START, datetime.date(2024, 12, 31))
    services.project_form_accept(actor=secretariat, form=form)
    with pytest.raises(ApplicationError) as overlap:
        pir(registered, pp, datetime.date(2024, 6, 1), datetime.date(2025, 5, 31))
    assert "period_start" in overlap.value.errors
    pir(registered, pp, datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))


def test_pir_only_after_registration(draft, pp):
    with pytest.raises(Conflict):
        pir(draft, pp, CREDITING_START, datetime.date(2024, 12, 31))


# --- SD contribution plan and report (Mongolia) ------------------------------------------------------

def sd_plan(project, actor):
    """The project's SD plan: the one submitted with the PDD (Mongolia's rules), else a new one."""
    pending = project.project_forms.filter(kind=ProjectFormKind.SD_PLAN, status=ProjectFormStatus.SUBMITTED).first()
    if pending is not None:
        return pending
    return services.project_form_submit(actor=actor, project=project, kind=ProjectFormKind.SD_PLAN,
                                        title="SD plan", content="Local jobs; cleaner air in Darkhan.")


def test_sd_plan_is_reviewed_by_the_mongolian_side(draft, pp, secretariat, mn_secretariat):
    form = sd_plan(draft, pp)
    assert Notification.objects.filter(recipient=mn_secretariat, kind="projects.project_form.submitted").exists()
    assert not Notification.objects.filter(recipient=secretariat, kind="projects.project_form.submitted").exists()
    with pytest.raises(NotAllowed):
        services.project_form_accept(actor=secretariat, form=form)  # the Japanese side
    services.project_form_accept(actor=mn_secretariat, form=form)
    assert actions(form)[-1] == "projects.project_form.accept"


@override_settings(JCM_SD_FORM_COUNTRIES=("KH",))
def test_sd_forms_only_where_the_joint_committee_uses_them(draft, pp):
    with pytest.raises(Conflict):
        sd_plan(draft, pp)


def test_sd_report_follows_an_accepted_plan_and_an_ended_monitoring_period(registered, pp, mn_secretariat):
    period = project_services.monitoring_period_create(actor=pp, project=registered, start_date=CREDITING_START,
                                                       end_date=datetime.date(2024, 12, 31))

    def report():
        return services.project_form_submit(actor=pp, project=registered, kind=ProjectFormKind.SD_REPORT,
                                            title="SD report 2024", content="12 local jobs.",
                                            monitoring_period=period)

    with pytest.raises(Conflict):
        report()  # no accepted plan
    services.project_form_accept(actor=mn_secretariat, form=sd_plan(registered, pp))
    form = report()
    assert (form.period_start, form.period_end) == (CREDITING_START, datetime.date(2024, 12, 31))
    services.project_form_return(actor=mn_secretariat, form=form, comments="Give the number of jobs by gender.")
    services.project_form_resubmit(actor=pp, form=form, title="SD report 2024", content="12 jobs, 5 women.",
                                   monitoring_period=period)


# --- ARE ---------------------------------------------------------------------------------------------

def test_are_by_a_participant_or_the_validating_tpe(registered, pp, auditor, other_auditor, secretariat, solar, boiler):
    def are(actor, version=solar):
        return services.project_form_submit(actor=actor, project=registered, kind=ProjectFormKind.ARE,
                                            title="Reference emissions", content="Grid EF 1.1 tCO2/MWh.",
                                            methodology_version=version)

    with pytest.raises(NotAllowed):
        are(other_auditor)
    with pytest.raises(ApplicationError) as wrong:
        are(auditor, boiler)
    assert "methodology_version" in wrong.value.errors
    form = are(auditor)
    assert form.submitted_as == "tpe"
    services.project_form_return(actor=secretariat, form=form, comments="Cite the grid factor's source.")
    services.project_form_resubmit(actor=pp, form=form, title="Reference emissions", content="Source: ...",
                                   methodology_version=solar)
    services.project_form_accept(actor=secretariat, form=form)


# --- pages ---------------------------------------------------------------------------------------------

def test_project_page_offers_what_the_services_allow(draft, pp, pp_other, secretariat, mn_secretariat):
    page = text(browser(pp).get("/projects/MN001/"))
    assert "/projects/MN001/forms/new/pin/" in page and "/projects/MN001/forms/new/sd_plan/" in page
    assert "/forms/new/pir/" not in page and "/forms/new/sd_report/" not in page
    assert browser(pp_other).get("/projects/MN001/forms/new/pin/").status_code in (403, 404)
    assert browser(secretariat).get("/projects/MN001/forms/new/pin/").status_code in (403, 404)

    created = browser(pp).post("/projects/MN001/forms/new/pin/", {"title": "Idea", "content": "PV plant."})
    assert created.status_code == 302
    form = ProjectForm.objects.get()
    assert created["Location"] == form.get_absolute_url()
    page = text(browser(pp).get("/projects/MN001/"))
    assert "/forms/new/pin/" not in page  # one under review
    assert f"/forms/{form.pk}/withdraw/" in page and f"/forms/{form.pk}/accept/" not in page
    queue = text(browser(secretariat).get("/projects/forms/"))  # the draft's page is not the secretariat's
    assert form.get_absolute_url() in queue and f"/forms/{form.pk}/accept/" in queue
    assert f"/forms/{form.pk}/accept/" not in text(browser(pp).get("/projects/forms/"))
    sec_page = text(browser(secretariat).get(form.get_absolute_url()))
    assert f"/forms/{form.pk}/accept/" in sec_page and f"/forms/{form.pk}/return/" in sec_page
    assert f"/forms/{form.pk}/withdraw/" not in sec_page
    assert browser(pp).post(f"/projects/MN001/forms/{form.pk}/accept/", {}).status_code == 403
    # the Japanese-side secretariat reviews a PIN, not the SD plan
    assert f"/forms/{form.pk}/accept/" in text(browser(mn_secretariat).get(form.get_absolute_url()))

    refused = browser(secretariat).post(f"/projects/MN001/forms/{form.pk}/return/", {"comments": ""})
    assert refused.status_code == 400
    assert ProjectForm.objects.get().status == ProjectFormStatus.SUBMITTED
    returned = browser(secretariat).post(f"/projects/MN001/forms/{form.pk}/return/", {"comments": "Where?"})
    assert returned.status_code == 302
    assert f"/forms/{form.pk}/resubmit/" in text(browser(pp).get(form.get_absolute_url()))
    assert f"/forms/{form.pk}/resubmit/" not in text(browser(secretariat).get(form.get_absolute_url()))
    done = browser(pp).post(f"/projects/MN001/forms/{form.pk}/resubmit/", {"title": "Idea", "content": "Darkhan."})
    assert done.status_code == 302 and ProjectForm.objects.get().revision == 2
    assert browser(secretariat).post(f"/projects/MN001/forms/{form.pk}/accept/", {"comments": ""}).status_code == 302
    assert "project_form" in text(browser(pp).get(form.get_absolute_url()))  # the PDF link


def test_sd_plan_page_review_only_for_the_mongolian_side(draft, pp, secretariat, mn_secretariat):
    form = sd_plan(draft, pp)
    assert f"/forms/{form.pk}/accept/" not in text(browser(secretariat).get(form.get_absolute_url()))
    assert browser(secretariat).get(f"/projects/MN001/forms/{form.pk}/accept/").status_code == 403
    assert f"/forms/{form.pk}/accept/" in text(browser(mn_secretariat).get(form.get_absolute_url()))


def test_pir_page_refuses_a_future_period_with_a_field_message(registered, pp):
    page = browser(pp).post("/projects/MN001/forms/new/pir/", {
        "title": "PIR", "content": "Running.", "period_start": "2025-01-01", "period_end": TODAY().isoformat()})
    assert page.status_code == 400 and "has ended" in text(page)
    assert not ProjectForm.objects.exclude(kind=ProjectFormKind.SD_PLAN).exists()  # (the plan went with the PDD)


# --- API -------------------------------------------------------------------------------------------------

def test_api_submit_review_and_refusals(registered, pp, pp_other, secretariat):
    body = {"project": "MN001", "kind": "pir", "title": "PIR 2024", "content": "Running.",
            "period_start": "2024-01-01", "period_end": TODAY().isoformat()}
    future = client_for(pp).post(API, body, format="json")
    assert future.status_code == 400 and "period_end" in future.json()["errors"]
    missing = client_for(pp).post(API, {**body, "title": ""}, format="json")
    assert missing.status_code == 400 and "title" in missing.json()["errors"]
    assert client_for(pp_other).post(API, {**body, "period_end": "2024-12-31"}, format="json").status_code in (400, 403)
    created = client_for(pp).post(API, {**body, "period_end": "2024-12-31"}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "submitted" and created.json()["project"] == "MN001"
    assert client_for(pp).post(API, {**body, "period_start": "2025-01-01", "period_end": "2025-02-01"},
                               format="json").status_code == 409
    assert client_for(pp).post(f"{API}{pk}/accept/", {}, format="json").status_code == 403
    no_comments = client_for(secretariat).post(f"{API}{pk}/return/", {}, format="json")
    assert no_comments.status_code == 400 and "comments" in no_comments.json()["errors"]
    returned = client_for(secretariat).post(f"{API}{pk}/return/", {"comments": "Add the outages."}, format="json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    again = client_for(pp).post(f"{API}{pk}/resubmit/", {"title": "PIR 2024", "content": "Two outages.",
                                                         "period_start": "2024-01-01", "period_end": "2024-12-31"},
                                format="json")
    assert again.status_code == 200 and again.json()["revision"] == 2
    accepted = client_for(secretariat).post(f"{API}{pk}/accept/", {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert client_for(secretariat).post(f"{API}{pk}/accept/", {}, format="json").status_code == 409
    assert client_for(pp_other).get(f"{API}{pk}/").status_code == 404
    assert [row["id"] for row in client_for(pp).get(API, {"project": "MN001"}).json()["results"]
            if row["kind"] != "sd_plan"] == [pk]  # (the SD plan went with the PDD)


# --- every rule against its service and its buttons, for every role ----------------------------------------

FORM_HREF = re.compile(r'<a class="button[^"]*" href="/projects/MN001/forms/([^"]+)"')


def refused(call) -> bool:
    """Whether the service refuses the actor (NotAllowed); whatever it does otherwise is rolled back."""
    class RolledBack(Exception):
        pass

    try:
        with transaction.atomic():
            call()
            raise RolledBack
    except NotAllowed:
        return True
    except (RolledBack, ApplicationError):
        return False


def form_buttons(user, url: str) -> set[str]:
    client = browser(user) if user is not None else browser()
    response = client.get(url)
    if response.status_code in (302, 404):
        return set()
    assert response.status_code == 200, (url, response.status_code)
    return set(FORM_HREF.findall(text(response)))


def submit_call(kind, solar, period):
    extra = {ProjectFormKind.PIR: {"period_start": CREDITING_START, "period_end": datetime.date(2024, 6, 30)},
             ProjectFormKind.SD_REPORT: {"monitoring_period": period},
             ProjectFormKind.ARE: {"methodology_version": solar}}.get(kind, {})
    return lambda actor, project: services.project_form_submit(actor=actor, project=project, kind=kind, title="T",
                                                               content="C", **extra)


ROW_CALLS = {
    "project_form_accept": lambda a, form: services.project_form_accept(actor=a, form=form),
    "project_form_return": lambda a, form: services.project_form_return(actor=a, form=form, comments="No."),
    "project_form_withdraw": lambda a, form: services.project_form_withdraw(actor=a, form=form),
    "project_form_resubmit": lambda a, form: services.project_form_resubmit(
        actor=a, form=form, title="T", content="C", period_start=form.period_start, period_end=form.period_end,
        monitoring_period=form.monitoring_period, methodology_version=form.methodology_version),
}
ROW_HREF = {"project_form_accept": "accept", "project_form_return": "return", "project_form_withdraw": "withdraw",
            "project_form_resubmit": "resubmit"}


def check(users, project, solar, period, tested: set[str]) -> None:
    project = type(project).objects.get(pk=project.pk)
    for name, user in users.items():
        actor = user if user is not None else AnonymousUser()
        expected = {f"new/{kind}/" for kind, rule in access.FORM_SUBMIT.items() if rule.can(actor, project)}
        shown = {href for href in form_buttons(user, project.get_absolute_url()) if href.startswith("new/")}
        assert shown == expected, (name, project.status, shown ^ expected)
        for kind, rule in access.FORM_SUBMIT.items():
            if rule.open(project):
                call = submit_call(kind, solar, period)
                assert refused(lambda call=call, actor=actor: call(actor, project)) == (
                    not rule.can(actor, project)), (rule.action, name)
                tested.add(rule.action)
        for form in ProjectForm.objects.filter(project=project):
            expected = {f"{form.pk}/{ROW_HREF[action]}/" for action in ROW_CALLS
                        if access.FORM_RULES[action].can(actor, form)}
            assert form_buttons(user, form.get_absolute_url()) == expected, (name, form.kind, form.status)
            for action, call in ROW_CALLS.items():
                rule = access.FORM_RULES[action]
                if rule.open(form):
                    fresh = ProjectForm.objects.get(pk=form.pk)
                    assert refused(lambda call=call, actor=actor, fresh=fresh: call(actor, fresh)) == (
                        not rule.can(actor, fresh)), (action, name)
                    tested.add(action)


def test_every_form_button_is_offered_exactly_when_the_service_would_accept_the_user(
        draft, pp, pp_partner, pp_other, auditor, other_auditor, secretariat, mn_secretariat, other_secretariat,
        sysadmin, solar, tpe, japanese_company, partner_company):
    users = {"focal point": pp, "participant": pp_partner, "other participant": pp_other, "TPE auditor": auditor,
             "other auditor": other_auditor, "secretariat (Japan)": secretariat,
             "secretariat (Mongolia)": mn_secretariat, "another committee's secretariat": other_secretariat,
             "system administrator": sysadmin, "anonymous": None}
    tested: set[str] = set()
    check(users, draft, solar, None, tested)
    pin(draft, pp)
    sd_plan(draft, pp_partner)
    check(users, draft, solar, None, tested)
    registered = cycle.to_registered(draft, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe,
                                     japanese=japanese_company, partner=partner_company)
    period = project_services.monitoring_period_create(actor=pp, project=registered, start_date=CREDITING_START,
                                                       end_date=datetime.date(2024, 12, 31))
    for form in ProjectForm.objects.filter(kind=ProjectFormKind.SD_PLAN):
        services.project_form_accept(actor=mn_secretariat, form=form)
    for form in ProjectForm.objects.filter(kind=ProjectFormKind.PIN):
        services.project_form_return(actor=secretariat, form=form, comments="Registered meanwhile.")
    check(users, registered, solar, period, tested)
    services.project_form_submit(actor=auditor, project=registered, kind=ProjectFormKind.ARE, title="ARE",
                                 content="C", methodology_version=solar)
    services.project_form_submit(actor=pp, project=registered, kind=ProjectFormKind.SD_REPORT, title="SD",
                                 content="C", monitoring_period=period)
    check(users, registered, solar, period, tested)
    assert tested == set(access.FORM_RULES), set(access.FORM_RULES) - tested


# --- demo -------------------------------------------------------------------------------------------------

def test_demo_forms_load_once_on_the_fictitious_projects():
    from committee import demo as committee_demo
    from jcm_registry import demo as core_demo
    from projects.demo_forms import seed_project_forms

    report = core_demo.seed()
    assert [line for line in report.created if line.startswith("forms of")] == ["forms of MN9003 (3)",
                                                                                 "forms of MN9001 (3)"]
    assert any(login[0] == "secretariat-mn" for login in report.logins)
    rows = {(f.project.project_id, f.kind, f.status) for f in ProjectForm.objects.select_related("project")}
    assert rows == {("MN9003", "pin", "accepted"), ("MN9003", "sd_plan", "accepted"), ("MN9003", "are", "submitted"),
                    ("MN9001", "sd_plan", "accepted"), ("MN9001", "sd_report", "returned"),
                    ("MN9001", "pir", "submitted"), ("MN9002", "sd_plan", "submitted")}
    assert all("fictitious" in f.content for f in ProjectForm.objects.all())
    assert all(f.period_end is None or f.period_end < TODAY() for f in ProjectForm.objects.all())
    from committee.models import User

    admin = User.objects.get(username=committee_demo.ADMIN_USERNAME)
    events = AuditEvent.objects.count()
    assert seed_project_forms(admin) == []
    assert AuditEvent.objects.count() == events


def test_overdue_reviews_are_in_the_reviewers_daily_reminders(draft, pp, secretariat, mn_secretariat):
    from projects.queues import overdue_project_forms

    form = sd_plan(draft, pp)
    assert overdue_project_forms(mn_secretariat, TODAY()) == []  # not yet due
    ProjectForm.objects.filter(pk=form.pk).update(due_on=ago(1))
    items = overdue_project_forms(mn_secretariat, TODAY())
    assert [(i.reference, i.step, i.due) for i in items] == [("MN001", "Sustainable development contribution plan",
                                                               ago(1))]
    assert overdue_project_forms(secretariat, TODAY()) == []  # the Japanese side does not review it
    assert overdue_project_forms(pp, TODAY()) == []
