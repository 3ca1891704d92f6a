"""The demo data of ``manage.py seed_demo``: each app seeds its own part, in dependency order.

The committee part (countries, Joint Committees, organizations, demo users and their roles, and the reference
data of the Japan–Mongolia register: jcm_registry.reference) comes first;
then each app's ``seed_<app>(actor) -> list[str]`` (what it created), idempotent, writing through that
app's services as the demo system administrator. An app's demo module may add logins of its own
(``DEMO_LOGINS``, same password). Everything runs in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from committee import demo as committee_demo
from committee.demo import DEMO_PASSWORD, SeedReport
from credits import demo as credits_demo
from methodologies import demo as methodologies_demo
from methodologies import reference_mn as methodologies_reference
from projects import demo as projects_demo
from projects import demo_forms as projects_demo_forms

__all__ = ["DEMO_PASSWORD", "SeedReport", "seed"]

# After the committee part, in dependency order (each app's seeder reads what the ones before made).
APP_SEEDERS = [
    (methodologies_demo, methodologies_demo.seed_methodologies),
    (projects_demo, projects_demo.seed_projects),
    (projects_demo_forms, projects_demo_forms.seed_project_forms),
    (credits_demo, credits_demo.seed_credits),
]


def seed(log: Callable[[str], None] = lambda _m: None) -> SeedReport:
    """Load the demo data (idempotent) in one transaction; return what was created and the logins."""
    with transaction.atomic():
        seeder = committee_demo.Seeder(SeedReport(), log)
        report = seeder.run()  # with the committee part of the reference data (committee.reference_mn)
        methodologies_reference.load(seeder.admin, log=seeder.created)
        for module, seed_app in APP_SEEDERS:
            for what in seed_app(seeder.admin):
                seeder.created(what)
            for username, description in getattr(module, "DEMO_LOGINS", []):
                if not any(login[0] == username for login in report.logins):
                    report.logins.append((username, DEMO_PASSWORD, description))
        return report
