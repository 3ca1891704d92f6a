"""TPEs' pages: the validation report and the verification report."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committee.roles import acting_user
from core.forms import run_service

from .. import access, forms, selectors, services
from ..choices import ReportStatus
from .common import _filled, _forbid_unless, _form_page, _period, _project


def _findings(formset: django_forms.BaseFormSet) -> list[dict[str, Any]]:
    return [{k: r[k] for k in ("kind", "status", "text", "response")} for r in _filled(formset)]


FINDINGS_HELP = gettext_lazy("Corrective action requests (CAR) and clarification requests (CL) must be closed for a "
                             "positive conclusion; forward action requests (FAR) may stay open.")


@login_required
def validation_report(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    _forbid_unless(access.VALIDATION_REPORT_SUBMIT, request, project)
    data = request.POST if request.method == "POST" else None
    form = forms.ValidationReportForm(data, request.FILES or None)
    formset = forms.FindingFormSet(data, prefix="findings")
    if run_service(form, lambda: services.validation_report_submit(
            actor=acting_user(request.user),
            project=project, findings=_findings(formset), **form.cleaned_data), formset):
        messages.success(request, _("The validation report was submitted."))
        return redirect(project.get_absolute_url() + "#validation")
    return _form_page(request, project, heading=_("Validation report"), form=form, submit=_("Submit the report"),
                      formsets=[(_("Findings"), FINDINGS_HELP, formset)],
                      intro=_("Validation of %(id)s by %(tpe)s.") % {"id": project.project_id,
                                                                    "tpe": selectors.tpe_label(project.validation_tpe)},
                      available=access.VALIDATION_REPORT_SUBMIT.open(project),
                      waiting=selectors.waiting_project(project))


@login_required
def verification_report(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project = _project(request, project_id)
    period = _period(request, project, number)
    _forbid_unless(access.VERIFICATION_REPORT_SUBMIT, request, period)
    report = selectors.monitoring_report_list(request.user, period).filter(status=ReportStatus.SUBMITTED).first()
    data = request.POST if request.method == "POST" else None
    form = forms.VerificationReportForm(data, request.FILES or None, initial={
        "verified_reductions": report.reported_reductions if report else None})
    formset = forms.FindingFormSet(data, prefix="findings")
    if run_service(form, lambda: services.verification_report_submit(
            actor=acting_user(request.user),
            period=period, findings=_findings(formset), **form.cleaned_data), formset):
        messages.success(request, _("The verification report was submitted."))
        return redirect(period.get_absolute_url())
    return _form_page(request, project, heading=_("Verification report"), form=form, submit=_("Submit the report"),
                      formsets=[(_("Findings"), FINDINGS_HELP, formset)], back_url=period.get_absolute_url(), period=period,
                      report=report, available=access.VERIFICATION_REPORT_SUBMIT.open(period))
