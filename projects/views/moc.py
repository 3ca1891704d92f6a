"""Focal point's pages: the MoC statement, its Annex 1 changes and the credit allocation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from committee.roles import acting_user
from core.forms import run_service

from .. import access, forms, selectors, services
from ..choices import AllocationParty, RecordStatus, RegistrySide
from ..models import CreditAllocation, Project
from .common import _contacts, _filled, _forbid_unless, _form_page, _project, _unbound


@login_required
def moc_submit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.MOC_SUBMIT, request, project)
    current = selectors.moc_list(request.user, project).filter(status=RecordStatus.CURRENT).first()
    focal = project.participants.filter(is_focal_point=True).values_list("organization_id", flat=True).first()
    initial: dict[str, Any] = {"focal_point": focal}
    contacts = []
    if current is not None:
        initial.update({"primary_name": current.primary_signatory_name, "primary_title": current.primary_signatory_title,
                        "primary_email": current.primary_signatory_email,
                        "alternate_name": current.alternate_signatory_name,
                        "alternate_title": current.alternate_signatory_title,
                        "alternate_email": current.alternate_signatory_email, "tpes": list(current.tpes.all())})
        contacts = current.contacts
    data = request.POST if request.method == "POST" else None
    form = forms.MoCForm(data, request.FILES or None, project=project, initial=initial)
    formset = forms.ContactFormSet(data, prefix="contacts", initial=_unbound(data, contacts))
    statement = run_service(form, lambda: services.moc_submit(
        actor=acting_user(request.user),
        project=project, contacts=_contacts(formset), **form.service_kwargs()), formset,
        aliases={"primary_signatory": "primary_name", "alternate_signatory": "alternate_name"})
    if statement:
        messages.success(request, _("MoC statement version %(v)s was submitted.") % {"v": statement.version})
        return redirect(project.get_absolute_url() + "#moc")
    return _form_page(request, project, heading=_("MoC statement"), form=form, submit=_("Submit the MoC statement"),
                      formsets=[(_("Contact persons"), "", formset)],
                      intro=_("A new statement supersedes the current one; every version is kept."),
                      available=access.MOC_SUBMIT.open(project))


@login_required
def moc_annex_change(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.MOC_ANNEX_CHANGE, request, project)
    current = selectors.moc_list(request.user, project).filter(status=RecordStatus.CURRENT).first()
    data = request.POST if request.method == "POST" else None
    form = forms.AnnexChangeForm(data)
    formset = forms.ContactFormSet(data, prefix="contacts",
                                   initial=_unbound(data, current.contacts if current else []))
    change = run_service(form, lambda: services.moc_annex_change(
        actor=acting_user(request.user), project=project, **form.service_kwargs(_contacts(formset))), formset)
    if change:
        messages.success(request, _("Annex 1 change %(n)s to MoC statement version %(v)s was recorded.") % {
            "n": change.number, "v": change.statement.version})
        return redirect(project.get_absolute_url() + "#moc")
    return _form_page(
        request, project, heading=_("MoC Annex 1 change"), form=form, submit=_("Record the Annex 1 change"),
        formsets=[(_("Contact persons"), _("For a change of contact details: the full new list of contacts."),
                   formset)],
        intro=_("Adds, renames or withdraws a project participant, or changes the contacts, under the current MoC "
                "statement (version %(v)s). A new focal point needs a new MoC statement.") % {
                    "v": current.version if current else "—"},
        available=access.MOC_ANNEX_CHANGE.open(project))


def _allocation_initial(project: Project, current: CreditAllocation | None) -> list[dict[str, Any]]:
    if current is not None:
        return [{"party": s.party, "organization": s.organization_id, "registry": s.registry,
                 "percent": s.percent} for s in current.shares.all()]
    rows: list[dict[str, Any]] = [{"party": AllocationParty.JAPAN_GOVERNMENT, "registry": RegistrySide.JAPAN},
            {"party": AllocationParty.PARTNER_GOVERNMENT, "registry": RegistrySide.PARTNER}]
    for p in project.participants.filter(active=True).select_related("organization"):
        rows.append({"party": AllocationParty.PARTICIPANT, "organization": p.organization_id,
                     "registry": RegistrySide.JAPAN if p.side == "japanese" else RegistrySide.PARTNER})
    return rows


@login_required
def allocation_submit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.ALLOCATION_SUBMIT, request, project)
    current = selectors.allocation_list(request.user, project).filter(status=RecordStatus.CURRENT).first()
    data = request.POST if request.method == "POST" else None
    form = forms.AllocationForm(data)
    formset = forms.ShareFormSet(data, prefix="shares", project=project,
                                 initial=_unbound(data, _allocation_initial(project, current)))
    allocation = run_service(form, lambda: services.allocation_submit(
        actor=acting_user(request.user), project=project, note=form.cleaned_data["note"],
        shares=[{k: r[k] for k in ("party", "organization", "registry", "percent")} for r in _filled(formset)]),
        formset)
    if allocation:
        messages.success(request, _("Credit allocation version %(v)s was saved.") % {"v": allocation.version})
        return redirect(project.get_absolute_url() + "#allocation")
    return _form_page(request, project, heading=_("Credit allocation"), form=form,
                      submit=_("Save the credit allocation"),
                      formsets=[(_("Shares"), _("The share of each issuance per party and the registry it goes into. "
                                                "Percentages with up to four decimals, adding up to exactly 100. "
                                                "Credits are split by the largest-remainder rule."), formset)],
                      intro=_("A new version replaces the current one for future issuance requests."),
                      available=access.ALLOCATION_SUBMIT.open(project))
