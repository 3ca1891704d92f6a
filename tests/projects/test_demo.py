"""The demo projects load through the services, as the issue describes them, and load only once."""

import pytest

from committee import demo as committee_demo
from core.models import AuditEvent
from jcm_registry import demo as core_demo
from methodologies.demo import seed_methodologies
from projects.choices import IssuanceStatus, MonitoringStatus, ProjectStatus
from projects.demo import MN001_METERED_MWH, seed_projects
from projects.models import Project


@pytest.mark.django_db
def test_demo_projects_are_loaded_once():
    report = core_demo.seed()  # the demo seeder loads the methodologies and projects
    assert sum(1 for line in report.created if line.startswith("project MN900")) == 3
    from committee.models import User

    admin = User.objects.get(username=committee_demo.ADMIN_USERNAME)
    assert seed_methodologies(admin) == []
    assert seed_projects(admin) == []  # loaded once
    mn001, mn002, mn003 = (Project.objects.get(project_id=f"MN900{n}") for n in (1, 2, 3))
    assert mn001.status == ProjectStatus.REGISTERED
    period = mn001.monitoring_periods.get()
    assert period.status == MonitoringStatus.ISSUANCE_DECIDED
    request = period.issuance_requests.get()
    assert request.status == IssuanceStatus.DECIDED
    # 14234.567 MWh x 0.9 tCO2/MWh = 12811.1103 tCO2e, rounded down
    assert MN001_METERED_MWH == "14234.567"
    assert request.decided_amount == 12811
    assert request.decision.kind == "issue_credits"
    assert mn002.status == ProjectStatus.PUBLIC_INPUT and mn002.is_open_for_comments
    assert mn002.comments.count() == 1
    assert mn003.status == ProjectStatus.UNDER_VALIDATION
    assert mn003.validation_tpe.tpe_id == "TPE-MN-9001"
    # the demo projects are fictitious, with IDs no real JCM project has (three digits), and so are their
    # methodologies and TPE
    assert all(p.is_fictitious for p in (mn001, mn002, mn003))
    assert not Project.objects.filter(project_id__regex=r"^[A-Z]{2}[0-9]{3}$").exists()
    assert mn003.validation_tpe.organization.is_fictitious
    assert all(v.methodology.is_fictitious for v in mn001.methodology_versions.all())
    # at least half of the credits to the Government of Japan (model projects)
    shares = [s for a in mn001.allocations.all() for s in a.shares.all() if s.party == "japan_government"]
    assert shares and all(s.percent >= 50 for s in shares)
    # the focal point of all three is the demo participant's company
    assert mn001.participants.get(is_focal_point=True).organization.users.filter(username="participant").exists()

    events = AuditEvent.objects.count()
    assert seed_projects(admin) == []
    assert AuditEvent.objects.count() == events
