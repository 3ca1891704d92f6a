"""Notices to people, as a port: domain services say *who* should hear *what*; the notifications app decides
how (the in-app inbox, e-mail, webhooks).

A service calls :func:`notify` inside its transaction. The notice is handed at once to the sink that the
notifications app installs when it is ready, so that the inbox row is stored with the action (a rolled-back
action notifies nobody) and e-mail and webhooks go out after commit. Without a sink (the notifications app
not installed) a notice is dropped.

    from core.notices import notify

    notify(recipients=users, kind="credits.transfer", key=f"txn:{txn.pk}:completed", subject=..., url=...)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class Sink(Protocol):
    def __call__(self, *, recipients: Iterable[Any], kind: str, key: str, subject: str, body: str = "",
                 url: str = "") -> list[int]: ...


_sink: Sink | None = None


def install(sink: Sink) -> None:
    """Called once by the notifications app (``AppConfig.ready``)."""
    global _sink
    _sink = sink


def notify(*, recipients: Iterable[Any], kind: str, key: str, subject: str, body: str = "",
           url: str = "") -> list[int]:
    """Notify each distinct active user in ``recipients`` once per ``key``: returns the ids of the notices
    stored now. ``kind`` is ``<category>.<what>`` (``credits.issued``); the recipient's preferences per
    kind or category decide e-mail and webhooks."""
    if _sink is None:
        return []
    return _sink(recipients=recipients, kind=kind, key=key, subject=subject, body=body, url=url)


__all__ = ["Sink", "install", "notify"]
