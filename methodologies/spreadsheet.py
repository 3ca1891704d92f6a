"""A methodology's monitoring spreadsheet as XLSX: exported for filling in, read back into values.

The workbook has the sheets of a JCM methodology spreadsheet:

- "Monitoring Plan Sheet": one row per input (one per site for per-site parameters) with the value
  to fill in column G; fixed default values are shown and locked.
- "Calculation Process": the formulas, readable, in calculation order.
- "Monitoring Structure Sheet": roles and responsibilities to fill in (not read back).
- "meta" (hidden): methodology code, version, sites and a SHA-256 fingerprint of all of them and
  of the methodology's parameters and formulas.

:func:`read_monitoring_workbook` rebuilds the expected layout from the methodology and refuses a
workbook of another methodology or version, or whose rows, symbols, units or sites were changed.
The fingerprint detects mistakes (a workbook of another form of the methodology); it is not a
signature: the person filling the values is the one responsible for them anyway.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from methodologies.engine import (
    PRECISION,
    EngineError,
    MethodologySpec,
    ParameterSpec,
    describe,
    evaluation_order,
    format_decimal,
    parse_number,
    range_text,
    spec_fingerprint,
    validate,
)

FORMAT_NAME = "jcm-registry-monitoring-workbook"
FORMAT_VERSION = "1"
MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
# Checked from the zip's central directory before openpyxl unpacks anything (zipfile never inflates a member
# past the size its directory declares): the unpacked size the version's own workbook can reach with
# MAX_SITES sites (a row of the plan sheet is ~600 bytes as the registry writes it; Excel's re-save
# adds shared strings and styles: the per-row budget and the fixed part leave room for that), never more
# than MAX_UNPACKED_BYTES; at most MAX_MEMBERS files, of them at most MAX_SHEETS worksheets (the registry's
# workbook has 4).
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
UNPACKED_BASE_BYTES = 2 * 1024 * 1024
UNPACKED_BYTES_PER_ROW = 1536
MAX_MEMBERS = 60
MAX_SHEETS = 8

PLAN_SHEET = "Monitoring Plan Sheet"
CALCULATION_SHEET = "Calculation Process"
STRUCTURE_SHEET = "Monitoring Structure Sheet"
META_SHEET = "meta"

HEADER_ROW = 5
PLAN_COLUMNS = (
    "Symbol", "Description", "Unit", "Kind", "Per site", "Site", "Value", "Allowed range",
    "Monitoring option", "Source of data", "Measurement method", "Frequency",
)
STRUCTURE_COLUMNS = ("symbol", "unit", "kind", "per_site", "site")  # compared on read-back
COLUMN = {name: index + 1 for index, name in enumerate(PLAN_COLUMNS)}
VALUE_COLUMN = COLUMN["Value"]
DEFAULT_SITE = "Site 1"
ALL_SITES = "all sites"
MAX_SITE_NAME = 100  # as projects.Site.name
MAX_SITES = 1000

KIND_LABELS = {"default": "Fixed default value", "ex_ante": "Ex-ante (set in the PDD)", "monitored": "Monitored"}
MONITORING_OPTIONS = {"A": "A – public data", "B": "B – invoices or purchase records", "C": "C – measurement"}
ROLES = (
    ("Project management", "Overall responsibility for monitoring and reporting"),
    ("Monitoring manager", "Organises monitoring and checks that the monitoring plan is followed"),
    ("Data collection", "Reads meters, collects invoices or purchase records, records the values"),
    ("Quality control", "Checks recorded data, keeps records and evidence"),
    ("Calibration and maintenance", "Calibrates and maintains the measuring equipment"),
    ("Reporting", "Prepares the Monitoring Report"),
)

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_FIXED_FILL = PatternFill("solid", fgColor="E7E6E6")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


@dataclass(frozen=True)
class _Row:
    parameter: ParameterSpec
    site: str | None

    def cells(self) -> dict[str, str]:
        """The structural cells as they are written (and must be read back)."""
        p = self.parameter
        return {
            "symbol": p.symbol,
            "unit": p.unit,
            "kind": KIND_LABELS[p.kind],
            "per_site": "yes" if p.per_site else "no",
            "site": self.site if self.site is not None else (ALL_SITES if p.per_site else ""),
        }


_STRUCTURE_HEADERS = {"symbol": "Symbol", "unit": "Unit", "kind": "Kind", "per_site": "Per site", "site": "Site"}


def _layout(spec: MethodologySpec, sites: Sequence[str]) -> list[_Row]:
    rows: list[_Row] = []
    for parameter in spec.parameters:
        if parameter.per_site and parameter.kind != "default":
            rows.extend(_Row(parameter, site) for site in sites)
        else:
            rows.append(_Row(parameter, None))
    return rows


def _workbook_fingerprint(spec: MethodologySpec, code: str, version: str, sites: Sequence[str]) -> str:
    content = json.dumps([FORMAT_VERSION, code, version, list(sites), spec_fingerprint(spec)],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _sites_for(spec: MethodologySpec, sites: Sequence[str] | None) -> list[str]:
    if sites is None:
        needed = any(p.per_site and p.kind != "default" for p in spec.parameters)
        return [DEFAULT_SITE] if needed else []
    result: list[str] = []
    for site in sites:
        if not isinstance(site, str) or not site.strip() or site in result:
            raise EngineError("Sites must be distinct, non-empty names.", field="sites")
        if len(site) > MAX_SITE_NAME or ILLEGAL_CHARACTERS_RE.search(site):
            raise EngineError(f"A site's name has at most {MAX_SITE_NAME} characters and no control characters.",
                              field="sites")
        result.append(site)
    if len(result) > MAX_SITES:
        raise EngineError(f"A workbook has at most {MAX_SITES} sites.", field="sites")
    return result


# --------------------------------------------------------------------------------------------------
# Export


def export_monitoring_workbook(
    spec: MethodologySpec,
    *,
    methodology_code: str,
    version: str,
    sites: Sequence[str] | None = None,
    parameter_info: Mapping[str, Mapping[str, str]] | None = None,
    title: str = "",
) -> bytes:
    """The methodology spreadsheet as XLSX bytes.

    ``sites`` gives one input row per site for per-site parameters (default: one row, "Site 1").
    ``parameter_info`` may give, per symbol, ``monitoring_option`` (A, B or C), ``source``,
    ``method`` and ``frequency``, shown in the Monitoring Plan Sheet.
    """
    validate(spec)
    site_list = _sites_for(spec, sites)
    workbook = Workbook()
    plan = workbook.active
    plan.title = PLAN_SHEET
    _write_plan_sheet(plan, spec, methodology_code, version, site_list, parameter_info or {}, title)
    _write_calculation_sheet(workbook.create_sheet(CALCULATION_SHEET), spec, methodology_code, version)
    _write_structure_sheet(workbook.create_sheet(STRUCTURE_SHEET), methodology_code, version)
    _write_meta_sheet(workbook.create_sheet(META_SHEET), spec, methodology_code, version, site_list)
    workbook.properties.title = f"{methodology_code} {version} monitoring spreadsheet"
    workbook.properties.creator = "JCM Registry"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _heading(sheet: Worksheet, text: str, code: str, version: str, title: str = "") -> None:
    sheet.cell(row=1, column=1, value=text).font = _TITLE
    sheet.cell(row=2, column=1, value="Methodology").font = _BOLD
    sheet.cell(row=2, column=2, value=code)
    sheet.cell(row=2, column=3, value="Version").font = _BOLD
    sheet.cell(row=2, column=4, value=version)
    if title:
        sheet.cell(row=2, column=5, value=title)


def _header_row(sheet: Worksheet, row: int, names: Sequence[str], widths: Sequence[int]) -> None:
    for column, (name, width) in enumerate(zip(names, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=column, value=name)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = width


def _write_plan_sheet(sheet: Worksheet, spec: MethodologySpec, code: str, version: str, sites: list[str],
                      info: Mapping[str, Mapping[str, str]], title: str) -> None:
    _heading(sheet, "Monitoring Plan Sheet (input)", code, version, title)
    sheet.cell(row=3, column=1, value=(
        "Fill in the yellow cells of the Value column, in the unit shown, with a decimal point and no "
        "thousands separators. Do not add, remove or reorder rows; fixed default values cannot be changed."))
    _header_row(sheet, HEADER_ROW, PLAN_COLUMNS, (12, 40, 12, 22, 9, 18, 16, 20, 22, 28, 28, 16))
    for offset, row in enumerate(_layout(spec, sites), start=1):
        _write_plan_row(sheet, HEADER_ROW + offset, row, info.get(row.parameter.symbol, {}))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=2)
    sheet.protection.sheet = True  # no password: it prevents accidents, not people
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _write_plan_row(sheet: Worksheet, row_number: int, row: _Row, info: Mapping[str, str]) -> None:
    p = row.parameter
    structure = row.cells()
    low = None if p.min_value is None else Decimal(p.min_value)
    high = None if p.max_value is None else Decimal(p.max_value)
    option = str(info.get("monitoring_option", "") or "")
    values = {
        "Symbol": structure["symbol"], "Description": p.description, "Unit": structure["unit"],
        "Kind": structure["kind"], "Per site": structure["per_site"], "Site": structure["site"],
        "Allowed range": range_text(low, high, p.unit),
        "Monitoring option": MONITORING_OPTIONS.get(option.strip().upper(), option),
        "Source of data": info.get("source", ""), "Measurement method": info.get("method", ""),
        "Frequency": info.get("frequency", ""),
    }
    for name, value in values.items():
        sheet.cell(row=row_number, column=COLUMN[name], value=value or None)
    value_cell = sheet.cell(row=row_number, column=VALUE_COLUMN)
    value_cell.number_format = "@"  # text, so what is typed stays exact (no binary floating point)
    if p.kind == "default":
        value_cell.value = format_decimal(Decimal(p.default_value))  # type: ignore[arg-type]
        value_cell.fill = _FIXED_FILL
    else:
        value_cell.fill = _INPUT_FILL
        value_cell.protection = Protection(locked=False)
    for column in range(1, len(PLAN_COLUMNS) + 1):
        sheet.cell(row=row_number, column=column).alignment = Alignment(wrap_text=True, vertical="top")


def _write_calculation_sheet(sheet: Worksheet, spec: MethodologySpec, code: str, version: str) -> None:
    _heading(sheet, "Calculation Process", code, version)
    _header_row(sheet, 4, ("Step", "Symbol", "Formula", "Unit", "Per site", "Description"), (6, 12, 50, 12, 9, 50))
    formulas = evaluation_order(spec)
    for step, formula in enumerate(formulas, start=1):
        row = 4 + step
        cells = (step, formula.symbol, f"{formula.symbol} = {describe(formula.expression)}", formula.unit,
                 "yes" if formula.per_site else "no", formula.description or None)
        for column, value in enumerate(cells, start=1):
            sheet.cell(row=row, column=column, value=value)
    notes = (
        "Σ(...) adds the expression up over all sites (or units of equipment); per-site values take each "
        "site's value.",
        f"Arithmetic is exact decimal arithmetic with {PRECISION} significant digits (round half even).",
        "Emission reductions ER are rounded down to whole tCO2e to give credits; a negative ER gives no credits.",
    )
    for offset, note in enumerate(notes, start=len(formulas) + 6):
        sheet.cell(row=offset, column=1, value=note)
    sheet.protection.sheet = True


def _write_structure_sheet(sheet: Worksheet, code: str, version: str) -> None:
    _heading(sheet, "Monitoring Structure Sheet", code, version)
    sheet.cell(row=3, column=1, value="Fill in who is responsible for each role of the monitoring structure.")
    _header_row(sheet, 4, ("Role", "Responsibilities", "Name / organisation", "Contact"), (28, 60, 30, 30))
    for row, (role, duty) in enumerate(ROLES, start=5):
        sheet.cell(row=row, column=1, value=role)
        sheet.cell(row=row, column=2, value=duty)
        for column in (3, 4):
            cell = sheet.cell(row=row, column=column)
            cell.fill = _INPUT_FILL


def _write_meta_sheet(sheet: Worksheet, spec: MethodologySpec, code: str, version: str, sites: list[str]) -> None:
    rows = (
        ("format", FORMAT_NAME),
        ("format_version", FORMAT_VERSION),
        ("methodology_code", code),
        ("version", version),
        ("sites", json.dumps(sites, ensure_ascii=False)),
        ("fingerprint", _workbook_fingerprint(spec, code, version, sites)),
    )
    for row, (key, value) in enumerate(rows, start=1):
        sheet.cell(row=row, column=1, value=key)
        sheet.cell(row=row, column=2, value=value)
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True


# --------------------------------------------------------------------------------------------------
# Read back


def _refuse(message: str) -> EngineError:
    return EngineError(message, field="workbook")


def read_monitoring_workbook(data: bytes, spec: MethodologySpec, *, methodology_code: str, version: str
                             ) -> dict[str, Any]:
    """The values of a filled Monitoring Plan Sheet, in the shape :func:`engine.calculate` accepts.

    Returns ``{symbol: Decimal}`` and ``{symbol: {site: Decimal}}`` for the ex-ante and monitored
    parameters, in each parameter's unit. Fixed default values are checked, not returned.
    """
    validate(spec)
    workbook = _open(data, unpacked_budget(spec))
    meta = _read_meta(workbook)
    if meta.get("methodology_code") != methodology_code or meta.get("version") != version:
        raise _refuse(f"This workbook is for {meta.get('methodology_code')} {meta.get('version')}, "
                      f"not {methodology_code} {version}.")
    sites = _meta_sites(meta)
    if meta.get("fingerprint") != _workbook_fingerprint(spec, methodology_code, version, sites):
        raise _refuse(f"This workbook does not match the parameters of {methodology_code} {version} (it was made "
                      f"from another form of the methodology, or its hidden sheet was edited). Download a new "
                      f"workbook.")
    if PLAN_SHEET not in workbook.sheetnames:
        raise _refuse(f"The sheet {PLAN_SHEET!r} is missing.")
    sheet = workbook[PLAN_SHEET]
    rows = _layout(spec, sites)
    _check_structure(sheet, rows)
    return _read_values(sheet, rows)


def unpacked_budget(spec: MethodologySpec) -> int:
    """The largest unpacked size a filled workbook of this version may have."""
    rows = sum(MAX_SITES if parameter.per_site else 1 for parameter in spec.parameters)
    return min(MAX_UNPACKED_BYTES, UNPACKED_BASE_BYTES + rows * UNPACKED_BYTES_PER_ROW)


def _open(data: bytes, budget: int = MAX_UNPACKED_BYTES) -> Any:
    if not isinstance(data, bytes | bytearray) or not data:
        raise _refuse("No workbook was given.")
    if len(data) > MAX_WORKBOOK_BYTES:
        raise _refuse(f"The workbook is larger than {MAX_WORKBOOK_BYTES // (1024 * 1024)} MB.")
    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        raise _refuse("This file is not an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse("This file is not a readable Excel workbook (.xlsx).") from None
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")]
    if len(members) > MAX_MEMBERS or len(sheets) > MAX_SHEETS:
        raise _refuse(f"The workbook has too many sheets or parts (the registry's workbook has 4 sheets; at most "
                      f"{MAX_SHEETS} are read).")
    if sum(member.file_size for member in members) > budget:
        raise _refuse(f"The workbook is too large once unpacked (more than {budget // (1024 * 1024) or 1} MB for "
                      f"this methodology with {MAX_SITES} sites).")
    try:
        return load_workbook(stream, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors (zip, XML, KeyError...) for a damaged file
        raise _refuse("This file is not a readable Excel workbook (.xlsx).") from None


def _read_meta(workbook: Any) -> dict[str, str]:
    if META_SHEET not in workbook.sheetnames:
        raise _refuse("This workbook was not made by the registry (its hidden sheet 'meta' is missing). "
                      "Download the methodology's workbook and fill that one in.")
    sheet = workbook[META_SHEET]
    meta = {}
    for row in sheet.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row[0] is not None:
            meta[str(row[0])] = "" if row[1] is None else str(row[1])
    if meta.get("format") != FORMAT_NAME or meta.get("format_version") != FORMAT_VERSION:
        raise _refuse("This workbook was not made by the registry, or by an older version of it.")
    return meta


def _meta_sites(meta: Mapping[str, str]) -> list[str]:
    try:
        sites = json.loads(meta.get("sites", ""))
    except (ValueError, RecursionError):
        sites = None
    if not isinstance(sites, list) or not all(isinstance(site, str) for site in sites):
        raise _refuse("The hidden sheet of this workbook was edited; download a new workbook.")
    return sites


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _check_structure(sheet: Worksheet, rows: list[_Row]) -> None:
    for name, column in COLUMN.items():
        if _text(sheet.cell(row=HEADER_ROW, column=column).value) != name:
            raise _refuse(f"{PLAN_SHEET}: the column headings in row {HEADER_ROW} were changed; "
                          f"column {get_column_letter(column)} should be {name!r}.")
    for offset, row in enumerate(rows, start=1):
        row_number = HEADER_ROW + offset
        for key, expected in row.cells().items():
            column = COLUMN[_STRUCTURE_HEADERS[key]]
            found = _text(sheet.cell(row=row_number, column=column).value)
            if found != expected:
                label = row.parameter.symbol + (f" at site {row.site!r}" if row.site else "")
                raise _refuse(f"{PLAN_SHEET} row {row_number}: {_STRUCTURE_HEADERS[key]} is {found or 'empty'!r} "
                              f"but the row for {label} should have {expected or 'nothing'!r}. Rows must not "
                              f"be added, removed, reordered or changed; download a new workbook.")
    last = HEADER_ROW + len(rows)
    for row_number in range(last + 1, max(sheet.max_row, last) + 1):
        for column in range(1, len(PLAN_COLUMNS) + 1):
            if _text(sheet.cell(row=row_number, column=column).value):
                raise _refuse(f"{PLAN_SHEET} row {row_number} was added below the inputs; rows must not be "
                              f"added. Download a new workbook.")


def _read_values(sheet: Worksheet, rows: list[_Row]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for offset, row in enumerate(rows, start=1):
        p = row.parameter
        cell = sheet.cell(row=HEADER_ROW + offset, column=VALUE_COLUMN)
        where = f"Cell {cell.coordinate} ({p.symbol}" + (f" at site {row.site!r})" if row.site else ")")
        try:
            value = _cell_number(cell, where, p.symbol)
        except EngineError as exc:
            errors.setdefault(p.symbol, []).append(exc.message)
            continue
        if p.kind == "default":
            if value != Decimal(p.default_value):  # type: ignore[arg-type]
                errors.setdefault(p.symbol, []).append(
                    f"{where} is a fixed default value of the methodology "
                    f"({format_decimal(Decimal(p.default_value))}); it must not be changed.")  # type: ignore[arg-type]
        elif row.site is not None:
            values.setdefault(p.symbol, {})[row.site] = value
        else:
            values[p.symbol] = value
    if errors:
        messages = [message for group in errors.values() for message in group]
        extra = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
        raise EngineError(messages[0] + extra, errors=errors)
    return values


def _cell_number(cell: Any, where: str, symbol: str) -> Decimal:
    raw = cell.value
    if cell.data_type == "f" or (isinstance(raw, str) and raw.startswith("=")):
        raise EngineError(f"{where} contains a formula; enter the value itself.", field=symbol)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise EngineError(f"{where} is empty; fill in the value.", field=symbol)
    if isinstance(raw, float):
        raw = repr(raw)  # the shortest text that gives this number back: what was typed
    elif isinstance(raw, bool) or not isinstance(raw, int | str):
        raise EngineError(f"{where}: {raw!r} is not a number.", field=symbol)
    return parse_number(raw, where, symbol)
