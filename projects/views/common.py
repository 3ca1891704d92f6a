"""Helpers of the project pages (not views themselves)."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.views import form_status

from .. import access, selectors
from ..models import MonitoringPeriod, MonitoringReport, Project


def _project(request: HttpRequest, project_id: str) -> Project:
    try:
        return selectors.project_get(request.user, project_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _period(request: HttpRequest, project: Project, number: int) -> MonitoringPeriod:
    period = selectors.monitoring_period_list(request.user, project).filter(number=number).first()
    if period is None:
        raise Http404(_("There is no such monitoring period."))
    period.project = project
    return period


def _forbid_unless(rule: access.Rule[Any], request: HttpRequest, obj: Any) -> None:
    """403 unless the user is the party the action is reserved for (the page of an action not open in the
    object's state is still shown, saying so)."""
    if not rule.allows(request.user, obj):
        raise PermissionDenied(rule.party.forbidden)


def _filled(formset: django_forms.BaseFormSet) -> list[dict[str, Any]]:
    """The cleaned rows of a valid formset, without the rows ticked for removal or left empty."""
    rows = (getattr(f, "cleaned_data", None) or {} for f in formset.forms)
    return [{k: v for k, v in row.items() if k != "DELETE"} for row in rows if row and not row.get("DELETE")]


def _unbound(data: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """A formset's initial rows, for the page shown before a POST only: a posted row equal to its initial
    value would otherwise count as unchanged, and be dropped, instead of being saved again."""
    return (rows or None) if data is None else None


def _contacts(formset: django_forms.BaseFormSet) -> list[dict[str, Any]]:
    return [{k: r[k] for k in ("name", "organization", "email", "phone")} for r in _filled(formset)]


def _form_page(request: HttpRequest, project: Project, *, heading: str, form: django_forms.BaseForm,
               formsets: list[tuple[str, str | Promise, django_forms.BaseFormSet]] | tuple[()] = (), submit: str,
               intro: str = "", back_url: str = "", available: bool = True, template: str = "projects/form_page.html",
               **extra: Any) -> HttpResponse:
    """A page with one form (and formsets given as (title, help, formset)); 400 when it shows a refusal."""
    status = form_status(form, *(fs for _t, _h, fs in formsets))
    return render(request, template, {
        "project": project, "heading": heading, "form": form, "formsets": list(formsets), "submit": submit,
        "intro": intro, "back_url": back_url or project.get_absolute_url(), "available": available,
        "has_errors": status == 400, **extra,
    }, status=status)


def _value_rows(report: MonitoringReport) -> list[tuple[str, str, str]]:
    """(symbol, site, value) of a report's values, in a stable order for display."""
    rows: list[tuple[str, str, str]] = []
    for symbol, value in (report.values or {}).items():
        if isinstance(value, dict) and not ({"value"} <= set(value)):
            rows.extend((symbol, site, str(v)) for site, v in value.items())
        else:
            rows.append((symbol, "", str(value.get("value") if isinstance(value, dict) else value)))
    return rows
