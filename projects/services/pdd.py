"""The PDD: the participants' draft and its submission (with the MoC) to the TPE they contracted, the TPE's
request to publish it, its publication by the secretariat for public input, and the public's comments.

Per the Project Cycle Procedure the participants give the PDD and the MoC to their TPE, which has the PDD
published on the JCM website for public input; the secretariat does not check a PDD's completeness (the
7-day completeness check is for methodologies only)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from committee.models import User
from core import audit
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, lock, required, validated_save

from .. import files, selectors
from ..access import (
    participant_users,
    require_pdd_publication_request,
    require_pdd_publish,
    require_pdd_return,
    require_pdd_save,
    require_pdd_submit,
    sd_plan_missing,
    secretariat_users,
    tpe_users,
)
from ..choices import (
    DEFAULT_PDD_PUBLIC_INPUT_DAYS,
    PDD_REVISABLE_STATUSES,
    PROJECT_TRANSITIONS,
    PDDStatus,
    ProjectStatus,
    RecordStatus,
)
from ..models import (
    PDD,
    EligibilityAnswer,
    Project,
    ProjectComment,
)
from .common import (
    PROJECT_LABELS,
    AnswerInput,
    _as,
    _attach,
    _check_tpe,
    _jc_days,
    _json_value,
    _lock_project,
    _move,
    _now,
    _tell,
    project_url,
)
from .project import _check_versions


def _draft_pdd(project: Project, actor: User) -> PDD:
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
    allowed = {c.pk: c for c in selectors.eligibility_criteria(project)}
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
    symbols = set(selectors.ex_ante_parameters(project).values_list("symbol", flat=True))
    cleaned = {}
    for symbol, value in (values or {}).items():
        if symbol not in symbols:
            raise ApplicationError(f"{symbol} is not an ex-ante parameter of the applied methodologies.",
                                   field="ex_ante_values")
        cleaned[symbol] = _json_value(value, symbol)
    return cleaned


@transaction.atomic
def pdd_save(*, actor: User, project: Project, public_file: File | None = None, confidential_file: File | None = None,
             answers: Iterable[AnswerInput | Mapping[str, Any]] | None = None,
             ex_ante_values: Mapping[str, Any] | None = None, remove_confidential: bool = False) -> PDD:
    """Save the PDD draft (it can be resumed later): files, eligibility answers, ex-ante values."""
    project = _lock_project(project)
    require_pdd_save(actor, project)
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


def _first_submission_problems(project: Project) -> list[tuple[str, str]]:
    """A first submission goes, with the MoC statement, to the TPE the participants contracted."""
    if project.status != ProjectStatus.DRAFT:
        return []
    problems = []
    if project.validation_tpe_id is None:
        problems.append(("validation_tpe", "Choose the TPE you contracted for validation: the PDD goes to it."))
    if not project.moc_statements.filter(status=RecordStatus.CURRENT).exists():
        problems.append(("moc", "Submit the MoC statement: it goes to the TPE with the PDD."))
    if sd_plan_missing(project):
        problems.append(("sd_plan", "Submit the sustainable development contribution plan: the rules of this Joint "
                                    "Committee have it submitted with the PDD."))
    return problems


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
    for name, message in _first_submission_problems(project):
        add(name, message)
    if pdd is None:
        add("pdd", "Save the PDD first.")
        return problems
    if not pdd.public_sha256:
        add("public_file", "Upload the public version of the PDD.")
    answers = {a.criterion_id: a for a in pdd.answers.all()}
    for criterion in selectors.eligibility_criteria(project).order_by("version", "number"):
        answer = answers.get(criterion.pk)
        if answer is None or answer.meets is None:
            add("answers", f"Answer eligibility criterion {criterion.number} of {criterion.version}.")
        elif not answer.justification:
            add("answers", f"Justify the answer to eligibility criterion {criterion.number} of {criterion.version}.")
    given = set(pdd.ex_ante_values)
    for parameter in selectors.ex_ante_parameters(project):
        if parameter.symbol not in given:
            add("ex_ante_values", f"Give the ex-ante value of {parameter.symbol} ({parameter.description}).")
    return problems


@transaction.atomic
def pdd_submit(*, actor: User, project: Project, now: datetime.datetime | None = None) -> Project:
    """Submit the PDD with the MoC to the TPE the participants chose (contracted) for validation; during
    validation a revised PDD goes to the same TPE (the project keeps its status)."""
    project = _lock_project(project)
    require_pdd_submit(actor, project)
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
    if not revision:
        _check_tpe(project.validation_tpe, project, purpose="validation")
    draft = lock(PDD, required(draft, "Save the PDD first.", field="pdd").pk)  # (one of the problems above)
    project.pdds.filter(status=PDDStatus.SUBMITTED).update(status=PDDStatus.SUPERSEDED)
    draft.status, draft.submitted_at = PDDStatus.SUBMITTED, _now(now)
    draft.save(update_fields=["status", "submitted_at"])
    before = project.status
    if not revision:
        _move(project, ProjectStatus.PDD_SUBMITTED)
        project.pdd_submitted_at = draft.submitted_at
        project.completeness_due_on = None
        project.status_reason = ""
        project.save(update_fields=["status", "pdd_submitted_at", "completeness_due_on", "status_reason"])
    tpe = project.validation_tpe
    event = audit.record(actor=actor, action="projects.pdd.submit", target=project,
                         data={"from": before, "to": project.status, "pdd_version": draft.version,
                               "tpe": tpe.tpe_id if tpe else None, "public_sha256": draft.public_sha256,
                               "confidential_sha256": draft.confidential_sha256})
    if revision:
        _tell(event, tpe_users(tpe), kind="projects.pdd.revised",
              subject=f"{project.project_id}: revised PDD (version {draft.version}) submitted for validation",
              url=project_url(project))
    else:
        _tell(event, tpe_users(tpe), kind="projects.pdd.submitted",
              subject=f"{project.project_id}: PDD and MoC submitted to your TPE for validation",
              body="Request its publication for public input on the JCM website.", url=project_url(project))
    return project


@transaction.atomic
def pdd_return(*, actor: User, project: Project, reason: str) -> Project:
    """The TPE returns the submitted PDD to the participants (before asking for its publication)."""
    project = _lock_project(project)
    require_pdd_return(actor, project)
    if not (reason or "").strip():
        raise ApplicationError("Say what is missing.", field="reason")
    before = _move(project, ProjectStatus.DRAFT)
    project.status_reason = reason.strip()
    project.completeness_due_on = None
    project.save(update_fields=["status", "status_reason", "completeness_due_on"])
    event = audit.record(actor=actor, action="projects.pdd.return", target=project, data={"from": before},
                         message=project.status_reason)
    _tell(event, participant_users(project), kind="projects.pdd.returned",
          subject=f"{project.project_id}: the TPE returned the PDD", body=project.status_reason,
          url=project_url(project))
    return project


@transaction.atomic
def pdd_publication_request(*, actor: User, project: Project, now: datetime.datetime | None = None) -> Project:
    """The TPE asks the secretariat to publish the PDD on the JCM website for public input."""
    project = _lock_project(project)
    require_pdd_publication_request(actor, project)
    _check_tpe(project.validation_tpe, project, purpose="validation")
    before = _move(project, ProjectStatus.PUBLICATION_REQUESTED)
    project.save(update_fields=["status"])
    event = audit.record(actor=actor, action="projects.pdd.request_publication", target=project,
                         data={"from": before, "tpe": project.validation_tpe.tpe_id if project.validation_tpe else None,
                               "requested_at": _now(now)})
    _tell(event, [*secretariat_users(project.joint_committee), *participant_users(project)],
          kind="projects.pdd.publication_requested",
          subject=f"{project.project_id}: the TPE asks for the PDD to be published for public input",
          url=project_url(project))
    return project


@transaction.atomic
def pdd_publish(*, actor: User, project: Project, now: datetime.datetime | None = None) -> Project:
    """The secretariat publishes the PDD for public input, as the TPE requested.

    The period lasts the Joint Committee's ``pdd_public_input_days`` (30 by default).
    """
    project = _lock_project(project)
    require_pdd_publish(actor, project)
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
    _tell(event, [*participant_users(project), *tpe_users(project.validation_tpe)], kind="projects.pdd.published",
          subject=f"{project.project_id}: PDD published for public input",
          body=f"Public input is open until {timezone.localtime(project.public_input_closes_at):%d %B %Y %H:%M}.",
          url=project_url(project))
    return project


@transaction.atomic
def comment_submit(*, actor: User | AnonymousUser, project: Project, name: str, email: str, text: str,
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
        submitted_by=actor if isinstance(actor, User) else None)
    validated_save(comment)
    event = audit.record(actor=actor, action="projects.comment.submit", target=comment,
                         data={"project": project.project_id, "name": comment.name,
                               "organization": comment.organization})
    _tell(event, participant_users(project), kind="projects.comment.received",
          subject=f"{project.project_id}: a public comment was received", body=comment.text[:1000],
          url=project_url(project))
    return comment


@transaction.atomic
def public_input_note_closed(*, project: Project, actor: User | None = None) -> bool:
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
