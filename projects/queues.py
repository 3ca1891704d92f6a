"""The projects' overdue work for the daily deadline reminders (read by the notifications app through
``core.registries.overdue_work``): the items of the user's secretariat queues past their deadline."""

from __future__ import annotations

import datetime

from committee.models import User
from core.overdue_work import OverdueItem, overdue_work_provider

from . import selectors


@overdue_work_provider("projects")
def overdue_projects(user: User, today: datetime.date) -> list[OverdueItem]:
    items = []
    for queue in selectors.secretariat_queues(user).values():
        for work in queue:
            if work.due is not None and work.due < today:
                items.append(OverdueItem(work.project.project_id, str(work.label), work.due,
                                         work.project.get_absolute_url()))
    return items


@overdue_work_provider("project_forms")
def overdue_project_forms(user: User, today: datetime.date) -> list[OverdueItem]:
    """Project forms (PIN, ARE, PIR, SD contribution plan and report) the user reviews, past their deadline."""
    from . import access
    from .form_choices import ProjectFormStatus

    overdue = selectors.project_form_list(user).filter(status=ProjectFormStatus.SUBMITTED, due_on__lt=today)
    return [OverdueItem(form.project.project_id, str(form.get_kind_display()), form.due_on, form.get_absolute_url())
            for form in overdue.order_by("due_on", "pk") if access.can_project_form_accept(user, form)]
