"""Found 4 (issue 12): the public calculation and spreadsheet endpoints refuse oversized work before doing any.

No timing asserts here (bench/public_endpoints.py measures): each test makes the work itself fail loudly
(the engine, openpyxl's loader), so that reaching it at all is the failure."""

import io
import zipfile

import pytest

from methodologies import spreadsheet
from methodologies.engine import MAX_SITES
from tests.methodologies.conftest import approved, in_consideration, proposal  # noqa: F401

API = "/api/v1"
pytestmark = pytest.mark.django_db


def _no_work(*args, **kwargs):
    raise AssertionError("the work was started before the limits were checked")


@pytest.fixture
def version(approved):  # noqa: F811
    return approved.versions.get(status="valid")


@pytest.fixture
def engine_forbidden(monkeypatch):
    from methodologies import selectors

    monkeypatch.setattr(selectors.engine, "calculate", _no_work)


def _calculate(api_client, version, body):
    return api_client.post(f"{API}/methodology-versions/{version.pk}/calculate/", body, format="json")


def test_twenty_thousand_sites_are_refused_before_the_engine_runs(api_client, version, engine_forbidden):
    sites = [f"site {i}" for i in range(20_000)]
    response = _calculate(api_client, version, {"values": {"EG_i": {"A": "1"}}, "sites": sites})
    assert response.status_code == 400, response.content[:300]
    assert f"At most {MAX_SITES} sites" in response.json()["errors"]["sites"][0]


def test_twenty_thousand_sites_inside_a_value_are_refused_before_the_engine_runs(api_client, version,
                                                                                 engine_forbidden):
    per_site = {f"site {i}": "1" for i in range(20_000)}
    response = _calculate(api_client, version, {"values": {"EG_i": per_site}})
    assert response.status_code == 400, response.content[:300]
    assert f"At most {MAX_SITES} sites" in response.json()["errors"]["values.EG_i"][0]


def test_a_body_over_the_size_limit_is_refused(api_client, version, engine_forbidden, settings):
    settings.JCM_API_MAX_BODY_BYTES = 10_000
    response = _calculate(api_client, version, {"values": {"EG_i": {"A": "1" * 20_000}}})
    assert response.status_code == 413, response.content[:300]
    assert "10,000 bytes" in response.json()["detail"] or "10000 bytes" in response.json()["detail"]


def test_sites_are_deduplicated_in_linear_time():
    """The engine's list of sites keeps a set beside the list (no `site in list` per site)."""
    from methodologies.engine.inputs import InputReader

    class Plan:
        parameters, needs_sites = [], True

    sites = [f"s{i}" for i in range(MAX_SITES - 1)] + ["s1"]
    reader = InputReader.__new__(InputReader)
    reader.plan, reader.values, reader.notes = Plan(), {}, []
    from methodologies.engine.errors import EngineError, Problems

    reader.problems = Problems()
    with pytest.raises(EngineError) as refused:
        reader._sites(sites)
    assert "listed twice" in str(refused.value.errors if hasattr(refused.value, "errors") else refused.value)


# --- the spreadsheet reader ---------------------------------------------------------------------------------

@pytest.fixture
def loader_forbidden(monkeypatch):
    monkeypatch.setattr(spreadsheet, "load_workbook", _no_work)


def _workbook(version, api_client) -> bytes:
    return api_client.get(f"{API}/methodology-versions/{version.pk}/spreadsheet/?sites=North,South").content


def _rezip(data: bytes, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        members = {info.filename: source.read(info) for info in source.infolist()}
        for name, content in change(members).items():
            target.writestr(name, content)
    return out.getvalue()


def _read(api_client, version, data: bytes):
    upload = io.BytesIO(data)
    upload.name = "filled.xlsx"
    return api_client.post(f"{API}/methodology-versions/{version.pk}/read-spreadsheet/", {"file": upload},
                           format="multipart")


def test_a_zip_bomb_workbook_is_refused_before_it_is_loaded(api_client, version, loader_forbidden):
    """4 MB that unpack to 45 MB (under the old 50 MB cap): refused from the zip's directory alone."""
    def pad(members):
        sheet = members["xl/worksheets/sheet1.xml"]
        members["xl/worksheets/sheet1.xml"] = sheet.replace(b"</worksheet>", b"<!--" + b" " * 45_000_000
                                                            + b"--></worksheet>")
        return members

    bomb = _rezip(_workbook(version, api_client), pad)
    assert len(bomb) < spreadsheet.MAX_WORKBOOK_BYTES
    response = _read(api_client, version, bomb)
    assert response.status_code == 400, response.content[:300]
    assert "too large once unpacked" in response.json()["errors"]["workbook"][0]


def test_a_workbook_with_hundreds_of_sheets_is_refused_before_it_is_loaded(api_client, version, loader_forbidden):
    def more_sheets(members):
        for n in range(5, 300):
            members[f"xl/worksheets/sheet{n}.xml"] = members["xl/worksheets/sheet2.xml"]
        return members

    response = _read(api_client, version, _rezip(_workbook(version, api_client), more_sheets))
    assert response.status_code == 400, response.content[:300]
    assert "sheets" in response.json()["errors"]["workbook"][0]


def test_the_registry_workbook_still_reads(api_client, version):
    response = _read(api_client, version, _workbook(version, api_client))
    assert response.status_code == 400  # nothing filled in: the values are missing, the workbook was read
    assert "workbook" not in response.json().get("errors", {}), response.json()


def test_an_oversized_upload_is_refused_from_its_length(api_client, version, loader_forbidden):
    response = _read(api_client, version, b"PK" + b"\0" * (spreadsheet.MAX_WORKBOOK_BYTES + 100_000))
    assert response.status_code == 413, response.content[:300]
    assert "larger than 5 MB" in response.json()["detail"]
