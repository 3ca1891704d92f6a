"""Registries that the domain apps fill and the top apps read: how the layers talk upwards without importing.

The documents and notifications apps sit above the domain apps and may import them; the domain apps never
import them. What only a domain app knows (the document kinds about its objects and how to build their
content, the webhook payload of each of its events, the overdue work in its queues) it declares in a module
of its own, which core imports for every installed app when the registry is first read
(:func:`autodiscover`):

- ``<app>/documents.py`` registers document kinds in :data:`document_kinds` and batches in
  :data:`document_batches` (types in :mod:`core.document_kinds`);
- ``<app>/webhooks.py`` registers webhook events in :data:`webhook_events`;
- ``<app>/queues.py`` registers overdue-work providers in :data:`overdue_work`.

A registry is an ordered mapping of keys to entries; registering a key twice with a different entry is an
error (two apps claiming one document kind or event).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from .document_kinds import DocumentBatchSpec, DocumentKindSpec
    from .overdue_work import OverdueWorkProvider
    from .webhook_events import WebhookEvent

T = TypeVar("T")

MODULES = ("documents", "webhooks", "queues")
_discovered = False


def autodiscover() -> None:
    """Import ``<app>.documents``, ``<app>.webhooks`` and ``<app>.queues`` of every installed app (once)."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules(*MODULES)


class Registry(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[str, T] = {}

    def register(self, key: str, entry: T) -> T:
        existing = self._entries.get(key)
        if existing is not None and existing is not entry and existing != entry:
            raise ValueError(f"{self.name}: {key!r} is registered twice")
        self._entries[key] = entry
        return entry

    def __getitem__(self, key: str) -> T:
        autodiscover()
        return self._entries[key]

    def get(self, key: str, default: T | None = None) -> T | None:
        autodiscover()
        return self._entries.get(key, default)

    def __contains__(self, key: object) -> bool:
        autodiscover()
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        autodiscover()
        return iter(list(self._entries))

    def items(self) -> list[tuple[str, T]]:
        autodiscover()
        return list(self._entries.items())

    def values(self) -> list[T]:
        autodiscover()
        return list(self._entries.values())


# Filled by <app>/documents.py: document kind -> its specification; batch kind -> its specification.
document_kinds: Registry[DocumentKindSpec] = Registry("document kinds")
document_batches: Registry[DocumentBatchSpec] = Registry("document batches")
# Filled by <app>/webhooks.py (core.webhook_events.webhook_event): event name -> WebhookEvent (its description,
# and how to load its payload data and the governments concerned).
webhook_events: Registry[WebhookEvent] = Registry("webhook events")
# Filled by <app>/queues.py (core.overdue_work.overdue_work_provider): provider name -> callable(user, today)
# giving that user's overdue work items.
overdue_work: Registry[OverdueWorkProvider] = Registry("overdue work")
