"""Browser pages of the committee app.

Public pages read through ``committee.selectors`` (drafts only for insiders) and offer an action only
when ``committee.access`` says the user may take it. Secretariat pages ask the same rule (403
otherwise; the service checks it again), validate the form and call ONE service through
``core.forms.run_service``: a refused action is shown on the form.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committee.roles import acting_user, is_insider
from core.errors import ApplicationError
from core.forms import run_service
from core.views import form_status

from . import access, forms, selectors, services
from .choices import Side, TPEStatus
from .filters import ThirdPartyEntityFilter
from .forms import meeting_title
from .models import CommitteeMember, Decision, JointCommittee, Meeting, RuleDocument, ThirdPartyEntity

# --- helpers ---------------------------------------------------------------------------


def _committee(code: str) -> JointCommittee:
    return get_object_or_404(selectors.joint_committee_list(), partner__code=code.upper())


def _allow(allowed: bool) -> None:
    """403 unless ``committee.access`` allows the action (the same rule the service applies)."""
    if not allowed:
        raise PermissionDenied(_("Only the secretariat of this Joint Committee may do this."))


def _with_titles(meetings: Iterable[Meeting]) -> list[Meeting]:
    """Attach the translated “1st Joint Committee” title that the templates show."""
    meetings = list(meetings)
    for meeting in meetings:
        meeting.display_title = meeting_title(meeting)
    return meetings


def _with_meeting_titles(decisions: Iterable[Decision]) -> list[Decision]:
    decisions = list(decisions)
    _with_titles(d.meeting for d in decisions if d.meeting is not None)
    return decisions


def _form_page(request: HttpRequest, form: forms.RegistryForm, *, joint_committee: JointCommittee, heading: str,
               submit: str, back_url: str, extra_buttons: Iterable[tuple[str, str]] = (),
               intro: str = "") -> HttpResponse:
    return render(request, "committee/form_page.html", {
        "form": form, "jc": joint_committee, "heading": heading, "submit": submit, "back_url": back_url,
        "extra_buttons": list(extra_buttons), "intro": intro,
    }, status=form_status(form))


# --- public pages --------------------------------------------------------------------


def country_list(request: HttpRequest) -> HttpResponse:
    countries = selectors.country_list(request.user).filter(is_japan=False)
    return render(request, "committee/country_list.html", {"countries": countries})


def country_detail(request: HttpRequest, code: str) -> HttpResponse:
    country = get_object_or_404(selectors.country_list(request.user), code=code.upper(), is_japan=False)
    return render(request, "committee/country_detail.html", {
        "country": country,
        "documents": country.bilateral_documents.all(),
        "jc": getattr(country, "joint_committee", None),
    })


def _members_by_side(user: access.Viewer, joint_committee: JointCommittee) -> list[dict[str, Any]]:
    today = timezone.localdate()
    members = list(selectors.member_list().filter(joint_committee=joint_committee).order_by("role", "name"))
    for member in members:
        member.can_end = access.can_end_membership(user, member)
    sides = []
    for value, label in Side.choices:
        on_side = [m for m in members if m.side == value]
        sides.append({
            "value": value,
            "label": label,
            "current": [m for m in on_side if m.end_date is None or m.end_date >= today],
            "former": sorted((m for m in on_side if m.end_date is not None and m.end_date < today),
                             key=lambda m: m.end_date or datetime.date.min, reverse=True),  # (all dated)
        })
    return sides


def jc_detail(request: HttpRequest, code: str) -> HttpResponse:
    jc = _committee(code)
    user = request.user
    partner = jc.partner
    return render(request, "committee/jc_detail.html", {
        "jc": jc,
        "partner": partner,
        "bilateral": partner.bilateral_documents.order_by("signed_on").first(),
        "member_sides": _members_by_side(user, jc),
        "meetings": _with_titles(selectors.meeting_list(user).filter(joint_committee=jc)),
        "decisions": _with_meeting_titles(selectors.decision_list(user).filter(joint_committee=jc)),
        "rules": selectors.rule_document_list(user).filter(joint_committee=jc)
        .order_by("series", "-version_major", "-version_minor"),
        "tpes": selectors.tpe_list(user).filter(joint_committee=jc),
        "can_manage": access.can_manage(user, jc),
        "can": {
            "record_decision": access.can_record_decision(user, jc),
            "record_meeting": access.can_record_meeting(user, jc),
            "publish_rule_document": access.can_publish_rule_document(user, jc),
            "designate_tpe": access.can_designate_tpe(user, jc),
            "appoint_member": access.can_appoint_member(user, jc),
        },
        "is_insider": is_insider(user, jc),
    })


def meeting_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    jc = _committee(code)
    meeting = get_object_or_404(selectors.meeting_list(request.user), joint_committee=jc, number=number)
    _with_titles([meeting])
    decisions = selectors.decision_list(request.user).filter(meeting=meeting).order_by("reference")
    return render(request, "committee/meeting_detail.html", {
        "jc": jc, "meeting": meeting, "decisions": decisions,
        "can": {"publish_meeting": access.can_publish_meeting(request.user, meeting),
                "record_decision": access.can_record_decision(request.user, jc)},
    })


def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(selectors.organization_list(request.user), pk=pk)
    return render(request, "committee/organization_detail.html", {
        "org": org, "names": org.name_history.all(),
        "tpes": selectors.tpe_list(request.user).filter(organization=org),
    })


def decision_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    jc = _committee(code)
    decision = get_object_or_404(selectors.decision_list(request.user), joint_committee=jc, pk=pk)
    _with_meeting_titles([decision])
    subject_url = None
    subject = decision.subject if decision.subject_type_id else None
    if subject is not None and hasattr(subject, "get_absolute_url"):
        subject_url = subject.get_absolute_url()
    return render(request, "committee/decision_detail.html", {
        "jc": jc, "decision": decision, "subject_url": subject_url,
        "rules": selectors.rule_document_list(request.user).filter(adopted_by=decision),
        "tpes": selectors.tpe_list(request.user).filter(decision=decision),
        "can": {"publish_decision": access.can_publish_decision(request.user, decision)},
    })


def rule_detail(request: HttpRequest, code: str, rule_code: str) -> HttpResponse:
    jc = _committee(code)
    rules = selectors.rule_document_list(request.user).filter(joint_committee=jc)
    document = get_object_or_404(rules, code=rule_code)
    return render(request, "committee/rule_detail.html", {
        "jc": jc, "document": document,
        "versions": rules.filter(series=document.series).order_by("-version_major", "-version_minor"),
        "can": {"publish_rule_document": access.can_publish_rule_document(request.user, jc)},
    })


def tpe_list(request: HttpRequest) -> HttpResponse:
    filterset = ThirdPartyEntityFilter(request.GET or None, queryset=selectors.tpe_list(request.user))
    return render(request, "committee/tpe_list.html", {
        "tpes": filterset.qs,
        "filter": filterset,
        "committees": selectors.joint_committee_list(request.user),
        "scopes": selectors.scope_list(request.user),
        "statuses": TPEStatus.choices,
        "selected": {key: request.GET.get(key, "") for key in ("joint_committee", "scope", "status")},
    })


def tpe_detail(request: HttpRequest, tpe_id: str) -> HttpResponse:
    tpe = get_object_or_404(selectors.tpe_list(request.user), tpe_id=tpe_id.upper())
    return render(request, "committee/tpe_detail.html", {
        "tpe": tpe, "jc": tpe.joint_committee,
        "history": tpe.status_changes.select_related("decision").order_by("-effective_on", "-id"),
        "scope_rows": _scope_rows(tpe),
        "can": {"change_tpe_status": access.can_change_tpe_status(request.user, tpe),
                "set_scope_until": access.can_set_tpe_scope_until(request.user, tpe)},
    })


# --- secretariat pages ---------------------------------------------------------------
# A page about one meeting, decision or member asks the committee's rule (``access.can_manage``, the rule
# of every such action) before it looks the object up, so that a draft's existence is not revealed.


@login_required
def meeting_record(request: HttpRequest, code: str) -> HttpResponse:
    jc = _committee(code)
    _allow(access.can_record_meeting(request.user, jc))
    form = forms.MeetingForm(request.POST or None, request.FILES or None, joint_committee=jc)
    if request.method == "POST":
        publish = "save_draft" not in request.POST
        meeting = run_service(form, lambda: services.meeting_record(
            actor=acting_user(request.user), joint_committee=jc, publish=publish, **form.cleaned_data))
        if meeting is not None:
            messages.success(request, _("The meeting was recorded."))
            return redirect(meeting)
    return _form_page(request, form, joint_committee=jc, heading=_("Record a meeting"),
                      submit=_("Record and publish"), back_url=jc.get_absolute_url() + "#meetings",
                      extra_buttons=[("save_draft", _("Save as draft"))])


@login_required
@require_POST
def meeting_publish(request: HttpRequest, code: str, number: int) -> HttpResponse:
    jc = _committee(code)
    _allow(access.can_manage(request.user, jc))
    meeting = get_object_or_404(Meeting, joint_committee=jc, number=number)
    _allow(access.can_publish_meeting(request.user, meeting))
    try:
        services.meeting_publish(actor=acting_user(request.user), meeting=meeting)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The meeting was published."))
    return redirect(meeting)


@login_required
def decision_record(request: HttpRequest, code: str) -> HttpResponse:
    jc = _committee(code)
    _allow(access.can_record_decision(request.user, jc))
    initial = {}
    if request.GET.get("meeting", "").isdigit():
        initial["meeting"] = jc.meetings.filter(number=int(request.GET["meeting"])).first()
    form = forms.DecisionForm(request.POST or None, joint_committee=jc, user=request.user, initial=initial)
    if request.method == "POST":
        publish = "save_draft" not in request.POST
        decision = run_service(form, lambda: services.decision_record(
            actor=acting_user(request.user), joint_committee=jc, publish=publish, **form.cleaned_data))
        if decision is not None:
            if publish:
                messages.success(request, _("Decision %(reference)s was recorded and published.")
                                 % {"reference": decision.reference})
            else:
                messages.success(request, _("Decision %(reference)s was saved as a draft.")
                                 % {"reference": decision.reference})
            return redirect(decision)
    return _form_page(request, form, joint_committee=jc, heading=_("Record a decision"),
                      submit=_("Record and publish"), back_url=jc.get_absolute_url() + "#decisions",
                      extra_buttons=[("save_draft", _("Save as draft"))])


@login_required
@require_POST
def decision_publish(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    jc = _committee(code)
    _allow(access.can_manage(request.user, jc))
    decision = get_object_or_404(Decision, joint_committee=jc, pk=pk)
    _allow(access.can_publish_decision(request.user, decision))
    try:
        services.decision_publish(actor=acting_user(request.user), decision=decision)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decision %(reference)s was published.") % {"reference": decision.reference})
    return redirect(decision)


@login_required
def rule_publish(request: HttpRequest, code: str) -> HttpResponse:
    """Publish a new version of a rule document (``?from=<code>`` starts from an existing one)."""
    jc = _committee(code)
    _allow(access.can_publish_rule_document(request.user, jc))
    initial = {}
    base = RuleDocument.objects.filter(joint_committee=jc, code=request.GET.get("from", "")).first()
    if base is not None:
        initial = {"kind": base.kind, "title": base.title,
                   "form_code": base.series.removeprefix(f"JCM_{jc.code}_") if base.kind in ("form", "other") else ""}
    form = forms.RuleDocumentForm(request.POST or None, request.FILES or None, joint_committee=jc,
                                  user=request.user, initial=initial)
    if request.method == "POST":
        document = run_service(form, lambda: services.rule_document_publish(
            actor=acting_user(request.user), joint_committee=jc, **form.cleaned_data))
        if document is not None:
            if document.supersedes is not None:
                messages.success(request, _("%(code)s was published; %(old)s is superseded.")
                                 % {"code": document.code, "old": document.supersedes.code})
            else:
                messages.success(request, _("%(code)s was published.") % {"code": document.code})
            return redirect(document)
    return _form_page(request, form, joint_committee=jc, heading=_("Publish a new version of a rule document"),
                      submit=_("Publish"), back_url=jc.get_absolute_url() + "#rules",
                      intro=_("The version in force of the same document is superseded when the new one is published."))


@login_required
def tpe_designate(request: HttpRequest, code: str) -> HttpResponse:
    jc = _committee(code)
    _allow(access.can_designate_tpe(request.user, jc))
    form = forms.TPEDesignateForm(request.POST or None, joint_committee=jc, user=request.user)
    if request.method == "POST":
        tpe = run_service(form, lambda: services.tpe_designate(
            actor=acting_user(request.user), joint_committee=jc, **form.cleaned_data))
        if tpe is not None:
            messages.success(request, _("%(tpe)s was designated.") % {"tpe": tpe.tpe_id})
            return redirect(tpe)
    return _form_page(request, form, joint_committee=jc, heading=_("Designate a third-party entity"),
                      submit=_("Designate"), back_url=jc.get_absolute_url() + "#tpes")


def _tpe(tpe_id: str) -> ThirdPartyEntity:
    return get_object_or_404(ThirdPartyEntity.objects.select_related("joint_committee__partner", "organization"),
                             tpe_id=tpe_id.upper())


@login_required
def tpe_status(request: HttpRequest, tpe_id: str) -> HttpResponse:
    tpe = _tpe(tpe_id)
    jc = tpe.joint_committee
    _allow(access.can_change_tpe_status(request.user, tpe))
    form = forms.TPEStatusForm(request.POST or None, tpe=tpe, user=request.user)
    if request.method == "POST":
        changed = run_service(form, lambda: services.tpe_change_status(
            actor=acting_user(request.user), tpe=tpe, **form.cleaned_data))
        if changed is not None:
            messages.success(request, _("The status of %(tpe)s is now “%(status)s”.")
                             % {"tpe": changed.tpe_id, "status": changed.get_status_display()})
            return redirect(changed)
    return _form_page(request, form, joint_committee=jc,
                      heading=_("Change the status of %(tpe)s") % {"tpe": tpe.tpe_id},
                      submit=_("Change status"), back_url=tpe.get_absolute_url())


def _scope_rows(tpe: ThirdPartyEntity) -> dict[str, list[tuple[Any, Any]]]:
    """Per purpose, the scopes a TPE holds with the "until" date of each designation (None: no end date)."""
    until = {(v.purpose, v.scope_id): v.valid_until for v in tpe.scope_validity.all()}
    return {purpose: [(scope, until.get((purpose, scope.pk))) for scope in held.all()]
            for purpose, held in (("validation", tpe.scopes_validation), ("verification", tpe.scopes_verification))}


@login_required
def tpe_scope_until(request: HttpRequest, tpe_id: str) -> HttpResponse:
    tpe = _tpe(tpe_id)
    jc = tpe.joint_committee
    _allow(access.can_set_tpe_scope_until(request.user, tpe))
    form = forms.TPEScopeUntilForm(request.POST or None, tpe=tpe, user=request.user)
    if request.method == "POST":
        changed = run_service(form, lambda: services.tpe_set_scope_until(
            actor=acting_user(request.user), tpe=tpe, **form.cleaned_data))
        if changed is not None:
            messages.success(request, _("The validity of the scope designation of %(tpe)s was saved.")
                             % {"tpe": changed.tpe_id})
            return redirect(changed)
    return _form_page(request, form, joint_committee=jc,
                      heading=_("Validity of a sectoral scope of %(tpe)s") % {"tpe": tpe.tpe_id},
                      submit=_("Save"), back_url=tpe.get_absolute_url())


@login_required
def member_appoint(request: HttpRequest, code: str) -> HttpResponse:
    jc = _committee(code)
    _allow(access.can_appoint_member(request.user, jc))
    form = forms.MemberAppointForm(request.POST or None, joint_committee=jc)
    if request.method == "POST":
        member = run_service(form, lambda: services.member_appoint(
            actor=acting_user(request.user), joint_committee=jc, **form.cleaned_data))
        if member is not None:
            messages.success(request, _("%(name)s was appointed.") % {"name": member.name})
            return redirect(jc.get_absolute_url() + "#members")
    return _form_page(request, form, joint_committee=jc, heading=_("Appoint a member"), submit=_("Appoint"),
                      back_url=jc.get_absolute_url() + "#members")


@login_required
def member_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    jc = _committee(code)
    _allow(access.can_manage(request.user, jc))
    member: CommitteeMember = get_object_or_404(CommitteeMember, joint_committee=jc, pk=pk)
    _allow(access.can_end_membership(request.user, member))
    form = forms.MemberEndForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST":
        ended = run_service(form, lambda: services.member_end(actor=acting_user(request.user),
                                                              member=member, **form.cleaned_data))
        if ended is not None:
            messages.success(request, _("The membership of %(name)s ends on %(date)s.")
                             % {"name": ended.name,
                                "date": ended.end_date.isoformat() if ended.end_date else ""})
            return redirect(jc.get_absolute_url() + "#members")
    return _form_page(request, form, joint_committee=jc,
                      heading=_("End the membership of %(name)s") % {"name": member.name},
                      submit=_("End membership"), back_url=jc.get_absolute_url() + "#members")
