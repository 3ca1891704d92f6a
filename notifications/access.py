"""Who may do what with notices and webhooks: one rule per action, ``can_<action>`` for the pages and
``require_<action>`` (raising :class:`core.errors.NotAllowed` with the reason) for the services.

- Notices and preferences are personal: a logged-in user reads and marks read their own notices, and sets
  and deletes their own preferences.
- Webhooks belong to a government: the ministry API users of a country (``ministry_api`` role, valid today)
  and system administrators manage that country's endpoints and replay their deliveries. A ministry user
  may own endpoints of its country (its own notices go to them).
"""

from __future__ import annotations

from committee.choices import Role
from committee.models import Country
from committee.roles import Viewer, active_roles, has_role
from core.access import is_authenticated, is_system_admin, require, require_authenticated

from .models import Notification, NotificationPreference, WebhookDelivery, WebhookEndpoint

# --- Notices and preferences (personal) -------------------------------------------------------------


def can_read_notifications(user: Viewer) -> bool:
    return is_authenticated(user)


def require_read_notifications(user: Viewer) -> None:
    require(can_read_notifications(user), "Log in to read your notifications.")


def can_mark_read(user: Viewer, notification: Notification) -> bool:
    return is_authenticated(user) and notification.recipient_id == user.pk


def require_mark_read(user: Viewer, notification: Notification) -> None:
    require(can_mark_read(user, notification), "This is not your notification.")


def can_set_preferences(user: Viewer) -> bool:
    return is_authenticated(user)


def require_set_preferences(user: Viewer) -> None:
    require(can_set_preferences(user), "Log in to choose your notifications.")


def can_delete_preference(user: Viewer, preference: NotificationPreference) -> bool:
    return is_authenticated(user) and preference.user_id == user.pk


def require_delete_preference(user: Viewer, preference: NotificationPreference) -> None:
    require(can_delete_preference(user, preference), "These are not your preferences.")


# --- Webhooks (per government) ------------------------------------------------------------------------

def ministry_country_ids(user: Viewer) -> set[int]:
    """The countries whose ministry API user ``user`` is (today)."""
    return {r.country_id for r in active_roles(user) if r.role == Role.MINISTRY_API and r.country_id}


def can_own_endpoints(user: Viewer) -> bool:
    """A ministry user: its own notices may go to the endpoints it owns (hence its webhook preferences)."""
    return bool(ministry_country_ids(user))


def can_own_endpoint(user: Viewer, country: Country) -> bool:
    """Whether ``user`` may own an endpoint of ``country``: a ministry API user of that country."""
    return has_role(user, Role.MINISTRY_API, country=country)


def can_use_webhooks(user: Viewer) -> bool:
    """The webhook pages: for system administrators and the ministry users of any country."""
    return is_system_admin(user) or can_own_endpoints(user)


def can_manage_webhooks(user: Viewer, country: Country) -> bool:
    """Register, change, re-key the endpoints of ``country`` and replay their deliveries: system
    administrators, and the ministry API users of that country."""
    return is_system_admin(user) or has_role(user, Role.MINISTRY_API, country=country)


def require_manage_webhooks(user: Viewer, country: Country) -> None:
    require_authenticated(user)
    require(can_manage_webhooks(user, country),
            "Only the ministry of this country or a system administrator manages its webhooks.")


def can_manage_endpoint(user: Viewer, endpoint: WebhookEndpoint) -> bool:
    return can_manage_webhooks(user, endpoint.country)


def require_manage_endpoint(user: Viewer, endpoint: WebhookEndpoint) -> None:
    require_manage_webhooks(user, endpoint.country)


def can_replay_delivery(user: Viewer, delivery: WebhookDelivery) -> bool:
    return can_manage_endpoint(user, delivery.endpoint)


def require_replay_delivery(user: Viewer, delivery: WebhookDelivery) -> None:
    require_manage_endpoint(user, delivery.endpoint)
