"""A participant (and the TPE) can tell when the next step opens (issue 11): while public input runs, the
validation report is not offered and every page says what waits for what, and until when."""

from __future__ import annotations

from django.utils import timezone

from projects import access, services

from . import cycle
from .test_views import browser, text


def _validating_during_public_input(draft, pp, secretariat, tpe, auditor):
    project = cycle.submit_pdd(draft, pp=pp, tpe=tpe)
    project = services.pdd_publication_request(actor=auditor, project=project)
    project = services.pdd_publish(actor=secretariat, project=project)
    return services.validation_start(actor=pp, project=project)


def test_the_validation_report_waits_for_public_input_and_says_until_when(draft, pp, secretariat, tpe, auditor):
    project = _validating_during_public_input(draft, pp, secretariat, tpe, auditor)
    closes = timezone.localtime(project.public_input_closes_at).strftime("%Y-%m-%d %H:%M")
    expected = f"Public input runs until {closes}; the validation report can be submitted after that."
    assert not access.can_validation_report_submit(auditor, project)

    form = text(browser(auditor).get("/projects/MN001/validation/"))
    assert "not open at the moment" not in form
    assert expected in form

    work = text(browser(auditor).get("/projects/tpe/"))
    assert "/projects/MN001/validation/" not in work  # the TPE's list does not offer the report yet
    assert "The validation report can be submitted after public input closes" in work

    for user in (pp, auditor, secretariat, None):
        assert expected in text(browser(user).get("/projects/MN001/")), user


def test_each_step_before_public_input_says_who_it_waits_for(draft, pp, secretariat, tpe, auditor):
    assert "choose it before submitting the PDD" in text(browser(pp).get("/projects/MN001/"))
    project = cycle.submit_pdd(draft, pp=pp, tpe=tpe)
    page = text(browser(pp).get("/projects/MN001/"))
    assert "The PDD is with TPE-MN-001, which asks the secretariat to publish it for public input" in page
    assert "completeness" not in page.lower()
    services.pdd_publication_request(actor=auditor, project=project)
    page = text(browser(pp).get("/projects/MN001/"))
    assert "asked for the PDD to be published; public input (30 days) opens when the secretariat publishes it" \
        in page


def test_once_public_input_is_over_the_validation_report_is_offered(draft, pp, secretariat, tpe, auditor):
    project = cycle.to_public_input(draft, pp=pp, secretariat=secretariat, tpe=tpe)  # closed 13 days ago
    project = services.validation_start(actor=pp, project=project)
    assert access.can_validation_report_submit(auditor, project)
    assert "/projects/MN001/validation/" in text(browser(auditor).get("/projects/tpe/"))
    assert "Public input runs until" not in text(browser(pp).get("/projects/MN001/"))
