"""The methodologies' webhook events (read by the notifications app through ``core.registries.webhook_events``).

docs/notifications.md lists every event with its payload.
"""

from __future__ import annotations

from typing import Any

from committee.webhooks import committee_countries
from core.webhook_events import EventFacts, absolute_url, webhook_event

from .models import MethodologyVersion


@webhook_event("methodologies.version.approved",
               description="The Joint Committee approved a methodology or a revision of one.")
def version_approved(payload: dict[str, Any]) -> EventFacts | None:
    version = (MethodologyVersion.objects.select_related("methodology__joint_committee__partner")
               .filter(pk=payload.get("version_id")).first())
    if version is None:
        return None
    methodology = version.methodology
    return EventFacts(countries=committee_countries(methodology.joint_committee), data={"methodology": {
        "number": methodology.number, "title": methodology.title, "version": version.version,
        "approved_on": version.approved_on, "joint_committee": methodology.joint_committee.code,
        "url": absolute_url(version.get_absolute_url())}})
