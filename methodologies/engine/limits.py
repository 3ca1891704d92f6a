"""The engine's limits and fixed vocabulary: precision, sizes, parameter kinds, functions and units."""

from __future__ import annotations

PRECISION = 34  # significant digits of every intermediate result (IEEE 754 decimal128)
MAX_EXPRESSION_LENGTH = 1000  # characters of one formula
MAX_NODES = 400  # Python AST nodes of one formula
MAX_DEPTH = 100  # nesting depth of one formula
MAX_SYMBOL_LENGTH = 40
MAX_INPUT_DIGITS = 28  # significant digits of a parameter value or a numeric literal
MAX_INPUT_MAGNITUDE = 30  # values and literals lie between 1e-30 and 1e30 (or are 0)
MAX_VALUE_TEXT_LENGTH = 64
MAX_SITES = 2000
MAX_SITE_NAME_LENGTH = 100
MAX_PARAMETERS = 200
MAX_FORMULAS = 200
MAX_EXPANDED_TERMS = 12  # a sum over more sites shows its total in the trace (each term has its own step)

KINDS = ("default", "ex_ante", "monitored")
REQUIRED_FORMULAS = ("RE", "PE", "ER")
FUNCTIONS = ("min", "max", "sum")

# Exact conversions between units of one family: unit -> (family, power of ten of the family's base).
UNIT_SCALES: dict[str, tuple[str, int]] = {
    "Wh": ("electricity", 0),
    "kWh": ("electricity", 3),
    "MWh": ("electricity", 6),
    "GWh": ("electricity", 9),
    "MJ": ("energy", 6),
    "GJ": ("energy", 9),
    "TJ": ("energy", 12),
    "g": ("mass", 0),
    "kg": ("mass", 3),
    "t": ("mass", 6),
    "L": ("volume", 0),
    "kL": ("volume", 3),
    "m3": ("volume", 3),
}
