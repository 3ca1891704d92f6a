"""Exact numbers: reading a value (never through float), formatting it, converting units, ranges."""

from __future__ import annotations

import re
from decimal import Context, Decimal
from typing import Any

from .errors import fail
from .limits import MAX_INPUT_DIGITS, MAX_INPUT_MAGNITUDE, MAX_VALUE_TEXT_LENGTH, PRECISION, UNIT_SCALES

_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def format_decimal(value: Decimal) -> str:
    """Plain notation without superfluous trailing zeros: Decimal("1.25E+3") -> "1250"."""
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    normal = value.normalize(Context(prec=max(PRECISION, len(value.as_tuple().digits))))
    if -40 < normal.adjusted() < 40:
        return format(normal, "f")
    return str(normal)


def number_problem(number: Decimal) -> str | None:
    if not number.is_finite():
        return "is not a finite number"
    if number.is_zero():
        return None
    digits = len(number.as_tuple().digits)
    if digits > MAX_INPUT_DIGITS:
        return f"has more than {MAX_INPUT_DIGITS} significant digits"
    if abs(number.adjusted()) > MAX_INPUT_MAGNITUDE:
        return f"is outside the supported magnitude (1e-{MAX_INPUT_MAGNITUDE} to 1e{MAX_INPUT_MAGNITUDE})"
    return None


def parse_number(raw: Any, label: str, key: str | None = None) -> Decimal:
    """A number from text, int or Decimal; floats are refused because they are not exact.

    ``label`` starts each message (e.g. "EG_i at site 'A'"); ``key`` is the errors key.
    """
    key = key or label
    if isinstance(raw, bool):
        raise fail(key, f"{label}: {raw} is not a number.")
    if isinstance(raw, float):
        raise fail(key, f"{label}: {raw!r} is a binary floating-point number; give it as text "
                                 f"(e.g. \"{raw!r}\") so the value is exact.")
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if len(text) > MAX_VALUE_TEXT_LENGTH or not _NUMBER_TEXT.fullmatch(text):
            shown = text if len(text) <= 30 else text[:30] + "…"
            raise fail(key, f"{label}: {shown!r} is not a number (write it like 1234.5, with a "
                                     f"decimal point and no thousands separators).")
        number = Decimal(text)
    else:
        raise fail(key, f"{label}: a number is expected, not {type(raw).__name__}.")
    problem = number_problem(number)
    if problem:
        raise fail(key, f"{label}: the value {problem}.")
    return number


def convert_unit(value: Decimal, from_unit: str, to_unit: str) -> Decimal | None:
    """The value expressed in ``to_unit`` when the conversion is exact and known, else None."""
    source, target = UNIT_SCALES.get(from_unit.strip()), UNIT_SCALES.get(to_unit.strip())
    if source is None or target is None or source[0] != target[0]:
        return None
    return value.scaleb(source[1] - target[1], Context(prec=MAX_INPUT_DIGITS + 2 * MAX_INPUT_MAGNITUDE))


def within(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def quantity(value: Decimal, unit: str) -> str:
    return f"{format_decimal(value)} {unit}".strip()


def range_text(low: Decimal | None, high: Decimal | None, unit: str) -> str:
    unit_text = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{format_decimal(low)} to {format_decimal(high)}{unit_text}"
    if low is not None:
        return f"at least {format_decimal(low)}{unit_text}"
    if high is not None:
        return f"at most {format_decimal(high)}{unit_text}"
    return "any value"
