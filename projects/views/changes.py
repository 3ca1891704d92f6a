"""Focal point's page: a post-registration change or a renewal of the crediting period."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from committee.roles import acting_user
from core.forms import run_service

from .. import access, forms, services
from .common import _forbid_unless, _form_page, _project


@login_required
def change_request_create(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.CHANGE_REQUEST_SUBMIT, request, project)
    data = request.POST if request.method == "POST" else None
    form = forms.ChangeRequestForm(data, project=project)
    change = run_service(form, lambda: services.change_request_submit(
        actor=acting_user(request.user), project=project, **form.service_kwargs()))
    if change:
        messages.success(request, _("Your request (%(kind)s) was sent to the secretariat.") % {
            "kind": change.get_kind_display().lower()})
        return redirect(project.get_absolute_url() + "#changes")
    return _form_page(
        request, project, heading=_("Request a change or a renewal"), form=form, submit=_("Send the request"),
        intro=_("A post-registration change alters the fields you edit below; a renewal extends the crediting "
                "period (now ending %(end)s). The Joint Committee decides; nothing changes until it approves.") % {
                    "end": project.crediting_end.isoformat() if project.crediting_end else "—"},
        available=access.CHANGE_REQUEST_SUBMIT.open(project))
