"""The emission-reduction engine: a methodology's formulas evaluated safely, exactly and traceably.

A methodology is given as a :class:`MethodologySpec` (parameters and formulas). :func:`validate`
checks it when it is saved; :func:`calculate` turns parameter values into reference emissions (RE),
project emissions (PE), emission reductions (ER = RE - PE) and whole credits, with a step-by-step
trace the way the JCM Monitoring Report Sheet shows its calculation process.

Safety: formulas are parsed with :mod:`ast` and converted into a small tree of our own through a
strict whitelist (numbers, symbols, ``+ - * /``, parentheses, ``min``, ``max``, ``sum``). Nothing
from the formula text is ever executed: there is no ``eval``/``exec``/``compile``; the tree is
walked by the evaluator, which only knows Decimal arithmetic.

Exactness: every operation runs in a :class:`decimal.Context` of ``PRECISION`` (34) significant
digits, ROUND_HALF_EVEN, with InvalidOperation, DivisionByZero and Overflow trapped. Inputs and
literals carry at most ``MAX_INPUT_DIGITS`` digits, so additions, subtractions and multiplications
of usual sizes are exact; a division that does not terminate is rounded at the 34th digit and the
result says so in its notes. Credits are ER rounded down to whole tCO2e; a negative ER gives none.

The package is split along the engine's sections; this module re-exports the public names:

- ``limits``: precision, sizes, parameter kinds, functions and exact unit conversions;
- ``errors``: :class:`EngineError`, which lists every problem found by symbol;
- ``decimals``: reading, formatting and converting exact numbers;
- ``spec``: the public types (the methodology as given, the result and its trace);
- ``parsing``: formula trees and the whitelist parser;
- ``rendering``: readable formulas (:func:`describe`) for pages and the trace;
- ``validation``: checks of a methodology, the evaluation order and its fingerprint;
- ``inputs``: the caller's parameter values read against the methodology;
- ``evaluation``: the evaluator and :func:`calculate`.

See docs/methodology-engine.md.
"""

from __future__ import annotations

from .decimals import convert_unit, format_decimal, parse_number, range_text
from .errors import EngineError
from .evaluation import calculate
from .limits import (
    FUNCTIONS,
    KINDS,
    MAX_DEPTH,
    MAX_EXPANDED_TERMS,
    MAX_EXPRESSION_LENGTH,
    MAX_FORMULAS,
    MAX_INPUT_DIGITS,
    MAX_INPUT_MAGNITUDE,
    MAX_NODES,
    MAX_PARAMETERS,
    MAX_SITE_NAME_LENGTH,
    MAX_SITES,
    MAX_SYMBOL_LENGTH,
    MAX_VALUE_TEXT_LENGTH,
    PRECISION,
    REQUIRED_FORMULAS,
    UNIT_SCALES,
)
from .parsing import parse_expression
from .rendering import describe
from .spec import CalculationResult, FormulaSpec, MethodologySpec, ParameterSpec, TraceStep
from .validation import evaluation_order, spec_fingerprint, validate

__all__ = [
    "FUNCTIONS", "KINDS", "MAX_DEPTH", "MAX_EXPANDED_TERMS", "MAX_EXPRESSION_LENGTH", "MAX_FORMULAS",
    "MAX_INPUT_DIGITS", "MAX_INPUT_MAGNITUDE", "MAX_NODES", "MAX_PARAMETERS", "MAX_SITES", "MAX_SITE_NAME_LENGTH",
    "MAX_SYMBOL_LENGTH", "MAX_VALUE_TEXT_LENGTH", "PRECISION", "REQUIRED_FORMULAS", "UNIT_SCALES",
    "CalculationResult", "EngineError", "FormulaSpec", "MethodologySpec", "ParameterSpec", "TraceStep",
    "calculate", "convert_unit", "describe", "evaluation_order", "format_decimal", "parse_expression",
    "parse_number", "range_text", "spec_fingerprint", "validate",
]
