"""The notifications app knows the domain only through core's registries: each domain app declares its
webhook events (``<app>/webhooks.py``) and its overdue work (``<app>/queues.py``), and notifications imports
no domain app but committee (users, roles, countries)."""

import ast
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from core.registries import overdue_work, webhook_events
from notifications import services as notifications
from notifications import webhooks
from projects import services as project_services
from tests.projects import conftest as project_fixtures
from tests.projects import cycle

pytestmark = pytest.mark.django_db

# The project fixtures (two companies, a TPE, an approved solar PV methodology, MN001 as a draft and registered).
scope1, scope3 = project_fixtures.scope1, project_fixtures.scope3
japanese_company, partner_company = project_fixtures.japanese_company, project_fixtures.partner_company
pp, pp_partner = project_fixtures.pp, project_fixtures.pp_partner
tpe, auditor = project_fixtures.tpe, project_fixtures.auditor
solar, draft, registered = project_fixtures.solar, project_fixtures.draft, project_fixtures.registered

DOCUMENTED_EVENTS = {  # docs/notifications.md, "Which events"
    "credits.issuance.completed", "credits.transfer.completed", "credits.external_transfer.completed",
    "credits.cancellation.completed", "credits.retirement.completed", "credits.reversal.completed",
    "committee.decision.recorded", "projects.project.registered", "methodologies.version.approved",
}
DOMAIN_APPS = ("committee", "methodologies", "projects", "credits")


def test_each_domain_app_registers_its_own_events():
    assert set(webhook_events) == DOCUMENTED_EVENTS
    for name, spec in webhook_events.items():
        assert spec.name == name and spec.description
        assert spec.resolve.__module__ == f"{name.split('.')[0]}.webhooks"
    assert webhooks.known_events() == sorted(DOCUMENTED_EVENTS | {webhooks.NOTIFICATION_EVENT})


def test_the_apps_with_work_queues_provide_their_overdue_work():
    assert {name: provider.__module__ for name, provider in overdue_work.items()} == {
        "methodologies": "methodologies.queues", "projects": "projects.queues", "project_forms": "projects.queues"}


def test_notifications_imports_no_domain_app_but_committee():
    root = Path(settings.BASE_DIR) / "notifications"
    forbidden = set(DOMAIN_APPS) - {"committee"} | {"documents"}
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            found += [f"{path.relative_to(root)}: {name}" for name in names if name.split(".")[0] in forbidden]
    assert found == []


def test_the_payload_of_a_registered_project(registered, jc, japan, settings):
    settings.SITE_URL = "https://registry.example.org/"

    facts = webhook_events["projects.project.registered"].resolve({"project_id": registered.pk})

    assert facts.countries == {jc.partner_id, japan.pk}
    assert facts.data == {"project": {
        "project_id": "MN001", "title": registered.title, "joint_committee": jc.code,
        "registered_on": registered.registered_on,
        "url": f"https://registry.example.org{registered.get_absolute_url()}"}}
    assert webhook_events["projects.project.registered"].resolve({"project_id": 0}) is None


def test_the_payload_of_an_approved_methodology(solar, jc, japan, settings):
    settings.SITE_URL = "https://registry.example.org"
    methodology = solar.methodology

    facts = webhook_events["methodologies.version.approved"].resolve({"version_id": solar.pk})

    assert facts.countries == {jc.partner_id, japan.pk}
    assert facts.data == {"methodology": {
        "number": "MN_AM003", "title": methodology.title, "version": solar.version,
        "approved_on": solar.approved_on, "joint_committee": jc.code,
        "url": f"https://registry.example.org{solar.get_absolute_url()}"}}


def test_the_digest_gathers_the_overdue_work_of_every_queue_earliest_first(draft, pp, secretariat, participant,
                                                                           jc, auditor, tpe, japanese_company,
                                                                           partner_company):
    from tests.methodologies.conftest import submit

    late_methodology = submit(participant, jc, now=timezone.now() - datetime.timedelta(days=30))
    project = cycle.to_validated(draft, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe)
    cycle.moc_and_allocation(project, pp=pp, japanese=japanese_company, partner=partner_company, tpe=tpe)
    late_project = project_services.registration_request(actor=pp, project=project, now=cycle.days_ago(70))
    today = timezone.localdate()

    items = notifications.overdue_items(secretariat, today)

    assert [(item.reference, item.due) for item in items] == sorted(
        [(late_methodology.number, late_methodology.completeness_due_on),
         (late_project.project_id, late_project.registration_due_on)], key=lambda pair: (pair[1], pair[0]))
    assert all(item.due < today and item.url for item in items)
    assert notifications.overdue_items(secretariat, today - datetime.timedelta(days=60)) == []
