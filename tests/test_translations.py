"""The Japanese and Mongolian translations: each catalogue is complete (no fuzzy guess, nothing left in
English), its placeholders and markup match the English, the compiled .mo is the .po, and real pages read
in Japanese or in Mongolian (Cyrillic) when the visitor chooses it (language switch, language cookie or the
browser's Accept-Language)."""

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

# Each translated language: its plural rule as the catalogue header states it, and the msgstr indexes
# a plural message has (Japanese one form, Mongolian two: one / other).
LANGUAGES = {
    "ja": {"plural_forms": "nplurals=1; plural=0;", "plural_indexes": {0}},
    "mn": {"plural_forms": "nplurals=2; plural=(n != 1);", "plural_indexes": {0, 1}},
}


def po_path(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


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


@pytest.fixture(scope="module", params=sorted(LANGUAGES))
def language(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def catalogue(language) -> list[dict]:
    return parse_po(po_path(language))


def messages(catalogue):
    return [e for e in catalogue if e["id"]]


def test_the_languages_are_offered():
    assert [code for code, _ in settings.LANGUAGES] == ["en", *sorted(LANGUAGES)]


def test_the_header_declares_the_language_and_its_plural_forms(catalogue, language):
    header = catalogue[0]
    assert header["id"] == ""
    assert f"Language: {language}\n" in header["str"][None]
    assert f"Plural-Forms: {LANGUAGES[language]['plural_forms']}\n" in header["str"][None]
    assert "charset=UTF-8" in header["str"][None]


def test_no_guessed_translation_is_left(catalogue):
    fuzzy = [e["id"] for e in messages(catalogue) if "fuzzy" in e["flags"]]
    assert fuzzy == []


def test_every_message_is_translated(catalogue, language):
    untranslated = [e["id"] for e in messages(catalogue) if not all(e["str"].values())]
    assert untranslated == []
    plural = [e for e in messages(catalogue) if e["plural"] is not None]
    assert plural, "the catalogue has plural messages"
    indexes = LANGUAGES[language]["plural_indexes"]
    wrong = [e["id"] for e in plural if set(e["str"]) != indexes]
    assert wrong == [], f"plural forms are msgstr{sorted(indexes)}"


def test_the_catalogues_hold_the_same_messages():
    """Japanese and Mongolian translate the same messages: neither lags behind the other."""
    def keys(language):
        return {(e["ctxt"], e["id"]) for e in messages(parse_po(po_path(language)))}
    first, *others = sorted(LANGUAGES)
    for other in others:
        assert keys(first) ^ keys(other) == set()


def test_mongolian_is_written_in_cyrillic():
    """Every Mongolian message that has words of its own is in Cyrillic, not left in Latin letters
    (codes, symbols, units and formats such as “PDF”, “ID”, “SHA-256” stay as they are)."""
    latin_only = []
    for entry in messages(parse_po(po_path("mn"))):
        for translation in entry["str"].values():
            prose = re.sub(r"%\(\w+\)[sd]|\{[^{}]*\}|<[^<>]*>|&\w+;", " ", translation)
            words = re.findall(r"[^\W\d_]{4,}", prose)
            if any(re.search(r"[a-z]{4,}", w) for w in words) and not re.search(r"[\u0400-\u04FF]", prose):
                latin_only.append(entry["id"])
    allowed = {"REST API", "SHA-256", "URL", "API", "PDF", "ID", "MoC", "{symbol: value}",
               "invalid, permission_denied, not_found, conflict, ...", "[{criterion, meets, justification}]"}
    assert [m for m in latin_only if m not in allowed] == []


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
                if pattern.startswith("<") and "webhook-signature" in source:
                    continue  # <base64 HMAC...> there is prose, not markup
                assert used <= given, (entry["id"], used - given)
                if pattern.startswith("<"):
                    assert used == given, (entry["id"], given - used)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_catalogue_holds_every_string_of_the_code(tmp_path, monkeypatch, language):
    """makemessages over today's code adds nothing untranslated: no string of a page, form, e-mail or
    document was left out of the catalogue (a new gettext call without its Japanese or Mongolian fails
    here).
    It runs on a copy of the catalogue, in a folder that links to the sources, so the real one is
    never written."""
    import shutil

    from django.core.management import call_command
    from django.test import override_settings

    base = Path(settings.BASE_DIR)
    skip = {"locale", "tests", "var", "node_modules", "bench"}
    for entry in base.iterdir():
        if entry.name.startswith(".") or entry.name in skip:
            continue
        (tmp_path / entry.name).symlink_to(entry)
    copy = tmp_path / "locale" / language / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copy(po_path(language), copy / "django.po")
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=[language], symlinks=True, verbosity=0)
    refreshed = parse_po(copy / "django.po")
    missing = [e["id"] for e in messages(refreshed) if "fuzzy" in e["flags"] or not all(e["str"].values())]
    assert missing == []


def test_the_compiled_catalogue_is_the_po_file(catalogue, language):
    """The .mo that Django loads holds every translation of the .po: nobody forgot msgfmt."""
    with mo_path(language).open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)._catalog
    for entry in messages(catalogue):
        key = entry["id"] if entry["ctxt"] is None else f"{entry['ctxt']}\x04{entry['id']}"
        if entry["plural"] is None:
            assert compiled.get(key) == entry["str"][None], entry["id"]
        else:
            for index in LANGUAGES[language]["plural_indexes"]:
                assert compiled.get((key, index)) == entry["str"][index], entry["id"]


# --- pages in Japanese ------------------------------------------------------------------------------

def page_text(response) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def client_in(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def japanese_client() -> Client:
    return client_in("ja")


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


# --- pages in Mongolian -----------------------------------------------------------------------------

def test_the_language_switch_offers_mongolian_in_its_own_name(db):
    """Every page's switch offers English, 日本語 and Монгол, each marked with its language; choosing
    Монгол sets the language and the page then reads in Mongolian with <html lang="mn">."""
    client = Client()
    html = client.get("/registry/").content.decode()
    assert re.search(r'<button type="submit" name="language" value="mn" lang="mn"[^>]*>Монгол</button>', html)
    assert 'value="ja" lang="ja"' in html and 'value="en" lang="en"' in html
    response = client.post("/i18n/setlang/", {"language": "mn", "next": "/registry/"})
    assert response.status_code == 302 and response["Location"] == "/registry/"
    mongolian = client.get("/registry/")
    assert '<html lang="mn">' in mongolian.content.decode()
    assert re.search(r'value="mn" lang="mn" aria-pressed="true"', mongolian.content.decode())
    assert "ХКОМ-ын кредитийн бүртгэл" in page_text(mongolian)


def test_the_project_register_and_a_project_page_read_in_mongolian(project_in_public_input):
    client = client_in("mn")
    listing = page_text(client.get("/projects/"))
    assert "ХКОМ-ын төслүүд" in listing
    assert "Хүлээгдэж буй tCO2e/жил" in listing and "Шүүх" in listing
    assert "1 төсөл" in listing
    assert "JCM projects" not in listing

    page = page_text(client.get("/projects/MN001/"))
    assert "Төслийн төлөвлөлтийн баримт бичиг" in page
    assert "олон нийтийн саналд нээлттэй" in page
    assert "Кредит олгох хугацаа" in page and "Зохицуулагч" in page and "Тавигдах шалгуурууд" in page
    assert "Project Design Document" not in page and "Crediting period" not in page


def test_the_credits_registry_reads_in_mongolian(issued_block):
    client = client_in("mn")
    home = page_text(client.get("/registry/"))
    assert "ХКОМ-ын кредитийн бүртгэл" in home
    assert "Дансны төрөл тус бүрд бүртгэгдсэн ХКОМ-ын кредитийн хэмжээ" in home
    assert "Серийн дугаараар хайх" in home
    assert "JCM credits registry" not in home

    blocks = page_text(client.get("/registry/blocks/"))
    assert "1 блок" in blocks

    block = page_text(client.get(f"/registry/blocks/{issued_block.pk}/"))
    assert "Эдгээр нэгжийн түүх" in block and "Винтаж" in block and "Харгалзах тохируулга" in block
    assert "Илгээгч данс" in block  # "From" as the sending account, not a member's start date
    assert "History of these units" not in block


def test_the_browser_asking_for_mongolian_gets_it(issued_block):
    response = Client().get("/registry/", HTTP_ACCEPT_LANGUAGE="mn,en;q=0.5")
    assert "ХКОМ-ын кредитийн бүртгэл" in page_text(response)
    assert response["Content-Language"] == "mn"


def test_a_user_who_prefers_mongolian_gets_e_mails_in_mongolian(db):
    """Mongolian is a preferred language a user can hold, and the notice's e-mail frame follows it."""
    from notifications.models import Notification
    from notifications.services import build_email

    user = f.make_user("bat")
    user.email, user.language = "bat@example.org", "mn"
    user.full_clean()
    user.save()
    notice = Notification.objects.create(recipient=user, key="test:1", kind="credits.issued",
                                         subject="1,000 JCM credits issued for MN001/01", url="/registry/")
    email = build_email(notice)
    assert email.subject == "[ХКОМ-ын бүртгэл] 1,000 JCM credits issued for MN001/01"
    assert email.extra_headers["Content-Language"] == "mn"
    assert email.body.startswith("Эрхэм bat,")
    assert "Бүртгэлд нээх:" in email.body
    html, _ = email.alternatives[0]
    assert '<html lang="mn">' in html and "ХКОМ-ын бүртгэл" in html


def test_a_joint_committee_is_named_in_mongolian(jc, other_jc):
    """Mongolia's committee is named after Mongolia's own name; another partner keeps its recorded name."""
    from django.utils import translation

    with translation.override("mn"):
        assert jc.display_name == "Япон–Монгол Улс Хамтарсан хороо"
        assert other_jc.display_name == "Япон–Cambodia Хамтарсан хороо"
    with translation.override("en"):
        assert jc.display_name == jc.name == "Japan–Mongolia Joint Committee"
    page = page_text(client_in("mn").get(jc.get_absolute_url()))
    assert "Япон–Монгол Улс Хамтарсан хороо" in page


# --- documents: Mongolian names -----------------------------------------------------------------------

def test_a_pdf_document_renders_mongolian_cyrillic_as_text(tmp_path, settings):
    """Documents are written in English (docs/documents.md) but carry Mongolian names as recorded: the
    letters of Mongolian that Russian lacks (Ө ө, Ү ү) come out of the PDF as text, not as empty boxes."""
    import subprocess

    from core.document_kinds import Content, fact
    from documents.render import render_pdf

    settings.SITE_URL = "https://registry.example.org"
    beneficiary = "Өвөрхангай аймгийн Үйлдвэр ТӨХК"
    content = Content(title="Retirement certificate", issuer="Монгол Улсын ХКОМ-ын бүртгэл",
                      statement="Үндэсэндээ тодорхойлсон хувь нэмэрт ашиглах зорилгоор.",
                      addressee=beneficiary,
                      facts=[fact("Beneficiary", beneficiary), fact("Purpose", "Сайн дурын нөхөлт, 2025 он")])
    pdf = render_pdf("documents/pdf/retirement_certificate.html", {
        "content": content, "number": "JCM-RC-2026-000001", "version": 1,
        "issued_at": datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC),
        "kind_label": "Retirement certificate", "supersedes": None, "reason": ""})
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = " ".join(text.split())
    assert beneficiary in words
    assert "Монгол Улсын ХКОМ-ын бүртгэл" in words
    assert "Сайн дурын нөхөлт, 2025 он" in words
    assert "Үндэсэндээ тодорхойлсон хувь нэмэрт" in words


def test_countries_are_named_in_mongolian_where_the_registry_knows_the_name(japan, jc):
    """In Mongolian, Japan is “Япон” and Mongolia goes by its own name; in Japanese both by their Japanese
    names; in English by the recorded names."""
    mongolian = page_text(client_in("mn").get("/committee/"))
    assert "Монгол Улс" in mongolian and "Mongolia" not in mongolian
    japanese = page_text(japanese_client().get("/committee/"))
    assert "モンゴル" in japanese and "Mongolia" not in japanese
    english = page_text(Client().get("/committee/"))
    assert "Mongolia" in english  # the list also shows each country's name in its own language
    from django.template import Context, Template
    from django.utils import translation

    template = Template('{% include "committee/_country_name.html" %}')
    with translation.override("mn"):
        assert template.render(Context({"country": japan, "LANGUAGE_CODE": "mn"})) == "Япон"


def test_sectoral_scopes_are_named_in_mongolian(project_in_public_input):
    """The 15 scopes carry a Mongolian name (migration committee 0005) shown in lists and filters."""
    from committee.models import SectoralScope
    from committee.reference import SCOPES

    assert SectoralScope.objects.filter(name_mn="").count() == 0
    assert SectoralScope.objects.count() == len(SCOPES)
    listing = page_text(client_in("mn").get("/projects/"))
    assert "Эрчим хүчний үйлдвэрлэл (сэргээгдэх/сэргээгдэхгүй эх үүсвэр)" in listing  # the project's scope
    assert "Хог хаягдлын боловсруулалт, устгал" in listing  # the filter's choices
    assert "Energy industries" not in listing and "Waste handling" not in listing
    assert "Energy industries" in page_text(Client().get("/projects/"))
