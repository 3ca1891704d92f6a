"""The methodologies' overdue work for the daily deadline reminders (read by the notifications app through
``core.registries.overdue_work``): the methodologies in the user's workflow queue past their step's deadline."""

from __future__ import annotations

import datetime

from committee.models import User
from core.overdue_work import OverdueItem, overdue_work_provider

from . import selectors


@overdue_work_provider("methodologies")
def overdue_methodologies(user: User, today: datetime.date) -> list[OverdueItem]:
    items = []
    for methodology in selectors.workflow_queue(user):
        deadline = methodology.deadline()
        if deadline is not None and deadline.due < today:
            items.append(OverdueItem(methodology.number, str(deadline.step), deadline.due,
                                     methodology.get_absolute_url()))
    return items
