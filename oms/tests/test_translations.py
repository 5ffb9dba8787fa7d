"""The German catalogue is complete, keeps its placeholders and is compiled; German pages render.

Every other catalogue (Arabic, Simplified Chinese) may still be incomplete, but what it
translates keeps the placeholders of the English text, and the main screens render in Arabic.

The .po file is read with a small parser here (polib/babel are not dependencies). The lead
refreshes the catalogue with makemessages, fills new strings and runs compilemessages; these
tests fail if a string was left empty or fuzzy, a placeholder got lost, or the .mo is stale.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
GERMAN_PO = LOCALE_DIR / "de" / "LC_MESSAGES" / "django.po"
CATALOGUES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))

PLACEHOLDER = re.compile(
    r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]"  # %(name)s, %(m)02d
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifr]"  # %s, %d
    r"|\{[A-Za-z_]\w*\}"  # {tracking_number}
)
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"$')


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def translations(self) -> dict[str, str]:
        """msgstr (or msgstr[n]) → text."""
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def read_po(path: Path) -> list[Entry]:
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry, current = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):  # obsolete entry
                entry = None
                break
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := _KEYWORD.match(line):
                current = match.group(1)
                entry.fields[current] = _unescape(match.group(2))
            elif line.startswith('"') and current:
                entry.fields[current] += _unescape(line[1:-1])
        if entry is not None and "msgid" in entry.fields:
            entries.append(entry)
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def german() -> list[Entry]:
    entries = [e for e in read_po(GERMAN_PO) if e.msgid or "msgctxt" in e.fields]
    assert len(entries) > 500, "the German catalogue looks truncated"
    return entries


def test_every_german_message_is_translated_and_not_fuzzy(german):
    untranslated = [e.msgid for e in german if not all(e.translations.values())]
    fuzzy = [e.msgid for e in german if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} without German text, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} still fuzzy, e.g. {fuzzy[:5]}"


def test_german_messages_keep_their_placeholders(german):
    wrong = []
    for e in german:
        for key, text in e.translations.items():
            source = e.msgid if key in ("msgstr", "msgstr[0]") else e.fields["msgid_plural"]
            if placeholders(source) != placeholders(text):
                wrong.append((e.msgid, key, text))
    assert not wrong, wrong[:5]


def test_every_catalogue_is_found():
    assert {po.parent.parent.name for po in CATALOGUES} >= {"de", "ar", "zh_Hans"}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parent.parent.name)
def test_translated_messages_keep_their_placeholders(po):
    """A lost or misspelt %(name)s shows the raw text or raises KeyError on the page.

    A plural form may follow the singular or the plural English text: languages with one
    form (Chinese) or six (Arabic) do not map their forms onto English's two.
    """
    wrong = []
    for e in read_po(po):
        if not e.msgid or "fuzzy" in e.flags:
            continue
        sources = {e.msgid, e.fields.get("msgid_plural", e.msgid)}
        expected = [placeholders(source) for source in sources]
        for key, text in e.translations.items():
            if text and placeholders(text) not in expected:
                wrong.append((e.msgid, key, text))
    assert not wrong, f"{len(wrong)} with other placeholders than the English text: {wrong[:5]}"


def test_german_catalogue_is_compiled():
    """A stale django.mo (compilemessages forgotten) shows English or old German."""
    stale = []
    with translation.override("de"):
        for e in read_po(GERMAN_PO):
            if not e.msgid or "msgctxt" in e.fields or "fuzzy" in e.flags:
                continue
            if "msgid_plural" in e.fields:
                got = translation.ngettext(e.msgid, e.fields["msgid_plural"], 2)
                expected = e.fields["msgstr[1]"]
            else:
                got, expected = translation.gettext(e.msgid), e.fields["msgstr"]
            if got != expected:
                stale.append((e.msgid, got, expected))
    assert not stale, f"run compilemessages: {stale[:3]}"


def test_login_page_in_german(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="de"' in page
    assert "Bei OMS anmelden" in page
    assert "Benutzername" in page and "Passwort" in page


@pytest.mark.parametrize(
    ("language", "heading"), [("ar", "تسجيل الدخول إلى OMS"), ("zh-hans", "登录 OMS")]
)
def test_login_page_in_arabic_and_chinese(client, language, heading):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert heading in response.content.decode()


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("agent", "/care/"),
        ("agent", "/care/review/"),
        ("ops", "/dashboard/"),
        ("returns", "/returns/desk/"),
        ("returns", "/returns/desk/transfers/"),
        ("store", "/store/store-berlin-mitte/"),
        ("store", "/store/store-berlin-mitte/pickup/"),
        ("store", "/store/store-berlin-mitte/aisle/"),
        ("store", "/store/store-berlin-mitte/returns/"),
        ("partner", "/partner/"),
        ("partner", "/partner/stock/"),
    ],
)
def test_screens_render_in_arabic(db, client, username, url):
    from oms.models import User

    client.force_login(User.objects.get(username=username))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="ar" dir="rtl"' in page
    assert "%(" not in page, "a placeholder was not filled in"
