"""Work lists: the participants' projects, the TPEs' assignments and the secretariat's queues."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import access, selectors


@login_required
def my_projects(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.can_see_my_projects(user):
        raise PermissionDenied(_("“My projects” is for project participants."))
    return render(request, "projects/mine.html", {"work": selectors.my_projects(user)})


@login_required
def tpe_work(request: HttpRequest) -> HttpResponse:
    if not access.can_see_tpe_work(request.user):
        raise PermissionDenied(_("This page is for the auditors of third-party entities."))
    return render(request, "projects/tpe.html", {"work": selectors.tpe_assignments(request.user)})


QUEUE_TITLES = {
    "publication": gettext_lazy("PDDs to publish for public input (requested by their TPE)"),
    "public_input": gettext_lazy("Public input periods closing"),
    "registration": gettext_lazy("Registration requests"),
    "issuance": gettext_lazy("Issuance requests"),
    "changes": gettext_lazy("Post-registration changes and renewals"),
}


@login_required
def secretariat_queues(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.can_see_secretariat_queues(user):
        raise PermissionDenied(_("The work queues are for the secretariat."))
    queues = selectors.secretariat_queues(user)
    return render(request, "projects/queues.html", {
        "queues": [(name, QUEUE_TITLES[name], items) for name, items in queues.items()],
        "overdue": sum(1 for items in queues.values() for item in items if item.overdue),
    })
