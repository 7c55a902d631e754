"""Names of people and places: the letters the register accepts, how a name is stored, how it is searched.

- ``clean_name``: the stored form. Unicode NFC (an accent is one code point, however it was typed),
  typographic apostrophes (’ ‘ ʼ ` ´ ′) as the ASCII apostrophe, Ţ ţ as Romanian's Ț ț, spaces
  collapsed.
- ``name_search_key``: the form that search compares, for stored names and for what a clerk types
  alike: no accents (NFKD, combining marks dropped, and the letters that have no decomposition —
  Ø Æ Œ Ł Đ ß … — spelled in ASCII), no apostrophes (D'ANGELO → DANGELO), other punctuation as a
  space, upper case. ``d’angelo maria`` and ``D'ANGELO MARIA`` have the same key.
- ``validate_person_name`` / ``validate_place_name``: the characters the register accepts, so that
  every PDF can draw them (docs/names.md).

The accepted letters are the Latin letters of the Multilingual European Subset MES-1 (CEN Workshop
Agreement CWA 13873:2000, the repertoire of ISO/IEC 6937): the Unicode blocks Basic Latin,
Latin-1 Supplement and Latin Extended-A. ANPR keeps names in the Latin alphabet (names written in
other scripts are transliterated); MES-1 covers the Latin alphabets of the EU's languages. Seven
letters of Latin Extended-A are left out: Unicode decomposes five of them into other letters (Ĳ ĳ
→ IJ ij, Ŀ ŀ → L· l·, ſ → s), deprecates ŉ, and ĸ left Greenlandic spelling in 1973; the portal's
document font (Titillium Web) has none of them. Four letters of Latin Extended-B are added: Romanian's
Ș ș Ț ț (comma below, the spelling of the Romanian Academy), Romanians being the largest foreign
community in Italy's registers; Ţ ţ (T with cedilla, their pre-Unicode-3.0 stand-ins) are stored as
Ț ț. Documents switch off the font's ``locl`` feature (fascicolo/documents/pdf.py), which would
otherwise draw the Turkish Ş ş as Romanian Ș ș. ``tests/registry/test_names.py`` renders every accepted character
through the certificate PDF and checks that the embedded fonts draw each one.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_EXCLUDED = set("ĲĳĸĿŀŉſŢţ")
# Romanian's own S and T with comma below (Latin Extended-B), besides the cedilla forms of MES-1.
_ROMANIAN = "ȘșȚț"
LETTERS = frozenset(
    chr(code)
    for code in (*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x180))
    if unicodedata.category(chr(code)).startswith("L") and chr(code) not in _EXCLUDED
) | frozenset(_ROMANIAN)
# Besides letters: a person's name has spaces, apostrophes, hyphens and dots ("De' Medici",
# "Rossi-Bianchi", "J. R."); a place also digits, commas, brackets, the slash and the degree sign
# ("Via XX Settembre", "Isole Cook (NZ)", "Piazza 1° Maggio", "Sesto S. Giovanni, 12/A").
PERSON_NAME_CHARACTERS = LETTERS | frozenset(" '-.")
PLACE_NAME_CHARACTERS = PERSON_NAME_CHARACTERS | frozenset("0123456789,()/°")

APOSTROPHES = "\u2019\u2018\u02bc\u0060\u00b4\u2032"
# Typed forms stored as another character: every apostrophe as the ASCII one, and Romanian's T with
# cedilla (the encoding used before Unicode 3.0 had the comma-below letters) as Ț ț: the document
# font draws no Ţ, and SR 13011 spells Romanian with the comma.
_CLEAN = str.maketrans({**dict.fromkeys(APOSTROPHES, "'"), "Ţ": "Ț", "ţ": "ț"})
TYPED_FORMS = frozenset((*APOSTROPHES, "Ţ", "ţ"))
# Letters NFKD does not decompose, spelled as Italian clerks type them.
_ASCII_SPELLING = str.maketrans(
    {"Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d",
     "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th", "ß": "ss", "Ħ": "H", "ħ": "h", "Ŧ": "T", "ŧ": "t", "Ŋ": "N",
     "ŋ": "n", "ı": "i", "ĸ": "k"}
)  # fmt: skip
_NOT_WORD = re.compile(r"[^0-9A-Z]+")
SEARCH_KEY_LENGTH = 100

MESSAGES = {
    "person": _("Il nome contiene caratteri che l'anagrafe non accetta: %(characters)s."),
    "place": _("Il luogo contiene caratteri che l'anagrafe non accetta: %(characters)s."),
}


def clean_name(value):
    """The stored form of a name (``str``): NFC, one kind of apostrophe, single spaces, no edges."""
    return " ".join(unicodedata.normalize("NFC", str(value)).translate(_CLEAN).split())


def name_search_key(value):
    """The search form of a name or of a search term (``str``, A–Z, 0–9 and single spaces).

    ``name_search_key("d’Àngelo  maria")`` == ``name_search_key("D'ANGELO MARIA")`` == "DANGELO MARIA".
    """
    text = clean_name(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_ASCII_SPELLING))
        text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(_NOT_WORD.sub(" ", text.replace("'", "").upper()).split())[:SEARCH_KEY_LENGTH]


def unsupported_characters(value, allowed):
    """The characters of ``clean_name(value)`` outside ``allowed``, each once, in order."""
    return list(dict.fromkeys(char for char in clean_name(value) if char not in allowed))


def describe_characters(characters):
    """Characters as a clerk can find them in a file: «李» (U+674E), «☃» (U+2603)."""
    return ", ".join(f"«{char}» (U+{ord(char):04X})" for char in characters)


def _refuse_unsupported(value, allowed, message_key):
    bad = unsupported_characters(value, allowed)
    if bad:
        shown = describe_characters(bad)
        raise ValidationError(MESSAGES[message_key], code="unsupported_characters", params={"characters": shown})


def validate_person_name(value):
    """Django validator: a given or family name in ``PERSON_NAME_CHARACTERS``; ``ValidationError``
    naming each character refused (as «x» (U+0078))."""
    _refuse_unsupported(value, PERSON_NAME_CHARACTERS, "person")


def validate_place_name(value):
    """Django validator: a place, street or cohabitation name in ``PLACE_NAME_CHARACTERS``."""
    _refuse_unsupported(value, PLACE_NAME_CHARACTERS, "place")
