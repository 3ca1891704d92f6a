"""The emission-reduction engine: a methodology's formulas evaluated safely, exactly and traceably.

A methodology is given as a :class:`MethodologySpec` (parameters and formulas). :func:`validate`
checks it when it is saved; :func:`calculate` turns parameter values into reference emissions (RE),
project emissions (PE), emission reductions (ER = RE - PE) and whole credits, with a step-by-step
trace the way the JCM Monitoring Report Sheet shows its calculation process.

Safety: formulas are parsed with :mod:`ast` and converted into a small tree of our own through a
strict whitelist (numbers, symbols, ``+ - * /``, parentheses, ``min``, ``max``, ``sum``). Nothing
from the formula text is ever executed: there is no ``eval``/``exec``/``compile``; the tree is
walked by :class:`_Evaluator`, which only knows Decimal arithmetic.

Exactness: every operation runs in a :class:`decimal.Context` of ``PRECISION`` (34) significant
digits, ROUND_HALF_EVEN, with InvalidOperation, DivisionByZero and Overflow trapped. Inputs and
literals carry at most ``MAX_INPUT_DIGITS`` digits, so additions, subtractions and multiplications
of usual sizes are exact; a division that does not terminate is rounded at the 34th digit and the
result says so in its notes. Credits are ER rounded down to whole tCO2e; a negative ER gives none.

See docs/methodology-engine.md.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import keyword
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from typing import Any

from core.errors import ApplicationError

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


# --------------------------------------------------------------------------------------------------
# Public types


class EngineError(ApplicationError):
    """A methodology or a calculation input refused; ``errors`` maps symbols (or fields) to messages."""

    default_code = "calculation_refused"


@dataclass(frozen=True)
class ParameterSpec:
    symbol: str
    description: str
    unit: str
    kind: str  # "default" (fixed default value), "ex_ante" (set in the PDD), "monitored"
    per_site: bool = False
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    default_value: Decimal | None = None  # required for kind "default"; ignored for other kinds


@dataclass(frozen=True)
class FormulaSpec:
    symbol: str  # "RE", "PE", "ER" or an intermediate like "RE_s"
    expression: str  # e.g. "sum(EG_i * EF_grid)", "RE - PE", "max(0, x)"
    description: str = ""
    unit: str = "tCO2e"
    per_site: bool = False


@dataclass(frozen=True)
class MethodologySpec:
    parameters: tuple[ParameterSpec, ...]
    formulas: tuple[FormulaSpec, ...]  # must define RE, PE and ER


@dataclass
class TraceStep:
    symbol: str
    expression: str  # readable formula, e.g. "EG_i × EF_grid"
    substituted: str  # the same with values filled in, e.g. "1234.567 × 0.9"
    value: Decimal
    unit: str
    site: str | None = None
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "expression": self.expression,
            "substituted": self.substituted,
            "value": format_decimal(self.value),
            "unit": self.unit,
            "site": self.site,
            "description": self.description,
        }


@dataclass
class CalculationResult:
    reference_emissions: Decimal
    project_emissions: Decimal
    emission_reductions: Decimal  # exact (within PRECISION digits), not rounded
    credits: int  # ER rounded down to whole tCO2e; 0 when ER is negative
    negative: bool  # ER < 0
    trace: list[TraceStep]
    notes: list[str]
    sites: list[str] = field(default_factory=list)
    inputs: dict[str, Decimal | dict[str, Decimal]] = field(default_factory=dict)  # in the parameters' units
    precision: int = PRECISION

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (Decimals as strings) for the API."""
        return {
            "reference_emissions": format_decimal(self.reference_emissions),
            "project_emissions": format_decimal(self.project_emissions),
            "emission_reductions": format_decimal(self.emission_reductions),
            "credits": self.credits,
            "negative": self.negative,
            "trace": [step.as_dict() for step in self.trace],
            "notes": list(self.notes),
            "sites": list(self.sites),
            "inputs": {
                symbol: ({site: format_decimal(v) for site, v in value.items()}
                         if isinstance(value, dict) else format_decimal(value))
                for symbol, value in self.inputs.items()
            },
            "precision": self.precision,
        }


# --------------------------------------------------------------------------------------------------
# Error collection


class _Problems:
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


def _fail(key: str, message: str) -> EngineError:
    return EngineError(message, errors={key: [message]})


# --------------------------------------------------------------------------------------------------
# Formula trees (our own; the Python AST is only a parsing step)


@dataclass(frozen=True)
class _Num:
    value: Decimal


@dataclass(frozen=True)
class _Sym:
    name: str


@dataclass(frozen=True)
class _BinOp:
    op: str  # one of + - * /
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Unary:
    op: str  # - or +
    operand: _Node


@dataclass(frozen=True)
class _Call:
    func: str  # min, max or sum
    args: tuple[_Node, ...]


_Node = _Num | _Sym | _BinOp | _Unary | _Call

_BINOPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_UNARYOPS: dict[type[ast.unaryop], str] = {ast.USub: "-", ast.UAdd: "+"}
_OPERATOR_NAMES: dict[type[ast.AST], str] = {
    ast.Pow: "powers (**)", ast.Mod: "the % operator", ast.FloorDiv: "floor division (//)",
    ast.MatMult: "the @ operator", ast.LShift: "bit shifts", ast.RShift: "bit shifts",
    ast.BitAnd: "bit operators", ast.BitOr: "bit operators", ast.BitXor: "bit operators",
    ast.Not: "not", ast.Invert: "the ~ operator",
}
_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (x.y)", ast.Subscript: "indexing (x[...])",
    ast.Lambda: "lambda functions", ast.IfExp: "conditional expressions (a if b else c)",
    ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.NamedExpr: "assignment (:=)",
    ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets", ast.Dict: "dictionaries",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.JoinedStr: "strings", ast.Starred: "* unpacking",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}
_ALLOWED_TEXT = "only numbers, symbols, + - * /, parentheses, min(), max() and sum() are allowed"
_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_LITERAL_TEXT = re.compile(r"(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?")


def _check_size(tree: ast.AST, label: str) -> None:
    """Counts nodes and depth without recursion, before anything else looks at the tree."""
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _fail(label, f"Formula {label} is too long (more than {MAX_NODES} elements).")
        if depth > MAX_DEPTH:
            raise _fail(label, f"Formula {label} is nested too deeply (more than {MAX_DEPTH} levels).")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _literal(node: ast.Constant, source: str, label: str) -> _Num:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "text" if isinstance(value, str | bytes) else f"the constant {value!r}"
        raise _fail(label, f"Formula {label} contains {kind}; {_ALLOWED_TEXT}.")
    text = ast.get_source_segment(source, node) or ""
    if not _LITERAL_TEXT.fullmatch(text):
        raise _fail(label, f"Formula {label}: write the number {text!r} in plain decimal notation.")
    number = Decimal(text)  # exactly as written, never through float
    problem = _number_problem(number)
    if problem:
        raise _fail(label, f"Formula {label}: the number {text} {problem}.")
    return _Num(number)


def _convert(node: ast.AST, source: str, label: str) -> _Node:
    """Python AST -> our tree, refusing everything outside the whitelist."""
    if isinstance(node, ast.Expression):
        return _convert(node.body, source, label)
    if isinstance(node, ast.Constant):
        return _literal(node, source, label)
    if isinstance(node, ast.Name):
        return _Sym(node.id)
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise _fail(label, f"Formula {label} contains {_describe_ast(node.op)}; {_ALLOWED_TEXT}.")
        return _BinOp(op, _convert(node.left, source, label), _convert(node.right, source, label))
    if isinstance(node, ast.UnaryOp):
        op = _UNARYOPS.get(type(node.op))
        if op is None:
            raise _fail(label, f"Formula {label} contains {_describe_ast(node.op)}; {_ALLOWED_TEXT}.")
        return _Unary(op, _convert(node.operand, source, label))
    if isinstance(node, ast.Call):
        return _convert_call(node, source, label)
    raise _fail(label, f"Formula {label} contains {_describe_ast(node)}; {_ALLOWED_TEXT}.")


def _convert_call(node: ast.Call, source: str, label: str) -> _Call:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = f"{node.func.id}()" if isinstance(node.func, ast.Name) else "a computed function"
        raise _fail(label, f"Formula {label} calls {called}; {_ALLOWED_TEXT}.")
    func = node.func.id
    if node.keywords:
        raise _fail(label, f"Formula {label}: {func}() takes no keyword arguments.")
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise _fail(label, f"Formula {label}: * unpacking is not allowed in {func}().")
    if func == "sum" and len(node.args) != 1:
        raise _fail(label, f"Formula {label}: sum() takes exactly one expression, summed over the sites.")
    if func in ("min", "max") and len(node.args) < 2:
        raise _fail(label, f"Formula {label}: {func}() needs at least two values.")
    return _Call(func, tuple(_convert(arg, source, label) for arg in node.args))


def _describe_ast(node: ast.AST) -> str:
    return _OPERATOR_NAMES.get(type(node)) or _NODE_NAMES.get(type(node)) or f"'{type(node).__name__}'"


def parse_expression(expression: str, *, label: str = "expression") -> _Node:
    """Parses one formula into our tree; raises EngineError naming ``label`` for anything else."""
    if not isinstance(expression, str):
        raise _fail(label, f"Formula {label} must be text.")
    source = expression.strip()
    if not source:
        raise _fail(label, f"Formula {label} is empty.")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise _fail(label, f"Formula {label} is too long (more than {MAX_EXPRESSION_LENGTH} characters).")
    if _bracket_depth(source) > MAX_DEPTH:
        raise _fail(label, f"Formula {label} is nested too deeply (more than {MAX_DEPTH} levels).")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise _fail(label, f"Formula {label} is not a valid expression{where}: {exc.msg}.") from None
    except (ValueError, RecursionError, MemoryError):
        raise _fail(label, f"Formula {label} is not a valid expression.") from None
    _check_size(tree, label)
    return _convert(tree, source, label)


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _symbols_in(node: _Node) -> list[str]:
    """Symbols in order of first appearance."""
    found: list[str] = []
    stack: list[_Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, _Sym) and current.name not in found:
            found.append(current.name)
        elif isinstance(current, _BinOp):
            stack.extend((current.right, current.left))
        elif isinstance(current, _Unary):
            stack.append(current.operand)
        elif isinstance(current, _Call):
            stack.extend(reversed(current.args))
    return found


# --------------------------------------------------------------------------------------------------
# Readable rendering (describe() and the trace share it)

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_UNARY_PRECEDENCE = 3
_ATOM = 4
_OP_TEXT = {"+": "+", "-": "-", "*": "×", "/": "/"}


def _render(node: _Node, leaf: Callable[[_Node], tuple[str, int] | None]) -> tuple[str, int]:
    """Text and precedence of ``node``; ``leaf`` may render symbols, numbers or sum() calls itself."""
    custom = leaf(node)
    if custom is not None:
        return custom
    if isinstance(node, _Num):
        text = format_decimal(node.value)
        return text, (_UNARY_PRECEDENCE if text.startswith("-") else _ATOM)
    if isinstance(node, _Sym):
        return node.name, _ATOM
    if isinstance(node, _BinOp):
        precedence = _PRECEDENCE[node.op]
        left, left_precedence = _render(node.left, leaf)
        right, right_precedence = _render(node.right, leaf)
        if left_precedence < precedence:
            left = f"({left})"
        if right_precedence <= precedence or right_precedence == _UNARY_PRECEDENCE:
            right = f"({right})"
        return f"{left} {_OP_TEXT[node.op]} {right}", precedence
    if isinstance(node, _Unary):
        operand, operand_precedence = _render(node.operand, leaf)
        if operand_precedence < _ATOM:
            operand = f"({operand})"
        return f"{node.op}{operand}", _UNARY_PRECEDENCE
    args = ", ".join(_render(arg, leaf)[0] for arg in node.args)
    name = "Σ" if node.func == "sum" else node.func
    return f"{name}({args})", _ATOM


def _no_leaf(node: _Node) -> None:
    return None


def describe(expression: str | _Node) -> str:
    """Readable form for pages, e.g. ``sum(EG_i * EF_grid)`` -> ``Σ(EG_i × EF_grid)``.

    Raises EngineError if the expression is not a valid formula.
    """
    node = parse_expression(expression) if isinstance(expression, str) else expression
    return _render(node, _no_leaf)[0]


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


# --------------------------------------------------------------------------------------------------
# Validation of a methodology


@dataclass(frozen=True)
class _Formula:
    spec: FormulaSpec
    tree: _Node


@dataclass(frozen=True)
class _Plan:
    parameters: tuple[ParameterSpec, ...]
    formulas: tuple[_Formula, ...]  # in evaluation order
    per_site: frozenset[str]  # per-site parameters and formulas

    @property
    def needs_sites(self) -> bool:
        return bool(self.per_site) or any(_has_sum(f.tree) for f in self.formulas)


def _has_sum(node: _Node) -> bool:
    if isinstance(node, _Call):
        return node.func == "sum" or any(_has_sum(arg) for arg in node.args)
    if isinstance(node, _BinOp):
        return _has_sum(node.left) or _has_sum(node.right)
    if isinstance(node, _Unary):
        return _has_sum(node.operand)
    return False


def _symbol_problem(symbol: Any) -> str | None:
    if not isinstance(symbol, str) or not symbol:
        return "a symbol must be non-empty text"
    if len(symbol) > MAX_SYMBOL_LENGTH:
        return f"symbol {symbol[:MAX_SYMBOL_LENGTH]}… is longer than {MAX_SYMBOL_LENGTH} characters"
    if (not symbol.isidentifier() or not symbol[0].isalpha() or keyword.iskeyword(symbol)
            or unicodedata.normalize("NFKC", symbol) != symbol):
        return (f"symbol {symbol!r} must start with a letter and contain only letters, digits and "
                f"underscores (e.g. EG_i, EF_grid, η_ref)")
    if symbol in FUNCTIONS:
        return f"symbol {symbol!r} is reserved for the function {symbol}()"
    return None


def _number_problem(number: Decimal) -> str | None:
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


def _check_parameter(parameter: ParameterSpec, problems: _Problems) -> None:
    symbol = parameter.symbol
    if parameter.kind not in KINDS:
        problems.add(symbol, f"Parameter {symbol}: kind must be one of {', '.join(KINDS)}, not {parameter.kind!r}.")
    if not isinstance(parameter.unit, str):
        problems.add(symbol, f"Parameter {symbol}: the unit must be text.")
    bounds: dict[str, Decimal] = {}
    for name in ("min_value", "max_value", "default_value"):
        raw = getattr(parameter, name)
        if raw is None:
            continue
        try:
            bounds[name] = parse_number(raw, f"Parameter {symbol}: {name.replace('_', ' ')}", symbol)
        except EngineError as exc:
            problems.add(symbol, exc.message)
    low, high = bounds.get("min_value"), bounds.get("max_value")
    if low is not None and high is not None and low > high:
        problems.add(symbol, f"Parameter {symbol}: the minimum {format_decimal(low)} is above the maximum "
                             f"{format_decimal(high)}.")
    if parameter.kind == "default":
        default = bounds.get("default_value")
        if parameter.default_value is None:
            problems.add(symbol, f"Parameter {symbol} is a fixed default value, so it needs its default value.")
        elif default is not None and not _within(default, low, high):
            problems.add(symbol, f"Parameter {symbol}: the default value {format_decimal(default)} is outside "
                                 f"the allowed range {range_text(low, high, parameter.unit)}.")


def _check_site_usage(formula: FormulaSpec, tree: _Node, per_site: frozenset[str]) -> list[str]:
    """Per-site symbols outside sum() in a whole-project formula, nested or misplaced sum()."""
    messages: list[str] = []
    label = formula.symbol

    def walk(node: _Node, in_sum: bool) -> None:
        if isinstance(node, _Sym):
            if node.name in per_site and not formula.per_site and not in_sum:
                messages.append(f"Formula {label} uses the per-site value {node.name} outside sum(); "
                                f"write sum(...) to add it up over the sites.")
        elif isinstance(node, _BinOp):
            walk(node.left, in_sum)
            walk(node.right, in_sum)
        elif isinstance(node, _Unary):
            walk(node.operand, in_sum)
        elif isinstance(node, _Call):
            if node.func == "sum":
                if formula.per_site:
                    messages.append(f"Formula {label} is calculated per site, so it cannot use sum() over "
                                    f"the sites.")
                elif in_sum:
                    messages.append(f"Formula {label}: sum() cannot be nested inside sum().")
                elif not any(name in per_site for name in _symbols_in(node)):
                    messages.append(f"Formula {label}: sum() must contain a per-site value to add up.")
            for arg in node.args:
                walk(arg, in_sum or node.func == "sum")

    walk(tree, False)
    return messages


def _compile(spec: MethodologySpec) -> _Plan:
    if not isinstance(spec, MethodologySpec):
        raise _fail("methodology", "The methodology must be given as a MethodologySpec.")
    problems = _Problems()
    parameters = tuple(spec.parameters)
    formulas = tuple(spec.formulas)
    if len(parameters) > MAX_PARAMETERS or len(formulas) > MAX_FORMULAS:
        raise _fail("methodology", f"A methodology may have at most {MAX_PARAMETERS} parameters and "
                                   f"{MAX_FORMULAS} formulas.")
    declared: dict[str, str] = {}  # symbol -> "parameter"/"formula"

    for parameter in parameters:
        problem = _symbol_problem(parameter.symbol)
        if problem:
            problems.add(str(parameter.symbol), f"Parameter: {problem}.")
            continue
        if parameter.symbol in declared:
            problems.add(parameter.symbol, f"Parameter {parameter.symbol} is defined twice.")
        declared[parameter.symbol] = "parameter"
        _check_parameter(parameter, problems)

    for formula in formulas:
        problem = _symbol_problem(formula.symbol)
        if problem:
            problems.add(str(formula.symbol), f"Formula: {problem}.")
        elif formula.symbol in declared:
            what = "a parameter" if declared[formula.symbol] == "parameter" else "another formula"
            problems.add(formula.symbol, f"Formula {formula.symbol} redefines {what} of the same symbol.")
        else:
            declared[formula.symbol] = "formula"

    for required in REQUIRED_FORMULAS:
        matching = [f for f in formulas if f.symbol == required]
        if not matching:
            problems.add(required, f"The methodology needs a formula for {required}.")
        elif matching[0].per_site:
            problems.add(required, f"Formula {required} is for the whole project; it cannot be per site.")

    per_site = frozenset([p.symbol for p in parameters if p.per_site] + [f.symbol for f in formulas if f.per_site])
    parsed: list[_Formula] = []
    for formula in formulas:
        try:
            tree = parse_expression(formula.expression, label=str(formula.symbol))
        except EngineError as exc:
            problems.add(str(formula.symbol), exc.message)
            continue
        for name in _symbols_in(tree):
            if name not in declared:
                problems.add(formula.symbol, _unknown_symbol_message(formula.symbol, name, declared))
        for message in _check_site_usage(formula, tree, per_site):
            problems.add(formula.symbol, message)
        parsed.append(_Formula(formula, tree))
    problems.raise_if_any()

    ordered = _evaluation_order(parsed)
    return _Plan(parameters=parameters, formulas=ordered, per_site=per_site)


def _unknown_symbol_message(label: str, name: str, declared: Mapping[str, str]) -> str:
    message = f"Formula {label} refers to the unknown symbol {name}"
    close = difflib.get_close_matches(name, list(declared), n=1)
    return message + (f" (did you mean {close[0]}?)." if close else ".")


def _evaluation_order(formulas: list[_Formula]) -> tuple[_Formula, ...]:
    """Formulas ordered so each comes after those it uses (stable: the given order where possible)."""
    by_symbol = {f.spec.symbol: f for f in formulas}
    needs = {f.spec.symbol: [n for n in _symbols_in(f.tree) if n in by_symbol] for f in formulas}
    ordered: list[_Formula] = []
    state: dict[str, str] = {}  # symbol -> "visiting" / "done"

    def visit(symbol: str, path: list[str]) -> None:
        if state.get(symbol) == "done":
            return
        if state.get(symbol) == "visiting":
            cycle = path[path.index(symbol):] + [symbol]
            raise _fail(cycle[0], f"Formula {cycle[0]} depends on itself: {' → '.join(cycle)}.")
        state[symbol] = "visiting"
        for needed in needs[symbol]:
            visit(needed, path + [symbol])
        state[symbol] = "done"
        ordered.append(by_symbol[symbol])

    for formula in formulas:
        visit(formula.spec.symbol, [])
    return tuple(ordered)


def validate(spec: MethodologySpec) -> None:
    """Checks a methodology when it is saved; raises EngineError listing every problem found.

    Refuses: invalid symbols, duplicate or redefined symbols, unknown kinds, inconsistent ranges or
    defaults, syntax errors, anything that is not arithmetic, unknown symbols, formulas that depend
    on themselves, missing RE/PE/ER, and per-site values used outside sum().
    """
    _compile(spec)


def evaluation_order(spec: MethodologySpec) -> list[FormulaSpec]:
    """The formulas in the order they are calculated (each after the formulas it uses)."""
    return [formula.spec for formula in _compile(spec).formulas]


def spec_fingerprint(spec: MethodologySpec) -> str:
    """SHA-256 of the methodology's parameters and formulas, stable across database round trips."""

    def number(value: Decimal | None) -> str | None:
        return None if value is None else format_decimal(Decimal(value))

    content = {
        "parameters": [
            [p.symbol, p.description, p.unit, p.kind, bool(p.per_site), number(p.min_value),
             number(p.max_value), number(p.default_value)]
            for p in spec.parameters
        ],
        "formulas": [[f.symbol, f.expression.strip(), f.description, f.unit, bool(f.per_site)]
                     for f in spec.formulas],
    }
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------------
# Input values


def parse_number(raw: Any, label: str, key: str | None = None) -> Decimal:
    """A number from text, int or Decimal; floats are refused because they are not exact.

    ``label`` starts each message (e.g. "EG_i at site 'A'"); ``key`` is the errors key.
    """
    key = key or label
    if isinstance(raw, bool):
        raise _fail(key, f"{label}: {raw} is not a number.")
    if isinstance(raw, float):
        raise _fail(key, f"{label}: {raw!r} is a binary floating-point number; give it as text "
                                 f"(e.g. \"{raw!r}\") so the value is exact.")
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if len(text) > MAX_VALUE_TEXT_LENGTH or not _NUMBER_TEXT.fullmatch(text):
            shown = text if len(text) <= 30 else text[:30] + "…"
            raise _fail(key, f"{label}: {shown!r} is not a number (write it like 1234.5, with a "
                                     f"decimal point and no thousands separators).")
        number = Decimal(text)
    else:
        raise _fail(key, f"{label}: a number is expected, not {type(raw).__name__}.")
    problem = _number_problem(number)
    if problem:
        raise _fail(key, f"{label}: the value {problem}.")
    return number


def convert_unit(value: Decimal, from_unit: str, to_unit: str) -> Decimal | None:
    """The value expressed in ``to_unit`` when the conversion is exact and known, else None."""
    source, target = UNIT_SCALES.get(from_unit.strip()), UNIT_SCALES.get(to_unit.strip())
    if source is None or target is None or source[0] != target[0]:
        return None
    return value.scaleb(source[1] - target[1], Context(prec=MAX_INPUT_DIGITS + 2 * MAX_INPUT_MAGNITUDE))


def _within(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _quantity(value: Decimal, unit: str) -> str:
    return f"{format_decimal(value)} {unit}".strip()


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def range_text(low: Decimal | None, high: Decimal | None, unit: str) -> str:
    unit_text = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{format_decimal(low)} to {format_decimal(high)}{unit_text}"
    if low is not None:
        return f"at least {format_decimal(low)}{unit_text}"
    if high is not None:
        return f"at most {format_decimal(high)}{unit_text}"
    return "any value"


@dataclass
class _Inputs:
    scalars: dict[str, Decimal]
    per_site: dict[str, dict[str, Decimal]]
    sites: list[str]
    notes: list[str]


class _InputReader:
    """Turns the caller's values into Decimals in each parameter's unit, collecting every problem."""

    def __init__(self, plan: _Plan, values: Mapping[str, Any], sites: Sequence[str] | None):
        self.plan = plan
        self.values = values
        self.problems = _Problems()
        self.notes: list[str] = []
        self.sites = self._sites(sites)

    def _sites(self, sites: Sequence[str] | None) -> list[str]:
        if sites is None:
            found: list[str] = []
            for parameter in self.plan.parameters:
                raw = self.values.get(parameter.symbol)
                if parameter.per_site and parameter.kind != "default" and isinstance(raw, Mapping):
                    found.extend(site for site in raw if isinstance(site, str) and site not in found)
            sites = found
        elif isinstance(sites, str) or not isinstance(sites, Sequence):
            self.problems.add("sites", "Sites must be a list of site names.")
            return []
        result: list[str] = []
        for site in sites:
            if not isinstance(site, str) or not site.strip():
                self.problems.add("sites", "Each site needs a name.")
            elif len(site) > MAX_SITE_NAME_LENGTH:
                self.problems.add("sites", f"Site name {site[:30]!r}… is longer than {MAX_SITE_NAME_LENGTH} characters.")
            elif site in result:
                self.problems.add("sites", f"Site {site!r} is listed twice.")
            else:
                result.append(site)
        if len(result) > MAX_SITES:
            self.problems.add("sites", f"At most {MAX_SITES} sites can be calculated at once.")
        self.problems.raise_if_any()  # the values cannot be read against a wrong list of sites
        if self.plan.needs_sites and not result:
            self.problems.add("sites", "This methodology adds up values per site: give at least one site.")
        return result

    def read(self) -> _Inputs:
        formula_symbols = {f.spec.symbol for f in self.plan.formulas}
        known = {p.symbol for p in self.plan.parameters}
        for symbol in self.values:
            if symbol in formula_symbols:
                self.problems.add(str(symbol), f"{symbol} is calculated by the methodology's formulas; it cannot "
                                               f"be given as a value.")
            elif symbol not in known:
                self.problems.add(str(symbol), f"{symbol} is not a parameter of this methodology.")
        scalars: dict[str, Decimal] = {}
        per_site: dict[str, dict[str, Decimal]] = {}
        defaults_used: list[str] = []
        for parameter in self.plan.parameters:
            if parameter.kind == "default":
                value = self._default(parameter)
                if value is None:
                    continue
                defaults_used.append(f"{parameter.symbol} = {_quantity(value, parameter.unit)}")
                if parameter.per_site:
                    per_site[parameter.symbol] = {site: value for site in self.sites}
                else:
                    scalars[parameter.symbol] = value
            elif parameter.per_site:
                per_site[parameter.symbol] = self._per_site(parameter)
            else:
                value = self._scalar(parameter)
                if value is not None:
                    scalars[parameter.symbol] = value
        self.problems.raise_if_any()
        notes = [f"Fixed default values of the methodology used: {'; '.join(defaults_used)}."] if defaults_used else []
        return _Inputs(scalars=scalars, per_site=per_site, sites=self.sites, notes=notes + self.notes)

    def _default(self, parameter: ParameterSpec) -> Decimal | None:
        default = Decimal(parameter.default_value)  # type: ignore[arg-type]  # validated by _compile
        if parameter.symbol not in self.values:
            return default
        raw = self.values[parameter.symbol]
        given = [raw] if not parameter.per_site or not _is_site_map(raw) else list(raw.values())
        try:
            same = all(self._one(parameter, item, None) == default for item in given)
        except EngineError:
            same = False
        if not same:
            self.problems.add(parameter.symbol, f"{parameter.symbol} is a fixed default value of this methodology "
                                                f"({_quantity(default, parameter.unit)}); it cannot be changed.")
            return None
        return default

    def _scalar(self, parameter: ParameterSpec) -> Decimal | None:
        if _is_blank(self.values.get(parameter.symbol)):
            self.problems.add(parameter.symbol, f"Missing value for {parameter.symbol} ({parameter.description}).")
            return None
        raw = self.values[parameter.symbol]
        if _is_site_map(raw):
            self.problems.add(parameter.symbol, f"{parameter.symbol} is one value for the whole project, not a "
                                                f"value per site.")
            return None
        return self._checked(parameter, raw, None)

    def _per_site(self, parameter: ParameterSpec) -> dict[str, Decimal]:
        symbol = parameter.symbol
        raw = self.values.get(symbol)
        if raw is None:
            self.problems.add(symbol, f"Missing values for {symbol} ({parameter.description}), one per site.")
            return {}
        if not _is_site_map(raw):
            self.problems.add(symbol, f"{symbol} is given per site: send {{site name: value}}.")
            return {}
        result: dict[str, Decimal] = {}
        for site in raw:
            if site not in self.sites:
                self.problems.add(symbol, f"{symbol} has a value for the unknown site {site!r}.")
        for site in self.sites:
            if _is_blank(raw.get(site)):
                self.problems.add(symbol, f"Missing value for {symbol} at site {site!r}.")
                continue
            value = self._checked(parameter, raw[site], site)
            if value is not None:
                result[site] = value
        return result

    def _checked(self, parameter: ParameterSpec, raw: Any, site: str | None) -> Decimal | None:
        try:
            value = self._one(parameter, raw, site)
        except EngineError as exc:
            self.problems.add(parameter.symbol, exc.message)
            return None
        low = None if parameter.min_value is None else Decimal(parameter.min_value)
        high = None if parameter.max_value is None else Decimal(parameter.max_value)
        if not _within(value, low, high):
            self.problems.add(parameter.symbol,
                              f"{_where(parameter.symbol, site)} is {_quantity(value, parameter.unit)}, "
                              f"outside the allowed range {range_text(low, high, parameter.unit)}.")
            return None
        return value

    def _one(self, parameter: ParameterSpec, raw: Any, site: str | None) -> Decimal:
        """One value in the parameter's unit; a value object {"value", "unit"} is converted if exact."""
        label = _where(parameter.symbol, site)
        if not isinstance(raw, Mapping):
            return parse_number(raw, label, parameter.symbol)
        unexpected = set(raw) - {"value", "unit"}
        if unexpected or "value" not in raw:
            raise _fail(parameter.symbol, f"{label}: give a number or {{\"value\": ..., \"unit\": ...}}.")
        number = parse_number(raw["value"], label, parameter.symbol)
        unit = raw.get("unit")
        if unit is None or (isinstance(unit, str) and unit.strip() == parameter.unit.strip()):
            return number
        converted = convert_unit(number, unit, parameter.unit) if isinstance(unit, str) else None
        if converted is None:
            raise _fail(parameter.symbol, f"{label} must be in {parameter.unit}; {unit!r} cannot be converted "
                                          f"exactly.")
        self.notes.append(f"{label}: {format_decimal(number)} {unit.strip()} converted to "
                          f"{format_decimal(converted)} {parameter.unit}.")
        return converted


def _is_site_map(raw: Any) -> bool:
    """{site: value} as opposed to a value object {"value": ..., "unit": ...}."""
    return isinstance(raw, Mapping) and not ("value" in raw and set(raw) <= {"value", "unit"})


def _where(symbol: str, site: str | None) -> str:
    return symbol if site is None else f"{symbol} at site {site!r}"


# --------------------------------------------------------------------------------------------------
# Evaluation


def _new_context() -> Context:
    return Context(prec=PRECISION, rounding=ROUND_HALF_EVEN, Emin=-999, Emax=999,
                   traps=[InvalidOperation, DivisionByZero, Overflow])


class _Evaluator:
    """Walks formula trees with Decimal arithmetic only, recording the trace."""

    def __init__(self, inputs: _Inputs):
        self.context = _new_context()
        self.scalars = dict(inputs.scalars)
        self.per_site = {symbol: dict(values) for symbol, values in inputs.per_site.items()}
        self.sites = inputs.sites
        self.trace: list[TraceStep] = []
        self.formula: FormulaSpec | None = None
        self.sum_terms: dict[int, tuple[list[Decimal], Decimal]] = {}

    def run(self, formula: _Formula) -> None:
        self.formula = formula.spec
        spec = formula.spec
        expression = describe(formula.tree)
        if spec.per_site:
            values: dict[str, Decimal] = {}
            for site in self.sites:
                value = self._eval(formula.tree, site)
                values[site] = value
                self.trace.append(TraceStep(spec.symbol, expression, self._substitute(formula.tree, site), value,
                                            spec.unit, site, spec.description))
            self.per_site[spec.symbol] = values
            return
        self.sum_terms = {}
        value = self._eval(formula.tree, None)
        self.scalars[spec.symbol] = value
        self.trace.append(TraceStep(spec.symbol, expression, self._substitute(formula.tree, None), value,
                                    spec.unit, None, spec.description))

    def _eval(self, node: _Node, site: str | None) -> Decimal:
        try:
            return self._eval_node(node, site)
        except Overflow:
            raise self._error(f"Formula {self._label(site)}: a result is too large to calculate.") from None
        except (InvalidOperation, DivisionByZero):  # pragma: no cover - divisions are checked first
            raise self._error(f"Formula {self._label(site)} cannot be calculated.") from None

    def _eval_node(self, node: _Node, site: str | None) -> Decimal:
        ctx = self.context
        if isinstance(node, _Num):
            return node.value
        if isinstance(node, _Sym):
            if node.name in self.per_site:
                return self.per_site[node.name][site]  # type: ignore[index]  # guaranteed by validation
            return self.scalars[node.name]
        if isinstance(node, _Unary):
            operand = self._eval_node(node.operand, site)
            return ctx.minus(operand) if node.op == "-" else ctx.plus(operand)
        if isinstance(node, _BinOp):
            left = self._eval_node(node.left, site)
            right = self._eval_node(node.right, site)
            if node.op == "+":
                return ctx.add(left, right)
            if node.op == "-":
                return ctx.subtract(left, right)
            if node.op == "*":
                return ctx.multiply(left, right)
            if right.is_zero():
                raise self._error(f"Division by zero in formula {self._label(site)}: the divisor "
                                  f"{describe(node.right)} is 0 (in {describe(node)}).")
            return ctx.divide(left, right)
        if node.func == "sum":
            return self._sum(node)
        values = [self._eval_node(arg, site) for arg in node.args]
        result = values[0]
        for value in values[1:]:
            result = ctx.min(result, value) if node.func == "min" else ctx.max(result, value)
        return result

    def _sum(self, node: _Call) -> Decimal:
        assert self.formula is not None
        body = node.args[0]
        expression = describe(body)
        terms: list[Decimal] = []
        for site in self.sites:
            term = self._eval_node(body, site)
            terms.append(term)
            if isinstance(body, _Sym):  # a value already shown (an input or a per-site formula's step)
                continue
            self.trace.append(TraceStep(self.formula.symbol, expression, self._substitute(body, site), term,
                                        self.formula.unit, site, self.formula.description))
        total = Decimal(0)
        for term in terms:
            total = self.context.add(total, term)
        self.sum_terms[id(node)] = (terms, total)
        return total

    def _substitute(self, tree: _Node, site: str | None) -> str:
        def leaf(node: _Node) -> tuple[str, int] | None:
            if isinstance(node, _Sym):
                value = self.per_site[node.name][site] if node.name in self.per_site else self.scalars[node.name]  # type: ignore[index]
                return _value_text(value)
            if isinstance(node, _Call) and node.func == "sum" and id(node) in self.sum_terms:
                terms, total = self.sum_terms[id(node)]
                if len(terms) > MAX_EXPANDED_TERMS:
                    return f"Σ({len(terms)} sites: {format_decimal(total)})", _ATOM
                texts = [_value_text(term) for term in terms]
                joined = " + ".join(f"({text})" if precedence < _ATOM else text for text, precedence in texts)
                return joined, (1 if len(terms) > 1 else texts[0][1])
            return None

        return _render(tree, leaf)[0]

    def _label(self, site: str | None) -> str:
        assert self.formula is not None
        return _where(self.formula.symbol, site)

    def _error(self, message: str) -> EngineError:
        assert self.formula is not None
        return EngineError(message, errors={self.formula.symbol: [message]})


def _value_text(value: Decimal) -> tuple[str, int]:
    text = format_decimal(value)
    return text, (_UNARY_PRECEDENCE if text.startswith("-") else _ATOM)


def calculate(spec: MethodologySpec, values: Mapping[str, Any], sites: Sequence[str] | None = None
              ) -> CalculationResult:
    """RE, PE, ER and credits for one monitoring period, with the trace.

    ``values`` maps parameter symbols to a number (text, int or Decimal; floats are refused), to a
    value object ``{"value": "1000", "unit": "kWh"}``, or for per-site parameters to
    ``{site: number or value object}``. Fixed default values are filled in and cannot be changed.
    ``sites`` fixes the sites (and their order); by default they are those found in the values.
    """
    plan = _compile(spec)
    if not isinstance(values, Mapping):
        raise _fail("values", "Parameter values must be given as {symbol: value}.")
    inputs = _InputReader(plan, values, sites).read()
    evaluator = _Evaluator(inputs)
    for formula in plan.formulas:
        evaluator.run(formula)

    reference, project, reductions = (evaluator.scalars[s] for s in REQUIRED_FORMULAS)
    notes = list(inputs.notes)
    if evaluator.context.flags[Inexact]:
        notes.append(f"Some divisions do not end; their results were rounded to {PRECISION} significant digits "
                     f"(round half even).")
    negative = reductions < 0
    if negative:
        credits = 0
        notes.append(f"Emission reductions are negative ({format_decimal(reductions)} tCO2e): project emissions "
                     f"exceed reference emissions, so this period gives no credits.")
    else:
        credits = int(reductions.to_integral_value(rounding=ROUND_FLOOR))
        notes.append(f"Emission reductions of {format_decimal(reductions)} tCO2e are rounded down to "
                     f"{credits} credits (whole tCO2e).")
    recorded: dict[str, Decimal | dict[str, Decimal]] = {}
    for parameter in plan.parameters:
        if parameter.symbol in inputs.scalars:
            recorded[parameter.symbol] = inputs.scalars[parameter.symbol]
        elif parameter.symbol in inputs.per_site:
            recorded[parameter.symbol] = dict(inputs.per_site[parameter.symbol])
    return CalculationResult(
        reference_emissions=reference, project_emissions=project, emission_reductions=reductions,
        credits=credits, negative=negative, trace=evaluator.trace, notes=notes, sites=list(inputs.sites),
        inputs=recorded,
    )
