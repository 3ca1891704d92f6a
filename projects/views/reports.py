"""TPEs' pages: the validation report and the verification report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committee.roles import is_system_admin

from .. import access, forms, selectors, services
from ..choices import (
    MonitoringStatus,
    ProjectStatus,
    ReportStatus,
)
from .common import Roles, _filled, _form_page, _period, _project, _submitted


def _findings(formset) -> list[dict]:
    return [{k: r[k] for k in ("kind", "status", "text", "response")} for r in _filled(formset)]


FINDINGS_HELP = gettext_lazy("Corrective action requests (CAR) and clarification requests (CL) must be closed for a "
                             "positive conclusion; forward action requests (FAR) may stay open.")


@login_required
def validation_report(request: HttpRequest, project_id: str) -> HttpResponse:
    project = _project(request, project_id)
    Roles.of(request.user, project).require("validator")
    data = request.POST if request.method == "POST" else None
    form = forms.ValidationReportForm(data, request.FILES or None)
    formset = forms.FindingFormSet(data, prefix="findings")
    if _submitted(request, form, formset, call=lambda: services.validation_report_submit(
            actor=request.user, project=project, findings=_findings(formset), **form.cleaned_data)):
        messages.success(request, _("The validation report was submitted."))
        return redirect(project.get_absolute_url() + "#validation")
    return _form_page(request, project, heading=_("Validation report"), form=form, submit=_("Submit the report"),
                      formsets=[(_("Findings"), FINDINGS_HELP, formset)],
                      intro=_("Validation of %(id)s by %(tpe)s.") % {"id": project.project_id,
                                                                    "tpe": project.validation_tpe.tpe_id},
                      available=project.status == ProjectStatus.UNDER_VALIDATION and project.public_input_closed)


@login_required
def verification_report(request: HttpRequest, project_id: str, number: int) -> HttpResponse:
    project = _project(request, project_id)
    period = _period(request, project, number)
    if not (access.is_tpe_auditor(request.user, period.verification_tpe) or is_system_admin(request.user)):
        raise PermissionDenied(_("Only an auditor of the TPE assigned to verify this period may do this."))
    report = selectors.monitoring_report_list(request.user, period).filter(status=ReportStatus.SUBMITTED).first()
    data = request.POST if request.method == "POST" else None
    form = forms.VerificationReportForm(data, request.FILES or None, initial={
        "verified_reductions": report.reported_reductions if report else None})
    formset = forms.FindingFormSet(data, prefix="findings")
    if _submitted(request, form, formset, call=lambda: services.verification_report_submit(
            actor=request.user, period=period, findings=_findings(formset), **form.cleaned_data)):
        messages.success(request, _("The verification report was submitted."))
        return redirect(period.get_absolute_url())
    return _form_page(request, project, heading=_("Verification report"), form=form, submit=_("Submit the report"),
                      formsets=[(_("Findings"), FINDINGS_HELP, formset)], back_url=period.get_absolute_url(), period=period,
                      report=report, available=period.status == MonitoringStatus.SUBMITTED)
