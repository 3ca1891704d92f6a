"""What a methodology version holds, as plain data: eligibility criteria, parameters and formulas.

Forms and serializers produce a :class:`MethodologyContent`; services validate it (the model
constraints, then ``engine.validate`` on the whole calculation) before anything is saved; the
engine and the spreadsheet get a :class:`MethodologySpec` built from it or from saved rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .engine import FormulaSpec, MethodologySpec, ParameterSpec

PARAMETER_FIELDS = ("symbol", "description", "unit", "kind", "per_site", "min_value", "max_value", "default_value",
                    "source", "monitoring_option", "measurement_method", "frequency")
FORMULA_FIELDS = ("symbol", "expression", "description", "unit", "per_site")


@dataclass
class MethodologyContent:
    """Criteria are statements in order; parameters and formulas are dicts of model field values, in order."""

    criteria: list[str] = field(default_factory=list)
    parameters: list[dict] = field(default_factory=list)
    formulas: list[dict] = field(default_factory=list)

    @classmethod
    def of_version(cls, version) -> MethodologyContent:
        """The content of a saved version (to copy it into a revision)."""
        return cls(
            criteria=[c.statement for c in version.criteria.all()],
            parameters=[{name: getattr(p, name) for name in PARAMETER_FIELDS} for p in version.parameters.all()],
            formulas=[{name: getattr(f, name) for name in FORMULA_FIELDS} for f in version.formulas.all()],
        )


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def parameter_spec(row) -> ParameterSpec:
    get = row.get if isinstance(row, dict) else (lambda name, default=None: getattr(row, name, default))
    return ParameterSpec(
        symbol=get("symbol"), description=get("description", "") or "", unit=get("unit", "") or "",
        kind=get("kind"), per_site=bool(get("per_site", False)), min_value=_decimal(get("min_value")),
        max_value=_decimal(get("max_value")), default_value=_decimal(get("default_value")),
    )


def formula_spec(row) -> FormulaSpec:
    get = row.get if isinstance(row, dict) else (lambda name, default=None: getattr(row, name, default))
    return FormulaSpec(symbol=get("symbol"), expression=get("expression"), description=get("description", "") or "",
                       unit=get("unit", "") or "tCO2e", per_site=bool(get("per_site", False)))


def spec_from_rows(parameters, formulas) -> MethodologySpec:
    return MethodologySpec(parameters=tuple(parameter_spec(p) for p in parameters),
                           formulas=tuple(formula_spec(f) for f in formulas))


def version_spec(version) -> MethodologySpec:
    """The engine's view of a saved version (parameters and formulas in their order)."""
    return spec_from_rows(version.parameters.all(), version.formulas.all())


def parameter_info(version) -> dict:
    """Monitoring details for the spreadsheet's Monitoring Plan Sheet, by symbol."""
    return {
        p.symbol: {
            "monitoring_option": p.monitoring_option,
            "method": p.measurement_method,
            "frequency": p.frequency,
            "source": p.source,
        }
        for p in version.parameters.all()
    }
