"""Browser tests: real Chromium (Debian's /usr/bin/chromium) driven by Playwright against live_server.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety check
must be relaxed for the ORM calls the tests make. These tests use transactional databases
(the live server runs in another thread), which empty every table afterwards; the reference
data the migrations created (Japan, the sectoral scopes) is put back after each module so the
tests that follow still find it.
"""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("JCM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing browser is a failure, never a silent skip
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts (separate cookies: each one a different visitor)."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


PASSWORD = "pass-word-123"


def log_in(page, base: str, username: str, next_url: str = "/", password: str = PASSWORD) -> None:
    """Log in through the login form, then pass the second factor on its page with the current code of the
    user's authenticator (a TOTP device the helper gives the user if they have none), landing on ``next_url``.
    Every user passes it, so that the credits pages' step-up finds a fresh second factor."""
    from urllib.parse import quote

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from committee.models import User

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="browser test", confirmed=True)
    verify = f"/accounts/second-factor/verify/?next={quote(next_url)}"
    page.goto(f"{base}/accounts/login/?next={quote(verify)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    if totp.t() <= device.last_t:  # this period's code was used already: the next period's is accepted too
        totp.drift = 1
    page.get_by_label("Code").fill(f"{totp.token():0{device.digits}d}")
    page.get_by_role("button", name="Verify").click()


PROJECT_APPS = ("committee", "methodologies", "projects", "credits")


def _snapshot_reference_data() -> str:
    """The rows of the project's own tables, e.g. Japan and the sectoral scopes made by data migrations."""
    from django.apps import apps
    from django.core import serializers
    from django.db import connection

    tables = set(connection.introspection.table_names())
    models = [
        model for model in serializers.sort_dependencies([(apps.get_app_config(label), None) for label in PROJECT_APPS])
        if model._meta.managed and not model._meta.proxy and model._meta.db_table in tables
    ]

    def rows():
        for model in models:
            yield from model._default_manager.order_by("pk").iterator()

    return serializers.serialize("json", rows())


@pytest.fixture(scope="module", autouse=True)
def _keep_reference_data(django_db_setup, django_db_blocker):
    """A transactional test empties every table; put the reference data back after the module."""
    from django.db import connection

    with django_db_blocker.unblock():
        snapshot = _snapshot_reference_data()
        connection.close()  # Playwright's event loop gives fixtures their own connection: don't leave it open
    yield
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(snapshot)
        connection.close()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def registered_project(sysadmin, jc, secretariat):
    """MN001, registered through the services: solar PV at two sites, monitoring period 1 open; its focal
    point logs in as ``pp_focal``."""
    import datetime
    from decimal import Decimal

    from committee import services as committee_services
    from committee.choices import OrganizationKind, Role
    from projects import services
    from tests import factories as f
    from tests.projects import cycle

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
