"""Helpers of the project pages (not views themselves)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committee.roles import is_secretariat, is_system_admin
from core.errors import ApplicationError, NotFound
from core.forms import add_service_error

from .. import access, selectors
from ..models import MonitoringPeriod, Project

# --- who is who on a project -------------------------------------------------------------------------

@dataclass(frozen=True)
class Roles:
    """The user's roles on one project (a system administrator holds them all)."""

    participant: bool = False
    focal_point: bool = False
    secretariat: bool = False
    validator: bool = False  # an auditor of the TPE chosen to validate the project
    confidential: bool = False  # may see the confidential PDD, evidence, MoC and allocation

    @classmethod
    def of(cls, user, project: Project) -> Roles:
        if not getattr(user, "is_authenticated", False):
            return cls()
        if is_system_admin(user):
            return cls(True, True, True, True, True)
        return cls(participant=access.is_participant(user, project), focal_point=access.is_focal_point(user, project),
                   secretariat=is_secretariat(user, project.joint_committee),
                   validator=access.is_tpe_auditor(user, project.validation_tpe),
                   confidential=access.can_see_confidential(user, project))

    def require(self, who: str) -> None:
        if not getattr(self, who):
            raise PermissionDenied(FORBIDDEN[who])


FORBIDDEN = {
    "participant": gettext_lazy("Only a participant of this project may do this."),
    "focal_point": gettext_lazy("Only the focal point of this project may do this."),
    "secretariat": gettext_lazy("Only the secretariat of this project's Joint Committee may do this."),
    "validator": gettext_lazy("Only an auditor of the TPE chosen to validate this project may do this."),
}


# --- helpers ---------------------------------------------------------------------------------------------

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


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else ""


def _filled(formset) -> list[dict]:
    """The cleaned rows of a valid formset, without the rows ticked for removal or left empty."""
    rows = (getattr(f, "cleaned_data", None) or {} for f in formset.forms)
    return [{k: v for k, v in row.items() if k != "DELETE"} for row in rows if row and not row.get("DELETE")]


def _unbound(data, rows: list[dict]) -> list[dict] | None:
    """A formset's initial rows, for the page shown before a POST only: a posted row equal to its initial
    value would otherwise count as unchanged, and be dropped, instead of being saved again."""
    return (rows or None) if data is None else None


def _all_valid(form, *formsets) -> bool:
    valid = form.is_valid()
    for formset in formsets:
        valid = formset.is_valid() and valid
    return valid


def _submitted(request: HttpRequest, form, *formsets, call: Callable[[], Any],
               aliases: dict[str, str] | None = None) -> Any | None:
    """On a POST whose forms are valid, call the ONE service and return what it returns (the object it
    wrote); on a GET, invalid input or a refusal (put on the form), None."""
    if request.method != "POST" or not _all_valid(form, *formsets):
        return None
    try:
        return call()
    except ApplicationError as exc:
        _show_error(form, exc, aliases)
        return None


def _contacts(formset) -> list[dict]:
    return [{k: r[k] for k in ("name", "organization", "email", "phone")} for r in _filled(formset)]


def _show_error(form, exc: ApplicationError, aliases: dict[str, str] | None = None) -> None:
    """``add_service_error`` after renaming the service's field names to the form's."""
    if aliases:
        renamed = {}
        for key, messages_ in exc.errors.items():
            renamed.setdefault(aliases.get(key, key), []).extend(messages_)
        exc = ApplicationError(exc.message, errors=renamed)
    add_service_error(form, exc)


def _form_page(request: HttpRequest, project: Project, *, heading: str, form, formsets=(), submit: str,
               intro: str = "", back_url: str = "", available: bool = True, template: str = "projects/form_page.html",
               **extra) -> HttpResponse:
    bound = form.is_bound
    return render(request, template, {
        "project": project, "heading": heading, "form": form, "formsets": list(formsets), "submit": submit,
        "intro": intro, "back_url": back_url or project.get_absolute_url(), "available": available,
        "has_errors": bool(form.errors) or any(fs.total_error_count() for _t, _h, fs in formsets), **extra,
    }, status=400 if bound else 200)


def _value_rows(report) -> list[tuple[str, str, str]]:
    """(symbol, site, value) of a report's values, in a stable order for display."""
    rows = []
    for symbol, value in (report.values or {}).items():
        if isinstance(value, dict) and not ({"value"} <= set(value)):
            rows.extend((symbol, site, str(v)) for site, v in value.items())
        else:
            rows.append((symbol, "", str(value.get("value") if isinstance(value, dict) else value)))
    return rows

