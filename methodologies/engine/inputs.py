"""Input values: the caller's values read into Decimals in each parameter's unit (value objects with
another unit converted when exact), per site where the parameter is per site, with every problem listed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .decimals import convert_unit, format_decimal, parse_number, quantity, range_text, within
from .errors import EngineError, Problems, fail
from .limits import MAX_SITE_NAME_LENGTH, MAX_SITES
from .spec import ParameterSpec
from .validation import Plan


@dataclass
class Inputs:
    scalars: dict[str, Decimal]
    per_site: dict[str, dict[str, Decimal]]
    sites: list[str]
    notes: list[str]


class InputReader:
    """Turns the caller's values into Decimals in each parameter's unit, collecting every problem."""

    def __init__(self, plan: Plan, values: Mapping[str, Any], sites: Sequence[str] | None):
        self.plan = plan
        self.values = values
        self.problems = Problems()
        self.notes: list[str] = []
        self.sites = self._sites(sites)

    def _sites(self, sites: Sequence[str] | None) -> list[str]:
        if sites is None:
            found: dict[str, None] = {}  # ordered and deduplicated in linear time
            for parameter in self.plan.parameters:
                raw = self.values.get(parameter.symbol)
                if parameter.per_site and parameter.kind != "default" and isinstance(raw, Mapping):
                    found.update((site, None) for site in raw if isinstance(site, str))
                if len(found) > MAX_SITES:
                    break
            sites = list(found)
        elif isinstance(sites, str) or not isinstance(sites, Sequence):
            self.problems.add("sites", "Sites must be a list of site names.")
            return []
        if len(sites) > MAX_SITES:  # counted before any site is read
            self.problems.add("sites", f"At most {MAX_SITES} sites can be calculated at once.")
            self.problems.raise_if_any()
        result: list[str] = []
        seen: set[str] = set()
        for site in sites:
            if not isinstance(site, str) or not site.strip():
                self.problems.add("sites", "Each site needs a name.")
            elif len(site) > MAX_SITE_NAME_LENGTH:
                self.problems.add("sites", f"Site name {site[:30]!r}… is longer than {MAX_SITE_NAME_LENGTH} characters.")
            elif site in seen:
                self.problems.add("sites", f"Site {site!r} is listed twice.")
            else:
                seen.add(site)
                result.append(site)
        if len(result) > MAX_SITES:
            self.problems.add("sites", f"At most {MAX_SITES} sites can be calculated at once.")
        self.problems.raise_if_any()  # the values cannot be read against a wrong list of sites
        if self.plan.needs_sites and not result:
            self.problems.add("sites", "This methodology adds up values per site: give at least one site.")
        return result

    def read(self) -> Inputs:
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
                defaults_used.append(f"{parameter.symbol} = {quantity(value, parameter.unit)}")
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
        return Inputs(scalars=scalars, per_site=per_site, sites=self.sites, notes=notes + self.notes)

    def _default(self, parameter: ParameterSpec) -> Decimal | None:
        if parameter.default_value is None:  # compile_spec refuses such a methodology: the same refusal
            raise fail(parameter.symbol,
                       f"Parameter {parameter.symbol} is a fixed default value, so it needs its default value.")
        default = Decimal(parameter.default_value)
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
                                                f"({quantity(default, parameter.unit)}); it cannot be changed.")
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
        if not within(value, low, high):
            self.problems.add(parameter.symbol,
                              f"{where(parameter.symbol, site)} is {quantity(value, parameter.unit)}, "
                              f"outside the allowed range {range_text(low, high, parameter.unit)}.")
            return None
        return value

    def _one(self, parameter: ParameterSpec, raw: Any, site: str | None) -> Decimal:
        """One value in the parameter's unit; a value object {"value", "unit"} is converted if exact."""
        label = where(parameter.symbol, site)
        if not isinstance(raw, Mapping):
            return parse_number(raw, label, parameter.symbol)
        unexpected = set(raw) - {"value", "unit"}
        if unexpected or "value" not in raw:
            raise fail(parameter.symbol, f"{label}: give a number or {{\"value\": ..., \"unit\": ...}}.")
        number = parse_number(raw["value"], label, parameter.symbol)
        unit = raw.get("unit")
        if unit is None or (isinstance(unit, str) and unit.strip() == parameter.unit.strip()):
            return number
        converted = convert_unit(number, unit, parameter.unit) if isinstance(unit, str) else None
        if converted is None:
            raise fail(parameter.symbol, f"{label} must be in {parameter.unit}; {unit!r} cannot be converted "
                                          f"exactly.")
        self.notes.append(f"{label}: {format_decimal(number)} {unit.strip()} converted to "
                          f"{format_decimal(converted)} {parameter.unit}.")
        return converted


def _is_site_map(raw: Any) -> bool:
    """{site: value} as opposed to a value object {"value": ..., "unit": ...}."""
    return isinstance(raw, Mapping) and not ("value" in raw and set(raw) <= {"value", "unit"})


def where(symbol: str, site: str | None) -> str:
    return symbol if site is None else f"{symbol} at site {site!r}"


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())
