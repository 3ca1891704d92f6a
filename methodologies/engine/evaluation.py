"""Evaluation: formula trees walked with Decimal arithmetic only (no ``eval``), each step recorded in the
trace; :func:`calculate` turns parameter values into RE, PE, ER and whole credits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

from .decimals import format_decimal
from .errors import EngineError, fail
from .inputs import InputReader, Inputs, where
from .limits import MAX_EXPANDED_TERMS, PRECISION, REQUIRED_FORMULAS
from .parsing import BinOp, Call, Node, Num, Sym, Unary
from .rendering import ATOM, describe, render, value_text
from .spec import CalculationResult, FormulaSpec, MethodologySpec, TraceStep
from .validation import CompiledFormula, compile_spec


def _new_context() -> Context:
    return Context(prec=PRECISION, rounding=ROUND_HALF_EVEN, Emin=-999, Emax=999,
                   traps=[InvalidOperation, DivisionByZero, Overflow])


class _Evaluator:
    """Walks formula trees with Decimal arithmetic only, recording the trace."""

    def __init__(self, inputs: Inputs):
        self.context = _new_context()
        self.scalars = dict(inputs.scalars)
        self.per_site = {symbol: dict(values) for symbol, values in inputs.per_site.items()}
        self.sites = inputs.sites
        self.trace: list[TraceStep] = []
        self.formula: FormulaSpec | None = None
        self.sum_terms: dict[int, tuple[list[Decimal], Decimal]] = {}

    def run(self, formula: CompiledFormula) -> None:
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

    def _eval(self, node: Node, site: str | None) -> Decimal:
        try:
            return self._eval_node(node, site)
        except Overflow:
            raise self._error(f"Formula {self._label(site)}: a result is too large to calculate.") from None
        except (InvalidOperation, DivisionByZero):  # pragma: no cover - divisions are checked first
            raise self._error(f"Formula {self._label(site)} cannot be calculated.") from None

    def _eval_node(self, node: Node, site: str | None) -> Decimal:
        ctx = self.context
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Sym):
            return self._value(node.name, site)
        if isinstance(node, Unary):
            operand = self._eval_node(node.operand, site)
            return ctx.minus(operand) if node.op == "-" else ctx.plus(operand)
        if isinstance(node, BinOp):
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

    def _value(self, name: str, site: str | None) -> Decimal:
        """The value of an input or of a calculated formula: a per-site one at ``site``."""
        if name not in self.per_site:
            return self.scalars[name]
        if site is None:  # (compile_spec refuses such a formula; this is the same refusal)
            raise self._error(f"Formula {self._current().symbol} uses the per-site value {name} outside sum(); "
                              f"write sum(...) to add it up over the sites.")
        return self.per_site[name][site]

    def _current(self) -> FormulaSpec:
        """The formula being evaluated (set by :meth:`run` before it walks the formula's tree)."""
        if self.formula is None:
            raise RuntimeError("The evaluator walks a tree outside run(): no formula is being evaluated.")
        return self.formula

    def _sum(self, node: Call) -> Decimal:
        formula = self._current()
        body = node.args[0]
        expression = describe(body)
        terms: list[Decimal] = []
        for site in self.sites:
            term = self._eval_node(body, site)
            terms.append(term)
            if isinstance(body, Sym):  # a value already shown (an input or a per-site formula's step)
                continue
            self.trace.append(TraceStep(formula.symbol, expression, self._substitute(body, site), term,
                                        formula.unit, site, formula.description))
        total = Decimal(0)
        for term in terms:
            total = self.context.add(total, term)
        self.sum_terms[id(node)] = (terms, total)
        return total

    def _substitute(self, tree: Node, site: str | None) -> str:
        def leaf(node: Node) -> tuple[str, int] | None:
            if isinstance(node, Sym):
                return value_text(self._value(node.name, site))
            if isinstance(node, Call) and node.func == "sum" and id(node) in self.sum_terms:
                terms, total = self.sum_terms[id(node)]
                if len(terms) > MAX_EXPANDED_TERMS:
                    return f"Σ({len(terms)} sites: {format_decimal(total)})", ATOM
                texts = [value_text(term) for term in terms]
                joined = " + ".join(f"({text})" if precedence < ATOM else text for text, precedence in texts)
                return joined, (1 if len(terms) > 1 else texts[0][1])
            return None

        return render(tree, leaf)[0]

    def _label(self, site: str | None) -> str:
        return where(self._current().symbol, site)

    def _error(self, message: str) -> EngineError:
        return EngineError(message, errors={self._current().symbol: [message]})


def calculate(spec: MethodologySpec, values: Mapping[str, Any], sites: Sequence[str] | None = None
              ) -> CalculationResult:
    """RE, PE, ER and credits for one monitoring period, with the trace.

    ``values`` maps parameter symbols to a number (text, int or Decimal; floats are refused), to a
    value object ``{"value": "1000", "unit": "kWh"}``, or for per-site parameters to
    ``{site: number or value object}``. Fixed default values are filled in and cannot be changed.
    ``sites`` fixes the sites (and their order); by default they are those found in the values.
    """
    plan = compile_spec(spec)
    if not isinstance(values, Mapping):
        raise fail("values", "Parameter values must be given as {symbol: value}.")
    inputs = InputReader(plan, values, sites).read()
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
