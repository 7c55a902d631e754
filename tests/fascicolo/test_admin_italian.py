"""The clerks' admin reads in Italian on every page: no English left over from Django, allauth or a
model without Italian labels (issue 14).

What a clerk reads is the page's visible text (text nodes, and the ``title``, ``aria-label``,
``placeholder`` and ``alt`` attributes and the buttons' values a screen reader speaks). A word on
an Italian page is English when it occurs in the English source strings of the third-party
catalogues the admin uses (Django, allauth) and in no Italian string: neither an Italian
translation of those catalogues, nor a msgid of the project's catalogues (Italian is their source
language), nor a word Italian borrows (``LOANWORDS``). That catches a string nobody translated
("Add link"), a label that never went through gettext ("created at", "Can add persona", stored
in the database), and an Italian catalogue that left the English as it was ("Accounts").
The date widgets' text comes from the admin's JavaScript catalogue, checked on its own.
"""

import functools
import html
import json
import re
from pathlib import Path

import django
import lxml.html
import polib
import pytest
from allauth import __file__ as allauth_init
from django.urls import reverse
from django_countries import __file__ as django_countries_init

from tests.admin_walk import make_world, urls_to_visit
from tests.audit.staff import login_staff, make_staff
from tests.fascicolo.test_translations import catalogues

DJANGO = Path(django.__file__).parent
ALLAUTH = Path(allauth_init).parent
# Catalogues whose msgids are English: what the admin shows from Django and allauth. German, whose
# catalogues carry newer msgids than Italian's, adds the words of strings Italian never received.
ENGLISH_SOURCES = [
    *(DJANGO / app / "locale" for app in ("conf", "contrib/admin", "contrib/auth", "contrib/contenttypes")),
    *(DJANGO / "contrib" / app / "locale" for app in ("sessions", "messages")),
    ALLAUTH / "locale",
]
# English words Italian uses as they are (in the admin: a user's password, e-mail address, login).
LOANWORDS = {"password", "email", "login", "browser", "menu", "token", "hash", "salt", "staff", "online", "link"}
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}|<[^>]+>|&\w+;")
SPOKEN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


def words(text):
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text)) if len(word) >= 3}


@functools.cache
def english_only_words():
    english, italian = set(LOANWORDS), set()
    for locale_dir in ENGLISH_SOURCES:
        for language in ("it", "de"):
            for po_path in (locale_dir / language / "LC_MESSAGES").glob("*.po"):
                for entry in polib.pofile(str(po_path)):
                    english |= words(entry.msgid) | words(entry.msgid_plural or "")
                    if language == "it" and entry.msgstr and entry.msgstr != entry.msgid:
                        italian |= words(entry.msgstr)
    for po_path in (Path(django_countries_init).parent / "locale/it/LC_MESSAGES").glob("*.po"):
        italian |= {word for entry in polib.pofile(str(po_path)) for word in words(entry.msgstr)}  # country names
    for po_path in catalogues():  # the project's: Italian msgids, and Italian overrides in locale/it
        for entry in polib.pofile(str(po_path)):
            italian |= words(entry.msgid) if "/en/" in str(po_path) else words(entry.msgstr)
    return english - italian - LOANWORDS


def visible_text(page):
    """The page's text as people and screen readers get it: (where, text), one per text node or attribute."""
    tree = lxml.html.fromstring(page)
    for hidden in tree.xpath("//script|//style|//template"):
        hidden.drop_tree()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for text in (element.text, element.tail):
            if text and text.strip():
                yield "", " ".join(text.split())
        for attribute in SPOKEN_ATTRIBUTES:
            if element.get(attribute):
                yield f"[{attribute}] ", element.get(attribute)
        if element.tag == "input" and element.get("type") in ("submit", "button", "reset") and element.get("value"):
            yield "[button] ", element.get("value")


def english_on(page):
    """{text: its English words} for every piece of visible text with a word no Italian string has."""
    english = english_only_words()
    found = {}
    for where, text in visible_text(page):
        leftover = words(text) & english
        if leftover:
            found[where + text] = sorted(leftover)
    return found


def test_english_is_found_in_a_page_and_italian_is_not():
    page = """<html><head><title>Persone | Back office</title><script>var x = "Add link";</script></head>
    <body><h2>Accounts</h2><th>Model name</th><a href="#" aria-label="Today (30 novembre 2026)">Oggi</a>
    <label>Created at:</label><option>Anagrafe | persona | Can add persona</option>
    <input type="submit" value="Run"><p>Aggiungi persona</p><p>Password dell'operatore: 12 caratteri</p>
    <p>Kappavisto Ilaria (PPDZBB86S69F205I), 1 gennaio 1980</p></body></html>"""
    assert english_on(page) == {
        "Accounts": ["accounts"],
        "Model name": ["model", "name"],
        "[aria-label] Today (30 novembre 2026)": ["today"],
        "Created at:": ["created"],
        "Anagrafe | persona | Can add persona": ["add", "can"],
        "[button] Run": ["run"],
    }


@pytest.mark.django_db
def test_every_admin_page_reads_in_italian(client):
    world = make_world()
    login_staff(client, make_staff("m.bianchi", superuser=True), purpose="Verifica della qualità dei dati")
    visited, english = 0, {}
    for url in urls_to_visit(world[0]):
        response = client.get(url, headers={"accept-language": "it"})
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        visited += 1
        for text, leftover in english_on(response.content.decode()).items():
            english.setdefault(text, (url, leftover))
    assert visited > 100, visited
    report = "\n".join(f"{url}: {text!r} {leftover}" for text, (url, leftover) in sorted(english.items()))
    assert not english, f"English on Italian admin pages ({len(english)}):\n{report}"


def test_the_admins_scripts_have_italian_for_every_string(client, db):
    login_staff(client, make_staff("m.bianchi", superuser=True))
    script = client.get(reverse("admin:jsi18n"), headers={"accept-language": "it"}).content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))
    string = r'"(?:[^"\\]|\\.)*"'
    literal = rf"{string}(?:\s*\+\s*{string})*"  # "Note: ... " + "(You are ...)"
    calls = re.compile(rf"\b(n|p)?gettext\(\s*({literal})(?:\s*,\s*({literal}))?")

    def text(literal):
        return "".join(json.loads(piece) for piece in re.findall(string, literal))

    missing = set()
    for path in (DJANGO / "contrib/admin/static/admin/js").rglob("*.js"):
        if "vendor" in path.parts:
            continue
        for kind, first, second in calls.findall(path.read_text(encoding="utf-8")):
            msgid = f"{text(first)}\x04{text(second)}" if kind == "p" else text(first)
            if msgid not in catalog:
                missing.add(msgid.replace("\x04", " | "))
    assert "Today" in catalog
    assert not missing, f"Strings of the admin's scripts with no Italian: {sorted(missing)}"


@pytest.mark.django_db
def test_dates_read_the_italian_way_and_countries_by_name(client):
    from datetime import date

    from fascicolo.audit.models import AccessLogEntry
    from tests.audit.people import make_person

    person = make_person(family_name="Datato", birth_date=date(1980, 1, 1), birth_country="DE")
    person.citizenships.create(country="DE")
    login_staff(client, make_staff("m.bianchi", superuser=True), purpose="Verifica della qualità dei dati")
    listing = client.get(reverse("admin:registry_person_changelist"), {"q": person.fiscal_code}).content.decode()
    assert "1 gennaio 1980" in listing and "Gennaio" not in listing
    page = client.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    assert re.search(r'<option value="DE" selected>Germania</option>', page)
    assert '<option value="IT">Italia</option>' in page
    english = client.get(
        reverse("admin:registry_person_change", args=[person.pk]), headers={"accept-language": "en"}
    ).content.decode()
    assert re.search(r'<option value="DE" selected>Germany</option>', english)

    entry = AccessLogEntry.objects.filter(subject=person).latest("sequence")
    entry_page = client.get(reverse("admin:audit_accesslogentry_change", args=[entry.pk])).content.decode()
    labels = [html.unescape(label) for label in re.findall(r"<label>([^<]*)</label>", entry_page)]
    assert labels.count("Operatore:") == 1 and "Account dell'operatore:" in labels
