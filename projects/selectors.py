"""Reads of the projects app, scoped to the user, and the work lists of each face.

Who sees what:

- a project is public once its PDD was published for public input (its public PDD, comments, validation
  and verification reports, monitoring periods with their submitted reports, issuance requests);
- before that it is seen by its participants, and — once submitted — by the insiders of its Joint
  Committee (secretariat, members, the ministries of both governments) and the TPE chosen to validate it;
- confidential material (the confidential PDD, evidence files, MoC statements with their contacts,
  credit allocations, pending change requests, draft monitoring reports of the participants' own entry)
  is seen only by the project's participants, the secretariat of its Joint Committee, its TPE and the
  ministries of the two governments (``projects.access.can_see_confidential``);
- draft PDDs and draft monitoring reports are seen by the participants only.

Objects a user may not see do not exist for them (``NotFound``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from committee.models import Organization, ThirdPartyEntity
from committee.roles import ALL, insider_committee_ids, is_authenticated, is_system_admin
from committee.selectors import tpes_that_may_serve
from core.errors import NotFound
from methodologies.models import EligibilityCriterion, MethodologyVersion, Parameter
from methodologies.selectors import monitoring_workbook as methodology_workbook

from . import access
from .access import Viewer
from .choices import (
    DEFAULT_PDD_PUBLIC_INPUT_DAYS,
    ChangeRequestStatus,
    Conclusion,
    IssuanceStatus,
    MonitoringStatus,
    PDDStatus,
    ProjectStatus,
    RecordStatus,
    ReportStatus,
)
from .models import (
    PDD,
    ChangeRequest,
    CreditAllocation,
    EvidenceFile,
    IssuanceRequest,
    MoCStatement,
    MonitoringPeriod,
    MonitoringReport,
    Project,
    ProjectComment,
    ProjectForm,
    ProjectParticipant,
    ValidationReport,
    VerificationReport,
)

PROJECT_RELATED = ("joint_committee__partner", "sectoral_scope", "validation_tpe__organization",
                   "registration_decision")


# --- visibility ------------------------------------------------------------------------------------

def _own_projects_q(user: Viewer) -> Q:
    """Projects the user works on: as a participant, or as an auditor of their TPE."""
    q = Q(pk__in=[])
    orgs = access.participant_organization_ids(user)
    if orgs:
        q |= Q(pk__in=ProjectParticipant.objects.filter(organization_id__in=orgs, active=True).values("project_id"))
    tpe_orgs = access.tpe_organization_ids(user)
    if tpe_orgs:
        q |= Q(validation_tpe__organization_id__in=tpe_orgs) | Q(pk__in=MonitoringPeriod.objects.filter(
            verification_tpe__organization_id__in=tpe_orgs).values("project_id"))
    return q


def visible_projects_q(user: Viewer) -> Q | None:
    """The projects ``user`` may see (None: all of them)."""
    if is_system_admin(user):
        return None
    q = Q(public_input_opens_at__isnull=False)
    if not is_authenticated(user):
        return q
    q |= _own_projects_q(user)
    insider = insider_committee_ids(user)
    submitted = Q(pdd_submitted_at__isnull=False)
    if insider == ALL:
        q |= submitted
    elif insider:
        q |= submitted & Q(joint_committee_id__in=insider)
    return q


def confidential_projects_q(user: Viewer) -> Q | None:
    """The projects whose confidential material ``user`` may see (None: all)."""
    if is_system_admin(user):
        return None
    if not is_authenticated(user):
        return Q(pk__in=[])
    q = _own_projects_q(user)
    secretariat = access.secretariat_committee_ids(user)
    if secretariat:
        q |= Q(joint_committee_id__in=secretariat)
    every, countries = access.ministry_committee_scope(user)
    if every:
        return None
    if countries:
        q |= Q(joint_committee__partner_id__in=countries)
    return q


def _filter(qs: QuerySet, q: Q | None, prefix: str = "") -> QuerySet:
    if q is None:
        return qs
    if not prefix:
        return qs.filter(q)
    return qs.filter(**{f"{prefix}__in": Project.objects.filter(q).values("pk")})


# --- projects -------------------------------------------------------------------------------------

def project_list(user: Viewer) -> QuerySet[Project]:
    participants = ProjectParticipant.objects.select_related("organization").order_by("-is_focal_point", "side",
                                                                                      "name")
    qs = Project.objects.select_related(*PROJECT_RELATED).prefetch_related(
        Prefetch("participants", queryset=participants), "sites",
        "methodology_versions__methodology")
    return _filter(qs, visible_projects_q(user))


def public_project_list() -> QuerySet[Project]:
    return project_list(None)


def project_get(user: Viewer, project_id: str) -> Project:
    project = project_list(user).filter(project_id=(project_id or "").upper()).first()
    if project is None:
        raise NotFound(_("There is no project %(id)s.") % {"id": project_id})
    return project


def current_pdd(project: Project) -> PDD | None:
    """The PDD version in force: the last one submitted."""
    return project.pdds.filter(status=PDDStatus.SUBMITTED).first()


def pdd_list(user: Viewer, project: Project | None = None) -> QuerySet[PDD]:
    """Submitted PDD versions of visible projects; drafts only for the project's participants."""
    qs = PDD.objects.select_related("project__joint_committee__partner").prefetch_related(
        "answers__criterion__version__methodology")
    if project is not None:
        qs = qs.filter(project=project)
    qs = _filter(qs, visible_projects_q(user), "project")
    if is_system_admin(user):
        return qs
    own = ProjectParticipant.objects.filter(organization_id__in=access.participant_organization_ids(user),
                                            active=True).values("project_id")
    return qs.filter(~Q(status=PDDStatus.DRAFT) | Q(project_id__in=own))


def comment_list(user: Viewer, project: Project | None = None) -> QuerySet[ProjectComment]:
    qs = ProjectComment.objects.select_related("project")
    if project is not None:
        qs = qs.filter(project=project)
    return _filter(qs, visible_projects_q(user), "project")


# A predicate, so it lives in projects.access; the former name stays for the callers that read it here (the API).
may_see_commenter_email = access.can_see_commenter_email


def validation_report_list(user: Viewer, project: Project | None = None) -> QuerySet[ValidationReport]:
    qs = ValidationReport.objects.select_related("project", "tpe__organization", "pdd").prefetch_related("findings")
    if project is not None:
        qs = qs.filter(project=project)
    return _filter(qs, visible_projects_q(user), "project")


def moc_list(user: Viewer, project: Project | None = None) -> QuerySet[MoCStatement]:
    qs = MoCStatement.objects.select_related("project", "focal_point", "supersedes").prefetch_related(
        "tpes", "annex_changes__organization")
    if project is not None:
        qs = qs.filter(project=project)
    return _filter(qs, confidential_projects_q(user), "project")


def allocation_list(user: Viewer, project: Project | None = None) -> QuerySet[CreditAllocation]:
    qs = CreditAllocation.objects.select_related("project").prefetch_related("shares__organization")
    if project is not None:
        qs = qs.filter(project=project)
    return _filter(qs, confidential_projects_q(user), "project")




def change_request_list(user: Viewer, project: Project | None = None) -> QuerySet[ChangeRequest]:
    """Approved changes are public with the project; the others are for the confidential circle."""
    qs = ChangeRequest.objects.select_related("project", "decision")
    if project is not None:
        qs = qs.filter(project=project)
    confidential = confidential_projects_q(user)
    if confidential is None:
        return qs
    visible = Project.objects.filter(visible_projects_q(user) or Q()).values("pk")
    return qs.filter(Q(project_id__in=Project.objects.filter(confidential).values("pk"))
                     | (Q(status=ChangeRequestStatus.APPROVED) & Q(project_id__in=visible)))


# --- monitoring, verification, issuance ----------------------------------------------------------------

def monitoring_period_list(user: Viewer, project: Project | None = None) -> QuerySet[MonitoringPeriod]:
    qs = MonitoringPeriod.objects.select_related("project__joint_committee__partner", "verification_tpe__organization")
    if project is not None:
        qs = qs.filter(project=project)
    return _filter(qs, visible_projects_q(user), "project")




def monitoring_report_list(user: Viewer, period: MonitoringPeriod | None = None) -> QuerySet[MonitoringReport]:
    """Submitted reports with the project; drafts for its participants (and the confidential circle)."""
    qs = MonitoringReport.objects.select_related("period__project", "methodology_version__methodology")
    if period is not None:
        qs = qs.filter(period=period)
    qs = _filter(qs, visible_projects_q(user), "period__project")
    confidential = confidential_projects_q(user)
    if confidential is None:
        return qs
    return qs.filter(~Q(status=ReportStatus.DRAFT)
                     | Q(period__project_id__in=Project.objects.filter(confidential).values("pk")))


def latest_report(period: MonitoringPeriod, user: Viewer = None) -> MonitoringReport | None:
    """The report a user is shown for a period: the draft (when they may see it) or the last submitted one."""
    reports = monitoring_report_list(user, period) if user is not None else period.reports.all()
    return reports.order_by("-version").first()


def monitoring_workbook(period: MonitoringPeriod, methodology_version: MethodologyVersion | None = None
                        ) -> tuple[str, bytes]:
    """The methodology's monitoring spreadsheet (XLSX) for the project's sites, to fill in and upload."""
    project = period.project
    applied = project.methodology_versions.select_related("methodology")
    version = applied.filter(pk=methodology_version.pk).first() if methodology_version else applied.first()
    if version is None:
        raise NotFound(_("The project does not apply that methodology version."))
    data = methodology_workbook(version, sites=list(project.sites.values_list("name", flat=True)) or None)
    pdd = current_pdd(project)
    if pdd is not None and pdd.ex_ante_values:
        data = _with_fixed_values(data, pdd.ex_ante_values)
    return f"{project.project_id}-MP{period.number:02d}-{version.methodology.number}-{version.version}.xlsx", data


def _with_fixed_values(data: bytes, fixed: dict[str, object]) -> bytes:
    """The workbook with the ex-ante values the PDD fixes filled in (as the web form shows them), greyed and
    locked like the methodology's fixed defaults: a report may repeat them, not change them."""
    import io

    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill, Protection

    from methodologies import spreadsheet

    book = load_workbook(io.BytesIO(data))
    sheet = book[spreadsheet.PLAN_SHEET]
    symbol_column = spreadsheet.COLUMN["Symbol"]
    for row in range(spreadsheet.HEADER_ROW + 1, sheet.max_row + 1):
        symbol = sheet.cell(row=row, column=symbol_column).value
        value = fixed.get(str(symbol)) if symbol else None
        if value is None or isinstance(value, dict):
            continue
        cell = sheet.cell(row=row, column=spreadsheet.VALUE_COLUMN)
        cell.value = str(value)
        cell.fill = PatternFill("solid", fgColor="E7E6E6")  # the grey of the methodology's fixed values
        cell.protection = Protection(locked=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def evidence_list(user: Viewer, report: MonitoringReport | None = None) -> QuerySet[EvidenceFile]:
    qs = EvidenceFile.objects.select_related("report__period__project")
    if report is not None:
        qs = qs.filter(report=report)
    return _filter(qs, confidential_projects_q(user), "report__period__project")


def verification_report_list(user: Viewer, period: MonitoringPeriod | None = None
                             ) -> QuerySet[VerificationReport]:
    qs = VerificationReport.objects.select_related("period__project", "tpe__organization", "report").prefetch_related(
        "findings")
    if period is not None:
        qs = qs.filter(period=period)
    return _filter(qs, visible_projects_q(user), "period__project")


def issuance_request_list(user: Viewer, project: Project | None = None) -> QuerySet[IssuanceRequest]:
    qs = IssuanceRequest.objects.select_related(
        "project__joint_committee__partner", "period", "decision", "allocation", "verification")
    if project is not None:
        qs = qs.filter(project=project)
    return _filter(qs, visible_projects_q(user), "project")




# --- work lists --------------------------------------------------------------------------------------

@dataclass
class Step:
    """Something that awaits someone: ``mine`` when it awaits the user, else it awaits others."""

    label: str
    mine: bool = True
    due: datetime.date | None = None
    obj: object = None

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


@dataclass
class ProjectWork:
    project: Project
    steps: list[Step] = field(default_factory=list)

    @property
    def awaiting_me(self) -> list[Step]:
        return [s for s in self.steps if s.mine]


def _closes_on(project: Project) -> datetime.date | None:
    return timezone.localdate(project.public_input_closes_at) if project.public_input_closes_at else None


def _participant_steps(project: Project, *, focal: bool) -> list[Step]:
    status = project.status
    steps: list[Step] = []
    if status == ProjectStatus.DRAFT:
        label = _("Complete and submit the PDD")
        if project.status_reason:
            label = _("Complete the PDD returned by the TPE (%(reason)s) and submit it again") % {
                "reason": project.status_reason}
        if not project.validation_tpe_id:
            steps.append(Step(_("Choose the TPE that validates the project")))
        steps.append(Step(label))
    elif status == ProjectStatus.PDD_SUBMITTED:
        steps.append(Step(_("Request for publication by %(tpe)s") % {"tpe": tpe_label(project.validation_tpe)},
                          mine=False))
    elif status == ProjectStatus.PUBLICATION_REQUESTED:
        steps.append(Step(_("Publication for public input by the secretariat"), mine=False))
    elif status == ProjectStatus.PUBLIC_INPUT:
        steps.append(Step(_("Public input"), mine=False, due=_closes_on(project)))
        steps.append(Step(_("Start the validation by your TPE")))
    elif status == ProjectStatus.UNDER_VALIDATION:
        steps.append(Step(_("Validation by %(tpe)s") % {"tpe": tpe_label(project.validation_tpe)}, mine=False))
    elif status == ProjectStatus.VALIDATION_NEGATIVE:
        steps.append(Step(_("Revise the PDD and start the validation again")))
    elif status == ProjectStatus.VALIDATED and focal:
        if not project.moc_statements.filter(status=RecordStatus.CURRENT).exists():
            steps.append(Step(_("Submit the MoC statement")))
        if not project.allocations.filter(status=RecordStatus.CURRENT).exists():
            steps.append(Step(_("Enter the credit allocation")))
        steps.append(Step(_("Request registration")))
    elif status == ProjectStatus.REGISTRATION_REQUESTED:
        steps.append(Step(_("Registration decision of the Joint Committee"), mine=False,
                          due=project.registration_due_on))
    elif status == ProjectStatus.REGISTERED:
        steps.extend(_monitoring_steps(project, focal=focal))
    return steps


def _monitoring_steps(project: Project, *, focal: bool) -> list[Step]:
    steps: list[Step] = []
    periods = list(project.monitoring_periods.all())
    for period in periods:
        if period.status == MonitoringStatus.OPEN:
            steps.append(Step(_("Enter and submit the monitoring report for period %(n)s") % {"n": period.number},
                              obj=period))
        elif period.status == MonitoringStatus.SUBMITTED:
            steps.append(Step(_("Verification of period %(n)s by %(tpe)s") % {
                "n": period.number, "tpe": tpe_label(period.verification_tpe)}, mine=False, obj=period))
        elif period.status == MonitoringStatus.VERIFIED and focal:
            steps.append(Step(_("Request issuance for period %(n)s") % {"n": period.number}, obj=period))
        elif period.status == MonitoringStatus.ISSUANCE_REQUESTED:
            steps.append(Step(_("Issuance decision for period %(n)s") % {"n": period.number}, mine=False,
                              obj=period))
    crediting_end = project.crediting_end
    if not any(p.status == MonitoringStatus.OPEN for p in periods) and (
            not periods or (crediting_end is not None and periods[-1].end_date < crediting_end)):
        steps.append(Step(_("Open the next monitoring period")))
    return steps


def tpe_label(tpe: ThirdPartyEntity | None) -> str:
    """The TPE's id; a dash where none is assigned (the workflow assigns one before these steps)."""
    return tpe.tpe_id if tpe is not None else "—"


def my_projects(user: Viewer) -> list[ProjectWork]:
    """A participant's projects, each with what awaits them (and what awaits others)."""
    orgs = access.participant_organization_ids(user)
    if not orgs:
        return []
    focal_ids = set(ProjectParticipant.objects.filter(organization_id__in=orgs, active=True, is_focal_point=True)
                    .values_list("project_id", flat=True))
    projects = (Project.objects.select_related(*PROJECT_RELATED)
                .filter(pk__in=ProjectParticipant.objects.filter(organization_id__in=orgs, active=True)
                        .values("project_id"))
                .prefetch_related("monitoring_periods__verification_tpe")
                .order_by("project_id"))
    return [ProjectWork(p, _participant_steps(p, focal=p.pk in focal_ids)) for p in projects]


@dataclass
class TPEWork:
    to_start: QuerySet[Project]  # chosen, validation not started yet
    validations: QuerySet[Project]  # under validation by the user's TPE
    verifications: QuerySet[MonitoringPeriod]  # submitted reports to verify


def tpe_assignments(user: Viewer) -> TPEWork:
    """What is assigned to the user's TPE(s)."""
    orgs = access.tpe_organization_ids(user)
    projects = Project.objects.select_related(*PROJECT_RELATED).filter(validation_tpe__organization_id__in=orgs)
    return TPEWork(
        to_start=projects.filter(status__in=[ProjectStatus.DRAFT, ProjectStatus.PDD_SUBMITTED,
                                             ProjectStatus.PUBLICATION_REQUESTED,
                                             ProjectStatus.PUBLIC_INPUT]).order_by("project_id"),
        validations=projects.filter(status=ProjectStatus.UNDER_VALIDATION).order_by("validation_started_at"),
        verifications=(MonitoringPeriod.objects.select_related("project__joint_committee__partner",
                                                               "verification_tpe")
                       .filter(status=MonitoringStatus.SUBMITTED, verification_tpe__organization_id__in=orgs)
                       .order_by("submitted_at")),
    )


@dataclass
class WorkItem:
    queue: str
    label: str
    project: Project
    due: datetime.date | None
    obj: object = None

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


QUEUES = ("publication", "public_input", "registration", "issuance", "changes")


def secretariat_queues(user: Viewer) -> dict[str, list[WorkItem]]:
    """The secretariat's work with its deadlines, per queue, earliest deadline first."""
    queues: dict[str, list[WorkItem]] = {name: [] for name in QUEUES}
    if is_system_admin(user):
        committees = None
    else:
        committees = access.secretariat_committee_ids(user)
        if not committees:
            return queues
    projects = Project.objects.select_related("joint_committee__partner")
    if committees is not None:
        projects = projects.filter(joint_committee_id__in=committees)
    for p in projects.filter(status=ProjectStatus.PUBLICATION_REQUESTED):
        queues["publication"].append(WorkItem("publication", _("Publication of the PDD requested by its TPE"), p,
                                              None, p))
    for p in projects.filter(public_input_closes_at__gt=timezone.now()):
        queues["public_input"].append(WorkItem("public_input", _("Public input closes"), p, _closes_on(p), p))
    for p in projects.filter(status=ProjectStatus.REGISTRATION_REQUESTED):
        queues["registration"].append(WorkItem("registration", _("Registration request"), p,
                                               p.registration_due_on, p))
    requests = IssuanceRequest.objects.select_related("project__joint_committee__partner", "period").filter(
        status=IssuanceStatus.REQUESTED)
    changes = ChangeRequest.objects.select_related("project__joint_committee__partner").filter(
        status=ChangeRequestStatus.REQUESTED)
    if committees is not None:
        requests = requests.filter(project__joint_committee_id__in=committees)
        changes = changes.filter(project__joint_committee_id__in=committees)
    for r in requests:
        queues["issuance"].append(WorkItem("issuance", _("Issuance request for monitoring period %(n)s (%(amount)s "
                                                         "tCO2e)") % {"n": r.period.number,
                                                                      "amount": r.requested_amount},
                                           r.project, r.due_on, r))
    for c in changes:
        queues["changes"].append(WorkItem("changes", c.get_kind_display(), c.project, c.due_on, c))
    far = datetime.date.max
    for items in queues.values():
        items.sort(key=lambda item: (item.due or far, item.project.project_id))
    return queues


# --- choices offered by the browser forms ----------------------------------------------------------

def tpe_choices(project: Project, purpose: str) -> QuerySet[ThirdPartyEntity]:
    """TPEs a participant may choose for ``purpose`` (``validation`` or ``verification``): of the project's
    Joint Committee, designated, holding the project's sectoral scope today (committee rule, with the scope's
    "until" date). The service checks again."""
    return tpes_that_may_serve(project.joint_committee_id, project.sectoral_scope_id, timezone.localdate(), purpose)


def participant_organizations_of(user: Viewer) -> QuerySet[Organization]:
    """The organizations a user acts for as a project participant (to start a project in their name)."""
    return Organization.objects.select_related("country").filter(
        pk__in=access.participant_organization_ids(user)).order_by("name")


@dataclass
class PeriodSummary:
    """One monitoring period as the project page lists it: the report in force, the positive
    verification and the issuance request (with the Joint Committee's decision)."""

    period: MonitoringPeriod
    report: MonitoringReport | None = None
    verification: VerificationReport | None = None
    issuance: IssuanceRequest | None = None


def period_summaries(user: Viewer, project: Project) -> list[PeriodSummary]:
    """The project's monitoring periods with their submitted report, verification and issuance (as ``user``
    may see them)."""
    rows = {p.pk: PeriodSummary(p) for p in monitoring_period_list(user, project).order_by("number")}
    reports = monitoring_report_list(user).filter(period__project=project, status=ReportStatus.SUBMITTED)
    for report in reports:
        rows[report.period_id].report = report
    for verification in verification_report_list(user).filter(period__project=project).order_by("pk"):
        if verification.conclusion == Conclusion.POSITIVE:
            rows[verification.period_id].verification = verification
    for request in issuance_request_list(user, project).order_by("requested_at", "pk"):
        rows[request.period_id].issuance = request
    return list(rows.values())


def eligibility_criteria(project: Project) -> QuerySet[EligibilityCriterion]:
    """The eligibility criteria of the methodology versions the project applies (answered in the PDD)."""
    return EligibilityCriterion.objects.select_related("version__methodology").filter(
        version__in=project.methodology_versions.all()).order_by("version__methodology__approved_number", "number")


def ex_ante_parameters(project: Project) -> QuerySet[Parameter]:
    """The ex-ante parameters of the applied methodology versions (their values are fixed in the PDD)."""
    return Parameter.objects.select_related("version__methodology").filter(
        version__in=project.methodology_versions.all(), kind="ex_ante").order_by("version", "order", "pk")


# --- what waits for what, and until when (shown on every project and period page) -----------------------

def waiting_project(project: Project) -> list[str]:
    """What of the project's cycle waits for someone or for a date, in the words the project page shows."""
    status, lines = project.status, []
    tpe = tpe_label(project.validation_tpe) if project.validation_tpe_id else ""
    if status == ProjectStatus.DRAFT and not project.validation_tpe_id:
        lines.append(_("The PDD goes, with the MoC statement, to the TPE the participants choose for validation: "
                       "choose it before submitting the PDD."))
    elif status == ProjectStatus.PDD_SUBMITTED:
        lines.append(_("The PDD is with %(tpe)s, which asks the secretariat to publish it for public input on the "
                       "JCM website.") % {"tpe": tpe})
    elif status == ProjectStatus.PUBLICATION_REQUESTED:
        days = getattr(project.joint_committee, "pdd_public_input_days", None) or DEFAULT_PDD_PUBLIC_INPUT_DAYS
        lines.append(_("%(tpe)s asked for the PDD to be published; public input (%(days)s days) opens when the "
                       "secretariat publishes it.") % {"tpe": tpe, "days": days})
    if (status in (ProjectStatus.PUBLIC_INPUT, ProjectStatus.UNDER_VALIDATION)
            and project.public_input_closes_at is not None and not project.public_input_closed):
        closes = timezone.localtime(project.public_input_closes_at)
        lines.append(_("Public input runs until %(closes)s; the validation report can be submitted after that.")
                     % {"closes": closes.strftime("%Y-%m-%d %H:%M")})
    if status == ProjectStatus.REGISTERED:
        for period in project.monitoring_periods.filter(status=MonitoringStatus.OPEN,
                                                        end_date__gte=timezone.localdate()):
            lines.extend(waiting_period(period))
    return lines


def waiting_period(period: MonitoringPeriod) -> list[str]:
    """What of the period waits for a date: its report, issuance request and decision wait for its end."""
    if period.has_ended or period.status != MonitoringStatus.OPEN:
        return []
    return [_("Monitoring period %(number)s runs until %(end)s; its monitoring report can be submitted from "
              "%(from)s, once the emission reductions have happened.") % {
                  "number": period.number, "end": period.end_date.isoformat(),
                  "from": period.reportable_from.isoformat()}]


# --- values of a draft monitoring report outside their allowed range --------------------------------------

def _decimal_or_none(value: object) -> Decimal | None:
    if isinstance(value, dict):
        if value.get("unit") not in (None, ""):
            return None  # a value in another unit is converted (and checked) when the report is submitted
        value = value.get("value")
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None


def value_warnings(report: MonitoringReport) -> dict[str, list[str]]:
    """The draft's values outside their parameter's allowed range, per symbol: the draft keeps them (with this
    warning, shown on the page and returned by the API); the submission refuses them."""
    if report.status != ReportStatus.DRAFT:
        return {}
    warnings: dict[str, list[str]] = {}
    for parameter in report.methodology_version.parameters.all():
        low, high, raw = parameter.min_value, parameter.max_value, report.values.get(parameter.symbol)
        if raw is None or (low is None and high is None):
            continue
        per_site = isinstance(raw, dict) and not ({"value"} <= set(raw) <= {"value", "unit"})
        for site, given in (raw.items() if per_site else [(None, raw)]):
            value = _decimal_or_none(given)
            if value is None or ((low is None or value >= low) and (high is None or value <= high)):
                continue
            where = parameter.symbol if site is None else f"{parameter.symbol} at site {site!r}"
            allowed = " – ".join(("…" if bound is None else f"{bound.normalize():f}") for bound in (low, high))
            warnings.setdefault(parameter.symbol, []).append(
                f"{where} is {value:f} {parameter.unit}, outside the allowed range {allowed} {parameter.unit}: "
                f"the draft keeps it, but the report cannot be submitted with it.".replace("  ", " "))
    return warnings


# --- project forms (PIN, ARE, PIR, SD contribution plan and report) ----------------------------------

def project_form_list(user: Viewer, project: Project | None = None) -> QuerySet[ProjectForm]:
    """The forms are confidential: the project's participants, its TPE, the secretariat of its Joint Committee
    and the ministries of the two governments see them."""
    qs = ProjectForm.objects.select_related("project", "project__joint_committee__partner", "monitoring_period",
                                            "methodology_version__methodology", "submitted_by", "reviewed_by")
    if project is not None:
        qs = qs.filter(project=project)
    return _filter(qs, confidential_projects_q(user), "project")
