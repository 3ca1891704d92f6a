"""Every write of the projects app: one function per step of the JCM project cycle and of MRV.

Each runs in one transaction, locks what it changes (the project row first), checks that the actor may
act (projects.access) and that the transition is allowed (projects.choices), saves, writes one audit
event and queues the notifications (stored now, e-mailed after commit). Registration, issuance and the
decisions on change requests are Joint Committee decisions, recorded through
``committee.services.decision_record`` in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, fields
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from committee.choices import DecisionKind, TPEStatus
from committee.models import Decision, JointCommittee, Organization, SectoralScope, ThirdPartyEntity
from committee.roles import is_system_admin, require, require_authenticated, require_secretariat
from committee.services import decision_record
from core import audit, events
from core.errors import ApplicationError, Conflict
from core.notices import notify
from core.workflow import check_transition, lock, relock, snapshot, validated_save
from methodologies.models import EligibilityCriterion, MethodologyVersion, Parameter
from methodologies.services import DecisionInput  # the same "how the Joint Committee decided" everywhere

from . import files
from .access import (
    participant_organization_ids,
    participant_users,
    registry_admin_users,
    require_focal_point,
    require_participant,
    require_tpe_auditor,
    secretariat_users,
    tpe_users,
)
from .choices import (
    BLOCKING_FINDINGS,
    CHANGE_REQUEST_TRANSITIONS,
    DEFAULT_CHANGE_REQUEST_DECISION_DAYS,
    DEFAULT_COMPLETENESS_CHECK_DAYS,
    DEFAULT_ISSUANCE_DECISION_DAYS,
    DEFAULT_PDD_PUBLIC_INPUT_DAYS,
    DEFAULT_REGISTRATION_DECISION_DAYS,
    EDITABLE_STATUSES,
    ISSUANCE_TRANSITIONS,
    MONITORING_TRANSITIONS,
    PDD_REVISABLE_STATUSES,
    POST_REGISTRATION_CHANGEABLE,
    PROJECT_TRANSITIONS,
    AllocationParty,
    AnnexChangeKind,
    ChangeRequestKind,
    ChangeRequestStatus,
    Conclusion,
    EntryMethod,
    FindingKind,
    FindingStatus,
    IssuanceStatus,
    MonitoringStatus,
    ParticipantSide,
    PDDStatus,
    ProjectStatus,
    RecordStatus,
    RegistrySide,
    ReportStatus,
)
from .models import (
    PDD,
    AllocationShare,
    ChangeRequest,
    CreditAllocation,
    EligibilityAnswer,
    EvidenceFile,
    Finding,
    IssuanceRequest,
    MoCAnnexChange,
    MoCStatement,
    MonitoringPeriod,
    MonitoringReport,
    Project,
    ProjectComment,
    ProjectParticipant,
    Site,
    ValidationReport,
    VerificationReport,
)

PROJECT_LABELS = dict(ProjectStatus.choices)
MONITORING_LABELS = dict(MonitoringStatus.choices)
ISSUANCE_LABELS = dict(IssuanceStatus.choices)
CHANGE_LABELS = dict(ChangeRequestStatus.choices)
PROJECT_EDITABLE = ("title", "description", "sectoral_scope", "expected_annual_reductions", "start_of_operation",
                    "crediting_start", "crediting_end")
CLOSED_STATUSES = (ProjectStatus.WITHDRAWN, ProjectStatus.REJECTED)
PERCENT_QUANTUM = Decimal("0.0001")
RESULT_QUANTUM = Decimal("1e-12")


# --- inputs ------------------------------------------------------------------------------------------

@dataclass
class SiteInput:
    name: str
    latitude: Decimal
    longitude: Decimal
    description: str = ""


@dataclass
class ParticipantInput:
    organization: Organization
    side: str
    name: str = ""


@dataclass
class ShareInput:
    party: str
    percent: Decimal
    registry: str = ""
    organization: Organization | None = None


@dataclass
class FindingInput:
    kind: str
    text: str
    status: str = FindingStatus.CLOSED
    response: str = ""


@dataclass
class AnswerInput:
    criterion: EligibilityCriterion
    meets: bool | None
    justification: str = ""


_INPUT_FIELDS = {SiteInput: ("sites", "site"), ParticipantInput: ("participants", "participant"),
                 ShareInput: ("shares", "share"), FindingInput: ("findings", "finding"),
                 AnswerInput: ("answers", "answer")}


def _as(cls, value):
    """Accept the dataclass or a dict of its fields (forms and serializers give dicts); anything else, or a
    dict without a required field or with an unknown one, is refused with the list's field named."""
    if isinstance(value, cls):
        return value
    field, noun = _INPUT_FIELDS.get(cls, (None, cls.__name__))
    if not isinstance(value, Mapping):
        raise ApplicationError(f"Each {noun} must be given as an object of its fields, not "
                               f"{type(value).__name__}.", field=field)
    known = fields(cls)
    missing = [f.name for f in known if f.name not in value and f.default is MISSING
               and f.default_factory is MISSING]
    unknown = sorted(set(map(str, value)) - {f.name for f in known})
    if missing:
        raise ApplicationError(f"Each {noun} needs: {', '.join(missing)}.", field=field)
    if unknown:
        raise ApplicationError(f"Unknown {noun} fields: {', '.join(unknown)}.", field=field)
    return cls(**value)


# --- small helpers -----------------------------------------------------------------------------------

def _now(now: datetime.datetime | None = None) -> datetime.datetime:
    """The time of the action: now, or an earlier time given to record a step taken before (seed data,
    migration of existing projects). Never in the future. Not offered by the API or the browser."""
    current = timezone.now()
    if now is None:
        return current
    if now > current:
        raise ApplicationError("A step cannot be recorded in the future.", field="now")
    return now


def _today(now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(now) if now is not None else timezone.localdate()


def _jc_days(jc: JointCommittee, name: str, default: int) -> int:
    return int(getattr(jc, name, None) or default)


def project_url(project: Project) -> str:
    return project.get_absolute_url()


def _tell(event, recipients, *, kind: str, subject: str, body: str = "", url: str = "") -> None:
    """Queue one notification per recipient, keyed by the audit event (so each event notifies once)."""
    notify(recipients=list(recipients), kind=kind, key=f"{kind}:{event.seq}", subject=subject, body=body, url=url)


def _lock_project(project: Project) -> Project:
    return relock(project)


def _move(project: Project, target: str) -> str:
    check_transition(PROJECT_TRANSITIONS, project.status, target, what=f"Project {project.project_id}",
                     labels=PROJECT_LABELS)
    before = project.status
    project.status = target
    return before


def _require_open(project: Project) -> None:
    if project.status in CLOSED_STATUSES:
        raise Conflict(f"Project {project.project_id} is {PROJECT_LABELS[project.status].lower()}.", field="status")


def _decision(actor, project: Project, decision: DecisionInput, *, kind: str, title: str, subject,
              subject_label: str = "") -> Decision:
    if isinstance(decision, Mapping):
        decision = DecisionInput(**decision)
    if not hasattr(decision, "decided_on") or not hasattr(decision, "mode"):
        raise ApplicationError("Say when and how the Joint Committee decided.", field="decided_on")
    return decision_record(
        actor=actor, joint_committee=project.joint_committee, decided_on=decision.decided_on, mode=decision.mode,
        meeting=decision.meeting, reference=decision.reference, text=decision.text, kind=kind, title=title,
        subject=subject, subject_label=subject_label or str(subject), publish=True)


def _check_tpe(tpe: ThirdPartyEntity | None, project: Project, *, purpose: str) -> ThirdPartyEntity:
    """The TPE belongs to the project's Joint Committee, is designated and holds the project's scope."""
    field = "validation_tpe" if purpose == "validation" else "verification_tpe"
    if tpe is None:
        raise ApplicationError(f"Choose the TPE for {purpose}.", field=field)
    if tpe.joint_committee_id != project.joint_committee_id:
        raise ApplicationError(f"{tpe.tpe_id} is not a TPE of the {project.joint_committee}.", field=field)
    if tpe.status != TPEStatus.DESIGNATED:
        raise ApplicationError(f"{tpe.tpe_id} is {tpe.get_status_display().lower()}; choose a designated TPE.",
                               field=field)
    scopes = tpe.scopes_validation if purpose == "validation" else tpe.scopes_verification
    if not scopes.filter(pk=project.sectoral_scope_id).exists():
        raise ApplicationError(f"{tpe.tpe_id} is not designated for {purpose} in sectoral scope "
                               f"{project.sectoral_scope}.", field=field)
    return tpe


def _findings(findings: Iterable) -> list[FindingInput]:
    result = []
    for item in findings or ():
        finding = _as(FindingInput, item)
        if finding.kind not in FindingKind.values:
            raise ApplicationError("Each finding is a CAR, a CL or a FAR.", field="findings")
        if finding.status not in FindingStatus.values:
            raise ApplicationError("Each finding is open or closed.", field="findings")
        if not (finding.text or "").strip():
            raise ApplicationError("Describe each finding.", field="findings")
        result.append(finding)
    return result


def _open_blocking(findings: list[FindingInput]) -> list[FindingInput]:
    return [f for f in findings if f.kind in BLOCKING_FINDINGS and f.status == FindingStatus.OPEN]


def _store_findings(findings: list[FindingInput], **report) -> None:
    for number, f in enumerate(findings, start=1):
        Finding.objects.create(number=number, kind=f.kind, status=f.status, text=f.text.strip(),
                               response=f.response or "", **report)


def _attach(obj, field: str, checked: files.CheckedFile) -> None:
    upload = checked.upload
    if hasattr(upload, "seek"):
        upload.seek(0)
    getattr(obj, field).save(checked.name, upload, save=False)


# --- the project ---------------------------------------------------------------------------------------

def _check_versions(joint_committee: JointCommittee, versions: Iterable[MethodologyVersion],
                    scope: SectoralScope | None) -> list[MethodologyVersion]:
    versions = list(versions or ())
    if not versions:
        raise ApplicationError("Name the approved methodology version(s) the project applies.",
                               field="methodology_versions")
    for version in versions:
        if version.methodology.joint_committee_id != joint_committee.pk:
            raise ApplicationError(f"{version} is a methodology of another Joint Committee.",
                                   field="methodology_versions")
        if not version.is_usable_on(_today()):
            raise ApplicationError(f"{version} is not a valid methodology version.", field="methodology_versions")
    if scope is not None and not any(v.methodology.sectoral_scope_id == scope.pk for v in versions):
        raise ApplicationError(f"The sectoral scope must be the scope of an applied methodology "
                               f"({', '.join(sorted({str(v.methodology.sectoral_scope) for v in versions}))}).",
                               field="sectoral_scope")
    return versions


def _check_participants(participants: list[ParticipantInput], focal_point: Organization | None) -> None:
    if not participants:
        raise ApplicationError("Name the project participants.", field="participants")
    seen: set[int] = set()
    for p in participants:
        if p.side not in ParticipantSide.values:
            raise ApplicationError("Each participant is on the Japanese or the partner-country side.",
                                   field="participants")
        if p.organization.pk in seen:
            raise ApplicationError(f"{p.organization} is listed twice.", field="participants")
        seen.add(p.organization.pk)
    if focal_point is None or focal_point.pk not in seen:
        raise ApplicationError("The focal point must be one of the participants.", field="focal_point")


def _check_dates(project: Project) -> None:
    if project.crediting_start and project.crediting_end and project.crediting_end < project.crediting_start:
        raise ApplicationError("The crediting period cannot end before it starts.", field="crediting_end")
    if project.start_of_operation and project.crediting_start and project.crediting_start < project.start_of_operation:
        raise ApplicationError("The crediting period cannot start before the start of operation.",
                               field="crediting_start")


def _replace_sites(project: Project, sites: Iterable) -> list[Site]:
    sites = [_as(SiteInput, s) for s in sites]
    names = [s.name.strip() for s in sites]
    if len(set(names)) != len(names):
        raise ApplicationError("Each site needs its own name.", field="sites")
    project.sites.all().delete()
    saved = []
    for order, s in enumerate(sites):
        try:
            latitude, longitude = Decimal(str(s.latitude)), Decimal(str(s.longitude))
        except InvalidOperation:
            raise ApplicationError(f"Site {s.name}: give the coordinates as decimal degrees.", field="sites") from None
        if not -90 <= latitude <= 90:
            raise ApplicationError(f"Site {s.name}: the latitude must be between -90 and 90.", field="sites")
        if not -180 <= longitude <= 180:
            raise ApplicationError(f"Site {s.name}: the longitude must be between -180 and 180.", field="sites")
        site = Site(project=project, order=order, name=s.name.strip(), latitude=latitude.quantize(Decimal("0.000001")),
                    longitude=longitude.quantize(Decimal("0.000001")), description=s.description or "")
        validated_save(site)
        saved.append(site)
    return saved


def _replace_participants(project: Project, participants: list[ParticipantInput], focal_point: Organization) -> None:
    project.participants.all().delete()
    for p in participants:
        ProjectParticipant.objects.create(project=project, organization=p.organization, side=p.side,
                                          name=(p.name or p.organization.name).strip(),
                                          is_focal_point=p.organization.pk == focal_point.pk)


def _sites_data(project: Project) -> list[dict]:
    return [{"name": s.name, "latitude": s.latitude, "longitude": s.longitude} for s in project.sites.all()]


def _participants_data(project: Project) -> list[dict]:
    return [{"organization": p.organization_id, "side": p.side, "name": p.name, "focal_point": p.is_focal_point,
             "active": p.active} for p in project.participants.all()]


@transaction.atomic
def project_create(*, actor, joint_committee: JointCommittee, title: str, sectoral_scope: SectoralScope,
                   methodology_versions: Iterable[MethodologyVersion], participants: Iterable,
                   focal_point: Organization, sites: Iterable = (), description: str = "",
                   expected_annual_reductions: int = 0, start_of_operation: datetime.date | None = None,
                   crediting_start: datetime.date | None = None, crediting_end: datetime.date | None = None
                   ) -> Project:
    """A participant starts a draft project; its ID (``MN001``...) is the next number of the partner country."""
    require_authenticated(actor)
    participants = [_as(ParticipantInput, p) for p in participants]
    own = participant_organization_ids(actor)
    require(is_system_admin(actor) or bool(own & {p.organization.pk for p in participants}),
            "Only a project participant may start a project, and their organization must be among its participants.")
    _check_participants(participants, focal_point)
    versions = _check_versions(joint_committee, methodology_versions, sectoral_scope)
    jc = lock(JointCommittee, joint_committee.pk)  # serialises the numbering per partner country
    number = (Project.objects.filter(joint_committee=jc).aggregate(n=Max("number"))["n"] or 0) + 1
    project = Project(project_id=f"{jc.partner.code}{number:03d}", number=number, joint_committee=jc,
                      title=(title or "").strip(), description=description, sectoral_scope=sectoral_scope,
                      expected_annual_reductions=expected_annual_reductions or 0,
                      start_of_operation=start_of_operation, crediting_start=crediting_start,
                      crediting_end=crediting_end, created_by=actor if actor.is_authenticated else None)
    _check_dates(project)
    validated_save(project)
    project.methodology_versions.set(versions)
    _replace_participants(project, participants, focal_point)
    _replace_sites(project, sites)
    event = audit.record(actor=actor, action="projects.project.create", target=project, data={
        **snapshot(project, ["project_id", "joint_committee", "title", "sectoral_scope", "expected_annual_reductions",
                             "start_of_operation", "crediting_start", "crediting_end"]),
        "methodology_versions": sorted(v.pk for v in versions), "participants": _participants_data(project),
        "sites": _sites_data(project)})
    _tell(event, participant_users(project), kind="projects.project.created",
          subject=f"{project.project_id}: you are named a participant of “{project.title}”", url=project_url(project))
    return project


@transaction.atomic
def project_update(*, actor, project: Project, sites: Iterable | None = None,
                   methodology_versions: Iterable[MethodologyVersion] | None = None,
                   participants: Iterable | None = None, focal_point: Organization | None = None,
                   **changes) -> Project:
    """Participants edit their draft (before the PDD is submitted, or after it was returned)."""
    project = _lock_project(project)
    require_participant(actor, project, "edit it")
    if project.status not in EDITABLE_STATUSES:
        raise Conflict(f"Project {project.project_id} can only be edited as a draft; it is "
                       f"{PROJECT_LABELS[project.status].lower()}.", field="status")
    unknown = set(changes) - set(PROJECT_EDITABLE)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    before = snapshot(project, list(changes))
    for key, value in changes.items():
        setattr(project, key, value.strip() if isinstance(value, str) else value)
    _check_dates(project)
    validated_save(project)
    data: dict[str, Any] = {"changes": {k: snapshot(project, [k])[k] for k in changes}, "before": before}
    if methodology_versions is not None or "sectoral_scope" in changes:
        versions = (list(methodology_versions) if methodology_versions is not None
                    else list(project.methodology_versions.all()))
        project.methodology_versions.set(_check_versions(project.joint_committee, versions, project.sectoral_scope))
        data["methodology_versions"] = sorted(v.pk for v in versions)
    if participants is not None or focal_point is not None:
        participants = ([_as(ParticipantInput, p) for p in participants] if participants is not None else
                        [ParticipantInput(p.organization, p.side, p.name) for p in project.participants.all()])
        focal_point = focal_point or next((p.organization for p in project.participants.filter(is_focal_point=True)),
                                          None)
        _check_participants(participants, focal_point)
        if not (is_system_admin(actor) or participant_organization_ids(actor) & {p.organization.pk
                                                                                 for p in participants}):
            raise ApplicationError("Your own organization must stay a participant.", field="participants")
        _replace_participants(project, participants, focal_point)
        data["participants"] = _participants_data(project)
    if sites is not None:
        _replace_sites(project, sites)
        data["sites"] = _sites_data(project)
    audit.record(actor=actor, action="projects.project.update", target=project, data=data)
    return project


@transaction.atomic
def project_withdraw(*, actor, project: Project, reason: str) -> Project:
    """The focal point withdraws the project (before or after registration)."""
    project = _lock_project(project)
    require_focal_point(actor, project, "withdraw the project")
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the withdrawal.", field="reason")
    if project.issuance_requests.filter(status=IssuanceStatus.REQUESTED).exists():
        raise Conflict("An issuance request is pending; withdraw it first.", field="status")
    before = _move(project, ProjectStatus.WITHDRAWN)
    project.withdrawn_at = _now()
    project.status_reason = reason.strip()
    project.save(update_fields=["status", "withdrawn_at", "status_reason"])
    event = audit.record(actor=actor, action="projects.project.withdraw", target=project,
                         data={"from": before}, message=project.status_reason)
    recipients = [*participant_users(project)]
    if before != ProjectStatus.DRAFT:
        recipients += list(secretariat_users(project.joint_committee))
    _tell(event, recipients, kind="projects.project.withdrawn", subject=f"{project.project_id} was withdrawn",
          body=project.status_reason, url=project_url(project))
    return project


# --- PDD -------------------------------------------------------------------------------------------

def _criteria(project: Project):
    return EligibilityCriterion.objects.filter(version__in=project.methodology_versions.all()).select_related(
        "version__methodology")


def _ex_ante_parameters(project: Project):
    return Parameter.objects.filter(version__in=project.methodology_versions.all(), kind="ex_ante")


def _draft_pdd(project: Project, actor) -> PDD:
    draft = project.pdds.filter(status=PDDStatus.DRAFT).first()
    if draft is not None:
        return lock(PDD, draft.pk)
    last = project.pdds.order_by("-version").first()
    draft = PDD(project=project, version=(last.version + 1) if last else 1, saved_by=actor)
    if last is not None:  # a revision starts from the last version
        for name in ("public_file", "public_sha256", "public_size", "confidential_file", "confidential_sha256",
                     "confidential_size", "ex_ante_values"):
            setattr(draft, name, getattr(last, name))
    draft.save()
    if last is not None:
        for answer in last.answers.all():
            EligibilityAnswer.objects.create(pdd=draft, criterion=answer.criterion, meets=answer.meets,
                                             justification=answer.justification)
    return draft


def _save_answers(pdd: PDD, project: Project, answers: Iterable) -> list[dict]:
    allowed = {c.pk: c for c in _criteria(project)}
    saved = []
    for item in answers:
        answer = _as(AnswerInput, item)
        criterion = answer.criterion
        criterion_id = criterion if isinstance(criterion, int) else getattr(criterion, "pk", None)
        if criterion_id not in allowed:
            raise ApplicationError("Answer the eligibility criteria of the methodologies the project applies.",
                                   field="answers")
        EligibilityAnswer.objects.update_or_create(
            pdd=pdd, criterion=allowed[criterion_id],
            defaults={"meets": answer.meets, "justification": (answer.justification or "").strip()})
        saved.append({"criterion": criterion_id, "meets": answer.meets})
    return saved


def _clean_ex_ante(project: Project, values: Mapping) -> dict:
    symbols = set(_ex_ante_parameters(project).values_list("symbol", flat=True))
    cleaned = {}
    for symbol, value in (values or {}).items():
        if symbol not in symbols:
            raise ApplicationError(f"{symbol} is not an ex-ante parameter of the applied methodologies.",
                                   field="ex_ante_values")
        cleaned[symbol] = _json_value(value, symbol)
    return cleaned


@transaction.atomic
def pdd_save(*, actor, project: Project, public_file=None, confidential_file=None, answers: Iterable | None = None,
             ex_ante_values: Mapping | None = None, remove_confidential: bool = False) -> PDD:
    """Save the PDD draft (it can be resumed later): files, eligibility answers, ex-ante values."""
    project = _lock_project(project)
    require_participant(actor, project, "edit its PDD")
    if project.status not in PDD_REVISABLE_STATUSES:
        raise Conflict(f"The PDD of {project.project_id} cannot be changed while the project is "
                       f"{PROJECT_LABELS[project.status].lower()}.", field="status")
    pdd = _draft_pdd(project, actor)
    data: dict[str, Any] = {"version": pdd.version}
    if public_file is not None:
        checked = files.checked_upload(public_file, allowed=files.PDD_TYPES, field="public_file")
        _attach(pdd, "public_file", checked)
        pdd.public_sha256, pdd.public_size = checked.sha256, checked.size
        data["public_file"] = {"name": checked.name, "sha256": checked.sha256}
    if confidential_file is not None:
        checked = files.checked_upload(confidential_file, allowed=files.PDD_TYPES, field="confidential_file")
        _attach(pdd, "confidential_file", checked)
        pdd.confidential_sha256, pdd.confidential_size = checked.sha256, checked.size
        data["confidential_file"] = {"name": checked.name, "sha256": checked.sha256}
    elif remove_confidential:
        pdd.confidential_file, pdd.confidential_sha256, pdd.confidential_size = "", "", 0
        data["confidential_file"] = None
    if ex_ante_values is not None:
        pdd.ex_ante_values = _clean_ex_ante(project, ex_ante_values)
        data["ex_ante_values"] = pdd.ex_ante_values
    pdd.saved_by, pdd.saved_at = actor, _now()
    validated_save(pdd)
    if answers is not None:
        data["answers"] = _save_answers(pdd, project, answers)
    audit.record(actor=actor, action="projects.pdd.save", target=pdd, data=data)
    return pdd


def _submission_problems(project: Project, pdd: PDD | None) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not project.sites.exists():
        add("sites", "Give at least one site with its coordinates.")
    if not project.start_of_operation:
        add("start_of_operation", "Give the (expected) start of operation.")
    if not project.crediting_start or not project.crediting_end:
        add("crediting_start", "Give the start and end of the crediting period.")
    if project.expected_annual_reductions <= 0:
        add("expected_annual_reductions", "Give the expected annual emission reductions.")
    if not project.participants.filter(is_focal_point=True, active=True).exists():
        add("focal_point", "Name the focal point.")
    if pdd is None:
        add("pdd", "Save the PDD first.")
        return problems
    if not pdd.public_sha256:
        add("public_file", "Upload the public version of the PDD.")
    answers = {a.criterion_id: a for a in pdd.answers.all()}
    for criterion in _criteria(project):
        answer = answers.get(criterion.pk)
        if answer is None or answer.meets is None:
            add("answers", f"Answer eligibility criterion {criterion.number} of {criterion.version}.")
        elif not answer.justification:
            add("answers", f"Justify the answer to eligibility criterion {criterion.number} of {criterion.version}.")
    given = set(pdd.ex_ante_values)
    for parameter in _ex_ante_parameters(project):
        if parameter.symbol not in given:
            add("ex_ante_values", f"Give the ex-ante value of {parameter.symbol} ({parameter.description}).")
    return problems


@transaction.atomic
def pdd_submit(*, actor, project: Project, now: datetime.datetime | None = None) -> Project:
    """Submit the PDD: a draft project goes to the secretariat's completeness check; during validation a
    revised PDD goes to the TPE (the project keeps its status)."""
    project = _lock_project(project)
    require_participant(actor, project, "submit its PDD")
    draft = project.pdds.filter(status=PDDStatus.DRAFT).first()
    revision = project.status in (ProjectStatus.UNDER_VALIDATION, ProjectStatus.VALIDATION_NEGATIVE)
    if not revision:
        check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.PDD_SUBMITTED,
                         what=f"Project {project.project_id}", labels=PROJECT_LABELS)
    problems = _submission_problems(project, draft)
    if problems:
        first = next(iter(problems.values()))[0]
        raise ApplicationError(f"The PDD cannot be submitted yet: {first}", errors=problems)
    _check_versions(project.joint_committee, project.methodology_versions.all(), project.sectoral_scope)
    draft = lock(PDD, draft.pk)
    project.pdds.filter(status=PDDStatus.SUBMITTED).update(status=PDDStatus.SUPERSEDED)
    draft.status, draft.submitted_at = PDDStatus.SUBMITTED, _now(now)
    draft.save(update_fields=["status", "submitted_at"])
    before = project.status
    if not revision:
        _move(project, ProjectStatus.PDD_SUBMITTED)
        project.pdd_submitted_at = draft.submitted_at
        project.completeness_due_on = _today(now) + datetime.timedelta(days=_jc_days(
            project.joint_committee, "pdd_completeness_days", DEFAULT_COMPLETENESS_CHECK_DAYS))
        project.status_reason = ""
        project.save(update_fields=["status", "pdd_submitted_at", "completeness_due_on", "status_reason"])
    event = audit.record(actor=actor, action="projects.pdd.submit", target=project,
                         data={"from": before, "to": project.status, "pdd_version": draft.version,
                               "public_sha256": draft.public_sha256,
                               "confidential_sha256": draft.confidential_sha256})
    if revision:
        _tell(event, tpe_users(project.validation_tpe), kind="projects.pdd.revised",
              subject=f"{project.project_id}: revised PDD (version {draft.version}) submitted for validation",
              url=project_url(project))
    else:
        _tell(event, secretariat_users(project.joint_committee), kind="projects.pdd.submitted",
              subject=f"{project.project_id}: PDD submitted for the completeness check",
              body=f"Complete the check by {project.completeness_due_on:%d %B %Y}.", url=project_url(project))
    return project


@transaction.atomic
def pdd_return(*, actor, project: Project, reason: str) -> Project:
    """The secretariat finds the submission incomplete and returns it to the participants."""
    project = _lock_project(project)
    require_secretariat(actor, project.joint_committee)
    if not (reason or "").strip():
        raise ApplicationError("Say what is missing.", field="reason")
    before = _move(project, ProjectStatus.DRAFT)
    project.status_reason = reason.strip()
    project.completeness_due_on = None
    project.save(update_fields=["status", "status_reason", "completeness_due_on"])
    event = audit.record(actor=actor, action="projects.pdd.return", target=project, data={"from": before},
                         message=project.status_reason)
    _tell(event, participant_users(project), kind="projects.pdd.returned",
          subject=f"{project.project_id}: the PDD was returned as incomplete", body=project.status_reason,
          url=project_url(project))
    return project


@transaction.atomic
def pdd_publish(*, actor, project: Project, now: datetime.datetime | None = None) -> Project:
    """The secretariat finds the submission complete and publishes the PDD for public input.

    The period lasts the Joint Committee's ``pdd_public_input_days`` (30 by default).
    """
    project = _lock_project(project)
    require_secretariat(actor, project.joint_committee)
    before = _move(project, ProjectStatus.PUBLIC_INPUT)
    opens_at = _now(now)
    days = _jc_days(project.joint_committee, "pdd_public_input_days", DEFAULT_PDD_PUBLIC_INPUT_DAYS)
    project.public_input_opens_at = opens_at
    project.public_input_closes_at = opens_at + datetime.timedelta(days=days)
    project.public_input_closed_noted_at = None
    project.completeness_due_on = None
    project.save(update_fields=["status", "public_input_opens_at", "public_input_closes_at",
                                "public_input_closed_noted_at", "completeness_due_on"])
    event = audit.record(actor=actor, action="projects.pdd.publish", target=project, data={
        "from": before, "opens_at": project.public_input_opens_at, "closes_at": project.public_input_closes_at,
        "days": days})
    _tell(event, participant_users(project), kind="projects.pdd.published",
          subject=f"{project.project_id}: PDD published for public input",
          body=f"Public input is open until {timezone.localtime(project.public_input_closes_at):%d %B %Y %H:%M}.",
          url=project_url(project))
    return project


@transaction.atomic
def comment_submit(*, actor, project: Project, name: str, email: str, text: str,
                   organization: str = "") -> ProjectComment:
    """Anyone (logged in or not) comments on a PDD while its public input period is open."""
    project = _lock_project(project)
    if not project.is_open_for_comments:
        raise Conflict(f"Public input on {project.project_id} is not open.", field="text")
    problems = {}
    if not (name or "").strip():
        problems["name"] = ["Give your name."]
    if not (email or "").strip():
        problems["email"] = ["Give your e-mail address (it is not published)."]
    if not (text or "").strip():
        problems["text"] = ["Write your comment."]
    if problems:
        raise ApplicationError(next(iter(problems.values()))[0], errors=problems)
    comment = ProjectComment(
        project=project, pdd=project.pdds.filter(status=PDDStatus.SUBMITTED).first(), name=name.strip(),
        organization=(organization or "").strip(), email=email.strip(), text=text.strip(),
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None)
    validated_save(comment)
    event = audit.record(actor=actor, action="projects.comment.submit", target=comment,
                         data={"project": project.project_id, "name": comment.name,
                               "organization": comment.organization})
    _tell(event, participant_users(project), kind="projects.comment.received",
          subject=f"{project.project_id}: a public comment was received", body=comment.text[:1000],
          url=project_url(project))
    return comment


@transaction.atomic
def public_input_note_closed(*, project: Project, actor=None) -> bool:
    """Tell the participants, the TPE and the secretariat that a public input period has closed (once).

    Called by the beat task (``projects.tasks.note_closed_public_inputs``); returns whether it noted anything.
    """
    project = _lock_project(project)
    if project.public_input_closed_noted_at is not None or not project.public_input_closed:
        return False
    project.public_input_closed_noted_at = _now()
    project.save(update_fields=["public_input_closed_noted_at"])
    count = project.comments.count()
    event = audit.record(actor=actor, action="projects.pdd.public_input_closed", target=project,
                         data={"comments": count, "closed_at": project.public_input_closes_at})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee),
                  *tpe_users(project.validation_tpe)],
          kind="projects.pdd.public_input_closed",
          subject=f"{project.project_id}: public input closed ({count} comment{'s' if count != 1 else ''})",
          url=project_url(project))
    return True


# --- validation and registration ----------------------------------------------------------------------

@transaction.atomic
def validation_tpe_choose(*, actor, project: Project, tpe: ThirdPartyEntity) -> Project:
    """The participants choose the TPE that validates the project (designated for its scope)."""
    project = _lock_project(project)
    require_participant(actor, project, "choose its validating TPE")
    allowed = (ProjectStatus.DRAFT, ProjectStatus.PDD_SUBMITTED, ProjectStatus.PUBLIC_INPUT,
               ProjectStatus.VALIDATION_NEGATIVE)
    if project.status not in allowed:
        raise Conflict(f"The validating TPE of {project.project_id} cannot change while the project is "
                       f"{PROJECT_LABELS[project.status].lower()}.", field="status")
    _check_tpe(tpe, project, purpose="validation")
    before = project.validation_tpe_id
    project.validation_tpe = tpe
    project.save(update_fields=["validation_tpe"])
    event = audit.record(actor=actor, action="projects.validation.choose_tpe", target=project,
                         data={"before": before, "tpe": tpe.tpe_id})
    _tell(event, tpe_users(tpe), kind="projects.validation.tpe_chosen",
          subject=f"{project.project_id}: your TPE was chosen to validate “{project.title}”", url=project_url(project))
    return project


@transaction.atomic
def validation_start(*, actor, project: Project, now: datetime.datetime | None = None) -> Project:
    """The participants hand the published PDD to their TPE (again, after a negative validation)."""
    project = _lock_project(project)
    require_participant(actor, project, "start its validation")
    _check_tpe(project.validation_tpe, project, purpose="validation")
    before = _move(project, ProjectStatus.UNDER_VALIDATION)
    project.validation_started_at = _now(now)
    project.save(update_fields=["status", "validation_started_at"])
    event = audit.record(actor=actor, action="projects.validation.start", target=project,
                         data={"from": before, "tpe": project.validation_tpe.tpe_id})
    _tell(event, [*tpe_users(project.validation_tpe), *secretariat_users(project.joint_committee)],
          kind="projects.validation.started", subject=f"{project.project_id}: validation started",
          url=project_url(project))
    return project


@transaction.atomic
def validation_report_submit(*, actor, project: Project, conclusion: str, report_date: datetime.date,
                             findings: Iterable = (), file=None, reference: str = "", summary: str = "",
                             now: datetime.datetime | None = None) -> ValidationReport:
    """The validating TPE concludes: positive (no CAR or CL open) or negative."""
    project = _lock_project(project)
    require_tpe_auditor(actor, project.validation_tpe, "submit the validation report")
    if conclusion not in Conclusion.values:
        raise ApplicationError("The conclusion is positive or negative.", field="conclusion")
    target = ProjectStatus.VALIDATED if conclusion == Conclusion.POSITIVE else ProjectStatus.VALIDATION_NEGATIVE
    check_transition(PROJECT_TRANSITIONS, project.status, target, what=f"Project {project.project_id}",
                     labels=PROJECT_LABELS)
    _check_tpe(project.validation_tpe, project, purpose="validation")
    now = _now(now)
    if project.public_input_closes_at is None or now < project.public_input_closes_at:
        raise Conflict("The validation report waits for the end of the public input period "
                       f"({timezone.localtime(project.public_input_closes_at):%d %B %Y}).", field="report_date")
    if report_date > _today(now):
        raise ApplicationError("The report cannot be dated in the future.", field="report_date")
    findings = _findings(findings)
    pdd = project.pdds.filter(status=PDDStatus.SUBMITTED).first()
    if conclusion == Conclusion.POSITIVE:
        still_open = _open_blocking(findings)
        if still_open:
            raise ApplicationError(f"A positive validation needs every CAR and CL closed; "
                                   f"{len(still_open)} remain open.", field="findings")
        unmet = pdd.answers.filter(meets=False).select_related("criterion") if pdd else []
        if unmet:
            raise ApplicationError(f"A positive validation needs every eligibility criterion met; criterion "
                                   f"{unmet[0].criterion.number} is answered “no” in the PDD.", field="conclusion")
    report = ValidationReport(project=project, tpe=project.validation_tpe, pdd=pdd, reference=reference or "",
                              report_date=report_date, conclusion=conclusion, summary=summary or "",
                              submitted_by=actor, submitted_at=now)
    if file is not None:
        checked = files.checked_upload(file, allowed=files.REPORT_TYPES, field="file")
        _attach(report, "file", checked)
        report.original_name, report.content_type = checked.name, checked.content_type
        report.size, report.sha256 = checked.size, checked.sha256
    validated_save(report)
    _store_findings(findings, validation_report=report)
    before = _move(project, target)
    project.save(update_fields=["status"])
    event = audit.record(actor=actor, action=f"projects.validation.{conclusion}", target=project, data={
        "from": before, "report": report.pk, "tpe": report.tpe.tpe_id, "pdd_version": pdd.version,
        "findings": len(findings), "sha256": report.sha256})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind=f"projects.validation.{conclusion}",
          subject=f"{project.project_id}: {conclusion} validation report by {report.tpe.tpe_id}",
          url=project_url(project))
    return report


@transaction.atomic
def registration_request(*, actor, project: Project, now: datetime.datetime | None = None) -> Project:
    """The focal point requests registration of a positively validated project."""
    project = _lock_project(project)
    require_focal_point(actor, project, "request its registration")
    check_transition(PROJECT_TRANSITIONS, project.status, ProjectStatus.REGISTRATION_REQUESTED,
                     what=f"Project {project.project_id}", labels=PROJECT_LABELS)
    if not project.moc_statements.filter(status=RecordStatus.CURRENT).exists():
        raise ApplicationError("Submit the MoC statement before requesting registration.", field="moc")
    if not project.allocations.filter(status=RecordStatus.CURRENT).exists():
        raise ApplicationError("Enter the credit allocation before requesting registration.", field="allocation")
    before = _move(project, ProjectStatus.REGISTRATION_REQUESTED)
    project.registration_requested_at = _now(now)
    project.registration_due_on = _today(now) + datetime.timedelta(days=_jc_days(
        project.joint_committee, "registration_decision_days", DEFAULT_REGISTRATION_DECISION_DAYS))
    project.save(update_fields=["status", "registration_requested_at", "registration_due_on"])
    event = audit.record(actor=actor, action="projects.registration.request", target=project, data={"from": before})
    _tell(event, secretariat_users(project.joint_committee), kind="projects.registration.requested",
          subject=f"{project.project_id}: registration requested",
          body=f"To be put before the Joint Committee by {project.registration_due_on:%d %B %Y}.",
          url=project_url(project))
    return project


@transaction.atomic
def registration_request_withdraw(*, actor, project: Project, reason: str = "") -> Project:
    project = _lock_project(project)
    require_focal_point(actor, project, "withdraw its registration request")
    if project.status != ProjectStatus.REGISTRATION_REQUESTED:
        raise Conflict(f"{project.project_id} has no pending registration request.", field="status")
    before = _move(project, ProjectStatus.VALIDATED)
    project.registration_requested_at = None
    project.registration_due_on = None
    project.save(update_fields=["status", "registration_requested_at", "registration_due_on"])
    event = audit.record(actor=actor, action="projects.registration.withdraw_request", target=project,
                         data={"from": before}, message=(reason or "").strip())
    _tell(event, secretariat_users(project.joint_committee), kind="projects.registration.request_withdrawn",
          subject=f"{project.project_id}: registration request withdrawn", body=(reason or "").strip(),
          url=project_url(project))
    return project


def _registration_title(project: Project) -> str:
    return f"Registration of a proposed JCM project: {project.project_id} {project.title}"


@transaction.atomic
def project_register(*, actor, project: Project, decision: DecisionInput) -> Project:
    """The Joint Committee registers the project (its decision is recorded in the committee app)."""
    project = _lock_project(project)
    require_secretariat(actor, project.joint_committee)
    before = _move(project, ProjectStatus.REGISTERED)
    record = _decision(actor, project, decision, kind=DecisionKind.REGISTER_PROJECT,
                       title=_registration_title(project), subject=project)
    project.registration_decision = record
    project.registered_on = record.decided_on
    project.registration_due_on = None
    project.save(update_fields=["status", "registration_decision", "registered_on", "registration_due_on"])
    event = audit.record(actor=actor, action="projects.registration.register", target=project,
                         data={"from": before, "decision": record.reference, "registered_on": record.decided_on})
    events.emit("projects.project.registered", project_id=project.pk)
    _tell(event, participant_users(project), kind="projects.registration.registered",
          subject=f"{project.project_id} is registered as a JCM project",
          body=f"Joint Committee decision {record.reference} of {record.decided_on:%d %B %Y}.",
          url=project_url(project))
    return project


@transaction.atomic
def project_reject(*, actor, project: Project, decision: DecisionInput, reason: str) -> Project:
    """The Joint Committee decides not to register the project."""
    project = _lock_project(project)
    require_secretariat(actor, project.joint_committee)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the rejection.", field="reason")
    before = _move(project, ProjectStatus.REJECTED)
    record = _decision(actor, project, decision, kind=DecisionKind.REGISTER_PROJECT,
                       title=f"Rejection of the registration of a proposed JCM project: {project.project_id} "
                             f"{project.title}", subject=project)
    project.status_reason = reason.strip()
    project.registration_due_on = None
    project.save(update_fields=["status", "status_reason", "registration_due_on"])
    event = audit.record(actor=actor, action="projects.registration.reject", target=project,
                         data={"from": before, "decision": record.reference}, message=project.status_reason)
    _tell(event, participant_users(project), kind="projects.registration.rejected",
          subject=f"{project.project_id}: registration rejected", body=project.status_reason,
          url=project_url(project))
    return project


# --- MoC statements and credit allocation ----------------------------------------------------------

def _signatory(value, field: str) -> dict:
    value = dict(value or {})
    name = (value.get("name") or "").strip()
    if not name:
        raise ApplicationError("Name the authorized signatory.", field=field)
    return {"name": name, "title": (value.get("title") or "").strip(), "email": (value.get("email") or "").strip()}


def _contacts(contacts) -> list[dict]:
    result = []
    for item in contacts or ():
        item = dict(item)
        if not (item.get("name") or "").strip():
            raise ApplicationError("Each contact needs a name.", field="contacts")
        result.append({key: str(item.get(key) or "").strip() for key in ("name", "organization", "email", "phone")})
    return result


@transaction.atomic
def moc_submit(*, actor, project: Project, focal_point: Organization, primary_signatory: Mapping,
               alternate_signatory: Mapping, tpes: Iterable[ThirdPartyEntity] = (), contacts: Iterable = (),
               file=None) -> MoCStatement:
    """The focal point submits a Modalities of Communication statement; it supersedes the current one.

    Naming another participant as focal point is done this way (a new statement), never by Annex 1.
    """
    project = _lock_project(project)
    require_focal_point(actor, project, "submit an MoC statement")
    _require_open(project)
    participants = lock(project.participants.all())
    new_focal = next((p for p in participants if p.organization_id == focal_point.pk and p.active), None)
    if new_focal is None:
        raise ApplicationError("The focal point must be an active participant of the project.", field="focal_point")
    tpes = list(tpes)
    for tpe in tpes:
        if tpe.joint_committee_id != project.joint_committee_id:
            raise ApplicationError(f"{tpe.tpe_id} is not a TPE of the {project.joint_committee}.", field="tpes")
    primary = _signatory(primary_signatory, "primary_signatory")
    alternate = _signatory(alternate_signatory, "alternate_signatory")
    current = project.moc_statements.filter(status=RecordStatus.CURRENT).first()
    if current is not None:
        current = lock(MoCStatement, current.pk)
        current.status = RecordStatus.SUPERSEDED
        current.save(update_fields=["status"])
    statement = MoCStatement(
        project=project, version=(current.version + 1) if current else 1, focal_point=focal_point,
        primary_signatory_name=primary["name"], primary_signatory_title=primary["title"],
        primary_signatory_email=primary["email"], alternate_signatory_name=alternate["name"],
        alternate_signatory_title=alternate["title"], alternate_signatory_email=alternate["email"],
        participants=[{"organization": p.organization_id, "name": p.name, "side": p.side}
                      for p in participants if p.active and p.pk != new_focal.pk],
        contacts=_contacts(contacts), supersedes=current, submitted_by=actor)
    if file is not None:
        checked = files.checked_upload(file, allowed=files.MOC_TYPES, field="file")
        _attach(statement, "file", checked)
        statement.sha256 = checked.sha256
    validated_save(statement)
    statement.tpes.set(tpes)
    for p in participants:  # the focal point changes only through a new statement
        if p.is_focal_point and p.pk != new_focal.pk:
            p.is_focal_point = False
            p.save(update_fields=["is_focal_point"])
    if not new_focal.is_focal_point:
        new_focal.is_focal_point = True
        new_focal.save(update_fields=["is_focal_point"])
    event = audit.record(actor=actor, action="projects.moc.submit", target=statement, data={
        "project": project.project_id, "version": statement.version, "focal_point": focal_point.pk,
        "supersedes": current.version if current else None, "tpes": [t.tpe_id for t in tpes],
        "primary_signatory": primary["name"], "alternate_signatory": alternate["name"], "sha256": statement.sha256})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind="projects.moc.submitted", subject=f"{project.project_id}: MoC statement version {statement.version}",
          url=project_url(project))
    return statement


@transaction.atomic
def moc_annex_change(*, actor, project: Project, kind: str, organization: Organization | None = None,
                     side: str = "", new_name: str = "", contacts: Iterable | None = None, details: str = "",
                     effective_on: datetime.date | None = None) -> MoCAnnexChange:
    """An Annex 1 change to the current MoC statement: a participant added, renamed or withdrawn, or contacts."""
    project = _lock_project(project)
    require_focal_point(actor, project, "record an MoC Annex 1 change")
    _require_open(project)
    if kind not in AnnexChangeKind.values:
        raise ApplicationError("Choose the kind of Annex 1 change.", field="kind")
    statement = project.moc_statements.filter(status=RecordStatus.CURRENT).first()
    if statement is None:
        raise Conflict("Annex 1 changes amend the MoC statement; submit one first.", field="kind")
    statement = lock(MoCStatement, statement.pk)
    effective_on = effective_on or _today()
    change = MoCAnnexChange(statement=statement, number=statement.annex_changes.count() + 1, kind=kind,
                            organization=organization, side=side or "", new_name=(new_name or "").strip(),
                            details=(details or "").strip(), effective_on=effective_on, recorded_by=actor)
    participant = (project.participants.filter(organization=organization).first() if organization else None)
    if participant is not None:
        participant = lock(ProjectParticipant, participant.pk)
    if kind == AnnexChangeKind.ADD_PARTICIPANT:
        if organization is None or side not in ParticipantSide.values:
            raise ApplicationError("Name the organization added and its side.", field="organization")
        if participant is not None and participant.active:
            raise Conflict(f"{organization} is already a participant.", field="organization")
        if participant is None:
            ProjectParticipant.objects.create(project=project, organization=organization, side=side,
                                              name=change.new_name or organization.name, joined_on=effective_on)
        else:
            participant.active, participant.left_on, participant.side = True, None, side
            participant.joined_on = effective_on
            participant.save(update_fields=["active", "left_on", "side", "joined_on"])
    elif kind in (AnnexChangeKind.RENAME_PARTICIPANT, AnnexChangeKind.WITHDRAW_PARTICIPANT):
        if participant is None or not participant.active:
            raise ApplicationError("Name an active participant of the project.", field="organization")
        if kind == AnnexChangeKind.RENAME_PARTICIPANT:
            if not change.new_name:
                raise ApplicationError("Give the participant's new name.", field="new_name")
            participant.name = change.new_name
            participant.save(update_fields=["name"])
        else:
            if participant.is_focal_point:
                raise Conflict("The focal point cannot withdraw by Annex 1; name a new focal point in a new MoC "
                               "statement first.", field="organization")
            participant.active, participant.left_on = False, effective_on
            participant.save(update_fields=["active", "left_on"])
    else:
        change.contacts = _contacts(contacts)
        if not change.contacts:
            raise ApplicationError("Give the new contact details.", field="contacts")
    validated_save(change)
    event = audit.record(actor=actor, action="projects.moc.annex_change", target=change, data={
        "project": project.project_id, "moc_version": statement.version, "kind": kind,
        "organization": organization.pk if organization else None, "new_name": change.new_name})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind="projects.moc.annex_change",
          subject=f"{project.project_id}: MoC Annex 1 change — {change.get_kind_display()}", url=project_url(project))
    return change


def _percent(value) -> Decimal:
    try:
        percent = Decimal(str(value))
    except InvalidOperation:
        raise ApplicationError("Give each share as a percentage.", field="shares") from None
    if not percent.is_finite() or percent <= 0 or percent > 100:
        raise ApplicationError("Each share is more than 0 and at most 100 percent.", field="shares")
    if percent != percent.quantize(PERCENT_QUANTUM):
        raise ApplicationError("Give shares with at most four decimals.", field="shares")
    return percent.quantize(PERCENT_QUANTUM)


@transaction.atomic
def allocation_submit(*, actor, project: Project, shares: Iterable, note: str = "") -> CreditAllocation:
    """The focal point enters a new version of the credit allocation (the percentages sum to exactly 100)."""
    project = _lock_project(project)
    require_focal_point(actor, project, "enter its credit allocation")
    _require_open(project)
    shares = [_as(ShareInput, s) for s in shares]
    if not shares:
        raise ApplicationError("Give at least one share.", field="shares")
    active = {p.organization_id for p in project.participants.filter(active=True)}
    seen: set[tuple[str, int | None]] = set()
    cleaned = []
    for share in shares:
        if share.party not in AllocationParty.values:
            raise ApplicationError("Each share goes to Japan's government, the partner government or a participant.",
                                   field="shares")
        registry = share.registry or {AllocationParty.JAPAN_GOVERNMENT: RegistrySide.JAPAN,
                                      AllocationParty.PARTNER_GOVERNMENT: RegistrySide.PARTNER}.get(share.party, "")
        if registry not in RegistrySide.values:
            raise ApplicationError("Say into which government's registry each participant's share is issued.",
                                   field="shares")
        if share.party == AllocationParty.JAPAN_GOVERNMENT and registry != RegistrySide.JAPAN:
            raise ApplicationError("The Government of Japan's share is issued into Japan's registry.",
                                   field="shares")
        if share.party == AllocationParty.PARTNER_GOVERNMENT and registry != RegistrySide.PARTNER:
            raise ApplicationError("The partner government's share is issued into the partner country's registry.",
                                   field="shares")
        organization = share.organization if share.party == AllocationParty.PARTICIPANT else None
        if share.party == AllocationParty.PARTICIPANT and (organization is None or organization.pk not in active):
            raise ApplicationError("A participant's share names an active participant of the project.",
                                   field="shares")
        key = (share.party, organization.pk if organization else None)
        if key in seen:
            raise ApplicationError("Each party has one share.", field="shares")
        seen.add(key)
        cleaned.append((share.party, organization, registry, _percent(share.percent)))
    total = sum((c[3] for c in cleaned), Decimal(0))
    if total != 100:
        raise ApplicationError(f"The shares add up to {total.normalize():f}%; they must add up to exactly 100%.",
                               field="shares")
    current = project.allocations.filter(status=RecordStatus.CURRENT).first()
    if current is not None:
        current = lock(CreditAllocation, current.pk)
        current.status = RecordStatus.SUPERSEDED
        current.save(update_fields=["status"])
    allocation = CreditAllocation(project=project, version=(current.version + 1) if current else 1,
                                  note=(note or "").strip(), submitted_by=actor)
    validated_save(allocation)
    for position, (party, organization, registry, percent) in enumerate(cleaned, start=1):
        AllocationShare.objects.create(allocation=allocation, position=position, party=party,
                                       organization=organization, registry=registry, percent=percent)
    event = audit.record(actor=actor, action="projects.allocation.submit", target=allocation, data={
        "project": project.project_id, "version": allocation.version,
        "shares": [{"party": p, "organization": o.pk if o else None, "registry": r, "percent": str(pc)}
                   for p, o, r, pc in cleaned]})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind="projects.allocation.submitted",
          subject=f"{project.project_id}: credit allocation version {allocation.version}", url=project_url(project))
    return allocation


# --- post-registration changes and renewal ---------------------------------------------------------

def _clean_changes(project: Project, changes: Mapping) -> dict:
    changes = dict(changes or {})
    unknown = set(changes) - set(POST_REGISTRATION_CHANGEABLE)
    if unknown:
        raise ApplicationError(f"A post-registration change cannot alter: {', '.join(sorted(unknown))}.",
                               field="changes")
    cleaned = {}
    for key, value in changes.items():
        if key == "expected_annual_reductions":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ApplicationError("The expected annual reductions are a whole number.", field="changes") from None
            if value < 0:
                raise ApplicationError("The expected annual reductions cannot be negative.", field="changes")
        elif key == "start_of_operation":
            try:
                value = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
            except ValueError:
                raise ApplicationError("The start of operation is a date (YYYY-MM-DD).", field="changes") from None
            value = value.isoformat()
        else:
            value = str(value).strip()
            if key == "title" and not value:
                raise ApplicationError("The title cannot be empty.", field="changes")
        cleaned[key] = value
    return cleaned


@transaction.atomic
def change_request_submit(*, actor, project: Project, kind: str, description: str, changes: Mapping | None = None,
                          new_crediting_end: datetime.date | None = None) -> ChangeRequest:
    """The focal point requests a post-registration change or the renewal of the crediting period."""
    project = _lock_project(project)
    require_focal_point(actor, project, "request changes")
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict("Post-registration changes and renewals are for registered projects.", field="status")
    if kind not in ChangeRequestKind.values:
        raise ApplicationError("Choose a post-registration change or a renewal.", field="kind")
    if not (description or "").strip():
        raise ApplicationError("Describe the request.", field="description")
    request = ChangeRequest(project=project, kind=kind, description=description.strip(), requested_by=actor,
                            due_on=_today() + datetime.timedelta(days=_jc_days(
                                project.joint_committee, "change_request_decision_days",
                                DEFAULT_CHANGE_REQUEST_DECISION_DAYS)))
    if kind == ChangeRequestKind.RENEWAL:
        if new_crediting_end is None or (project.crediting_end and new_crediting_end <= project.crediting_end):
            raise ApplicationError("The renewed crediting period must end after the current one "
                                   f"({project.crediting_end}).", field="new_crediting_end")
        request.new_crediting_end = new_crediting_end
        request.previous_crediting_end = project.crediting_end
    else:
        request.changes = _clean_changes(project, changes)
        if not request.changes:
            raise ApplicationError("Say what changes.", field="changes")
    if project.change_requests.filter(kind=kind, status=ChangeRequestStatus.REQUESTED).exists():
        raise Conflict("A request of this kind is already pending.", field="kind")
    validated_save(request)
    event = audit.record(actor=actor, action="projects.change_request.submit", target=request, data={
        "project": project.project_id, "kind": kind, "changes": request.changes,
        "new_crediting_end": request.new_crediting_end})
    _tell(event, secretariat_users(project.joint_committee), kind="projects.change_request.submitted",
          subject=f"{project.project_id}: {request.get_kind_display().lower()} requested", url=project_url(project))
    return request


def _lock_request(request: ChangeRequest) -> tuple[Project, ChangeRequest]:
    project = _lock_project(request.project)
    return project, relock(request)


@transaction.atomic
def change_request_withdraw(*, actor, request: ChangeRequest, reason: str = "") -> ChangeRequest:
    project, request = _lock_request(request)
    require_focal_point(actor, project, "withdraw the request")
    check_transition(CHANGE_REQUEST_TRANSITIONS, request.status, ChangeRequestStatus.WITHDRAWN,
                     what="The request", labels=CHANGE_LABELS)
    request.status, request.reason, request.decided_at = ChangeRequestStatus.WITHDRAWN, (reason or "").strip(), _now()
    request.save(update_fields=["status", "reason", "decided_at"])
    event = audit.record(actor=actor, action="projects.change_request.withdraw", target=request,
                         data={"project": project.project_id}, message=request.reason)
    _tell(event, secretariat_users(project.joint_committee), kind="projects.change_request.withdrawn",
          subject=f"{project.project_id}: {request.get_kind_display().lower()} request withdrawn",
          url=project_url(project))
    return request


@transaction.atomic
def change_request_approve(*, actor, request: ChangeRequest, decision: DecisionInput) -> ChangeRequest:
    """The Joint Committee approves: the changes apply to the project (or its crediting period is renewed)."""
    project, request = _lock_request(request)
    require_secretariat(actor, project.joint_committee)
    check_transition(CHANGE_REQUEST_TRANSITIONS, request.status, ChangeRequestStatus.APPROVED,
                     what="The request", labels=CHANGE_LABELS)
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict(f"{project.project_id} is no longer registered.", field="status")
    title = (f"Renewal of the crediting period of {project.project_id} {project.title}"
             if request.kind == ChangeRequestKind.RENEWAL
             else f"Post-registration changes of {project.project_id} {project.title}")
    record = _decision(actor, project, decision, kind=DecisionKind.OTHER, title=title, subject=request,
                       subject_label=f"{project.project_id}: {request.get_kind_display()}")
    before = snapshot(project, ["crediting_end", *request.changes])
    if request.kind == ChangeRequestKind.RENEWAL:
        project.crediting_end = request.new_crediting_end
    else:
        for key, value in request.changes.items():
            setattr(project, key, datetime.date.fromisoformat(value) if key == "start_of_operation" else value)
    _check_dates(project)
    validated_save(project)
    request.status, request.decision, request.decided_at = ChangeRequestStatus.APPROVED, record, _now()
    request.save(update_fields=["status", "decision", "decided_at"])
    event = audit.record(actor=actor, action="projects.change_request.approve", target=request, data={
        "project": project.project_id, "decision": record.reference, "before": before,
        "after": snapshot(project, ["crediting_end", *request.changes])})
    _tell(event, participant_users(project), kind="projects.change_request.approved",
          subject=f"{project.project_id}: {request.get_kind_display().lower()} approved", url=project_url(project))
    return request


@transaction.atomic
def change_request_reject(*, actor, request: ChangeRequest, decision: DecisionInput, reason: str) -> ChangeRequest:
    project, request = _lock_request(request)
    require_secretariat(actor, project.joint_committee)
    check_transition(CHANGE_REQUEST_TRANSITIONS, request.status, ChangeRequestStatus.REJECTED,
                     what="The request", labels=CHANGE_LABELS)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the rejection.", field="reason")
    record = _decision(actor, project, decision, kind=DecisionKind.OTHER,
                       title=f"Rejection of the {request.get_kind_display().lower()} request of {project.project_id}",
                       subject=request, subject_label=f"{project.project_id}: {request.get_kind_display()}")
    request.status, request.decision, request.decided_at = ChangeRequestStatus.REJECTED, record, _now()
    request.reason = reason.strip()
    request.save(update_fields=["status", "decision", "decided_at", "reason"])
    event = audit.record(actor=actor, action="projects.change_request.reject", target=request,
                         data={"project": project.project_id, "decision": record.reference}, message=request.reason)
    _tell(event, participant_users(project), kind="projects.change_request.rejected",
          subject=f"{project.project_id}: {request.get_kind_display().lower()} rejected", body=request.reason,
          url=project_url(project))
    return request


# --- monitoring periods and reports ------------------------------------------------------------------

@transaction.atomic
def monitoring_period_create(*, actor, project: Project, start_date: datetime.date, end_date: datetime.date
                             ) -> MonitoringPeriod:
    """A participant opens the next monitoring period: inside the crediting period, starting the day after
    the previous period ended (the first one at or after the start of the crediting period)."""
    project = _lock_project(project)
    require_participant(actor, project, "open a monitoring period")
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict("Monitoring periods are for registered projects.", field="status")
    if start_date is None or end_date is None:
        raise ApplicationError("Give the first and the last day of the period.", field="start_date")
    if end_date < start_date:
        raise ApplicationError("The period cannot end before it starts.", field="end_date")
    if start_date < project.crediting_start or end_date > project.crediting_end:
        raise ApplicationError(f"The monitoring period must lie inside the crediting period "
                               f"({project.crediting_start} – {project.crediting_end}).", field="start_date")
    last = project.monitoring_periods.order_by("-end_date").first()
    if last is not None:
        expected = last.end_date + datetime.timedelta(days=1)
        if start_date <= last.end_date:
            raise ApplicationError(f"The period overlaps monitoring period {last.number} ({last.label}).",
                                   field="start_date")
        if start_date != expected:
            raise ApplicationError(f"Monitoring periods are consecutive: this one must start on {expected} "
                                   f"(the day after period {last.number} ends).", field="start_date")
    number = (last.number + 1) if last else 1
    period = MonitoringPeriod(project=project, number=number, start_date=start_date, end_date=end_date,
                              created_by=actor)
    try:
        with transaction.atomic():
            validated_save(period)
    except IntegrityError as exc:  # a concurrent insert: the database guards the same rules
        raise Conflict("The period overlaps another monitoring period of the project.", field="start_date") from exc
    event = audit.record(actor=actor, action="projects.monitoring_period.create", target=period,
                         data={"project": project.project_id, "number": number, "start_date": start_date,
                               "end_date": end_date})
    _tell(event, participant_users(project), kind="projects.monitoring_period.created",
          subject=f"{project.project_id}: monitoring period {number} opened ({period.label})",
          url=project_url(project))
    return period


def _json_value(value, label: str):
    """A monitored value as stored: numbers as exact decimal text; value objects and site maps kept."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ApplicationError(f"{label}: give numbers as exact decimals (text), not floating-point numbers.",
                               field="values")
    if isinstance(value, Decimal | int):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_value(v, f"{label} {k}") for k, v in value.items()}
    raise ApplicationError(f"{label}: give a number.", field="values")


def _clean_values(period: MonitoringPeriod, version: MethodologyVersion, values: Mapping) -> dict:
    if not isinstance(values, Mapping):
        raise ApplicationError("Give the values as {parameter symbol: value}.", field="values")
    parameters = {p.symbol: p for p in version.parameters.all()}
    sites = set(period.project.sites.values_list("name", flat=True))
    cleaned = {}
    for symbol, value in values.items():
        parameter = parameters.get(symbol)
        if parameter is None:
            raise ApplicationError(f"{symbol} is not a parameter of {version}.", field="values",
                                   errors={str(symbol): [f"{symbol} is not a parameter of {version}."]})
        value = _json_value(value, symbol)
        if parameter.per_site and isinstance(value, dict) and not ({"value"} <= set(value) <= {"value", "unit"}):
            unknown = set(value) - sites
            if unknown:
                raise ApplicationError(f"{symbol}: {', '.join(sorted(unknown))} is not a site of the project.",
                                       field="values", errors={symbol: ["Unknown site."]})
        cleaned[symbol] = value
    return cleaned


def _report_version(period: MonitoringPeriod, methodology_version: MethodologyVersion | None) -> MethodologyVersion:
    applied = list(period.project.methodology_versions.all())
    if methodology_version is None:
        if len(applied) != 1:
            raise ApplicationError("Say which applied methodology version the report follows.",
                                   field="methodology_version")
        return applied[0]
    if methodology_version.pk not in {v.pk for v in applied}:
        raise ApplicationError(f"{methodology_version} is not applied by {period.project.project_id}.",
                               field="methodology_version")
    return methodology_version


def _with_ex_ante(project: Project, spec, values: dict) -> dict:
    """The report's values with the ex-ante values fixed in the PDD (a report may repeat them, not change them)."""
    pdd = project.pdds.filter(status=PDDStatus.SUBMITTED).first()
    fixed = pdd.ex_ante_values if pdd else {}
    merged = dict(values)
    for parameter in spec.parameters:
        if parameter.kind != "ex_ante" or parameter.symbol not in fixed:
            continue
        given = merged.get(parameter.symbol)
        if given not in (None, "") and _as_decimal(given) != _as_decimal(fixed[parameter.symbol]):
            message = (f"{parameter.symbol} is an ex-ante value fixed in the PDD ({fixed[parameter.symbol]} "
                       f"{parameter.unit}); the report gives {given}.")
            raise ApplicationError(message, field="values", errors={parameter.symbol: [message]})
        merged[parameter.symbol] = fixed[parameter.symbol]
    return merged


def _as_decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value.get("value") if isinstance(value, Mapping) else value))
    except (InvalidOperation, TypeError):
        return None


def _stored(value: Decimal, rounding: str) -> Decimal:
    """A result as the decimal column keeps it (12 decimals); the exact text stays in ``results``."""
    return value.quantize(RESULT_QUANTUM, rounding=rounding)


def _lock_period(period: MonitoringPeriod) -> tuple[Project, MonitoringPeriod]:
    project = _lock_project(period.project)
    return project, relock(period)


def _draft_report(period: MonitoringPeriod, actor, methodology_version: MethodologyVersion | None
                  ) -> MonitoringReport:
    if period.status != MonitoringStatus.OPEN:
        raise Conflict(f"The monitoring report of period {period.number} is "
                       f"{MONITORING_LABELS[period.status].lower()}; it can no longer change.", field="status")
    draft = period.reports.filter(status=ReportStatus.DRAFT).first()
    if draft is not None:
        draft = lock(MonitoringReport, draft.pk)
        if methodology_version is not None:
            draft.methodology_version = _report_version(period, methodology_version)
        return draft
    last = period.reports.order_by("-version").first()
    version = _report_version(period, methodology_version or (last.methodology_version if last else None))
    draft = MonitoringReport(period=period, version=(last.version + 1) if last else 1, methodology_version=version,
                             values=dict(last.values) if last else {}, saved_by=actor)
    draft.save()
    if last is not None:  # a revised report starts with the evidence of the previous one
        for evidence in last.evidence.all():
            EvidenceFile.objects.create(report=draft, file=evidence.file.name, original_name=evidence.original_name,
                                        content_type=evidence.content_type, size=evidence.size,
                                        sha256=evidence.sha256, description=evidence.description,
                                        parameter=evidence.parameter, uploaded_by=evidence.uploaded_by,
                                        uploaded_at=evidence.uploaded_at)
    return draft


@transaction.atomic
def monitoring_report_save(*, actor, period: MonitoringPeriod, values: Mapping, replace: bool = False,
                           methodology_version: MethodologyVersion | None = None,
                           entry_method: str = EntryMethod.FORM) -> MonitoringReport:
    """Save monitored values in the draft report (by form or by the API); drafts can be resumed.

    Values are merged into the draft unless ``replace``; they are checked in full when the report is submitted.
    """
    project, period = _lock_period(period)
    require_participant(actor, project, "enter monitoring values")
    if entry_method not in (EntryMethod.FORM, EntryMethod.API):
        raise ApplicationError("Values are entered by form or by the API.", field="entry_method")
    report = _draft_report(period, actor, methodology_version)
    cleaned = _clean_values(period, report.methodology_version, values)
    report.values = cleaned if replace else {**report.values, **cleaned}
    report.entry_method, report.saved_by, report.saved_at = entry_method, actor, _now()
    validated_save(report)
    audit.record(actor=actor, action="projects.monitoring_report.save", target=report, data={
        "period": period.pk, "version": report.version, "entry_method": entry_method, "values": cleaned,
        "replace": replace})
    return report


@transaction.atomic
def monitoring_report_upload(*, actor, period: MonitoringPeriod, file,
                             methodology_version: MethodologyVersion | None = None) -> MonitoringReport:
    """Read the methodology's filled monitoring spreadsheet (XLSX) into the draft report's values."""
    from methodologies.selectors import read_monitoring_workbook

    project, period = _lock_period(period)
    require_participant(actor, project, "upload a monitoring spreadsheet")
    checked = files.checked_upload(file, allowed=files.SPREADSHEET_TYPES, field="file")
    report = _draft_report(period, actor, methodology_version)
    version = report.methodology_version
    values = read_monitoring_workbook(version, files.file_bytes(file))
    report.values = _clean_values(period, version, values)
    report.entry_method = EntryMethod.XLSX
    _attach(report, "source_file", checked)
    report.source_sha256 = checked.sha256
    report.saved_by, report.saved_at = actor, _now()
    validated_save(report)
    audit.record(actor=actor, action="projects.monitoring_report.upload", target=report, data={
        "period": period.pk, "version": report.version, "file": checked.name, "sha256": checked.sha256,
        "values": report.values})
    return report


@transaction.atomic
def evidence_add(*, actor, period: MonitoringPeriod, file, description: str = "", parameter: str = ""
                 ) -> EvidenceFile:
    """Attach an evidence file to the draft report (types and size limited; kept with its SHA-256)."""
    project, period = _lock_period(period)
    require_participant(actor, project, "add evidence")
    checked = files.checked_upload(file, allowed=files.EVIDENCE_TYPES, field="file")
    report = _draft_report(period, actor, None)
    if parameter and not report.methodology_version.parameters.filter(symbol=parameter).exists():
        raise ApplicationError(f"{parameter} is not a parameter of {report.methodology_version}.", field="parameter")
    evidence = EvidenceFile(report=report, description=(description or "").strip(), parameter=parameter or "",
                            original_name=checked.name, content_type=checked.content_type, size=checked.size,
                            sha256=checked.sha256, uploaded_by=actor)
    _attach(evidence, "file", checked)
    validated_save(evidence)
    audit.record(actor=actor, action="projects.evidence.add", target=evidence, data={
        "report": report.pk, "name": checked.name, "size": checked.size, "sha256": checked.sha256})
    return evidence


@transaction.atomic
def evidence_remove(*, actor, evidence: EvidenceFile) -> None:
    """Remove an evidence file from a draft report (a submitted report keeps its evidence)."""
    project, period = _lock_period(evidence.report.period)
    evidence = relock(evidence)
    require_participant(actor, project, "remove evidence")
    if evidence.report.status != ReportStatus.DRAFT:
        raise Conflict("Evidence of a submitted report cannot be removed.", field="status")
    audit.record(actor=actor, action="projects.evidence.remove", target=evidence.report, data={
        "evidence": evidence.pk, "name": evidence.original_name, "sha256": evidence.sha256})
    evidence.delete()


@transaction.atomic
def monitoring_report_submit(*, actor, period: MonitoringPeriod, verification_tpe: ThirdPartyEntity
                             ) -> MonitoringReport:
    """Submit the report for verification: the engine computes RE, PE, ER and the trace, which are frozen
    with the report; the TPE chosen for verification (designated for the project's scope) is assigned."""
    from methodologies import engine
    from methodologies.content import version_spec

    project, period = _lock_period(period)
    require_participant(actor, project, "submit the monitoring report")
    check_transition(MONITORING_TRANSITIONS, period.status, MonitoringStatus.SUBMITTED,
                     what=f"Monitoring period {period.number}", labels=MONITORING_LABELS)
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict(f"{project.project_id} is not registered.", field="status")
    _check_tpe(verification_tpe, project, purpose="verification")
    report = period.reports.filter(status=ReportStatus.DRAFT).first()
    if report is None:
        raise ApplicationError("Enter the monitored values first.", field="values")
    report = lock(MonitoringReport, report.pk)
    spec = version_spec(report.methodology_version)
    values = _with_ex_ante(project, spec, report.values)
    sites = list(project.sites.values_list("name", flat=True))
    result = engine.calculate(spec, values, sites=sites)
    period.reports.filter(status=ReportStatus.SUBMITTED).update(status=ReportStatus.SUPERSEDED)
    exact = result.as_dict()
    report.values = values
    report.reference_emissions = _stored(result.reference_emissions, ROUND_HALF_EVEN)
    report.project_emissions = _stored(result.project_emissions, ROUND_HALF_EVEN)
    report.emission_reductions = _stored(result.emission_reductions, ROUND_FLOOR)
    report.reported_reductions = result.credits
    report.negative = result.negative
    report.trace = exact.pop("trace")
    report.notes = exact.pop("notes")
    report.results = exact
    report.spec_fingerprint = engine.spec_fingerprint(spec)
    report.status, report.submitted_by, report.submitted_at = ReportStatus.SUBMITTED, actor, _now()
    validated_save(report)
    period.status, period.verification_tpe, period.submitted_at = (MonitoringStatus.SUBMITTED, verification_tpe,
                                                                   report.submitted_at)
    period.save(update_fields=["status", "verification_tpe", "submitted_at"])
    event = audit.record(actor=actor, action="projects.monitoring_report.submit", target=report, data={
        "project": project.project_id, "period": period.number, "version": report.version,
        "emission_reductions": report.emission_reductions, "reported_reductions": report.reported_reductions,
        "tpe": verification_tpe.tpe_id, "spec_fingerprint": report.spec_fingerprint})
    _tell(event, [*tpe_users(verification_tpe), *participant_users(project)],
          kind="projects.monitoring_report.submitted",
          subject=f"{project.project_id}: monitoring report for period {period.number} submitted for verification "
                  f"({report.reported_reductions} tCO2e)", url=project_url(project))
    return report


@transaction.atomic
def verification_report_submit(*, actor, period: MonitoringPeriod, conclusion: str, verified_reductions: int,
                               report_date: datetime.date, findings: Iterable = (), reason_lower: str = "",
                               file=None, reference: str = "", summary: str = "") -> VerificationReport:
    """The assigned TPE verifies the submitted report: verified reductions at most the reported ones (with a
    reason when lower); a positive conclusion needs every CAR and CL closed; a negative one returns the
    period to the participants for a revised report."""
    project, period = _lock_period(period)
    require_tpe_auditor(actor, period.verification_tpe, "verify this monitoring report")
    if conclusion not in Conclusion.values:
        raise ApplicationError("The conclusion is positive or negative.", field="conclusion")
    target = MonitoringStatus.VERIFIED if conclusion == Conclusion.POSITIVE else MonitoringStatus.OPEN
    check_transition(MONITORING_TRANSITIONS, period.status, target, what=f"Monitoring period {period.number}",
                     labels=MONITORING_LABELS)
    _check_tpe(period.verification_tpe, project, purpose="verification")
    report = period.reports.get(status=ReportStatus.SUBMITTED)
    try:
        verified = int(verified_reductions)
    except (TypeError, ValueError):
        raise ApplicationError("The verified reductions are whole tCO2e.", field="verified_reductions") from None
    if verified < 0:
        raise ApplicationError("The verified reductions cannot be negative.", field="verified_reductions")
    if verified > report.reported_reductions:
        raise ApplicationError(f"The verified reductions cannot exceed the reported ones "
                               f"({report.reported_reductions} tCO2e).", field="verified_reductions")
    if conclusion == Conclusion.POSITIVE and verified < report.reported_reductions and not (reason_lower or "").strip():
        raise ApplicationError("Give the reason the verified reductions are lower than reported.",
                               field="reason_lower")
    if report_date > _today():
        raise ApplicationError("The report cannot be dated in the future.", field="report_date")
    findings = _findings(findings)
    if conclusion == Conclusion.POSITIVE and _open_blocking(findings):
        raise ApplicationError(f"A positive verification needs every CAR and CL closed; "
                               f"{len(_open_blocking(findings))} remain open.", field="findings")
    verification = VerificationReport(
        period=period, report=report, tpe=period.verification_tpe, reference=reference or "", report_date=report_date,
        conclusion=conclusion, verified_reductions=verified if conclusion == Conclusion.POSITIVE else 0,
        reason_lower=(reason_lower or "").strip(), summary=summary or "", submitted_by=actor)
    if file is not None:
        checked = files.checked_upload(file, allowed=files.REPORT_TYPES, field="file")
        _attach(verification, "file", checked)
        verification.original_name, verification.content_type = checked.name, checked.content_type
        verification.size, verification.sha256 = checked.size, checked.sha256
    validated_save(verification)
    _store_findings(findings, verification_report=verification)
    before = period.status
    period.status = target
    period.verified_at = _now() if target == MonitoringStatus.VERIFIED else None
    period.save(update_fields=["status", "verified_at"])
    event = audit.record(actor=actor, action=f"projects.verification.{conclusion}", target=verification, data={
        "project": project.project_id, "period": period.number, "from": before,
        "reported_reductions": report.reported_reductions, "verified_reductions": verification.verified_reductions,
        "findings": len(findings), "sha256": verification.sha256})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind=f"projects.verification.{conclusion}",
          subject=f"{project.project_id}: {conclusion} verification of monitoring period {period.number}"
                  + (f" ({verification.verified_reductions} tCO2e)" if conclusion == Conclusion.POSITIVE else ""),
          url=project_url(project))
    return verification


# --- issuance requests ----------------------------------------------------------------------------

@transaction.atomic
def issuance_request_submit(*, actor, period: MonitoringPeriod) -> IssuanceRequest:
    """The focal point requests issuance of the verified reductions of one monitoring period."""
    project, period = _lock_period(period)
    require_focal_point(actor, project, "request issuance")
    check_transition(MONITORING_TRANSITIONS, period.status, MonitoringStatus.ISSUANCE_REQUESTED,
                     what=f"Monitoring period {period.number}", labels=MONITORING_LABELS)
    if project.status != ProjectStatus.REGISTERED:
        raise Conflict(f"{project.project_id} is not registered.", field="status")
    verification = period.verification_reports.filter(conclusion=Conclusion.POSITIVE).order_by("-pk").first()
    if verification is None or verification.verified_reductions < 1:
        raise ApplicationError("There are no verified emission reductions to issue for this period.",
                               field="verified_reductions")
    allocation = project.allocations.filter(status=RecordStatus.CURRENT).first()
    if allocation is None:
        raise ApplicationError("Enter the credit allocation first.", field="allocation")
    request = IssuanceRequest(
        period=period, project=project, verification=verification, requested_amount=verification.verified_reductions,
        allocation=allocation, requested_by=actor,
        due_on=_today() + datetime.timedelta(days=_jc_days(project.joint_committee, "issuance_decision_days",
                                                           DEFAULT_ISSUANCE_DECISION_DAYS)))
    validated_save(request)
    period.status = MonitoringStatus.ISSUANCE_REQUESTED
    period.save(update_fields=["status"])
    event = audit.record(actor=actor, action="projects.issuance.request", target=request, data={
        "project": project.project_id, "period": period.number, "requested_amount": request.requested_amount,
        "allocation_version": allocation.version})
    _tell(event, secretariat_users(project.joint_committee), kind="projects.issuance.requested",
          subject=f"{project.project_id}: issuance of {request.requested_amount} credits requested "
                  f"(monitoring period {period.number})", url=project_url(project))
    return request


def _lock_issuance(request: IssuanceRequest) -> tuple[Project, MonitoringPeriod, IssuanceRequest]:
    project, period = _lock_period(request.period)
    return project, period, relock(request)


def _period_back_to_verified(period: MonitoringPeriod) -> None:
    check_transition(MONITORING_TRANSITIONS, period.status, MonitoringStatus.VERIFIED,
                     what=f"Monitoring period {period.number}", labels=MONITORING_LABELS)
    period.status = MonitoringStatus.VERIFIED
    period.save(update_fields=["status"])


@transaction.atomic
def issuance_request_withdraw(*, actor, request: IssuanceRequest, reason: str = "") -> IssuanceRequest:
    project, period, request = _lock_issuance(request)
    require_focal_point(actor, project, "withdraw the issuance request")
    check_transition(ISSUANCE_TRANSITIONS, request.status, IssuanceStatus.WITHDRAWN, what="The issuance request",
                     labels=ISSUANCE_LABELS)
    request.status, request.reason, request.decided_at = IssuanceStatus.WITHDRAWN, (reason or "").strip(), _now()
    request.save(update_fields=["status", "reason", "decided_at"])
    _period_back_to_verified(period)
    event = audit.record(actor=actor, action="projects.issuance.withdraw", target=request,
                         data={"project": project.project_id, "period": period.number}, message=request.reason)
    _tell(event, secretariat_users(project.joint_committee), kind="projects.issuance.withdrawn",
          subject=f"{project.project_id}: issuance request for period {period.number} withdrawn",
          url=project_url(project))
    return request


def issuance_decision_title(request: IssuanceRequest) -> str:
    period = request.period
    return (f"Decision on issuance of credits: {request.project.project_id} {request.project.title} for the "
            f"monitoring period of {period.start_date:%d %b %y} - {period.end_date:%d %b %y}")


@transaction.atomic
def issuance_decide(*, actor, request: IssuanceRequest, amount: int, decision: DecisionInput) -> IssuanceRequest:
    """The Joint Committee decides the amount to issue (at most the verified reductions); the registries
    then issue it by the project's credit allocation (the credits app)."""
    project, period, request = _lock_issuance(request)
    require_secretariat(actor, project.joint_committee)
    check_transition(ISSUANCE_TRANSITIONS, request.status, IssuanceStatus.DECIDED, what="The issuance request",
                     labels=ISSUANCE_LABELS)
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise ApplicationError("The amount is a whole number of credits.", field="amount") from None
    if amount < 1 or amount > request.requested_amount:
        raise ApplicationError(f"The amount must be between 1 and the verified reductions "
                               f"({request.requested_amount} tCO2e).", field="amount")
    check_transition(MONITORING_TRANSITIONS, period.status, MonitoringStatus.ISSUANCE_DECIDED,
                     what=f"Monitoring period {period.number}", labels=MONITORING_LABELS)
    record = _decision(actor, project, decision, kind=DecisionKind.ISSUE_CREDITS,
                       title=issuance_decision_title(request), subject=request,
                       subject_label=f"{project.project_id} monitoring period {period.number}: {amount} credits")
    request.status, request.decision, request.decided_amount = IssuanceStatus.DECIDED, record, amount
    request.decided_at = _now()
    validated_save(request)
    period.status = MonitoringStatus.ISSUANCE_DECIDED
    period.save(update_fields=["status"])
    event = audit.record(actor=actor, action="projects.issuance.decide", target=request, data={
        "project": project.project_id, "period": period.number, "amount": amount, "decision": record.reference,
        "allocation_version": request.allocation.version,
        "split": [{"share": share.pk, "credits": credits} for share, credits in request.allocation.split(amount)]})
    _tell(event, [*participant_users(project), *registry_admin_users(project.joint_committee)],
          kind="projects.issuance.decided",
          subject=f"{project.project_id}: the Joint Committee decided to issue {amount} credits "
                  f"(monitoring period {period.number})",
          body=f"Decision {record.reference} of {record.decided_on:%d %B %Y}.", url=project_url(project))
    return request


@transaction.atomic
def issuance_reject(*, actor, request: IssuanceRequest, decision: DecisionInput, reason: str) -> IssuanceRequest:
    project, period, request = _lock_issuance(request)
    require_secretariat(actor, project.joint_committee)
    check_transition(ISSUANCE_TRANSITIONS, request.status, IssuanceStatus.REJECTED, what="The issuance request",
                     labels=ISSUANCE_LABELS)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the rejection.", field="reason")
    record = _decision(actor, project, decision, kind=DecisionKind.ISSUE_CREDITS,
                       title=f"Rejection of the issuance request of {project.project_id} for monitoring period "
                             f"{period.number}", subject=request,
                       subject_label=f"{project.project_id} monitoring period {period.number}")
    request.status, request.decision, request.reason, request.decided_at = (IssuanceStatus.REJECTED, record,
                                                                            reason.strip(), _now())
    request.save(update_fields=["status", "decision", "reason", "decided_at"])
    _period_back_to_verified(period)
    event = audit.record(actor=actor, action="projects.issuance.reject", target=request, data={
        "project": project.project_id, "period": period.number, "decision": record.reference}, message=request.reason)
    _tell(event, participant_users(project), kind="projects.issuance.rejected",
          subject=f"{project.project_id}: issuance request for period {period.number} rejected", body=request.reason,
          url=project_url(project))
    return request
