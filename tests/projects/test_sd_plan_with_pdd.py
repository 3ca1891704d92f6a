"""Mongolia's rules (JCM_SD_FORM_COUNTRIES) have the participants submit the sustainable development
contribution plan with the PDD (issue 11): the first PDD submission waits for a submitted or accepted plan;
the service refuses with a message on the field ``sd_plan``, the API answers 400 with it, and the project
page does not offer "Submit the PDD to the TPE" and says why."""

from __future__ import annotations

import pytest
from django.test import override_settings

from core.errors import ApplicationError
from projects import access, services
from projects.choices import ProjectStatus
from projects.form_choices import ProjectFormKind
from projects.services.project_forms import project_form_submit
from tests.conftest import client_for

from . import cycle
from .test_views import browser, text

SUBMIT_LABEL = "Submit the PDD to the TPE"
WHY = "once the sustainable development contribution plan is submitted"


def _ready_but_the_plan(project, pp):
    project = cycle.give_tpe_the_moc(project, pp=pp, sd_plan=False)
    cycle.fill_pdd(pp, project)
    return project


def test_the_pdd_of_a_mongolian_project_waits_for_the_sd_plan(draft, pp, tpe):
    project = _ready_but_the_plan(draft, pp)
    assert access.sd_plan_missing(project) and not access.can_pdd_submit(pp, project)
    with pytest.raises(ApplicationError) as refused:
        services.pdd_submit(actor=pp, project=project)
    assert "sd_plan" in refused.value.errors
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT

    response = client_for(pp).post(f"/api/v1/projects/{project.project_id}/submit-pdd/")
    assert response.status_code == 400 and "sd_plan" in response.json()["errors"]

    page = text(browser(pp).get(project.get_absolute_url()))
    assert SUBMIT_LABEL not in page and WHY in page

    project_form_submit(actor=pp, project=project, kind=ProjectFormKind.SD_PLAN,
                                 title="Contribution plan", content="Local jobs.")
    assert access.can_pdd_submit(pp, project)
    page = text(browser(pp).get(project.get_absolute_url()))
    assert SUBMIT_LABEL in page and WHY not in page
    assert services.pdd_submit(actor=pp, project=project).status == ProjectStatus.PDD_SUBMITTED


@override_settings(JCM_SD_FORM_COUNTRIES=["XX"])
def test_a_joint_committee_without_sd_forms_submits_the_pdd_without_a_plan(draft, pp, tpe):
    project = _ready_but_the_plan(draft, pp)
    assert not access.sd_plan_missing(project)
    assert services.pdd_submit(actor=pp, project=project).status == ProjectStatus.PDD_SUBMITTED
