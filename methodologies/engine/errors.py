"""The engine's refusal: one :class:`EngineError` that lists every problem found, by symbol."""

from __future__ import annotations

from core.errors import ApplicationError


class EngineError(ApplicationError):
    """A methodology or a calculation input refused; ``errors`` maps symbols (or fields) to messages."""

    default_code = "calculation_refused"


class Problems:
    """Collects every problem so a form or the API can show them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        messages = [message for group in self.errors.values() for message in group]
        summary = messages[0]
        if len(messages) > 1:
            summary += f" (and {len(messages) - 1} more problem{'s' if len(messages) > 2 else ''})"
        raise EngineError(summary, errors=self.errors)


def fail(key: str, message: str) -> EngineError:
    return EngineError(message, errors={key: [message]})
