"""The Japanese translation: the catalogue is complete (no fuzzy guess, nothing left in English), its
placeholders and markup match the English, the compiled .mo is the .po, and real pages read in Japanese
when the visitor chooses Japanese (language cookie or the browser's Accept-Language)."""

from __future__ import annotations

import datetime
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from committee import services as committee_services
from committee.choices import DecisionKind, DecisionMode, OrganizationKind, Role
from credits import services as credits_services
from credits.choices import AccountType
from tests import factories as f
from tests.projects import cycle

LOCALE = Path(settings.LOCALE_PATHS[0]) / "ja" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


# --- the catalogue ----------------------------------------------------------------------------------

def _unquote(line: str) -> str:
    body = line.strip()[1:-1]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), body)


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgctxt, msgid, msgid_plural and msgstr (a dict: None or index)."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = {"flags": set(), "ctxt": None, "id": None, "plural": None, "str": {}, "obsolete": False}
        field = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith("msgctxt "):
                field, entry["ctxt"] = ("ctxt", None), _unquote(line[8:])
            elif line.startswith("msgid_plural "):
                field, entry["plural"] = ("plural", None), _unquote(line[13:])
            elif line.startswith("msgid "):
                field, entry["id"] = ("id", None), _unquote(line[6:])
            elif line.startswith("msgstr"):
                match = re.match(r"msgstr(?:\[(\d+)\])? (.*)", line)
                index = None if match.group(1) is None else int(match.group(1))
                field = ("str", index)
                entry["str"][index] = _unquote(match.group(2))
            elif line.startswith('"'):
                if field[0] == "str":
                    entry["str"][field[1]] += _unquote(line)
                else:
                    entry[field[0]] += _unquote(line)
        if entry["id"] is not None and not entry["obsolete"]:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return parse_po(PO)


def messages(catalogue):
    return [e for e in catalogue if e["id"]]


def test_the_header_declares_japanese_with_one_plural_form(catalogue):
    header = catalogue[0]
    assert header["id"] == ""
    assert "Language: ja\n" in header["str"][None]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header["str"][None]
    assert "charset=UTF-8" in header["str"][None]


def test_no_guessed_translation_is_left(catalogue):
    fuzzy = [e["id"] for e in messages(catalogue) if "fuzzy" in e["flags"]]
    assert fuzzy == []


def test_every_message_is_translated(catalogue):
    untranslated = [e["id"] for e in messages(catalogue) if not all(e["str"].values())]
    assert untranslated == []
    plural = [e for e in messages(catalogue) if e["plural"] is not None]
    assert plural, "the catalogue has plural messages"
    assert all(set(e["str"]) == {0} for e in plural), "Japanese has exactly one form: msgstr[0]"


def test_placeholders_and_markup_are_kept(catalogue):
    """A translation uses the placeholders of the English (python-format %(name)s, brace {value}) and
    keeps its HTML tags, so that formatting never raises and links still work."""
    patterns = [r"%\(\w+\)[sd]", r"\{\w+\}", r"</?[a-z][^<>]*>"]
    for entry in messages(catalogue):
        source = entry["id"] + (entry["plural"] or "")
        for translation in entry["str"].values():
            for pattern in patterns:
                used = set(re.findall(pattern, translation))
                given = set(re.findall(pattern, source))
                if pattern.startswith("%") and entry["id"] == "%(ordinal)s Joint Committee":
                    given.add("%(number)s")  # committee/forms.py passes both "ordinal" and "number"
                if pattern.startswith("<") and "X-JCM-Signature" in source:
                    continue  # <unix time> there is prose, not markup
                assert used <= given, (entry["id"], used - given)
                if pattern.startswith("<"):
                    assert used == given, (entry["id"], given - used)


def test_the_compiled_catalogue_is_the_po_file(catalogue):
    """The .mo that Django loads holds every translation of the .po: nobody forgot msgfmt."""
    with MO.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)._catalog
    for entry in messages(catalogue):
        key = entry["id"] if entry["ctxt"] is None else f"{entry['ctxt']}\x04{entry['id']}"
        if entry["plural"] is None:
            assert compiled.get(key) == entry["str"][None], entry["id"]
        else:
            assert compiled.get((key, 0)) == entry["str"][0], entry["id"]


# --- pages in Japanese ------------------------------------------------------------------------------

def page_text(response) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def japanese_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    return client


@pytest.fixture
def project_in_public_input(sysadmin, jc, japan, mongolia, secretariat):
    """MN001, a solar PV project whose PDD is open for public input."""
    scope = f.scope(1)
    solar = cycle.approved_version(sysadmin, jc, title="Installation of Solar PV System", scope=scope,
                                   content=cycle.solar_content(), approved="MN_AM003")
    japanese = f.OrganizationFactory(name="Nippon Solar K.K.", kind=OrganizationKind.COMPANY, country=japan)
    partner = f.OrganizationFactory(name="Darkhan Energy LLC", kind=OrganizationKind.COMPANY, country=mongolia)
    pp = f.make_user("pp_focal", Role.PROJECT_PARTICIPANT, organization=japanese)
    project = cycle.create_project(pp, jc, version=solar, scope=scope, japanese=japanese, partner=partner)
    tpe = committee_services.tpe_designate(
        actor=sysadmin, joint_committee=jc, designated_on=datetime.date(2014, 1, 15), scopes_validation=[scope],
        scopes_verification=[scope], number=1,
        organization=f.OrganizationFactory(name="Good Verification Ltd.", kind=OrganizationKind.TPE, country=None))
    auditor = f.make_user("auditor", Role.TPE_AUDITOR, organization=tpe.organization)
    return cycle.to_public_input(project, pp=pp, secretariat=secretariat, days_back=3, tpe=tpe, auditor=auditor)


@pytest.fixture
def issued_block(sysadmin, japan, jc, secretariat):
    """1,000 credits of MN001 issued into Japan's government holding account."""
    registry = credits_services.registry_open(actor=sysadmin, country=japan, name="Japan JCM Registry")
    admin = f.make_user("regadmin_jp", Role.REGISTRY_ADMIN, country=japan)
    account = credits_services.account_open(actor=admin, registry=registry, type=AccountType.GOVERNMENT_HOLDING,
                                            name="Government of Japan")
    decision = committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 3, 1), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.ISSUE_CREDITS, title="Decision on issuance of credits: MN001, monitoring period 1",
        subject_label="MN001 monitoring period 1")
    credits_services.issue(actor=admin, registry=registry, decision=decision, project_code="MN001",
                           monitoring_period_number=1, monitoring_period_key="MN001/01", vintage=2024,
                           shares=[credits_services.Share(account, 1000)], decided_quantity=1000)
    return account.blocks.get()


def test_the_project_register_and_a_project_page_read_in_japanese(project_in_public_input):
    client = japanese_client()
    listing = page_text(client.get("/projects/"))
    assert "JCMプロジェクト" in listing
    assert "想定tCO2e/年" in listing and "絞り込む" in listing
    assert "プロジェクト 1件" in listing
    assert "JCM projects" not in listing

    page = page_text(client.get("/projects/MN001/"))
    assert "プロジェクト設計書（PDD）" in page
    assert "パブリックインプットのために公開されています" in page
    assert "クレジット期間" in page and "フォーカルポイント" in page and "適格性要件" in page
    assert "Project Design Document" not in page and "Crediting period" not in page


def test_the_credits_registry_reads_in_japanese(issued_block):
    client = japanese_client()
    home = page_text(client.get("/registry/"))
    assert "JCMクレジット登録簿" in home
    assert "口座の種類ごとに記録されたJCMクレジットの量" in home
    assert "シリアル番号検索" in home
    assert "JCM credits registry" not in home

    blocks = page_text(client.get("/registry/blocks/"))
    assert "ブロック 1件" in blocks

    block = page_text(client.get(f"/registry/blocks/{issued_block.pk}/"))
    assert "これらのユニットの履歴" in block and "ビンテージ" in block and "対応調整" in block
    assert "History of these units" not in block


def test_the_browser_language_is_followed_and_english_stays_the_default(issued_block):
    assert "JCMクレジット登録簿" in page_text(Client().get("/registry/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5"))
    english = page_text(Client().get("/registry/"))
    assert "JCM credits registry" in english and "JCMクレジット登録簿" not in english


FORM_MODULES = ["committee.forms", "methodologies.forms", "projects.forms", "credits.forms"]


@pytest.mark.parametrize("module_name", FORM_MODULES)
def test_every_form_field_has_a_translatable_label(module_name):
    """A field without a label shows its Python name, which no catalogue can translate."""
    import importlib
    import inspect

    from django import forms
    from django.utils.functional import Promise

    module = importlib.import_module(module_name)
    unlabelled = [
        f"{name}.{field_name}"
        for name, form in inspect.getmembers(module, inspect.isclass)
        if issubclass(form, forms.BaseForm) and form.__module__ == module_name
        for field_name, field in form.base_fields.items()
        if not isinstance(field.widget, forms.HiddenInput) and not isinstance(field.label, Promise)
    ]
    assert unlabelled == []


def test_one_word_two_meanings_has_two_translations(issued_block):
    """'From' is a member's start date on a Joint Committee page and the sending account in the
    registry: the registry's block history shows the right one."""
    html = page_text(japanese_client().get(issued_block.get_absolute_url()))
    assert "移転元" in html and "就任日" not in html
