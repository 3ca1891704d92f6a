"""The emission-reduction engine: hand-calculated cases, properties, refused inputs and hostile formulas."""

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from methodologies.engine import (
    PRECISION,
    EngineError,
    FormulaSpec,
    MethodologySpec,
    ParameterSpec,
    calculate,
    describe,
    evaluation_order,
    validate,
)

D = Decimal


def solar_pv() -> MethodologySpec:
    """Grid-connected solar PV, shaped like MN_AM003: RE = Σ EG_i × EF_grid, PE = 0."""
    return MethodologySpec(
        parameters=(
            ParameterSpec("EG_i", "Electricity fed to the grid by PV system i", "MWh", "monitored",
                          per_site=True, min_value=D("0"), max_value=D("100000")),
            ParameterSpec("EF_grid", "Grid emission factor", "tCO2/MWh", "ex_ante",
                          min_value=D("0"), max_value=D("2")),
        ),
        formulas=(
            FormulaSpec("RE", "sum(EG_i * EF_grid)", "Reference emissions"),
            FormulaSpec("PE", "0", "Project emissions"),
            FormulaSpec("ER", "RE - PE", "Emission reductions"),
        ),
    )


def boiler() -> MethodologySpec:
    """High-efficiency heat-only boiler: RE from heat / reference efficiency; PE from fuel consumed."""
    return MethodologySpec(
        parameters=(
            ParameterSpec("HG_i", "Heat supplied by boiler i", "GJ", "monitored", per_site=True, min_value=D("0")),
            ParameterSpec("FC_i", "Coal consumed by boiler i", "t", "monitored", per_site=True, min_value=D("0")),
            ParameterSpec("NCV", "Net calorific value of the coal", "GJ/t", "ex_ante",
                          min_value=D("10"), max_value=D("35")),
            ParameterSpec("η_ref", "Efficiency of the reference boiler", "", "default", default_value=D("0.8")),
            ParameterSpec("EF_fuel", "CO2 emission factor of the coal", "tCO2/GJ", "default",
                          default_value=D("0.0946")),
        ),
        formulas=(
            FormulaSpec("ER", "RE - PE"),
            FormulaSpec("RE_i", "HG_i / η_ref * EF_fuel", "Reference emissions of boiler i", per_site=True),
            FormulaSpec("RE", "sum(RE_i)"),
            FormulaSpec("PE", "sum(FC_i * NCV * EF_fuel)"),
        ),
    )


BOILER_VALUES = {"HG_i": {"Boiler 1": "1000", "Boiler 2": "2500"},
                 "FC_i": {"Boiler 1": "43", "Boiler 2": "106"},
                 "NCV": "25.8"}


def refused(spec, values, sites=None) -> EngineError:
    with pytest.raises(EngineError) as caught:
        calculate(spec, values, sites)
    return caught.value


def with_formulas(*formulas: FormulaSpec, parameters=None) -> MethodologySpec:
    return MethodologySpec(parameters=solar_pv().parameters if parameters is None else parameters,
                           formulas=formulas)


# --------------------------------------------------------------------------------------------------
# Hand-calculated cases


def test_solar_pv_two_sites_hand_calculated():
    # By hand: Site A 1234.567 MWh × 0.9 = 1111.1103 tCO2; Site B 890.1 MWh × 0.9 = 801.09 tCO2.
    # RE = 1111.1103 + 801.09 = 1912.2003; PE = 0; ER = 1912.2003 tCO2e -> 1912 credits (rounded down).
    result = calculate(solar_pv(), {"EF_grid": "0.9", "EG_i": {"Site A": "1234.567", "Site B": "890.1"}})

    assert result.reference_emissions == D("1912.2003")
    assert result.project_emissions == 0
    assert result.emission_reductions == D("1912.2003")
    assert result.credits == 1912
    assert result.negative is False
    assert result.sites == ["Site A", "Site B"]
    assert "rounded down to 1912 credits" in " ".join(result.notes)


def test_credits_are_rounded_down_even_just_below_a_whole_number():
    # By hand: 1110.999 MWh × 0.9 = 999.8991 tCO2e -> 999 credits (never 1000).
    result = calculate(solar_pv(), {"EF_grid": "0.9", "EG_i": {"Site A": "1110.999"}})
    assert result.emission_reductions == D("999.8991")
    assert result.credits == 999


def test_solar_pv_trace_shows_every_step_with_its_values():
    result = calculate(solar_pv(), {"EF_grid": "0.9", "EG_i": {"Site A": "1234.567", "Site B": "890.1"}})

    lines = [(s.symbol, s.site, s.expression, s.substituted, str(s.value)) for s in result.trace]
    assert lines == [
        ("RE", "Site A", "EG_i × EF_grid", "1234.567 × 0.9", "1111.1103"),
        ("RE", "Site B", "EG_i × EF_grid", "890.1 × 0.9", "801.09"),
        ("RE", None, "Σ(EG_i × EF_grid)", "1111.1103 + 801.09", "1912.2003"),
        ("PE", None, "0", "0", "0"),
        ("ER", None, "RE - PE", "1912.2003 - 0", "1912.2003"),
    ]
    assert result.as_dict()["trace"][2]["value"] == "1912.2003"
    assert result.as_dict()["emission_reductions"] == "1912.2003"


def test_boiler_hand_calculated():
    # By hand, η_ref = 0.8 and EF_fuel = 0.0946 tCO2/GJ are the methodology's fixed defaults:
    #   RE_1 = 1000 / 0.8 × 0.0946 = 1250 × 0.0946 = 118.25
    #   RE_2 = 2500 / 0.8 × 0.0946 = 3125 × 0.0946 = 295.625          RE = 413.875
    #   PE_1 = 43 × 25.8 × 0.0946 = 1109.4 × 0.0946 = 104.94924
    #   PE_2 = 106 × 25.8 × 0.0946 = 2734.8 × 0.0946 = 258.71208      PE = 363.66132
    #   ER = 413.875 - 363.66132 = 50.21368 tCO2e -> 50 credits
    result = calculate(boiler(), BOILER_VALUES)

    assert result.reference_emissions == D("413.875")
    assert result.project_emissions == D("363.66132")
    assert result.emission_reductions == D("50.21368")
    assert result.credits == 50
    per_site = {(s.symbol, s.site): s.value for s in result.trace if s.site}
    assert per_site[("RE_i", "Boiler 1")] == D("118.25")
    assert per_site[("PE", "Boiler 2")] == D("258.71208")
    assert "Fixed default values of the methodology used: η_ref = 0.8; EF_fuel = 0.0946 tCO2/GJ." in result.notes
    # The formulas are calculated in dependency order, whatever order they were entered in.
    assert [f.symbol for f in evaluation_order(boiler())] == ["RE_i", "RE", "PE", "ER"]


def test_exactly_converted_units_give_the_same_result():
    values = {"HG_i": {"Boiler 1": {"value": "1", "unit": "TJ"}, "Boiler 2": "2500"},
              "FC_i": {"Boiler 1": {"value": "43000", "unit": "kg"}, "Boiler 2": {"value": "106", "unit": "t"}},
              "NCV": "25.8"}

    result = calculate(boiler(), values)

    assert result.emission_reductions == D("50.21368")
    assert "HG_i at site 'Boiler 1': 1 TJ converted to 1000 GJ." in result.notes
    assert result.inputs["FC_i"] == {"Boiler 1": D("43"), "Boiler 2": D("106")}


def test_negative_emission_reductions_give_zero_credits_and_say_so():
    # By hand: PE_1 = 60 × 25.8 × 0.0946 = 1548 × 0.0946 = 146.4408
    #          PE_2 = 150 × 25.8 × 0.0946 = 3870 × 0.0946 = 366.102       PE = 512.5428
    #          ER = 413.875 - 512.5428 = -98.6678 tCO2e -> 0 credits
    values = dict(BOILER_VALUES, FC_i={"Boiler 1": "60", "Boiler 2": "150"})

    result = calculate(boiler(), values)

    assert result.emission_reductions == D("-98.6678")
    assert result.credits == 0
    assert result.negative is True
    assert any("negative (-98.6678 tCO2e)" in note and "no credits" in note for note in result.notes)


def test_numbers_are_decimal_not_binary_floating_point():
    spec = with_formulas(FormulaSpec("RE", "0.1 + 0.2"), FormulaSpec("PE", "0.3"), FormulaSpec("ER", "RE - PE"),
                         parameters=())
    result = calculate(spec, {})
    assert result.reference_emissions == D("0.3")  # 0.30000000000000004 with floats
    assert result.emission_reductions == 0


def test_non_terminating_division_is_rounded_at_the_stated_precision_and_noted():
    spec = with_formulas(FormulaSpec("RE", "EF_grid / 3"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE"))
    result = calculate(spec, {"EF_grid": "1", "EG_i": {"A": "0"}})
    assert result.reference_emissions == D("0." + "3" * PRECISION)
    assert any(f"rounded to {PRECISION} significant digits" in note for note in result.notes)


def test_min_max_and_per_site_intermediate_formulas():
    spec = with_formulas(
        FormulaSpec("RE_s", "min(EG_i, 1000) * EF_grid", per_site=True),
        FormulaSpec("RE", "max(sum(RE_s), 0)"),
        FormulaSpec("PE", "0"),
        FormulaSpec("ER", "RE - PE"),
    )
    # By hand: min(1234.567, 1000) × 0.9 = 900; min(890.1, 1000) × 0.9 = 801.09; RE = 1701.09
    result = calculate(spec, {"EF_grid": "0.9", "EG_i": {"A": "1234.567", "B": "890.1"}})
    assert result.emission_reductions == D("1701.09")
    assert result.credits == 1701


def test_sites_argument_fixes_the_sites_and_their_order():
    result = calculate(solar_pv(), {"EF_grid": "0.9", "EG_i": {"A": "1", "B": "2"}}, sites=["B", "A"])
    assert [step.site for step in result.trace if step.site] == ["B", "A"]


def test_result_is_ready_for_json():
    data = json.loads(json.dumps(calculate(boiler(), BOILER_VALUES).as_dict()))
    assert data["emission_reductions"] == "50.21368"
    assert data["credits"] == 50
    assert data["inputs"]["HG_i"] == {"Boiler 1": "1000", "Boiler 2": "2500"}
    assert data["precision"] == PRECISION


# --------------------------------------------------------------------------------------------------
# Refused inputs


def test_results_too_large_to_calculate_are_refused():
    spec = with_formulas(FormulaSpec("RE", " * ".join(["EF_grid"] * 40)), FormulaSpec("PE", "0"),
                         FormulaSpec("ER", "RE - PE"), parameters=(ParameterSpec("EF_grid", "x", "", "ex_ante"),))
    error = refused(spec, {"EF_grid": "1e30"})
    assert str(error) == "Formula RE: a result is too large to calculate."


def test_missing_value_names_the_parameter():
    error = refused(solar_pv(), {"EG_i": {"A": "1"}})
    assert "Missing value for EF_grid" in str(error)
    assert list(error.errors) == ["EF_grid"]


def test_missing_site_value_names_the_parameter_and_the_site():
    error = refused(solar_pv(), {"EF_grid": "0.9", "EG_i": {"A": "1"}}, sites=["A", "B"])
    assert str(error) == "Missing value for EG_i at site 'B'."


def test_every_refused_value_is_reported_at_once():
    error = refused(solar_pv(), {"EF_grid": "7", "EG_i": {"A": "", "B": "abc"}})
    assert set(error.errors) == {"EF_grid", "EG_i"}
    assert len(error.errors["EG_i"]) == 2


def test_out_of_range_names_the_parameter_the_value_and_the_range():
    error = refused(solar_pv(), {"EF_grid": "2.5", "EG_i": {"A": "1"}})
    assert str(error) == "EF_grid is 2.5 tCO2/MWh, outside the allowed range 0 to 2 tCO2/MWh."

    error = refused(solar_pv(), {"EF_grid": "0.9", "EG_i": {"A": "-1"}})
    assert str(error) == "EG_i at site 'A' is -1 MWh, outside the allowed range 0 to 100000 MWh."


def test_a_unit_without_exact_conversion_is_refused():
    error = refused(solar_pv(), {"EF_grid": {"value": "900", "unit": "kgCO2/MWh"}, "EG_i": {"A": "1"}})
    assert "EF_grid must be in tCO2/MWh" in str(error)

    error = refused(solar_pv(), {"EF_grid": "0.9", "EG_i": {"A": {"value": "3.6", "unit": "GJ"}}})
    assert "EG_i at site 'A' must be in MWh; 'GJ' cannot be converted exactly." == str(error)


def test_converted_value_is_checked_against_the_range():
    error = refused(solar_pv(), {"EF_grid": "0.9", "EG_i": {"A": {"value": "101", "unit": "GWh"}}})
    assert "EG_i at site 'A' is 101000 MWh, outside the allowed range" in str(error)


@pytest.mark.parametrize("value", [0.9, True, [1], "1,5", "NaN", "Infinity", "1e400", "0x10", " "])
def test_values_that_are_not_exact_numbers_are_refused(value):
    error = refused(solar_pv(), {"EF_grid": value, "EG_i": {"A": "1"}})
    assert "EF_grid" in str(error)
    assert list(error.errors) == ["EF_grid"]


def test_float_refusal_explains_how_to_send_the_value():
    error = refused(solar_pv(), {"EF_grid": 0.9, "EG_i": {"A": "1"}})
    assert 'give it as text (e.g. "0.9")' in str(error)


def test_division_by_zero_names_the_formula_and_the_divisor():
    values = dict(BOILER_VALUES, HG_i={"Boiler 1": "1000", "Boiler 2": "0"})
    spec = MethodologySpec(boiler().parameters, (
        FormulaSpec("SEC", "sum(FC_i * NCV) / sum(HG_i)"),
        FormulaSpec("RE", "sum(HG_i) * EF_fuel / (η_ref - 0.8)"),
        FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")))

    error = refused(spec, values)

    assert str(error) == "Division by zero in formula RE: the divisor η_ref - 0.8 is 0 (in Σ(HG_i) × EF_fuel / (η_ref - 0.8))."
    assert list(error.errors) == ["RE"]


def test_division_by_zero_at_a_site_names_the_site():
    values = dict(BOILER_VALUES, NCV="25.8")
    spec = MethodologySpec(boiler().parameters, (
        FormulaSpec("eff_i", "HG_i / (FC_i * NCV)", per_site=True), FormulaSpec("RE", "sum(eff_i)"),
        FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")))
    error = refused(spec, dict(values, FC_i={"Boiler 1": "43", "Boiler 2": "0"}))
    assert str(error).startswith("Division by zero in formula eff_i at site 'Boiler 2': the divisor FC_i × NCV is 0")


def test_fixed_default_values_cannot_be_overridden():
    error = refused(boiler(), dict(BOILER_VALUES, η_ref="0.7"))
    assert str(error) == "η_ref is a fixed default value of this methodology (0.8); it cannot be changed."
    # Sending the default value itself is accepted.
    assert calculate(boiler(), dict(BOILER_VALUES, EF_fuel="0.09460")).credits == 50


def test_unknown_parameters_and_calculated_symbols_are_refused():
    error = refused(solar_pv(), {"EF_grid": "0.9", "EG_i": {"A": "1"}, "EF_gird": "1", "RE": "5"})
    assert error.errors["EF_gird"] == ["EF_gird is not a parameter of this methodology."]
    assert "RE is calculated by the methodology's formulas" in error.errors["RE"][0]


def test_per_site_shapes_are_checked():
    error = refused(solar_pv(), {"EF_grid": {"A": "0.9"}, "EG_i": "12"})
    assert "EF_grid is one value for the whole project" in error.errors["EF_grid"][0]
    assert "EG_i is given per site" in error.errors["EG_i"][0]

    error = refused(solar_pv(), {"EF_grid": "0.9", "EG_i": {"A": "1", "Z": "1"}}, sites=["A"])
    assert error.errors["EG_i"] == ["EG_i has a value for the unknown site 'Z'."]

    error = refused(solar_pv(), {"EF_grid": "0.9", "EG_i": {}})
    assert "give at least one site" in str(error)


# --------------------------------------------------------------------------------------------------
# Validation when a methodology is saved


def test_a_valid_methodology_passes():
    validate(solar_pv())
    validate(boiler())


def test_unknown_symbol_is_refused_at_save_time_with_a_suggestion():
    spec = with_formulas(FormulaSpec("RE", "sum(EG_i * EF_gird)"), FormulaSpec("PE", "0"),
                         FormulaSpec("ER", "RE - PE"))
    with pytest.raises(EngineError) as caught:
        validate(spec)
    assert str(caught.value) == "Formula RE refers to the unknown symbol EF_gird (did you mean EF_grid?)."
    assert list(caught.value.errors) == ["RE"]


@pytest.mark.parametrize(("formulas", "message"), [
    ((FormulaSpec("RE", "0"), FormulaSpec("PE", "0")), "The methodology needs a formula for ER."),
    ((FormulaSpec("RE", "0"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE"), FormulaSpec("RE", "1")),
     "Formula RE redefines another formula of the same symbol."),
    ((FormulaSpec("EF_grid", "1"), FormulaSpec("RE", "0"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE")),
     "Formula EF_grid redefines a parameter of the same symbol."),
    ((FormulaSpec("RE", "ER + 1"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")),
     "Formula RE depends on itself: RE → ER → RE."),
    ((FormulaSpec("RE", "EG_i * EF_grid"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")),
     "Formula RE uses the per-site value EG_i outside sum(); write sum(...) to add it up over the sites."),
    ((FormulaSpec("RE", "sum(sum(EG_i))"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")),
     "Formula RE: sum() cannot be nested inside sum()."),
    ((FormulaSpec("RE", "sum(EF_grid)"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")),
     "Formula RE: sum() must contain a per-site value to add up."),
    ((FormulaSpec("RE", "sum(EG_i)", per_site=True), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")),
     "Formula RE is for the whole project; it cannot be per site."),
    ((FormulaSpec("RE", "min(EG_i)"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")),
     "Formula RE: min() needs at least two values."),
    ((FormulaSpec("RE", ""), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")), "Formula RE is empty."),
])
def test_invalid_formulas_are_refused_at_save_time(formulas, message):
    with pytest.raises(EngineError) as caught:
        validate(with_formulas(*formulas))
    assert message in str(caught.value)


@pytest.mark.parametrize(("parameter", "message"), [
    (ParameterSpec("EF", "x", "t", "default"), "Parameter EF is a fixed default value, so it needs its default value."),
    (ParameterSpec("EF", "x", "t", "default", max_value=D("1"), default_value=D("2")),
     "Parameter EF: the default value 2 is outside the allowed range at most 1 t."),
    (ParameterSpec("EF", "x", "t", "estimated"), "Parameter EF: kind must be one of default, ex_ante, monitored"),
    (ParameterSpec("EF", "x", "t", "ex_ante", min_value=D("2"), max_value=D("1")),
     "Parameter EF: the minimum 2 is above the maximum 1."),
    (ParameterSpec("__class__", "x", "t", "ex_ante"), "must start with a letter"),
    (ParameterSpec("sum", "x", "t", "ex_ante"), "reserved for the function sum()"),
    (ParameterSpec("EG_i", "again", "MWh", "monitored"), "Parameter EG_i is defined twice."),
])
def test_invalid_parameters_are_refused(parameter, message):
    spec = MethodologySpec(solar_pv().parameters + (parameter,), solar_pv().formulas)
    with pytest.raises(EngineError) as caught:
        validate(spec)
    assert message in str(caught.value)


def test_all_problems_of_a_methodology_are_listed():
    spec = with_formulas(FormulaSpec("RE", "EG * 2"), FormulaSpec("PE", "x ** 2"))
    with pytest.raises(EngineError) as caught:
        validate(spec)
    assert set(caught.value.errors) == {"RE", "PE", "ER"}


# --------------------------------------------------------------------------------------------------
# Hostile formulas: refused by the whitelist without running anything


HOSTILE = [
    "__import__('os')",
    "x.__class__",
    "EF_grid.__class__.__mro__",
    "9**9**9",
    "EF_grid ** 2",
    "(lambda: 1)()",
    "[1][0]",
    "open('x')",
    "a if b else c",
    "EF_grid if EF_grid else 0",
    "min(*[1, 2])",
    "max(EF_grid, key=1)",
    "[x for x in (1, 2)]",
    "EF_grid < 1",
    "EF_grid and 1",
    "(y := 1)",
    "'text'",
    "f'{EF_grid}'",
    "True",
    "None",
    "1j",
    "0x10",
    "EF_grid % 2",
    "EF_grid // 2",
    "~1",
    "not 1",
    "sum(EG_i for EG_i in (1, 2))",
    "globals()",
    "getattr(EF_grid, 'real')",
    "EF_grid; 1",
    "import os",
    "1e99999",
    "1" * 40,
]


@pytest.mark.parametrize("expression", HOSTILE)
def test_hostile_formulas_are_refused(expression):
    spec = with_formulas(FormulaSpec("RE", expression), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE"))
    with pytest.raises(EngineError) as caught:
        validate(spec)
    assert list(caught.value.errors) == ["RE"]
    assert str(caught.value).startswith("Formula RE")
    with pytest.raises(EngineError):
        calculate(spec, {"EF_grid": "0.9", "EG_i": {"A": "1"}})


def test_hostile_formulas_never_run(tmp_path):
    target = tmp_path / "pwned"
    attempts = [
        f"__import__('os').system('touch {target}')",
        f"open('{target}', 'w')",
        f"(lambda: open('{target}', 'w'))()",
        f"[open('{target}', 'w') for _ in (1,)]",
    ]
    for expression in attempts:
        spec = with_formulas(FormulaSpec("RE", expression), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE"))
        with pytest.raises(EngineError):
            calculate(spec, {"EF_grid": "0.9", "EG_i": {"A": "1"}})
    assert not target.exists()


@pytest.mark.parametrize("expression", [
    "EF_grid + " * 600 + "1",  # too long
    "(" * 150 + "1" + ")" * 150,  # too deep for the parser
    "-" * 500 + "1",  # too deep
    " + ".join(["EF_grid"] * 120),  # too deep a chain
])
def test_very_long_or_deep_formulas_are_refused(expression):
    spec = with_formulas(FormulaSpec("RE", expression), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE"))
    with pytest.raises(EngineError) as caught:
        validate(spec)
    assert "too long" in str(caught.value) or "too deeply" in str(caught.value)


@given(st.text(max_size=60))
@settings(max_examples=150, deadline=None)
def test_any_text_is_either_a_valid_formula_or_an_engine_error(text):
    spec = with_formulas(FormulaSpec("RE", text), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE"))
    try:
        validate(spec)
    except EngineError:
        pass


# --------------------------------------------------------------------------------------------------
# Readable formulas


@pytest.mark.parametrize(("expression", "readable"), [
    ("sum(EG_i * EF_grid)", "Σ(EG_i × EF_grid)"),
    ("HG_i / η_ref * EF_fuel", "HG_i / η_ref × EF_fuel"),
    ("a - (b - c)", "a - (b - c)"),
    ("(a - b) - c", "a - b - c"),
    ("(a + b) * c", "(a + b) × c"),
    ("a / (b * c)", "a / (b × c)"),
    ("max(0, RE - PE)", "max(0, RE - PE)"),
    ("-(a + b)", "-(a + b)"),
    ("a * -b", "a × (-b)"),
    ("1_000.50", "1000.5"),
])
def test_describe_writes_formulas_readably_and_keeps_their_meaning(expression, readable):
    assert describe(expression) == readable


# --------------------------------------------------------------------------------------------------
# Properties


amounts = st.decimals(min_value=D("0"), max_value=D("1000000"), places=3, allow_nan=False, allow_infinity=False)
factors = st.decimals(min_value=D("0"), max_value=D("2"), places=4, allow_nan=False, allow_infinity=False)


def two_sided_spec() -> MethodologySpec:
    return MethodologySpec(
        parameters=(
            ParameterSpec("EG_i", "electricity", "MWh", "monitored", per_site=True),
            ParameterSpec("EF_grid", "grid factor", "tCO2/MWh", "ex_ante"),
            ParameterSpec("FC_i", "fuel", "GJ", "monitored", per_site=True),
            ParameterSpec("EF_fuel", "fuel factor", "tCO2/GJ", "ex_ante"),
        ),
        formulas=(FormulaSpec("RE", "sum(EG_i * EF_grid)"), FormulaSpec("PE", "sum(FC_i * EF_fuel)"),
                  FormulaSpec("ER", "RE - PE")),
    )


@given(
    sites=st.lists(st.tuples(amounts, amounts), min_size=1, max_size=5),
    ef_grid=factors,
    ef_fuel=factors,
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_credits_are_the_exact_reductions_rounded_down(sites, ef_grid, ef_fuel):
    names = [f"S{i}" for i in range(len(sites))]
    values = {
        "EG_i": {name: str(eg) for name, (eg, _) in zip(names, sites, strict=True)},
        "FC_i": {name: str(fc) for name, (_, fc) in zip(names, sites, strict=True)},
        "EF_grid": str(ef_grid),
        "EF_fuel": str(ef_fuel),
    }
    exact = sum((Fraction(eg) * Fraction(ef_grid) - Fraction(fc) * Fraction(ef_fuel) for eg, fc in sites),
                Fraction(0))

    result = calculate(two_sided_spec(), values)

    assert Fraction(result.emission_reductions) == exact  # no rounding anywhere
    if exact >= 0:
        assert result.credits <= result.emission_reductions
        assert result.emission_reductions - result.credits < 1
        assert not result.negative
    else:
        assert result.credits == 0
        assert result.negative


small = st.decimals(min_value=D("-99.99"), max_value=D("99.99"), places=2, allow_nan=False, allow_infinity=False)


def _combine(children):
    def binary(parts):
        (left_text, left), op, (right_text, right) = parts
        value = {"+": left + right, "-": left - right, "*": left * right}[op]
        return f"({left_text} {op} {right_text})", value

    def choose(parts):
        func, (left_text, left), (right_text, right) = parts
        return f"{func}({left_text}, {right_text})", (min if func == "min" else max)(left, right)

    return st.one_of(
        st.tuples(children, st.sampled_from("+-*"), children).map(binary),
        st.tuples(st.sampled_from(["min", "max"]), children, children).map(choose),
        children.map(lambda part: (f"-({part[0]})", -part[1])),
    )


expressions = st.recursive(small.map(lambda d: (f"({d})", Fraction(d))), _combine, max_leaves=8)


@given(expressions)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_formulas_give_exactly_what_rational_arithmetic_gives(expression):
    text, exact = expression
    spec = MethodologySpec((), (FormulaSpec("RE", text), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")))

    result = calculate(spec, {})

    assert Fraction(result.emission_reductions) == exact
    expected_credits = max(0, exact.numerator // exact.denominator)
    assert result.credits == expected_credits


nonzero = st.decimals(min_value=D("0.001"), max_value=D("1000000"), places=3, allow_nan=False, allow_infinity=False)


@given(numerator=amounts, denominator=nonzero)
@settings(max_examples=80, deadline=None)
def test_division_is_correct_to_the_stated_precision(numerator, denominator):
    spec = MethodologySpec(
        (ParameterSpec("a", "a", "", "ex_ante"), ParameterSpec("b", "b", "", "ex_ante")),
        (FormulaSpec("RE", "a / b"), FormulaSpec("PE", "0"), FormulaSpec("ER", "RE - PE")),
    )
    exact = Fraction(numerator) / Fraction(denominator)

    result = calculate(spec, {"a": str(numerator), "b": str(denominator)})

    assert abs(Fraction(result.emission_reductions) - exact) <= exact / 10 ** (PRECISION - 1)
    assert result.credits == exact.numerator // exact.denominator or (
        # rounding at the 34th digit can only matter for a quotient a hair below a whole number
        abs(exact - round(exact)) < Fraction(1, 10 ** (PRECISION - 10))
    )
