"""Who may do what on a project: the one place for the projects app's permissions.

A user acts for a project through a role assignment (committee.RoleAssignment, valid today):

- participant: ``project_participant`` for an organization that is an active participant of the project;
  the focal point is the participant organization marked ``is_focal_point`` (set by the MoC statement);
- TPE auditor: ``tpe_auditor`` for the organization of the TPE chosen for validation, or of a TPE
  assigned to verify one of the project's monitoring periods;
- secretariat: ``secretariat`` of the project's Joint Committee (either side);
- ministry: ``ministry_api`` of the partner country, or of Japan (a side of every Joint Committee).

A system administrator passes every check (and the audit trail names them).

Every action on a project has ONE :class:`Rule`, named after the service that takes it: the :class:`Party`
it is reserved for, and the states of its object in which it is open. The rule has two uses:

- ``can_<action>(user, obj)``: whether a page offers the action (the user is the party and the object is
  in an open state). Templates read the same answers from :class:`Permissions`: ``{% if can.pdd_submit %}``;
- ``require_<action>(actor, obj)``: what the service checks first (the party; it raises
  ``core.errors.NotAllowed`` with the reason). The service then checks the state itself (``Conflict``).

So a page never offers an action that the service would refuse to the same user.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from committee.choices import Role
from committee.models import Country, JointCommittee, ThirdPartyEntity, User
from committee.roles import (
    Viewer,
    active_roles,
    is_authenticated,
    is_secretariat,
    is_system_admin,
    require,
    require_authenticated,
    valid_on_q,
)
from core.errors import NotAllowed

from .choices import (
    CHANGE_REQUEST_TRANSITIONS,
    CLOSED_STATUSES,
    EDITABLE_STATUSES,
    ISSUANCE_TRANSITIONS,
    MONITORING_TRANSITIONS,
    PDD_REVISABLE_STATUSES,
    PROJECT_TRANSITIONS,
    TPE_CHOICE_STATUSES,
    ChangeRequestStatus,
    IssuanceStatus,
    MonitoringStatus,
    ProjectStatus,
    RecordStatus,
    ReportStatus,
)
from .form_choices import (
    PENDING_FORM_STATUSES,
    PROJECT_FORM_TRANSITIONS,
    ProjectFormKind,
    ProjectFormStatus,
    sd_form_countries,
)
from .models import ChangeRequest, EvidenceFile, IssuanceRequest, MonitoringPeriod, Project, ProjectForm

Subject = Project | MonitoringPeriod | IssuanceRequest | ChangeRequest | EvidenceFile | ProjectForm  # acted on
T = TypeVar("T", Project, MonitoringPeriod, IssuanceRequest, ChangeRequest, EvidenceFile, ProjectForm)


# --- roles on a project -------------------------------------------------------------------------------

def role_organization_ids(user: Viewer, role: str) -> set[int]:
    return {r.organization_id for r in active_roles(user) if r.role == role and r.organization_id}


def participant_organization_ids(user: Viewer) -> set[int]:
    return role_organization_ids(user, Role.PROJECT_PARTICIPANT)


def tpe_organization_ids(user: Viewer) -> set[int]:
    return role_organization_ids(user, Role.TPE_AUDITOR)


def ministry_committee_scope(user: Viewer) -> tuple[bool, set[int]]:
    """(sees every committee: a Japanese ministry, ids of partner countries served)."""
    every, countries = False, set()
    for r in active_roles(user):
        if r.role == Role.MINISTRY_API and r.country is not None:  # selected with the role: no query
            if r.country.is_japan:
                every = True
            else:
                countries.add(r.country.pk)
    return every, countries


def secretariat_committee_ids(user: Viewer) -> set[int]:
    return {r.joint_committee_id for r in active_roles(user) if r.role == Role.SECRETARIAT and r.joint_committee_id}


def is_participant(user: Viewer, project: Project) -> bool:
    orgs = participant_organization_ids(user)
    return bool(orgs) and project.participants.filter(organization_id__in=orgs, active=True).exists()


def is_focal_point(user: Viewer, project: Project) -> bool:
    orgs = participant_organization_ids(user)
    return bool(orgs) and project.participants.filter(organization_id__in=orgs, active=True,
                                                      is_focal_point=True).exists()


def is_tpe_auditor(user: Viewer, tpe: ThirdPartyEntity | None) -> bool:
    return tpe is not None and tpe.organization_id in tpe_organization_ids(user)


def is_project_tpe(user: Viewer, project: Project) -> bool:
    """An auditor of the TPE validating the project or verifying one of its monitoring periods."""
    orgs = tpe_organization_ids(user)
    if not orgs:
        return False
    tpe = project.validation_tpe
    if tpe is not None and tpe.organization_id in orgs:
        return True
    return project.monitoring_periods.filter(verification_tpe__organization_id__in=orgs).exists()


def is_ministry_of(user: Viewer, joint_committee: JointCommittee) -> bool:
    every, countries = ministry_committee_scope(user)
    return every or joint_committee.partner_id in countries


# --- what a user may see --------------------------------------------------------------------------------

def can_see_confidential(user: Viewer, project: Project) -> bool:
    """The confidential PDD and evidence: participants of the project, the secretariat of its Joint
    Committee, its TPE, the ministries of the two governments (and system administrators)."""
    if not is_authenticated(user):
        return False
    return (is_system_admin(user) or is_participant(user, project) or is_secretariat(user, project.joint_committee)
            or is_project_tpe(user, project) or is_ministry_of(user, project.joint_committee))


def can_see_commenter_email(user: Viewer, project: Project) -> bool:
    """The e-mail addresses of public commenters (never published): the secretariat of the project's Joint
    Committee."""
    return is_authenticated(user) and (is_system_admin(user) or is_secretariat(user, project.joint_committee))


def can_see_my_projects(user: Viewer) -> bool:
    """The participants' pages (“My projects”, starting a project): project participants."""
    return bool(participant_organization_ids(user)) or is_system_admin(user)


def can_see_tpe_work(user: Viewer) -> bool:
    """What is assigned to the user's TPE: its auditors."""
    return bool(tpe_organization_ids(user))


def can_see_secretariat_queues(user: Viewer) -> bool:
    """The secretariat's work queues: the secretariat of a Joint Committee."""
    return bool(secretariat_committee_ids(user)) or is_system_admin(user)


# --- parties and rules ------------------------------------------------------------------------------------

def project_of(obj: Subject) -> Project:
    """The project an action's object belongs to."""
    if isinstance(obj, Project):
        return obj
    if isinstance(obj, EvidenceFile):
        return obj.report.period.project
    return obj.project


def _tpe_name(tpe: ThirdPartyEntity | None) -> str:
    return tpe.tpe_id if tpe else "the assigned TPE"


@dataclass(frozen=True)
class Party:
    """Whom an action is reserved for. ``about`` is what the test looks at (the object's project, or a TPE):
    a page caches the answer per party and ``about``, so the rows of one project cost no extra query."""

    name: str
    about: Callable[[Any], Any]
    test: Callable[[Viewer, Any], bool]  # (user, about) -> bool; system administrators pass without it
    refusal: Callable[[Any, str], str]  # (about, what) -> the service's message
    forbidden: Promise  # the page's message (HTTP 403)


PARTICIPANT = Party(
    "participant", project_of, is_participant,
    lambda project, what: f"Only a participant of {project.project_id} may {what}.",
    gettext_lazy("Only a participant of this project may do this."))
FOCAL_POINT = Party(
    "focal_point", project_of, is_focal_point,
    lambda project, what: f"Only the focal point of {project.project_id} may {what}.",
    gettext_lazy("Only the focal point of this project may do this."))
SECRETARIAT = Party(
    "secretariat", lambda obj: project_of(obj).joint_committee, is_secretariat,
    lambda joint_committee, what: f"Only the secretariat of the {joint_committee} may do this.",
    gettext_lazy("Only the secretariat of this project's Joint Committee may do this."))
VALIDATOR = Party(
    "validator", lambda project: project.validation_tpe, is_tpe_auditor,
    lambda tpe, what: f"Only an auditor of {_tpe_name(tpe)} may {what}.",
    gettext_lazy("Only an auditor of the TPE chosen to validate this project may do this."))
VERIFIER = Party(
    "verifier", lambda period: period.verification_tpe, is_tpe_auditor,
    lambda tpe, what: f"Only an auditor of {_tpe_name(tpe)} may {what}.",
    gettext_lazy("Only an auditor of the TPE assigned to verify this period may do this."))
PARTIES = {party.name: party for party in (PARTICIPANT, FOCAL_POINT, SECRETARIAT, VALIDATOR, VERIFIER)}


def _always(obj: Any) -> bool:
    return True


def status_in(statuses: Collection[str]) -> Callable[[Any], bool]:
    """Open while the object's status is one of ``statuses``."""
    return lambda obj: obj.status in statuses


def moves_to(transitions: Mapping[str, Collection[str]], target: str) -> Callable[[Any], bool]:
    """Open while the object's status may move to ``target``."""
    return status_in(frozenset(source for source, targets in transitions.items() if target in targets))


@dataclass(frozen=True)
class Rule(Generic[T]):
    """Who may take one action (``party``), in which states of its object it is open (``open``), and the
    end of the service's refusal ("Only the focal point of MN001 may <what>.")."""

    action: str  # the service that takes it
    party: Party
    what: str = "do this"
    open: Callable[[T], bool] = _always

    def allows(self, user: Viewer, obj: T) -> bool:
        """The permission: the user is the party (or a system administrator)."""
        return is_authenticated(user) and (is_system_admin(user) or self.party.test(user, self.party.about(obj)))

    def can(self, user: Viewer, obj: T) -> bool:
        """Offered on a page: the permission, and the object is in a state where the action is open."""
        return self.open(obj) and self.allows(user, obj)

    def require(self, actor: Viewer, obj: T) -> None:
        """The service's check of the permission: NotAllowed with the reason unless :meth:`allows`."""
        require_authenticated(actor)
        if not self.allows(actor, obj):
            raise NotAllowed(self.party.refusal(self.party.about(obj), self.what))


def _has_current_moc(project: Project) -> bool:
    return project.moc_statements.filter(status=RecordStatus.CURRENT).exists()


def _open(project: Project) -> bool:
    return project.status not in CLOSED_STATUSES


def both(*tests: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """Open while every test is."""
    return lambda obj: all(test(obj) for test in tests)


def _period_ended(period: MonitoringPeriod) -> bool:
    """No credits before the reductions happen: a period's report, issuance request and decision wait for
    its end (``MonitoringPeriod.has_ended``)."""
    return period.has_ended


def _request_period_ended(request: IssuanceRequest) -> bool:
    return request.period.has_ended


# --- the rules, one per action ----------------------------------------------------------------------------

# the project and its PDD
PROJECT_UPDATE: Rule[Project] = Rule("project_update", PARTICIPANT, "edit it", status_in(EDITABLE_STATUSES))
PROJECT_WITHDRAW: Rule[Project] = Rule("project_withdraw", FOCAL_POINT, "withdraw the project",
                                 moves_to(PROJECT_TRANSITIONS, ProjectStatus.WITHDRAWN))
PDD_SAVE: Rule[Project] = Rule("pdd_save", PARTICIPANT, "edit its PDD", status_in(PDD_REVISABLE_STATUSES))
# the PDD (with the MoC) goes to the TPE the participants contracted, which has it published (Project Cycle
# Procedure); during validation a revised PDD goes to the same TPE
# Mongolia's rules (JCM_SD_FORM_COUNTRIES) have the SD contribution plan submitted with the PDD: a first
# submission waits for a submitted or accepted plan (``sd_plan_missing``; the service says so on field sd_plan)
PDD_SUBMIT: Rule[Project] = Rule("pdd_submit", PARTICIPANT, "submit its PDD",
                                 lambda p: status_in(PDD_REVISABLE_STATUSES)(p) and not sd_plan_missing(p))
PDD_RETURN: Rule[Project] = Rule("pdd_return", VALIDATOR, "return its PDD",
                                 open=moves_to(PROJECT_TRANSITIONS, ProjectStatus.DRAFT))
PDD_PUBLICATION_REQUEST: Rule[Project] = Rule("pdd_publication_request", VALIDATOR, "request the publication of its PDD",
                                              moves_to(PROJECT_TRANSITIONS, ProjectStatus.PUBLICATION_REQUESTED))
PDD_PUBLISH: Rule[Project] = Rule("pdd_publish", SECRETARIAT,
                            open=moves_to(PROJECT_TRANSITIONS, ProjectStatus.PUBLIC_INPUT))
# validation and registration
VALIDATION_TPE_CHOOSE: Rule[Project] = Rule("validation_tpe_choose", PARTICIPANT, "choose its validating TPE",
                                      status_in(TPE_CHOICE_STATUSES))
VALIDATION_START: Rule[Project] = Rule("validation_start", PARTICIPANT, "start its validation",
                                 moves_to(PROJECT_TRANSITIONS, ProjectStatus.UNDER_VALIDATION))
VALIDATION_REPORT_SUBMIT: Rule[Project] = Rule(
    "validation_report_submit", VALIDATOR, "submit the validation report",
    both(status_in({ProjectStatus.UNDER_VALIDATION}), lambda project: project.public_input_closed))
REGISTRATION_REQUEST: Rule[Project] = Rule("registration_request", FOCAL_POINT, "request its registration",
                                     moves_to(PROJECT_TRANSITIONS, ProjectStatus.REGISTRATION_REQUESTED))
REGISTRATION_REQUEST_WITHDRAW: Rule[Project] = Rule("registration_request_withdraw", FOCAL_POINT,
                                              "withdraw its registration request",
                                              status_in({ProjectStatus.REGISTRATION_REQUESTED}))
PROJECT_REGISTER: Rule[Project] = Rule("project_register", SECRETARIAT,
                                 open=moves_to(PROJECT_TRANSITIONS, ProjectStatus.REGISTERED))
PROJECT_REJECT: Rule[Project] = Rule("project_reject", SECRETARIAT,
                               open=moves_to(PROJECT_TRANSITIONS, ProjectStatus.REJECTED))
# MoC statement and credit allocation
MOC_SUBMIT: Rule[Project] = Rule("moc_submit", FOCAL_POINT, "submit an MoC statement", _open)
MOC_ANNEX_CHANGE: Rule[Project] = Rule("moc_annex_change", FOCAL_POINT, "record an MoC Annex 1 change",
                                 lambda project: _open(project) and _has_current_moc(project))
ALLOCATION_SUBMIT: Rule[Project] = Rule("allocation_submit", FOCAL_POINT, "enter its credit allocation", _open)
# post-registration changes and renewal
CHANGE_REQUEST_SUBMIT: Rule[Project] = Rule("change_request_submit", FOCAL_POINT, "request changes",
                                      status_in({ProjectStatus.REGISTERED}))
CHANGE_REQUEST_WITHDRAW: Rule[ChangeRequest] = Rule("change_request_withdraw", FOCAL_POINT, "withdraw the request",
                                              moves_to(CHANGE_REQUEST_TRANSITIONS, ChangeRequestStatus.WITHDRAWN))
CHANGE_REQUEST_APPROVE: Rule[ChangeRequest] = Rule("change_request_approve", SECRETARIAT,
                                             open=moves_to(CHANGE_REQUEST_TRANSITIONS, ChangeRequestStatus.APPROVED))
CHANGE_REQUEST_REJECT: Rule[ChangeRequest] = Rule("change_request_reject", SECRETARIAT,
                                            open=moves_to(CHANGE_REQUEST_TRANSITIONS, ChangeRequestStatus.REJECTED))
# monitoring (the monitoring report and its evidence change while the period is open)
MONITORING_PERIOD_CREATE: Rule[Project] = Rule("monitoring_period_create", PARTICIPANT, "open a monitoring period",
                                         status_in({ProjectStatus.REGISTERED}))
_REPORT_OPEN = status_in({MonitoringStatus.OPEN})
MONITORING_REPORT_SAVE: Rule[MonitoringPeriod] = Rule("monitoring_report_save", PARTICIPANT, "enter monitoring values",
                                                _REPORT_OPEN)
MONITORING_REPORT_UPLOAD: Rule[MonitoringPeriod] = Rule("monitoring_report_upload", PARTICIPANT,
                                                  "upload a monitoring spreadsheet", _REPORT_OPEN)
EVIDENCE_ADD: Rule[MonitoringPeriod] = Rule("evidence_add", PARTICIPANT, "add evidence", _REPORT_OPEN)
EVIDENCE_REMOVE: Rule[EvidenceFile] = Rule("evidence_remove", PARTICIPANT, "remove evidence",
                                     lambda evidence: evidence.report.status == ReportStatus.DRAFT)
MONITORING_REPORT_SUBMIT: Rule[MonitoringPeriod] = Rule("monitoring_report_submit", PARTICIPANT,
                                                  "submit the monitoring report",
                                                  both(moves_to(MONITORING_TRANSITIONS, MonitoringStatus.SUBMITTED),
                                                       _period_ended))
# verification and issuance
VERIFICATION_REPORT_SUBMIT: Rule[MonitoringPeriod] = Rule("verification_report_submit", VERIFIER,
                                                    "verify this monitoring report",
                                                    status_in({MonitoringStatus.SUBMITTED}))
ISSUANCE_REQUEST_SUBMIT: Rule[MonitoringPeriod] = Rule(
    "issuance_request_submit", FOCAL_POINT, "request issuance",
    both(moves_to(MONITORING_TRANSITIONS, MonitoringStatus.ISSUANCE_REQUESTED), _period_ended))
ISSUANCE_REQUEST_WITHDRAW: Rule[IssuanceRequest] = Rule("issuance_request_withdraw", FOCAL_POINT,
                                                  "withdraw the issuance request",
                                                  moves_to(ISSUANCE_TRANSITIONS, IssuanceStatus.WITHDRAWN))
ISSUANCE_REQUEST_DECIDE: Rule[IssuanceRequest] = Rule(
    "issuance_request_decide", SECRETARIAT,
    open=both(moves_to(ISSUANCE_TRANSITIONS, IssuanceStatus.DECIDED), _request_period_ended))
ISSUANCE_REQUEST_REJECT: Rule[IssuanceRequest] = Rule("issuance_request_reject", SECRETARIAT,
                                                open=moves_to(ISSUANCE_TRANSITIONS, IssuanceStatus.REJECTED))

RULES: dict[str, Rule[Any]] = {rule.action: rule for rule in (
    PROJECT_UPDATE, PROJECT_WITHDRAW, PDD_SAVE, PDD_SUBMIT, PDD_RETURN, PDD_PUBLICATION_REQUEST, PDD_PUBLISH, VALIDATION_TPE_CHOOSE,
    VALIDATION_START, VALIDATION_REPORT_SUBMIT, REGISTRATION_REQUEST, REGISTRATION_REQUEST_WITHDRAW, PROJECT_REGISTER,
    PROJECT_REJECT, MOC_SUBMIT, MOC_ANNEX_CHANGE, ALLOCATION_SUBMIT, CHANGE_REQUEST_SUBMIT, CHANGE_REQUEST_WITHDRAW,
    CHANGE_REQUEST_APPROVE, CHANGE_REQUEST_REJECT, MONITORING_PERIOD_CREATE, MONITORING_REPORT_SAVE,
    MONITORING_REPORT_UPLOAD, EVIDENCE_ADD, EVIDENCE_REMOVE, MONITORING_REPORT_SUBMIT, VERIFICATION_REPORT_SUBMIT,
    ISSUANCE_REQUEST_SUBMIT, ISSUANCE_REQUEST_WITHDRAW, ISSUANCE_REQUEST_DECIDE, ISSUANCE_REQUEST_REJECT)}

can_project_update, require_project_update = PROJECT_UPDATE.can, PROJECT_UPDATE.require
can_project_withdraw, require_project_withdraw = PROJECT_WITHDRAW.can, PROJECT_WITHDRAW.require
can_pdd_save, require_pdd_save = PDD_SAVE.can, PDD_SAVE.require
can_pdd_submit, require_pdd_submit = PDD_SUBMIT.can, PDD_SUBMIT.require
can_pdd_return, require_pdd_return = PDD_RETURN.can, PDD_RETURN.require
can_pdd_publication_request = PDD_PUBLICATION_REQUEST.can
require_pdd_publication_request = PDD_PUBLICATION_REQUEST.require
can_pdd_publish, require_pdd_publish = PDD_PUBLISH.can, PDD_PUBLISH.require
can_validation_tpe_choose, require_validation_tpe_choose = VALIDATION_TPE_CHOOSE.can, VALIDATION_TPE_CHOOSE.require
can_validation_start, require_validation_start = VALIDATION_START.can, VALIDATION_START.require
can_validation_report_submit = VALIDATION_REPORT_SUBMIT.can
require_validation_report_submit = VALIDATION_REPORT_SUBMIT.require
can_registration_request, require_registration_request = REGISTRATION_REQUEST.can, REGISTRATION_REQUEST.require
can_registration_request_withdraw = REGISTRATION_REQUEST_WITHDRAW.can
require_registration_request_withdraw = REGISTRATION_REQUEST_WITHDRAW.require
can_project_register, require_project_register = PROJECT_REGISTER.can, PROJECT_REGISTER.require
can_project_reject, require_project_reject = PROJECT_REJECT.can, PROJECT_REJECT.require
can_moc_submit, require_moc_submit = MOC_SUBMIT.can, MOC_SUBMIT.require
can_moc_annex_change, require_moc_annex_change = MOC_ANNEX_CHANGE.can, MOC_ANNEX_CHANGE.require
can_allocation_submit, require_allocation_submit = ALLOCATION_SUBMIT.can, ALLOCATION_SUBMIT.require
can_change_request_submit, require_change_request_submit = CHANGE_REQUEST_SUBMIT.can, CHANGE_REQUEST_SUBMIT.require
can_change_request_withdraw = CHANGE_REQUEST_WITHDRAW.can
require_change_request_withdraw = CHANGE_REQUEST_WITHDRAW.require
can_change_request_approve, require_change_request_approve = CHANGE_REQUEST_APPROVE.can, CHANGE_REQUEST_APPROVE.require
can_change_request_reject, require_change_request_reject = CHANGE_REQUEST_REJECT.can, CHANGE_REQUEST_REJECT.require
can_monitoring_period_create = MONITORING_PERIOD_CREATE.can
require_monitoring_period_create = MONITORING_PERIOD_CREATE.require
can_monitoring_report_save, require_monitoring_report_save = MONITORING_REPORT_SAVE.can, MONITORING_REPORT_SAVE.require
can_monitoring_report_upload = MONITORING_REPORT_UPLOAD.can
require_monitoring_report_upload = MONITORING_REPORT_UPLOAD.require
can_evidence_add, require_evidence_add = EVIDENCE_ADD.can, EVIDENCE_ADD.require
can_evidence_remove, require_evidence_remove = EVIDENCE_REMOVE.can, EVIDENCE_REMOVE.require
can_monitoring_report_submit = MONITORING_REPORT_SUBMIT.can
require_monitoring_report_submit = MONITORING_REPORT_SUBMIT.require
can_verification_report_submit = VERIFICATION_REPORT_SUBMIT.can
require_verification_report_submit = VERIFICATION_REPORT_SUBMIT.require
can_issuance_request_submit = ISSUANCE_REQUEST_SUBMIT.can
require_issuance_request_submit = ISSUANCE_REQUEST_SUBMIT.require
can_issuance_request_withdraw = ISSUANCE_REQUEST_WITHDRAW.can
require_issuance_request_withdraw = ISSUANCE_REQUEST_WITHDRAW.require
can_issuance_request_decide = ISSUANCE_REQUEST_DECIDE.can
require_issuance_request_decide = ISSUANCE_REQUEST_DECIDE.require
can_issuance_request_reject = ISSUANCE_REQUEST_REJECT.can
require_issuance_request_reject = ISSUANCE_REQUEST_REJECT.require



# --- project forms: PIN, ARE, PIR, sustainable-development contribution plan and report ----------

def is_participant_or_validator(user: Viewer, project: Project) -> bool:
    """A participant of the project, or an auditor of the TPE chosen to validate it (an ARE)."""
    return is_participant(user, project) or is_tpe_auditor(user, project.validation_tpe)


def _form_submitter(user: Viewer, form: ProjectForm) -> bool:
    if form.kind == ProjectFormKind.ARE:
        return is_participant_or_validator(user, form.project)
    return is_participant(user, form.project)


def _form_reviewer(user: Viewer, about: tuple[JointCommittee, str]) -> bool:
    joint_committee, side = about
    return is_secretariat(user, joint_committee, side=side or None)


def _reviewing_side(form: ProjectForm) -> tuple[JointCommittee, str]:
    """The SD contribution plan and report go to the partner country's side of the secretariat (for Mongolia,
    the Mongolian side); the other forms to the secretariat of either side."""
    return form.project.joint_committee, ("partner" if form.is_sd else "")


PARTICIPANT_OR_VALIDATOR = Party(
    "participant_or_validator", project_of, is_participant_or_validator,
    lambda project, what: f"Only a participant of {project.project_id} or an auditor of its validating TPE may {what}.",
    gettext_lazy("Only a participant of this project or an auditor of its validating TPE may do this."))
FORM_SUBMITTER = Party(
    "form_submitter", lambda form: form, _form_submitter,
    lambda form, what: f"Only the submitting side of this {form.get_kind_display()} of {form.project.project_id} "
                       f"may {what}.",
    gettext_lazy("Only the side that submitted this form may do this."))
FORM_REVIEWER = Party(
    "form_reviewer", _reviewing_side, _form_reviewer,
    lambda about, what: (f"Only the partner country's side of the secretariat of the {about[0]} may {what}."
                         if about[1] else f"Only the secretariat of the {about[0]} may {what}."),
    gettext_lazy("Only the secretariat that reviews this form may do this."))


def uses_sd_forms(project: Project) -> bool:
    """The Joint Committee of the project uses the sustainable-development contribution plan and report."""
    return project.joint_committee.partner.code in sd_form_countries()


def sd_plan_missing(project: Project) -> bool:
    """A first PDD submission of a project whose Joint Committee uses the SD forms lacks the SD contribution
    plan, which goes with the PDD (submitted, or already accepted)."""
    return (project.status == ProjectStatus.DRAFT and uses_sd_forms(project)
            and not project.project_forms.filter(kind=ProjectFormKind.SD_PLAN, status__in=[
                ProjectFormStatus.SUBMITTED, ProjectFormStatus.ACCEPTED]).exists())


def _pending_kind(project: Project, kind: str) -> bool:
    return project.project_forms.filter(kind=kind, status__in=list(PENDING_FORM_STATUSES)).exists()


def _before_registration(project: Project) -> bool:
    return _open(project) and project.status != ProjectStatus.REGISTERED


def _registered(project: Project) -> bool:
    return project.status == ProjectStatus.REGISTERED


def _has_accepted_sd_plan(project: Project) -> bool:
    return project.project_forms.filter(kind=ProjectFormKind.SD_PLAN, status=ProjectFormStatus.ACCEPTED).exists()


# submitting: open in these project states, and while no form of the kind is pending
FORM_SUBMIT: dict[str, Rule[Project]] = {
    ProjectFormKind.PIN: Rule("pin_submit", PARTICIPANT, "submit a Project Idea Note",
                              lambda p: _before_registration(p) and not _pending_kind(p, ProjectFormKind.PIN)),
    ProjectFormKind.ARE: Rule("are_submit", PARTICIPANT_OR_VALIDATOR, "submit an Assessment of Reference Emissions",
                              lambda p: _open(p) and p.methodology_versions.exists()
                              and not _pending_kind(p, ProjectFormKind.ARE)),
    ProjectFormKind.PIR: Rule("pir_submit", PARTICIPANT, "submit a Project Implementation Report",
                              lambda p: _registered(p) and not _pending_kind(p, ProjectFormKind.PIR)),
    ProjectFormKind.SD_PLAN: Rule("sd_plan_submit", PARTICIPANT, "submit a sustainable development contribution plan",
                                  lambda p: _open(p) and uses_sd_forms(p)
                                  and not _pending_kind(p, ProjectFormKind.SD_PLAN)),
    ProjectFormKind.SD_REPORT: Rule("sd_report_submit", PARTICIPANT,
                                    "submit a sustainable development contribution report",
                                    lambda p: _registered(p) and uses_sd_forms(p) and _has_accepted_sd_plan(p)
                                    and not _pending_kind(p, ProjectFormKind.SD_REPORT)),
}
PROJECT_FORM_RESUBMIT: Rule[ProjectForm] = Rule("project_form_resubmit", FORM_SUBMITTER, "resubmit it",
                                                moves_to(PROJECT_FORM_TRANSITIONS, ProjectFormStatus.SUBMITTED))
PROJECT_FORM_WITHDRAW: Rule[ProjectForm] = Rule("project_form_withdraw", FORM_SUBMITTER, "withdraw it",
                                                moves_to(PROJECT_FORM_TRANSITIONS, ProjectFormStatus.WITHDRAWN))
PROJECT_FORM_ACCEPT: Rule[ProjectForm] = Rule("project_form_accept", FORM_REVIEWER, "accept it",
                                              moves_to(PROJECT_FORM_TRANSITIONS, ProjectFormStatus.ACCEPTED))
PROJECT_FORM_RETURN: Rule[ProjectForm] = Rule("project_form_return", FORM_REVIEWER, "return it with comments",
                                              moves_to(PROJECT_FORM_TRANSITIONS, ProjectFormStatus.RETURNED))

# Kept apart from RULES (whose every rule tests/projects/test_access.py checks on the project and period
# pages): tests/projects/test_project_forms.py checks these the same way on the forms' pages.
_FORM_RULES: list[Rule[Any]] = [*FORM_SUBMIT.values(), PROJECT_FORM_RESUBMIT, PROJECT_FORM_WITHDRAW,
                                 PROJECT_FORM_ACCEPT, PROJECT_FORM_RETURN]
FORM_RULES: dict[str, Rule[Any]] = {rule.action: rule for rule in _FORM_RULES}


def can_project_form_submit(user: Viewer, project: Project, kind: str) -> bool:
    return kind in FORM_SUBMIT and FORM_SUBMIT[kind].can(user, project)


def require_project_form_submit(actor: Viewer, project: Project, kind: str) -> None:
    FORM_SUBMIT[kind].require(actor, project)


can_project_form_resubmit, require_project_form_resubmit = PROJECT_FORM_RESUBMIT.can, PROJECT_FORM_RESUBMIT.require
can_project_form_withdraw, require_project_form_withdraw = PROJECT_FORM_WITHDRAW.can, PROJECT_FORM_WITHDRAW.require
can_project_form_accept, require_project_form_accept = PROJECT_FORM_ACCEPT.can, PROJECT_FORM_ACCEPT.require
can_project_form_return, require_project_form_return = PROJECT_FORM_RETURN.can, PROJECT_FORM_RETURN.require


def form_reviewer_users(form: ProjectForm) -> QuerySet[User]:
    """Who is told of a submitted form: the reviewing secretariat."""
    joint_committee, side = _reviewing_side(form)
    if side:
        return users_with_role(Role.SECRETARIAT, joint_committee=joint_committee, side=side)
    return secretariat_users(joint_committee)


def can_comment_submit(user: Viewer, project: Project) -> bool:
    """Anyone, logged in or not, comments on a PDD while its public input period is open."""
    return project.is_open_for_comments


def can_project_create(user: Viewer) -> bool:
    """Offered to project participants (and system administrators)."""
    return can_see_my_projects(user)


def acts_for_one_of(user: Viewer, organization_ids: Collection[int]) -> bool:
    """The user is a participant user of one of these organizations (or a system administrator)."""
    return is_system_admin(user) or bool(participant_organization_ids(user) & set(organization_ids))


def require_project_create(actor: Viewer, organization_ids: Collection[int]) -> None:
    """A participant starts a project in the name of their own organization (one of ``organization_ids``)."""
    require_authenticated(actor)
    require(acts_for_one_of(actor, organization_ids),
            "Only a project participant may start a project, and their organization must be among its participants.")


# --- for the templates ----------------------------------------------------------------------------------

@dataclass
class Permissions:
    """What one user may do on one object, for a page: ``can["pdd_submit"]`` (``{% if can.pdd_submit %}``)
    answers ``can_pdd_submit(user, obj)``; ``can["participant"]`` whether the user acts as that party of the
    object (see :data:`PARTIES`); ``can["see_confidential"]``. Party tests are read once per page:
    :meth:`of` gives the permissions on another object of the page (a row) with the same cache."""

    user: Viewer
    obj: Any
    _parties: dict[tuple[str, Any], bool] = field(default_factory=dict, repr=False)

    def of(self, obj: Any) -> Permissions:
        return Permissions(self.user, obj, self._parties)

    def _is(self, party: Party) -> bool:
        if not is_authenticated(self.user):
            return False
        if is_system_admin(self.user):
            return True
        about = party.about(self.obj)
        key = (party.name, getattr(about, "pk", about))
        if key not in self._parties:
            self._parties[key] = party.test(self.user, about)
        return self._parties[key]

    def offers(self, rule: Rule[Any]) -> bool:
        """The page offers the action of ``rule`` on the object: ``rule.can(user, obj)``."""
        return self._is(rule.party) and rule.open(self.obj)

    def __getitem__(self, name: str) -> bool:
        if name in RULES:
            return self.offers(RULES[name])
        if name in PARTIES:
            return self._is(PARTIES[name])
        if name == "see_confidential":
            key = ("see_confidential", project_of(self.obj).pk)
            if key not in self._parties:
                self._parties[key] = can_see_confidential(self.user, project_of(self.obj))
            return self._parties[key]
        raise KeyError(name)


# --- recipients of notifications -------------------------------------------------------------------

def users_with_role(role: str, **where: Any) -> QuerySet[User]:
    lookups = {f"role_assignments__{key}": value for key, value in where.items()}
    return User.objects.filter(valid_on_q(timezone.localdate(), "role_assignments__"), is_active=True,
                               role_assignments__role=role, **lookups).distinct()


def participant_users(project: Project, *, focal_point_only: bool = False) -> QuerySet[User]:
    participants = project.participants.filter(active=True)
    if focal_point_only:
        participants = participants.filter(is_focal_point=True)
    return users_with_role(Role.PROJECT_PARTICIPANT,
                           organization_id__in=list(participants.values_list("organization_id", flat=True)))


def secretariat_users(joint_committee: JointCommittee) -> QuerySet[User]:
    return users_with_role(Role.SECRETARIAT, joint_committee=joint_committee)


def tpe_users(tpe: ThirdPartyEntity | None) -> QuerySet[User]:
    if tpe is None:
        return User.objects.none()
    return users_with_role(Role.TPE_AUDITOR, organization_id=tpe.organization_id)


def registry_admin_users(joint_committee: JointCommittee) -> QuerySet[User]:
    """The registry administrators of Japan and of the partner country (who execute issuance)."""
    countries = Country.objects.filter(Q(is_japan=True) | Q(pk=joint_committee.partner_id))
    return users_with_role(Role.REGISTRY_ADMIN, country__in=list(countries))
