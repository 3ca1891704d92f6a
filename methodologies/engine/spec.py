"""The engine's public types: a methodology as given (:class:`MethodologySpec`) and a calculation's
result with its trace (:class:`CalculationResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .decimals import format_decimal
from .limits import PRECISION


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
