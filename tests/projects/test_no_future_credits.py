"""No credits before the reductions happen (issue 11): a monitoring report, a verification, an issuance
request, decision and issuance wait for the end of the monitoring period, in the services, the pages, the API
and the database."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import ApplicationError
from projects import access, services
from projects.choices import Conclusion, MonitoringStatus
from projects.models import IssuanceRequest, MonitoringPeriod
from tests.conftest import client_for

from . import cycle
from .test_monitoring import SOLAR_VALUES
from .test_views import browser, text

API = "/api/v1"


def _today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def running(registered, pp):
    """Monitoring period 1 of MN001: from the start of the crediting period to ten days from today, with values."""
    period = services.monitoring_period_create(actor=pp, project=registered, start_date=cycle.CREDITING_START,
                                               end_date=_today() + datetime.timedelta(days=10))
    services.monitoring_report_save(actor=pp, period=period, values=SOLAR_VALUES)
    return period


@pytest.fixture
def ending_today(registered, pp):
    period = services.monitoring_period_create(actor=pp, project=registered, start_date=cycle.CREDITING_START,
                                               end_date=_today())
    services.monitoring_report_save(actor=pp, period=period, values=SOLAR_VALUES)
    return period


@pytest.mark.parametrize("which", ["running", "ending_today"])
def test_a_report_cannot_be_submitted_before_the_period_has_ended(which, request, pp, tpe):
    for period in (request.getfixturevalue(which),):
        assert not access.can_monitoring_report_submit(pp, period)
        with pytest.raises(ApplicationError, match="only after it has ended") as refused:
            services.monitoring_report_submit(actor=pp, period=period, verification_tpe=tpe)
        assert refused.value.status_code == 400 and "end_date" in refused.value.errors
        period.refresh_from_db()
        assert period.status == MonitoringStatus.OPEN
    # saving values while the period runs stays possible
    assert access.can_monitoring_report_save(pp, period)


def test_the_period_page_does_not_offer_submission_and_says_when_it_opens(running, pp, tpe):
    page = browser(pp).get(running.get_absolute_url())
    assert page.status_code == 200
    assert "Review and submit" not in text(page)
    opens = (running.end_date + datetime.timedelta(days=1)).isoformat()
    assert opens in text(page)
    assert f"its monitoring report can be submitted from {opens}" in text(
        browser(pp).get(f"/projects/MN001/periods/{running.number}/report/"))  # the draft's page says it too
    url = f"/projects/MN001/periods/{running.number}/report/submit/"
    form = browser(pp).get(url)
    assert "not open at the moment" not in text(form)
    assert opens in text(form)
    refused = browser(pp).post(url, {"verification_tpe": tpe.pk})
    assert refused.status_code == 400
    assert "only after it has ended" in text(refused)
    running.refresh_from_db()
    assert running.status == MonitoringStatus.OPEN


def test_the_api_refuses_the_report_of_a_running_period_with_a_field_message(running, pp):
    response = client_for(pp).post(f"{API}/monitoring-periods/{running.pk}/submit/",
                                   {"verification_tpe": "TPE-MN-001"}, format="json")
    assert response.status_code == 400, response.json()
    assert "only after it has ended" in response.json()["errors"]["end_date"][0]


def test_a_verification_cannot_be_dated_before_the_end_of_the_period(registered, pp, tpe, auditor):
    yesterday = _today() - datetime.timedelta(days=1)
    period = cycle.submitted_period(registered, pp=pp, tpe=tpe, values=SOLAR_VALUES, end=yesterday)
    with pytest.raises(ApplicationError, match="before the end of the monitoring period") as refused:
        services.verification_report_submit(actor=auditor, period=period, conclusion=Conclusion.POSITIVE,
                                            verified_reductions=900, report_date=yesterday - datetime.timedelta(1),
                                            file=cycle.pdf("verification.pdf"))
    assert "report_date" in refused.value.errors
    services.verification_report_submit(actor=auditor, period=period, conclusion=Conclusion.POSITIVE,
                                        verified_reductions=900, report_date=yesterday,
                                        file=cycle.pdf("verification.pdf"))


def _verified(registered, pp, tpe, auditor) -> MonitoringPeriod:
    return cycle.verified_period(registered, pp=pp, tpe=tpe, auditor=auditor, values=SOLAR_VALUES)


def _move_end(period: MonitoringPeriod, end: datetime.date) -> None:
    """What no service does: the period's end is moved after the fact (as a wrong import or admin edit would)."""
    MonitoringPeriod.objects.filter(pk=period.pk).update(end_date=end)
    period.refresh_from_db()


def test_issuance_request_and_decision_wait_for_the_end_of_the_period(registered, pp, tpe, auditor, secretariat):
    period = _verified(registered, pp, tpe, auditor)
    _move_end(period, _today() + datetime.timedelta(days=5))
    assert not access.can_issuance_request_submit(pp, period)
    with pytest.raises(ApplicationError, match="only after it has ended"):
        services.issuance_request_submit(actor=pp, period=period)
    _move_end(period, datetime.date(2024, 12, 31))
    request = services.issuance_request_submit(actor=pp, period=period)
    _move_end(period, _today() + datetime.timedelta(days=5))
    request.refresh_from_db()
    assert not access.can_issuance_request_decide(secretariat, request)
    with pytest.raises(ApplicationError, match="only after it has ended"):
        services.issuance_request_decide(actor=secretariat, request=request, amount=900, decision=cycle.decision())
    _move_end(period, datetime.date(2024, 12, 31))
    request = IssuanceRequest.objects.get(pk=request.pk)
    with pytest.raises(ApplicationError, match="cannot be dated before the end") as refused:
        services.issuance_request_decide(actor=secretariat, request=request, amount=900, decision=cycle.decision(
            days_back=(_today() - datetime.date(2024, 12, 30)).days))
    assert "decided_on" in refused.value.errors
    assert access.can_issuance_request_decide(secretariat, request)
    services.issuance_request_decide(actor=secretariat, request=request, amount=900, decision=cycle.decision())


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_steps_taken_before_the_end_of_the_period(registered, pp, tpe, auditor, secretariat):
    period = _verified(registered, pp, tpe, auditor)
    verification = period.verification_reports.get()
    with pytest.raises(IntegrityError, match="verification_after_period_end"):
        _raw("UPDATE projects_verificationreport SET report_date = %s WHERE id = %s",
             [datetime.date(2024, 12, 30), verification.pk])
    report = period.reports.get(status="submitted")
    with pytest.raises(IntegrityError, match="monitoring_report_after_period_end"):
        _raw("UPDATE projects_monitoringreport SET submitted_at = %s WHERE id = %s",
             [datetime.datetime(2024, 12, 30, 12, tzinfo=datetime.UTC), report.pk])
    request = services.issuance_request_submit(actor=pp, period=period)
    services.issuance_request_decide(actor=secretariat, request=request, amount=900, decision=cycle.decision())
    with pytest.raises(IntegrityError, match="issuance_decided_after_period_end"):
        _raw("UPDATE projects_issuancerequest SET decided_at = %s WHERE id = %s",
             [datetime.datetime(2024, 12, 30, 12, tzinfo=datetime.UTC), request.pk])
    # the last day of the period is over everywhere on Earth: accepted
    _raw("UPDATE projects_issuancerequest SET decided_at = %s WHERE id = %s",
         [datetime.datetime(2025, 1, 1, 10, tzinfo=datetime.UTC), request.pk])


def test_the_cycle_helpers_create_no_future_period(registered, pp, tpe, auditor):
    period = _verified(registered, pp, tpe, auditor)
    assert period.has_ended


def test_credits_of_a_future_vintage_are_refused_by_the_service_and_the_database(registered, pp, tpe, auditor,
                                                                                secretariat, sysadmin):
    from credits import services as credit_services
    from credits.choices import AccountType
    from credits.models import Issuance

    period = _verified(registered, pp, tpe, auditor)
    request = services.issuance_request_submit(actor=pp, period=period)
    request = services.issuance_request_decide(actor=secretariat, request=request, amount=900,
                                               decision=cycle.decision())
    from committee.models import Country

    japan = Country.objects.get(is_japan=True)
    registry = credit_services.registry_open(actor=sysadmin, country=japan, name="Japan JCM Registry")
    from committee.choices import Role
    from tests import factories

    sysadmin = factories.make_user("regadmin_jp_future", Role.REGISTRY_ADMIN, country=japan)  # issues, not the superuser
    account = credit_services.account_open(actor=sysadmin, registry=registry, type=AccountType.GOVERNMENT_HOLDING,
                                           name="Government of Japan")
    with pytest.raises(ApplicationError, match="cannot be issued before"):
        credit_services.issuance_create(
            actor=sysadmin, registry=registry, decision=request.decision, project_code="MN001",
            monitoring_period_number=1, monitoring_period_key="MN001/01", vintage=_today().year + 1,
            shares=[credit_services.Share(account, 10)], decided_quantity=900)
    _move_end(period, _today() + datetime.timedelta(days=5))
    with pytest.raises(ApplicationError, match="can be issued only after it has ended"):
        credit_services.issuance_execute(actor=sysadmin, request=request, registry=registry)
    _move_end(period, datetime.date(2024, 12, 31))
    issuance = credit_services.issuance_create(
        actor=sysadmin, registry=registry, decision=request.decision, project_code="MN001",
        monitoring_period_number=1, monitoring_period_key="MN001/01", vintage=2024,
        shares=[credit_services.Share(account, 10)], decided_quantity=900)
    with pytest.raises(IntegrityError, match="credits of vintage .* cannot be issued on"):
        _raw("UPDATE credits_issuance SET vintage = %s WHERE id = %s", [_today().year + 1, issuance.pk])
    with pytest.raises(IntegrityError, match="issuance_after_period_end"):
        _raw("UPDATE credits_issuance SET issued_at = %s WHERE id = %s",
             [datetime.datetime(2024, 12, 30, tzinfo=datetime.UTC), issuance.pk])
    assert Issuance.objects.get().vintage == 2024
