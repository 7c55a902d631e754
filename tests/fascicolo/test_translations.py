"""English coverage of the project's strings, and catalogues that compile to what is committed.

Italian is the source language. The root templates (``templates/``) and the modules of the project
package that no app's ``locale/`` covers (``fascicolo/*.py``, ``fascicolo/api/``) are translated in
the project catalogue, ``locale/en``; each app translates its own strings in its own ``locale/``.
Extraction runs Django's own ``makemessages`` on a scratch copy of those sources, so the test sees
exactly the msgids a real run would, including strings nobody has added to a catalogue yet.
"""

import os
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parents[2]
# Not searched for catalogues: environments, vendored code, generated and runtime data.
SKIPPED_DIRS = {".git", ".venv", ".tools", "node_modules", "static", "staticfiles", "var", "__pycache__"}


def root_owned_sources():
    """Files whose strings belong to locale/en: templates/, and the project package's modules
    outside any app that has a locale/ directory (makemessages' own rule: the nearest locale/)."""
    files = [p for p in (ROOT / "templates").rglob("*") if p.is_file() and p.suffix in {".html", ".txt"}]
    for dirpath, dirnames, filenames in os.walk(ROOT / "fascicolo"):
        if "locale" in dirnames:
            dirnames.clear()  # an app with its own catalogue, subpackages included
            continue
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS and d != "templates"]
        files += [Path(dirpath) / name for name in filenames if name.endswith(".py")]
    return files


def extract(sources, workdir, base=ROOT):
    """The msgids makemessages finds in ``sources`` (paths under ``base``), as polib entries."""
    for source in sources:
        target = workdir / source.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    (workdir / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        # No LOCALE_PATHS: the run must write only into the scratch copy's locale/.
        with override_settings(LOCALE_PATHS=[]):
            call_command("makemessages", locale=["en"], verbosity=0)
    finally:
        os.chdir(cwd)
    return [e for e in polib.pofile(str(workdir / "locale/en/LC_MESSAGES/django.po")) if not e.obsolete]


def without_english(entries):
    """Entries the merged English catalogue (project, then apps, then Django) does not translate.

    The catalogue itself is asked, not gettext(): an English text may equal the Italian one
    ("Home", "English")."""
    catalog = trans_real.translation("en")._catalog
    missing = []
    for entry in entries:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        translated = all(catalog.get((key, n)) for n in (0, 1)) if entry.msgid_plural else catalog.get(key)
        if not translated:
            where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
            missing.append(f"{entry.msgid!r} ({where})")
    return missing


def test_every_root_template_string_has_english(tmp_path):
    entries = extract(root_owned_sources(), tmp_path)
    assert any(path.startswith("templates/") for e in entries for path, _ in e.occurrences)
    missing = without_english(entries)
    assert not missing, (
        "Strings with no English translation; translate them in locale/en/LC_MESSAGES/django.po "
        "(docs/i18n.md) and compile the .mo:\n" + "\n".join(missing)
    )


def test_a_new_template_string_without_english_is_reported(tmp_path):
    template = tmp_path / "src" / "templates" / "probe.html"
    template.parent.mkdir(parents=True)
    template.write_text(
        '{% load i18n %}<p>{% translate "Esci" %}</p>'
        '<p>{% translate "Una frase che nessuno ha ancora tradotto" %}</p>'
        "{% blocktranslate count n=3 %}{{ n }} riga mai tradotta{% plural %}{{ n }} righe mai tradotte"
        "{% endblocktranslate %}",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    missing = without_english(extract([template], work, base=tmp_path / "src"))
    assert len(missing) == 2
    assert "Una frase che nessuno ha ancora tradotto" in missing[0] and "templates/probe.html:1" in missing[0]
    assert "riga mai tradotta" in missing[1]


def catalogues():
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and d != "tests")
        found += [Path(dirpath) / name for name in sorted(filenames) if name.endswith(".po")]
    return found


def messages(mo_path):
    """A compiled catalogue's translations, keyed by (context, msgid, plural msgid); no header."""
    return {
        (e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(mo_path))
        if e.msgid
    }


def compile_errors(po_path, mo_path):
    """msgfmt's complaints (placeholders that differ, bad syntax), or "" when it compiles."""
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(mo_path), str(po_path)], capture_output=True, text=True
    )
    return result.stderr if result.returncode else ""


def stale_messages(po_path, workdir):
    """Msgids whose translation in the .po next to ``po_path``'s .mo is missing or different there.

    A .mo with more than its .po is tolerated; one with less is stale."""
    fresh = workdir / "fresh.mo"
    assert not compile_errors(po_path, fresh)
    committed = messages(po_path.with_suffix(".mo"))
    return [key[1] for key, value in messages(fresh).items() if committed.get(key) != value]


@pytest.mark.parametrize("po_path", catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_compiles_and_its_mo_is_up_to_date(po_path, tmp_path):
    errors = compile_errors(po_path, tmp_path / "check.mo")
    assert not errors, errors
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.relative_to(ROOT)} is missing: compile the .po"
    stale = stale_messages(po_path, tmp_path)
    assert not stale, f"{mo_path.relative_to(ROOT)} is older than its .po; recompile it. Differs on: {stale[:5]}"


PO_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

"""


def test_a_stale_mo_and_a_broken_placeholder_are_reported(tmp_path):
    po_path = tmp_path / "django.po"
    po_path.write_text(PO_HEADER + 'msgid "Salva"\nmsgstr "Save"\n', encoding="utf-8")
    assert not compile_errors(po_path, po_path.with_suffix(".mo"))
    assert stale_messages(po_path, tmp_path) == []

    po_path.write_text(
        PO_HEADER + 'msgid "Salva"\nmsgstr "Save"\n\nmsgid "Esci"\nmsgstr "Sign out"\n', encoding="utf-8"
    )
    assert stale_messages(po_path, tmp_path) == ["Esci"]

    po_path.write_text(
        PO_HEADER + '#, python-format\nmsgid "Ciao, %(name)s"\nmsgstr "Hello, %(nome)s"\n', encoding="utf-8"
    )
    assert "argument 'name'" in compile_errors(po_path, tmp_path / "broken.mo")


def test_catalogues_are_found():
    # The parametrised test above must not silently run over nothing.
    assert ROOT / "locale/en/LC_MESSAGES/django.po" in catalogues()
