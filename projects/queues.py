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
