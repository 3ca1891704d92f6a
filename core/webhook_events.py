"""Webhook events, as a spec the domain apps fill: what each event is and how to load its payload.

A domain app that announces an event (``core.events.emit``) which ministries receive by webhook declares it in
its own ``<app>/webhooks.py`` (autodiscovered, see :mod:`core.registries`)::

    from core.webhook_events import EventFacts, webhook_event

    @webhook_event("credits.retirement.completed", description="A transaction of a registry was completed.")
    def _completed(payload: dict) -> EventFacts | None:
        txn = ...  # load what the event's ids name
        return EventFacts(countries={txn.registry.country_id}, data={"transaction": {...}})

The notifications app reads :data:`core.registries.webhook_events`: for each emitted event that is registered it
calls the resolver after the commit (``payload`` is the event's keyword arguments, plain ids), and posts
``data`` to the active endpoints of the governments in ``countries``. A resolver returns ``None`` when the
object is gone (nothing is sent). ``data`` is serialised with Django's JSON encoder (dates, decimals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .registries import webhook_events


@dataclass
class EventFacts:
    """What a resolver found: the governments concerned (country ids) and the event's ``data``."""

    countries: set[int]
    data: dict[str, Any]


Resolver = Callable[[dict[str, Any]], "EventFacts | None"]


@dataclass(frozen=True)
class WebhookEvent:
    """One event that goes to webhooks: its name (``<app>.<object>.<what>``), a one-line description (shown
    to ministries when they choose events) and its resolver."""

    name: str
    description: str
    resolve: Resolver


def webhook_event(*names: str, description: str) -> Callable[[Resolver], Resolver]:
    """Register ``resolver`` for each of ``names`` (events that share a payload share a resolver)."""
    def register(resolver: Resolver) -> Resolver:
        for name in names:
            webhook_events.register(name, WebhookEvent(name=name, description=description, resolve=resolver))
        return resolver
    return register


def absolute_url(path: str) -> str:
    """``path`` on this registry's public address (``settings.SITE_URL``); a full URL or ``""`` unchanged."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL.rstrip('/')}{path}"


__all__ = ["EventFacts", "Resolver", "WebhookEvent", "absolute_url", "webhook_event"]
