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
        ensure_second_factors(report)
        return report


def ensure_second_factors(report: SeedReport) -> None:
    """Each demo user who must pass a second factor (core.auth.policy) gets an authenticator (TOTP) device once;
    its secret goes into the report every run, so that ``seed_demo`` can print it again (demo data only)."""
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from committee.models import User
    from core.auth.policy import requires_second_factor

    for username, _password, _description in report.logins:
        user = User.objects.get(username=username)
        if not requires_second_factor(user):
            continue
        device = TOTPDevice.objects.filter(user=user, name="demo authenticator", confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
            report.created.append(f"second factor of {username}")
        report.second_factors.append((username, base64.b32encode(device.bin_key).decode(), device.config_url))
