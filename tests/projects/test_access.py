"""A page never offers what the service would refuse: for every action button of the project pages, for
representative users (the focal point, another participant, the TPE's auditor, the secretariat, another
committee's secretariat, a system administrator, the public) and objects in the states where the action is
open, the button is on the page exactly when ``access.can_<action>`` is true, and the service refuses the
user (NotAllowed) exactly when it is false. The project is driven through the cycle with the real services."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.utils import timezone

from core.errors import ApplicationError, NotAllowed
from projects import access, services
from projects.choices import (
    AllocationParty,
    AnnexChangeKind,
    ChangeRequestKind,
    Conclusion,
    ProjectStatus,
    ReportStatus,
)
from projects.models import ChangeRequest, EvidenceFile, IssuanceRequest, MonitoringPeriod, Project
from projects.views.actions import CHANGE_ACTIONS, ISSUANCE_ACTIONS, PERIOD_ACTIONS, PROJECT_ACTIONS

from . import cycle

SOLAR_VALUES = {"EG_i": {"Darkhan": "1000.5"}}

# The buttons of the project page and of a monitoring period's page: the link (after /projects/<id>/) and the
# rule of the action it leads to. A link to an action page names the action (``do/<name>/``).
PROJECT_PAGE = [
    (r"edit/", "project_update"), (r"sites/", "project_update"), (r"participants/", "project_update"),
    (r"pdd/", "pdd_save"), (r"moc/", "moc_submit"), (r"moc/annex/", "moc_annex_change"),
    (r"allocation/", "allocation_submit"), (r"changes/new/", "change_request_submit"),
    (r"periods/new/", "monitoring_period_create"), (r"validation/", "validation_report_submit"),
    *((f"do/{name}/", action.rule.action) for name, action in PROJECT_ACTIONS.items()),
]
CHANGE_ROW = [(rf"changes/(\d+)/{name}/", action.rule.action) for name, action in CHANGE_ACTIONS.items()]
PERIOD_PAGE = [
    (r"periods/(\d+)/report/", "monitoring_report_save"), (r"periods/(\d+)/report/submit/", "monitoring_report_submit"),
    (r"periods/(\d+)/verification/", "verification_report_submit"),
    *((rf"periods/(\d+)/do/{name}/", action.rule.action) for name, action in PERIOD_ACTIONS.items()),
]
ISSUANCE_ROW = [(rf"issuance/(\d+)/{name}/", action.rule.action) for name, action in ISSUANCE_ACTIONS.items()]
NOT_ACTIONS = ("/projects/work/",)  # the secretariat's link to its queues


class _RolledBack(Exception):
    pass


def refused(call: Callable[[], Any]) -> bool:
    """Whether the service refuses the actor (NotAllowed); whatever it does otherwise is rolled back."""
    try:
        with transaction.atomic():
            call()
            raise _RolledBack
    except NotAllowed:
        return True
    except (_RolledBack, ApplicationError):
        return False


def can(rule: str, user: Any, obj: Any) -> bool:
    return getattr(access, f"can_{rule}")(user, obj)


def buttons(user: Any, url: str, project: Project) -> set[tuple[str, str]]:
    """(rule, key of its object) of each button on the page as ``user`` sees it (none if the page is hidden)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, (url, response.status_code)
    found = set()
    base = f"/projects/{project.project_id}/"
    table = PROJECT_PAGE + CHANGE_ROW if url == base else PERIOD_PAGE + ISSUANCE_ROW
    for href in re.findall(r'<a class="button[^"]*" href="(/projects/[^"]+)"', response.content.decode()):
        if href in NOT_ACTIONS or f"/{project.project_id}/forms/" in href:
            continue  # the project forms (PIN, ARE, PIR, SD): checked by test_project_forms.py
        assert href.startswith(base), href
        matches = [(rule, m.group(1) if m.groups() else "") for pattern, rule in table
                   if (m := re.fullmatch(pattern, href[len(base):]))]
        assert len(matches) == 1, f"a button the test does not know: {href}"
        found.add(matches[0])
    return found


def offered(user: Any, table: list[tuple[str, str]], obj: Any, key: str = "") -> set[tuple[str, str]]:
    """What ``access`` says the page offers ``user`` on ``obj``."""
    return {(rule, key) for _pattern, rule in table if can(rule, user, obj)}


# --- the services, called with arguments that pass the permission check -----------------------------------

def calls(world: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """rule -> (actor, fresh object) -> the call of its service (the object named by its keyword)."""
    today = timezone.localdate()
    tpe, japanese = world["tpe"], world["japanese"]
    decision = cycle.decision
    return {
        "project_update": lambda a, o: services.project_update(actor=a, project=o),
        "project_withdraw": lambda a, o: services.project_withdraw(actor=a, project=o, reason="Stopped."),
        "pdd_save": lambda a, o: services.pdd_save(actor=a, project=o),
        "pdd_submit": lambda a, o: services.pdd_submit(actor=a, project=o),
        "pdd_return": lambda a, o: services.pdd_return(actor=a, project=o, reason="Incomplete."),
        "pdd_publication_request": lambda a, o: services.pdd_publication_request(actor=a, project=o),
        "pdd_publish": lambda a, o: services.pdd_publish(actor=a, project=o),
        "validation_tpe_choose": lambda a, o: services.validation_tpe_choose(actor=a, project=o, tpe=tpe),
        "validation_start": lambda a, o: services.validation_start(actor=a, project=o),
        "validation_report_submit": lambda a, o: services.validation_report_submit(
            actor=a, project=o, conclusion=Conclusion.POSITIVE, report_date=today),
        "registration_request": lambda a, o: services.registration_request(actor=a, project=o),
        "registration_request_withdraw": lambda a, o: services.registration_request_withdraw(actor=a, project=o),
        "project_register": lambda a, o: services.project_register(actor=a, project=o, decision=decision()),
        "project_reject": lambda a, o: services.project_reject(actor=a, project=o, decision=decision(),
                                                               reason="Not additional."),
        "moc_submit": lambda a, o: services.moc_submit(actor=a, project=o, focal_point=japanese,
                                                       primary_signatory={"name": "A"},
                                                       alternate_signatory={"name": "B"}),
        "moc_annex_change": lambda a, o: services.moc_annex_change(actor=a, project=o,
                                                                   kind=AnnexChangeKind.CONTACT_CHANGE,
                                                                   contacts=[{"name": "C"}]),
        "allocation_submit": lambda a, o: services.allocation_submit(
            actor=a, project=o, shares=[{"party": AllocationParty.JAPAN_GOVERNMENT, "percent": "100"}]),
        "change_request_submit": lambda a, o: services.change_request_submit(
            actor=a, project=o, kind=ChangeRequestKind.RENEWAL, description="Renewal.",
            new_crediting_end=datetime.date(2040, 12, 31)),
        "change_request_withdraw": lambda a, o: services.change_request_withdraw(actor=a, request=o),
        "change_request_approve": lambda a, o: services.change_request_approve(actor=a, request=o,
                                                                               decision=decision()),
        "change_request_reject": lambda a, o: services.change_request_reject(actor=a, request=o, decision=decision(),
                                                                             reason="No."),
        "monitoring_period_create": lambda a, o: services.monitoring_period_create(
            actor=a, project=o, start_date=datetime.date(2030, 1, 1), end_date=datetime.date(2030, 12, 31)),
        "monitoring_report_save": lambda a, o: services.monitoring_report_save(actor=a, period=o,
                                                                               values=SOLAR_VALUES),
        "monitoring_report_upload": lambda a, o: services.monitoring_report_upload(actor=a, period=o,
                                                                                   file=cycle.pdf()),
        "evidence_add": lambda a, o: services.evidence_add(actor=a, period=o, file=cycle.pdf()),
        "evidence_remove": lambda a, o: services.evidence_remove(actor=a, evidence=o),
        "monitoring_report_submit": lambda a, o: services.monitoring_report_submit(actor=a, period=o,
                                                                                   verification_tpe=tpe),
        "verification_report_submit": lambda a, o: services.verification_report_submit(
            actor=a, period=o, conclusion=Conclusion.POSITIVE, verified_reductions=1, report_date=today,
            reason_lower="Lower."),
        "issuance_request_submit": lambda a, o: services.issuance_request_submit(actor=a, period=o),
        "issuance_request_withdraw": lambda a, o: services.issuance_request_withdraw(actor=a, request=o),
        "issuance_request_decide": lambda a, o: services.issuance_request_decide(actor=a, request=o, amount=1,
                                                                                 decision=decision()),
        "issuance_request_reject": lambda a, o: services.issuance_request_reject(actor=a, request=o,
                                                                                 decision=decision(), reason="No."),
    }


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def subject(rule: str) -> type:
    """The kind of object the action of ``rule`` acts on."""
    if rule.startswith(("change_request_", "issuance_request_")) and not rule.endswith("_submit"):
        return ChangeRequest if rule.startswith("change") else IssuanceRequest
    if rule == "evidence_remove":
        return EvidenceFile
    if rule.startswith(("monitoring_report_", "evidence_", "verification_", "issuance_request_")):
        return MonitoringPeriod
    return Project


def check_services(world: dict[str, Any], obj: Any, tested: set[str]) -> None:
    """For every rule open on ``obj``: the service refuses exactly the users that ``can_<rule>`` excludes."""
    for rule_name, call in calls(world).items():
        rule = access.RULES[rule_name]
        if not isinstance(obj, subject(rule_name)) or not rule.open(obj):
            continue
        for name, user in world["users"].items():
            actor = user if user is not None else AnonymousUser()
            assert refused(lambda call=call, actor=actor: call(actor, fresh(obj))) == (not can(rule_name, actor, obj)), (
                rule_name, name, obj)
        tested.add(rule_name)


def check_project_page(world: dict[str, Any], project: Project, tested: set[str]) -> None:
    project = fresh(project)
    for name, user in world["users"].items():
        shown = buttons(user, project.get_absolute_url(), project)
        expected = offered(user, [(p, r) for p, r in PROJECT_PAGE], project)
        for change in ChangeRequest.objects.filter(project=project):
            expected |= offered(user, CHANGE_ROW, change, str(change.pk))
        assert shown == expected, (name, project.status, shown ^ expected)
    check_services(world, project, tested)
    for change in ChangeRequest.objects.filter(project=project):
        check_services(world, change, tested)


def check_period_page(world: dict[str, Any], period: MonitoringPeriod, tested: set[str]) -> None:
    period = fresh(period)
    project = period.project
    for name, user in world["users"].items():
        shown = buttons(user, period.get_absolute_url(), project)
        expected = {(rule, str(period.number)) for rule, _key in offered(user, PERIOD_PAGE, period)
                    if rule != "monitoring_report_submit" or period.reports.filter(status=ReportStatus.DRAFT)}
        for request in IssuanceRequest.objects.filter(period=period):
            expected |= offered(user, ISSUANCE_ROW, request, str(request.pk))
        assert shown == expected, (name, period.number, period.status, shown ^ expected)
    check_services(world, period, tested)
    for request in IssuanceRequest.objects.filter(period=period):
        check_services(world, request, tested)
    for evidence in EvidenceFile.objects.filter(report__period=period):
        check_services(world, evidence, tested)


@pytest.fixture
def world(draft, pp, pp_partner, auditor, secretariat, other_secretariat, sysadmin, tpe, japanese_company,
          partner_company) -> dict[str, Any]:
    return {"project": draft, "tpe": tpe, "japanese": japanese_company, "partner": partner_company,
            "users": {"focal point": pp, "participant": pp_partner, "TPE auditor": auditor,
                      "secretariat": secretariat, "another committee's secretariat": other_secretariat,
                      "system administrator": sysadmin, "anonymous": None}}


def test_every_button_is_offered_exactly_when_the_service_would_accept_the_user(world, pp, secretariat, auditor,
                                                                                 tpe, japanese_company,
                                                                                 partner_company):
    project, tested = world["project"], set()
    check_project_page(world, project, tested)  # draft
    project = cycle.give_tpe_the_moc(project, pp=pp, tpe=tpe)
    check_project_page(world, project, tested)  # draft, TPE chosen, MoC submitted
    cycle.fill_pdd(pp, project)
    project = services.pdd_submit(actor=pp, project=project, now=cycle.days_ago(45))
    check_project_page(world, project, tested)  # PDD submitted to the TPE
    project = services.pdd_publication_request(actor=auditor, project=project, now=cycle.days_ago(44))
    check_project_page(world, project, tested)  # publication requested
    project = services.pdd_publish(actor=secretariat, project=project, now=cycle.days_ago(43))
    check_project_page(world, project, tested)  # public input
    project = services.validation_start(actor=pp, project=project)
    check_project_page(world, project, tested)  # under validation
    services.validation_report_submit(actor=auditor, project=project, conclusion=Conclusion.POSITIVE,
                                      report_date=timezone.localdate())
    cycle.moc_and_allocation(fresh(project), pp=pp, japanese=japanese_company, partner=partner_company, tpe=tpe)
    check_project_page(world, project, tested)  # validated
    project = services.registration_request(actor=pp, project=fresh(project))
    check_project_page(world, project, tested)  # registration requested
    project = services.project_register(actor=secretariat, project=project, decision=cycle.decision())
    assert project.status == ProjectStatus.REGISTERED
    services.change_request_submit(actor=pp, project=project, kind=ChangeRequestKind.POST_REGISTRATION_CHANGE,
                                   description="A better title.", changes={"title": "Solar PV in Darkhan, phase 1"})
    check_project_page(world, project, tested)  # registered, with a pending change request

    requested = cycle.verified_period(project, pp=pp, tpe=tpe, auditor=auditor, values=SOLAR_VALUES)
    services.issuance_request_submit(actor=pp, period=requested)
    verified = cycle.verified_period(project, pp=pp, tpe=tpe, auditor=auditor, values=SOLAR_VALUES,
                                     start=datetime.date(2025, 1, 1), end=datetime.date(2025, 6, 30))
    submitted = cycle.submitted_period(project, pp=pp, tpe=tpe, values=SOLAR_VALUES,
                                       start=datetime.date(2025, 7, 1), end=datetime.date(2025, 12, 31))
    open_ = services.monitoring_period_create(actor=pp, project=project, start_date=datetime.date(2026, 1, 1),
                                              end_date=datetime.date(2026, 6, 30))
    services.monitoring_report_save(actor=pp, period=open_, values=SOLAR_VALUES)
    services.evidence_add(actor=pp, period=open_, file=cycle.pdf("meter.pdf"))
    for period in (requested, verified, submitted, open_):
        check_period_page(world, period, tested)

    assert tested == set(access.RULES), set(access.RULES) - tested  # every rule was checked against its service


def test_each_action_page_calls_the_service_whose_rule_it_offers():
    for actions in (PROJECT_ACTIONS, PERIOD_ACTIONS, ISSUANCE_ACTIONS, CHANGE_ACTIONS):
        for action in actions.values():
            assert action.call.__name__ == action.rule.action, action.name
            assert action.rule is access.RULES[action.rule.action]


@pytest.mark.parametrize("link, rule", [
    ("/projects/mine/", access.can_see_my_projects), ("/projects/new/", access.can_project_create),
    ("/projects/tpe/", access.can_see_tpe_work), ("/projects/work/", access.can_see_secretariat_queues),
])
def test_the_register_links_to_the_work_pages_exactly_of_the_users_who_may_open_them(world, link, rule):
    for name, user in world["users"].items():
        client = Client()
        if user is not None:
            client.force_login(user)
        may = rule(user if user is not None else AnonymousUser())
        assert (f'href="{link}"' in client.get("/projects/").content.decode()) == may, (name, link)
        status = client.get(link).status_code
        assert status == (200 if may else 302 if user is None else 403), (name, link, status)


def test_a_participant_starts_a_project_exactly_when_offered(world, jc, solar, scope1):
    for name, user in world["users"].items():
        actor = user if user is not None else AnonymousUser()
        own = access.participant_organization_ids(actor)
        organization = world["japanese"] if not own or world["japanese"].pk in own else world["partner"]
        assert refused(lambda actor=actor, organization=organization: services.project_create(
            actor=actor, joint_committee=jc, title="New", sectoral_scope=scope1, methodology_versions=[solar],
            participants=[{"organization": organization, "side": "japanese"}], focal_point=organization,
        )) == (not access.can_project_create(actor)), name
