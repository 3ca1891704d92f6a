"""Participants' pages: start a project, edit the draft (description, sites, participants) and its PDD."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from committee import selectors as committee_selectors
from committee.roles import acting_user, is_system_admin
from core.forms import run_service
from core.views import form_status

from .. import access, forms, selectors, services
from ..choices import PDDStatus
from ..models import Project
from .common import _filled, _forbid_unless, _form_page, _project, _unbound


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    organizations = (forms.participant_organizations() if is_system_admin(user)
                     else selectors.participant_organizations_of(user))
    if not (access.can_project_create(user) and organizations.exists()):
        raise PermissionDenied(_("Only project participants may start a project."))
    data = request.POST if request.method == "POST" else None
    chosen = request.GET.get("joint_committee", "").strip()  # ?joint_committee=MN (or its id): its methodologies
    committees = committee_selectors.joint_committee_list()
    committee = ((committees.filter(pk=int(chosen)) if chosen.isdigit()
                  else committees.filter(partner__code__iexact=chosen)).first() if chosen else None)
    form = forms.ProjectCreateForm(data, organizations=organizations, committee=committee)

    def create() -> Project:
        d = form.cleaned_data
        return services.project_create(
            actor=acting_user(user),
            joint_committee=d["joint_committee"], title=d["title"], description=d["description"],
            sectoral_scope=d["sectoral_scope"], methodology_versions=list(d["methodology_versions"]),
            participants=[{"organization": d["organization"], "side": d["side"]}], focal_point=d["organization"],
            expected_annual_reductions=d["expected_annual_reductions"] or 0,
            start_of_operation=d["start_of_operation"], crediting_start=d["crediting_start"],
            crediting_end=d["crediting_end"])

    project = run_service(form, create)
    if project:
        messages.success(request, _("%(id)s was created as a draft. Add its sites and participants, then the "
                                    "PDD.") % {"id": project.project_id})
        return redirect(project)
    status = form_status(form)
    return render(request, "projects/form_page.html", {
        "heading": _("Start a project"), "form": form, "formsets": [], "submit": _("Create the draft"),
        "intro": _("The project gets its ID (e.g. MN001) now; nothing is published until the TPE you choose has "
                   "asked for its PDD to be published for public input."),
        "back_url": reverse("projects:mine"), "available": True, "has_errors": status == 400,
    }, status=status)


EDIT_FIELDS = ("title", "description", "sectoral_scope", "expected_annual_reductions", "start_of_operation",
               "crediting_start", "crediting_end")


@login_required
def project_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.PROJECT_UPDATE, request, project)
    data = request.POST if request.method == "POST" else None
    initial = {name: getattr(project, name) for name in EDIT_FIELDS}
    initial["methodology_versions"] = list(project.methodology_versions.all())
    form = forms.ProjectEditForm(data, initial=initial, joint_committee=project.joint_committee)
    if run_service(form, lambda: services.project_update(
            actor=acting_user(request.user),
            project=project, methodology_versions=list(form.cleaned_data["methodology_versions"]),
            **{name: form.cleaned_data[name] for name in EDIT_FIELDS})):
        messages.success(request, _("The project description was saved."))
        return redirect(project)
    return _form_page(request, project, heading=_("Edit the project"), form=form, submit=_("Save"),
                      available=access.PROJECT_UPDATE.open(project))


@login_required
def sites_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.PROJECT_UPDATE, request, project)
    data = request.POST if request.method == "POST" else None
    form = forms.NoFieldsForm(data)
    formset = forms.SiteFormSet(data, prefix="sites", initial=_unbound(data, [
        {"name": s.name, "latitude": s.latitude, "longitude": s.longitude, "description": s.description}
        for s in project.sites.all()]))
    if run_service(form, lambda: services.project_update(actor=acting_user(request.user),
                                                         project=project, sites=_filled(formset)),
                   formset):
        messages.success(request, _("The sites were saved."))
        return redirect(project.get_absolute_url() + "#sites")
    return _form_page(request, project, heading=_("Sites"), form=form, submit=_("Save the sites"),
                      formsets=[(_("Sites"), _("Latitude and longitude in decimal degrees (WGS 84). Each site's name "
                                               "is the key of its monitoring values."), formset)],
                      available=access.PROJECT_UPDATE.open(project))


@login_required
def participants_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.PROJECT_UPDATE, request, project)
    data = request.POST if request.method == "POST" else None
    current = [p for p in project.participants.all() if p.active]
    focal = next((p.organization_id for p in current if p.is_focal_point), None)
    form = forms.FocalPointForm(data, initial={"focal_point": focal})
    formset = forms.ParticipantFormSet(data, prefix="participants", initial=_unbound(data, [
        {"organization": p.organization_id, "side": p.side, "name": p.name} for p in current]))
    if run_service(form, lambda: services.project_update(
            actor=acting_user(request.user), project=project, focal_point=form.cleaned_data["focal_point"],
            participants=[{k: r[k] for k in ("organization", "side", "name")} for r in _filled(formset)]), formset):
        messages.success(request, _("The participants were saved."))
        return redirect(project.get_absolute_url() + "#participants")
    return _form_page(request, project, heading=_("Participants and focal point"), form=form,
                      submit=_("Save the participants"),
                      formsets=[(_("Participants"), _("Japanese and partner-country organizations taking part."),
                                 formset)],
                      intro=_("After the PDD is submitted, participants change through MoC statements and Annex 1 "
                              "changes."),
                      available=access.PROJECT_UPDATE.open(project))


@login_required
def pdd_edit(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.PDD_SAVE, request, project)
    pdds = selectors.pdd_list(request.user, project).order_by("-version")
    draft = pdds.filter(status=PDDStatus.DRAFT).first()
    base = draft or pdds.first()
    data = request.POST if request.method == "POST" else None
    form = forms.PDDForm(data, request.FILES or None, criteria=selectors.eligibility_criteria(project),
                         ex_ante=selectors.ex_ante_parameters(project),
                         answers={a.criterion_id: a for a in base.answers.all()} if base else {},
                         values=base.ex_ante_values if base else {})
    pdd = run_service(form, lambda: services.pdd_save(actor=acting_user(request.user),
                                                      project=project, **form.service_kwargs()))
    if pdd:
        messages.success(request, _("PDD version %(v)s was saved as a draft. Submit it when it is complete.")
                         % {"v": pdd.version})
        return redirect(project.get_absolute_url() + "#pdd")
    return _form_page(request, project, heading=_("PDD"), form=form, submit=_("Save the draft"),
                      template="projects/pdd_form.html", draft=draft, base=base,
                      available=access.PDD_SAVE.open(project))
