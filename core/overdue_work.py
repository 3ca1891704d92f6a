"""Overdue work, as a spec the domain apps fill: what in their work queues is past its deadline.

A domain app with secretariat work queues declares a provider in its own ``<app>/queues.py``
(autodiscovered, see :mod:`core.registries`)::

    from core.overdue_work import OverdueItem, overdue_work_provider

    @overdue_work_provider("projects")
    def overdue_projects(user, today):
        return [OverdueItem(reference=..., step=..., due=..., url=...) for ... if due < today]

The notifications app reads :data:`core.registries.overdue_work` for the daily deadline reminders: it calls every
provider for each secretariat user, under that user's language (so ``step`` is a translated label), and sends
one digest of all the items, earliest first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .registries import overdue_work


@dataclass
class OverdueItem:
    """One piece of work past its deadline: what (``reference``, e.g. ``MN001``), which step, due when, where."""

    reference: str
    step: str
    due: datetime.date
    url: str = ""


# (user, today) -> the user's overdue items (the user is committee.models.User; core does not know it).
OverdueWorkProvider = Callable[[Any, datetime.date], list[OverdueItem]]


def overdue_work_provider(name: str) -> Callable[[OverdueWorkProvider], OverdueWorkProvider]:
    """Register a provider of overdue work under ``name`` (one per queue owner, e.g. the app's label)."""
    def register(provider: OverdueWorkProvider) -> OverdueWorkProvider:
        overdue_work.register(name, provider)
        return provider
    return register


__all__ = ["OverdueItem", "OverdueWorkProvider", "overdue_work_provider"]
