"""Domain events that make documents: each kind names the events after which its document is made
(``core.document_kinds.DocumentKindSpec.events``). Each handler runs after the action's commit and only
queues a Celery task (see core.events); a failure to queue is logged, never raised."""

from __future__ import annotations

from core.events import Handler, subscriber
from core.registries import document_kinds

from .services import enqueue
from .tasks import generate_document

_connected = False


def _maker(kind: str, field: str) -> Handler:
    def make(event: str, payload: dict) -> None:
        enqueue(generate_document, kind, payload[field])
    make.__qualname__ = make.__name__ = f"make_{kind}"
    return make


def connect() -> None:
    """Subscribe to every event a document kind is made after (once; called by DocumentsConfig.ready())."""
    global _connected
    if _connected:
        return
    _connected = True
    for kind, spec in document_kinds.items():
        for event, field in spec.events:
            subscriber(event)(_maker(kind, field))
