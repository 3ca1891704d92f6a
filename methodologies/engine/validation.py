"""Validation of a methodology: every symbol, parameter and formula checked, all problems listed at once,
and the formulas put in the order they are calculated (a :class:`Plan` that the evaluation follows)."""

from __future__ import annotations

import difflib
import hashlib
import json
import keyword
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .decimals import format_decimal, parse_number, range_text, within
from .errors import EngineError, Problems, fail
from .limits import FUNCTIONS, KINDS, MAX_FORMULAS, MAX_PARAMETERS, MAX_SYMBOL_LENGTH, REQUIRED_FORMULAS
from .parsing import BinOp, Call, Node, Sym, Unary, has_sum, parse_expression, symbols_in
from .spec import FormulaSpec, MethodologySpec, ParameterSpec


@dataclass(frozen=True)
class CompiledFormula:
    spec: FormulaSpec
    tree: Node


@dataclass(frozen=True)
class Plan:
    parameters: tuple[ParameterSpec, ...]
    formulas: tuple[CompiledFormula, ...]  # in evaluation order
    per_site: frozenset[str]  # per-site parameters and formulas

    @property
    def needs_sites(self) -> bool:
        return bool(self.per_site) or any(has_sum(f.tree) for f in self.formulas)


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


def _check_parameter(parameter: ParameterSpec, problems: Problems) -> None:
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
        elif default is not None and not within(default, low, high):
            problems.add(symbol, f"Parameter {symbol}: the default value {format_decimal(default)} is outside "
                                 f"the allowed range {range_text(low, high, parameter.unit)}.")


def _check_site_usage(formula: FormulaSpec, tree: Node, per_site: frozenset[str]) -> list[str]:
    """Per-site symbols outside sum() in a whole-project formula, nested or misplaced sum()."""
    messages: list[str] = []
    label = formula.symbol

    def walk(node: Node, in_sum: bool) -> None:
        if isinstance(node, Sym):
            if node.name in per_site and not formula.per_site and not in_sum:
                messages.append(f"Formula {label} uses the per-site value {node.name} outside sum(); "
                                f"write sum(...) to add it up over the sites.")
        elif isinstance(node, BinOp):
            walk(node.left, in_sum)
            walk(node.right, in_sum)
        elif isinstance(node, Unary):
            walk(node.operand, in_sum)
        elif isinstance(node, Call):
            if node.func == "sum":
                if formula.per_site:
                    messages.append(f"Formula {label} is calculated per site, so it cannot use sum() over "
                                    f"the sites.")
                elif in_sum:
                    messages.append(f"Formula {label}: sum() cannot be nested inside sum().")
                elif not any(name in per_site for name in symbols_in(node)):
                    messages.append(f"Formula {label}: sum() must contain a per-site value to add up.")
            for arg in node.args:
                walk(arg, in_sum or node.func == "sum")

    walk(tree, False)
    return messages


def compile_spec(spec: MethodologySpec) -> Plan:
    """The methodology checked and its formulas put in evaluation order; raises EngineError listing every problem."""
    if not isinstance(spec, MethodologySpec):
        raise fail("methodology", "The methodology must be given as a MethodologySpec.")
    problems = Problems()
    parameters = tuple(spec.parameters)
    formulas = tuple(spec.formulas)
    if len(parameters) > MAX_PARAMETERS or len(formulas) > MAX_FORMULAS:
        raise fail("methodology", f"A methodology may have at most {MAX_PARAMETERS} parameters and "
                                   f"{MAX_FORMULAS} formulas.")
    declared: dict[str, str] = {}  # symbol -> "parameter"/"formula"
    _declare_parameters(parameters, declared, problems)
    _declare_formulas(formulas, declared, problems)
    _check_required_formulas(formulas, problems)
    per_site = frozenset([p.symbol for p in parameters if p.per_site] + [f.symbol for f in formulas if f.per_site])
    parsed = _parse_formulas(formulas, declared, per_site, problems)
    problems.raise_if_any()

    ordered = _evaluation_order(parsed)
    return Plan(parameters=parameters, formulas=ordered, per_site=per_site)


def _declare_parameters(parameters: tuple[ParameterSpec, ...], declared: dict[str, str],
                        problems: Problems) -> None:
    """Each parameter's symbol declared once, and the parameter itself checked."""
    for parameter in parameters:
        problem = _symbol_problem(parameter.symbol)
        if problem:
            problems.add(str(parameter.symbol), f"Parameter: {problem}.")
            continue
        if parameter.symbol in declared:
            problems.add(parameter.symbol, f"Parameter {parameter.symbol} is defined twice.")
        declared[parameter.symbol] = "parameter"
        _check_parameter(parameter, problems)


def _declare_formulas(formulas: tuple[FormulaSpec, ...], declared: dict[str, str], problems: Problems) -> None:
    """Each formula's symbol declared once, never the symbol of a parameter."""
    for formula in formulas:
        problem = _symbol_problem(formula.symbol)
        if problem:
            problems.add(str(formula.symbol), f"Formula: {problem}.")
        elif formula.symbol in declared:
            what = "a parameter" if declared[formula.symbol] == "parameter" else "another formula"
            problems.add(formula.symbol, f"Formula {formula.symbol} redefines {what} of the same symbol.")
        else:
            declared[formula.symbol] = "formula"


def _check_required_formulas(formulas: tuple[FormulaSpec, ...], problems: Problems) -> None:
    """The formulas every methodology has (REQUIRED_FORMULAS), each for the whole project."""
    for required in REQUIRED_FORMULAS:
        matching = [f for f in formulas if f.symbol == required]
        if not matching:
            problems.add(required, f"The methodology needs a formula for {required}.")
        elif matching[0].per_site:
            problems.add(required, f"Formula {required} is for the whole project; it cannot be per site.")


def _parse_formulas(formulas: tuple[FormulaSpec, ...], declared: Mapping[str, str], per_site: frozenset[str],
                    problems: Problems) -> list[CompiledFormula]:
    """Each formula parsed, its symbols known and its per-site values summed where they must be."""
    parsed: list[CompiledFormula] = []
    for formula in formulas:
        try:
            tree = parse_expression(formula.expression, label=str(formula.symbol))
        except EngineError as exc:
            problems.add(str(formula.symbol), exc.message)
            continue
        for name in symbols_in(tree):
            if name not in declared:
                problems.add(formula.symbol, _unknown_symbol_message(formula.symbol, name, declared))
        for message in _check_site_usage(formula, tree, per_site):
            problems.add(formula.symbol, message)
        parsed.append(CompiledFormula(formula, tree))
    return parsed


def _unknown_symbol_message(label: str, name: str, declared: Mapping[str, str]) -> str:
    message = f"Formula {label} refers to the unknown symbol {name}"
    close = difflib.get_close_matches(name, list(declared), n=1)
    return message + (f" (did you mean {close[0]}?)." if close else ".")


def _evaluation_order(formulas: list[CompiledFormula]) -> tuple[CompiledFormula, ...]:
    """Formulas ordered so each comes after those it uses (stable: the given order where possible)."""
    by_symbol = {f.spec.symbol: f for f in formulas}
    needs = {f.spec.symbol: [n for n in symbols_in(f.tree) if n in by_symbol] for f in formulas}
    ordered: list[CompiledFormula] = []
    state: dict[str, str] = {}  # symbol -> "visiting" / "done"

    def visit(symbol: str, path: list[str]) -> None:
        if state.get(symbol) == "done":
            return
        if state.get(symbol) == "visiting":
            cycle = path[path.index(symbol):] + [symbol]
            raise fail(cycle[0], f"Formula {cycle[0]} depends on itself: {' → '.join(cycle)}.")
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
    compile_spec(spec)


def evaluation_order(spec: MethodologySpec) -> list[FormulaSpec]:
    """The formulas in the order they are calculated (each after the formulas it uses)."""
    return [formula.spec for formula in compile_spec(spec).formulas]


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
