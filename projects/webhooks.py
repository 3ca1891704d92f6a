"""The projects' webhook events (read by the notifications app through ``core.registries.webhook_events``).

docs/notifications.md lists every event with its payload.
"""

from __future__ import annotations

from typing import Any

from committee.webhooks import committee_countries
from core.webhook_events import EventFacts, absolute_url, webhook_event

from .models import Project


@webhook_event("projects.project.registered", description="The Joint Committee registered a project.")
def project_registered(payload: dict[str, Any]) -> EventFacts | None:
    project = (Project.objects.select_related("joint_committee__partner")
               .filter(pk=payload.get("project_id")).first())
    if project is None:
        return None
    return EventFacts(countries=committee_countries(project.joint_committee), data={"project": {
        "project_id": project.project_id, "title": project.title,
        "joint_committee": project.joint_committee.code,
        "registered_on": project.registered_on, "url": absolute_url(project.get_absolute_url())}})
