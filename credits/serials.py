"""Printed serial numbers and their parsing (the format is documented in docs/credits.md).

A block prints as ``<registry>-<project>-<period>-<vintage>-<first>-<last>``, e.g.
``JP-MN001-01-2015-000000000001-000000001000``: issuing registry (ISO-2), project ID,
monitoring period number (2 digits), vintage (year), first and last serial (at least 12
digits, zero-padded; serials are 64-bit so they may grow to 19 digits). One unit prints
the same way with a single serial: ``JP-MN001-01-2015-000000000007``. The serial numbers
alone identify the units (one system-wide sequence); the prefix is context a reader can check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ApplicationError

MAX_SERIAL = 2**63 - 1
_PATTERN = re.compile(
    r"^(?P<registry>[A-Z]{2})-(?P<project>[A-Z]{2}\d{3})-(?P<period>\d{2,3})-(?P<vintage>\d{4})"
    r"-(?P<first>\d{1,19})(?:-(?P<last>\d{1,19}))?$",
    re.ASCII,  # digits 0-9 only: int() would refuse other Unicode digits such as '²'
)


def pad(serial: int) -> str:
    return f"{serial:012d}"


def format_range(*, registry: str, project: str, period: int, vintage: int, first: int, last: int | None = None) -> str:
    head = f"{registry}-{project}-{period:02d}-{vintage}-{pad(first)}"
    return head if last is None or last == first else f"{head}-{pad(last)}"


def format_block(block) -> str:
    registry = getattr(block, "registry_code", None) or block.issuing_registry.country.code
    return format_range(registry=registry,
                        project=block.project_code, period=block.monitoring_period_number, vintage=block.vintage,
                        first=block.first_serial, last=block.last_serial)


@dataclass(frozen=True)
class ParsedSerial:
    first: int
    last: int
    registry: str | None = None
    project: str | None = None
    period: int | None = None
    vintage: int | None = None


def parse(text: str) -> ParsedSerial:
    """Parse a printed block or unit serial, or a bare serial number. Raises ApplicationError."""
    value = (text or "").strip().upper()
    if value.isascii() and value.isdigit():
        serial = int(value)
        _check(serial)
        return ParsedSerial(first=serial, last=serial)
    match = _PATTERN.match(value)
    if not match:
        raise ApplicationError(
            "Not a serial number. Write it as printed, e.g. JP-MN001-01-2015-000000000001-000000001000, "
            "one unit such as JP-MN001-01-2015-000000000007, or just the number.", field="serial")
    first = int(match["first"])
    last = int(match["last"]) if match["last"] else first
    _check(first)
    _check(last)
    if last < first:
        raise ApplicationError("The last serial number is smaller than the first.", field="serial")
    return ParsedSerial(first=first, last=last, registry=match["registry"], project=match["project"],
                        period=int(match["period"]), vintage=int(match["vintage"]))


def _check(serial: int) -> None:
    if not 1 <= serial <= MAX_SERIAL:
        raise ApplicationError("Serial numbers run from 1 to 9223372036854775807.", field="serial")
