"""The monitoring spreadsheet: XLSX export, round trip, and refusal of wrong or tampered workbooks."""

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from methodologies.engine import EngineError, FormulaSpec, MethodologySpec, ParameterSpec, calculate
from methodologies.spreadsheet import (
    CALCULATION_SHEET,
    META_SHEET,
    PLAN_SHEET,
    STRUCTURE_SHEET,
    export_monitoring_workbook,
    read_monitoring_workbook,
)
from tests.methodologies.test_engine import boiler, solar_pv

CODE, VERSION = "MN_AM005", "ver01.0"
SITES = ["Boiler 1", "Boiler 2"]


def exported(spec=None, **kwargs) -> bytes:
    options = {"methodology_code": CODE, "version": VERSION, "sites": SITES} | kwargs
    return export_monitoring_workbook(spec or boiler(), **options)


def opened(data: bytes):
    return load_workbook(io.BytesIO(data))


def saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(data: bytes, spec=None, code=CODE, version=VERSION):
    return read_monitoring_workbook(data, spec or boiler(), methodology_code=code, version=version)


def refused(data: bytes, spec=None, code=CODE, version=VERSION) -> EngineError:
    with pytest.raises(EngineError) as caught:
        read(data, spec, code, version)
    return caught.value


def plan_rows(workbook) -> dict[tuple[str, str | None], int]:
    """Row number of each input, found the way a person reads the sheet: by symbol and site."""
    sheet = workbook[PLAN_SHEET]
    rows = {}
    for row in range(6, sheet.max_row + 1):
        symbol, site = sheet.cell(row=row, column=1).value, sheet.cell(row=row, column=6).value
        if symbol:
            rows[(symbol, site)] = row
    return rows


FILLED = {("HG_i", "Boiler 1"): "1000", ("HG_i", "Boiler 2"): "2500", ("FC_i", "Boiler 1"): "43",
          ("FC_i", "Boiler 2"): "106", ("NCV", None): "25.8"}


def filled_workbook(values=None):
    workbook = opened(exported())
    rows = plan_rows(workbook)
    for key, value in (values or FILLED).items():
        workbook[PLAN_SHEET].cell(row=rows[key], column=7, value=value)
    return workbook


def test_exported_workbook_has_the_methodology_sheets():
    workbook = opened(exported(parameter_info={"HG_i": {"monitoring_option": "C", "method": "Heat meter",
                                                        "frequency": "Continuous", "source": "Meter log"}}))

    assert workbook.sheetnames == [PLAN_SHEET, CALCULATION_SHEET, STRUCTURE_SHEET, META_SHEET]
    assert workbook[META_SHEET].sheet_state == "hidden"
    plan = workbook[PLAN_SHEET]
    assert plan.protection.sheet  # only the value cells to fill are unlocked
    assert plan["G6"].protection.locked is False
    assert plan["A6"].protection.locked is True
    assert [c.value for c in plan[5]] == ["Symbol", "Description", "Unit", "Kind", "Per site", "Site", "Value",
                                          "Allowed range", "Monitoring option", "Source of data",
                                          "Measurement method", "Frequency"]
    assert [c.value for c in plan[6]] == ["HG_i", "Heat supplied by boiler i", "GJ", "Monitored", "yes",
                                          "Boiler 1", None, "at least 0 GJ", "C – measurement", "Meter log",
                                          "Heat meter", "Continuous"]
    rows = plan_rows(workbook)
    assert set(rows) == {("HG_i", "Boiler 1"), ("HG_i", "Boiler 2"), ("FC_i", "Boiler 1"), ("FC_i", "Boiler 2"),
                         ("NCV", None), ("η_ref", None), ("EF_fuel", None)}
    assert plan.cell(row=rows[("EF_fuel", None)], column=7).value == "0.0946"
    assert plan.cell(row=rows[("NCV", None)], column=8).value == "10 to 35 GJ/t"

    formulas = [row[2] for row in workbook[CALCULATION_SHEET].iter_rows(min_row=5, max_row=8, values_only=True)]
    assert formulas == ["RE_i = HG_i / η_ref × EF_fuel", "RE = Σ(RE_i)", "PE = Σ(FC_i × NCV × EF_fuel)",
                        "ER = RE - PE"]
    roles = [row[0] for row in workbook[STRUCTURE_SHEET].iter_rows(min_row=5, values_only=True) if row[0]]
    assert "Project management" in roles and "Quality control" in roles


def test_round_trip_gives_the_values_and_the_hand_calculated_result():
    values = read(saved(filled_workbook()))

    assert values == {"HG_i": {"Boiler 1": Decimal("1000"), "Boiler 2": Decimal("2500")},
                      "FC_i": {"Boiler 1": Decimal("43"), "Boiler 2": Decimal("106")},
                      "NCV": Decimal("25.8")}
    assert calculate(boiler(), values).emission_reductions == Decimal("50.21368")  # see test_engine


def test_numbers_typed_as_numbers_are_read_exactly():
    workbook = filled_workbook(FILLED | {("HG_i", "Boiler 1"): 1000, ("NCV", None): 25.8, ("FC_i", "Boiler 2"): 106.1})
    values = read(saved(workbook))
    assert values["NCV"] == Decimal("25.8")
    assert values["FC_i"]["Boiler 2"] == Decimal("106.1")
    assert values["HG_i"]["Boiler 1"] == Decimal("1000")


def test_solar_pv_workbook_with_default_single_site():
    data = export_monitoring_workbook(solar_pv(), methodology_code="MN_AM003", version="ver02.0")
    workbook = opened(data)
    rows = plan_rows(workbook)
    assert set(rows) == {("EG_i", "Site 1"), ("EF_grid", None)}
    workbook[PLAN_SHEET].cell(row=rows[("EG_i", "Site 1")], column=7, value="1234.567")
    workbook[PLAN_SHEET].cell(row=rows[("EF_grid", None)], column=7, value="0.9")

    values = read_monitoring_workbook(saved(workbook), solar_pv(), methodology_code="MN_AM003", version="ver02.0")

    assert values == {"EG_i": {"Site 1": Decimal("1234.567")}, "EF_grid": Decimal("0.9")}


# --------------------------------------------------------------------------------------------------
# Wrong files


def test_a_file_that_is_not_a_workbook_is_refused():
    assert "not an Excel workbook" in str(refused(b"symbol,value\nNCV,25.8\n"))
    assert list(refused(b"%PDF-1.4 ...").errors) == ["workbook"]


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert "not a readable Excel workbook" in str(refused(buffer.getvalue()))


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert "too large once unpacked" in str(refused(buffer.getvalue()))


def test_a_workbook_not_made_by_the_registry_is_refused():
    workbook = Workbook()
    workbook.active.title = PLAN_SHEET
    assert "hidden sheet 'meta' is missing" in str(refused(saved(workbook)))


def test_a_workbook_of_another_methodology_or_version_is_refused():
    data = saved(filled_workbook())
    assert str(refused(data, code="MN_AM003")) == f"This workbook is for {CODE} {VERSION}, not MN_AM003 {VERSION}."
    assert str(refused(data, version="ver02.0")) == f"This workbook is for {CODE} {VERSION}, not {CODE} ver02.0."


def test_a_workbook_of_another_form_of_the_methodology_is_refused():
    changed = MethodologySpec(
        tuple(ParameterSpec(p.symbol, p.description, "MJ" if p.symbol == "HG_i" else p.unit, p.kind, p.per_site,
                            p.min_value, p.max_value, p.default_value) for p in boiler().parameters),
        boiler().formulas + (FormulaSpec("extra", "NCV * 2"),),
    )
    assert "does not match the parameters" in str(refused(saved(filled_workbook()), spec=changed))


# --------------------------------------------------------------------------------------------------
# Tampered structure


def tampered(change) -> EngineError:
    workbook = filled_workbook()
    change(workbook, plan_rows(workbook))
    return refused(saved(workbook))


def test_a_changed_unit_is_refused():
    error = tampered(lambda wb, rows: wb[PLAN_SHEET].cell(row=rows[("HG_i", "Boiler 1")], column=3, value="MJ"))
    assert str(error).startswith("Monitoring Plan Sheet row 6: Unit is 'MJ' but the row for HG_i at site "
                                 "'Boiler 1' should have 'GJ'.")


def test_a_changed_symbol_is_refused():
    error = tampered(lambda wb, rows: wb[PLAN_SHEET].cell(row=rows[("NCV", None)], column=1, value="NCV_x"))
    assert "Symbol is 'NCV_x'" in str(error)


def test_a_renamed_site_is_refused():
    error = tampered(lambda wb, rows: wb[PLAN_SHEET].cell(row=rows[("FC_i", "Boiler 2")], column=6, value="B2"))
    assert "Site is 'B2'" in str(error)


def test_an_inserted_row_is_refused():
    def insert(workbook, rows):
        sheet = workbook[PLAN_SHEET]
        sheet.insert_rows(rows[("NCV", None)])
        for column, value in enumerate(["HG_i", "heat", "GJ", "Monitored", "yes", "Boiler 3", "10"], start=1):
            sheet.cell(row=rows[("NCV", None)], column=column, value=value)

    assert "Rows must not be added, removed, reordered or changed" in str(tampered(insert))


def test_a_row_added_at_the_end_is_refused():
    def append(workbook, rows):
        workbook[PLAN_SHEET].cell(row=max(rows.values()) + 1, column=1, value="HG_i")

    assert "was added below the inputs" in str(tampered(append))


def test_a_deleted_row_is_refused():
    error = tampered(lambda wb, rows: wb[PLAN_SHEET].delete_rows(rows[("HG_i", "Boiler 2")]))
    assert "Rows must not be added, removed, reordered or changed" in str(error)


def test_changed_headings_are_refused():
    error = tampered(lambda wb, rows: wb[PLAN_SHEET].cell(row=5, column=7, value="Amount"))
    assert "column G should be 'Value'" in str(error)


def test_an_edited_hidden_sheet_is_refused():
    error = tampered(lambda wb, rows: wb[META_SHEET].cell(row=5, column=2, value='["Boiler 1"]'))
    assert "does not match the parameters" in str(error)


def test_a_changed_fixed_default_is_refused():
    error = tampered(lambda wb, rows: wb[PLAN_SHEET].cell(row=rows[("η_ref", None)], column=7, value="0.7"))
    assert str(error) == "Cell G11 (η_ref) is a fixed default value of the methodology (0.8); it must not be changed."


# --------------------------------------------------------------------------------------------------
# Values


def test_a_non_numeric_value_names_the_cell_and_the_parameter():
    workbook = filled_workbook(FILLED | {("FC_i", "Boiler 2"): "about 100"})
    error = refused(saved(workbook))
    assert str(error).startswith("Cell G9 (FC_i at site 'Boiler 2'): 'about 100' is not a number")
    assert list(error.errors) == ["FC_i"]


def test_an_empty_required_cell_names_the_cell_and_the_parameter():
    values = {key: value for key, value in FILLED.items() if key != ("NCV", None)}
    error = refused(saved(filled_workbook(values)))
    assert str(error) == "Cell G10 (NCV) is empty; fill in the value."
    assert list(error.errors) == ["NCV"]


def test_every_value_problem_is_reported_at_once():
    workbook = filled_workbook(FILLED | {("FC_i", "Boiler 2"): "x", ("HG_i", "Boiler 1"): " "})
    error = refused(saved(workbook))
    assert set(error.errors) == {"FC_i", "HG_i"}


def test_a_formula_in_a_value_cell_is_refused():
    workbook = filled_workbook(FILLED | {("NCV", None): "=20+5.8"})
    assert str(refused(saved(workbook))) == "Cell G10 (NCV) contains a formula; enter the value itself."


def test_a_boolean_value_is_refused():
    workbook = filled_workbook(FILLED | {("NCV", None): True})
    assert "Cell G10 (NCV): True is not a number" in str(refused(saved(workbook)))
