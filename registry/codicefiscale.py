"""The codice fiscale: the one place that decides whether a code is valid.

Every boundary (forms, the importer, identity backends, the payments debtor, the API) validates
through ``parse_codice_fiscale`` or the Django validator ``validate_codice_fiscale``, so a code is
judged the same way everywhere. The rules and their sources are in docs/codice-fiscale.md; in short:

- Shape, month letter, day and check character: DM Finanze 23 dicembre 1976 (the algorithm), with
  omocodia (a digit replaced by a letter, right to left) as the same decree and the Agenzia delle
  Entrate describe it. python-stdnum's ``stdnum.it.codicefiscale`` implements the same rules and the
  tests compare the two.
- The code holds two year digits. Decoded without other facts, the year is the latest one that does
  not put the birth in the future. Where the real birth date is known (registry, import row, identity
  claims) the caller passes it: the check then compares year modulo 100, month, day and sex, and the
  decoded date is the real one.
- The birthplace (Belfiore) code must be one the Agenzia delle Entrate has issued: the Italian
  municipalities and foreign states of the ANPR archive shipped with python-codicefiscale (pinned),
  plus the foreign territories and the ceased codes of ``registry/data/foreign_birthplaces.csv``
  (ISTAT, "Elenco codici e denominazioni delle unità territoriali estere", column "Codice AT"; and
  the Agenzia delle Entrate's table of codes of foreign states as reproduced by the codice-fiscale-js
  library, npm 2.4.0, for the codes neither list carries). A code stays a person's code for
  life, so the validity window of a municipality or a state only picks the name shown for it: it
  never rejects a code nor moves the century of a birth.
- An 11-digit code (*codice fiscale numerico*) is a legal person's or a temporary code of a natural
  person (*codice fiscale provvisorio*: DPR 605/1973 institutes the code; the Agenzia delle Entrate
  assigns the numeric one). It is accepted only where the caller asks for it
  (``parse_person_code(..., allow_temporary=True)``), validated as python-stdnum validates it.
"""

import csv
import functools
import re
import string
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from codicefiscale import codicefiscale as _lib
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import codicefiscale as _stdnum_cf

MONTH_LETTERS = "ABCDEHLMPRST"
# Omocodia replaces digits, right to left, at these 0-based positions with these letters.
OMOCODIA_POSITIONS = (6, 7, 9, 10, 12, 13, 14)
OMOCODIA_LETTERS = "LMNPQRSTUV"
_TO_DIGIT = str.maketrans(OMOCODIA_LETTERS, string.digits)
_SHAPE = re.compile(r"^[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]$")
_ALPHANUMERIC = re.compile(r"^[A-Z0-9]{16}$")
_TEMPORARY = re.compile(r"^\d{11}$")
FOREIGN_BIRTHPLACES = Path(__file__).parent / "data" / "foreign_birthplaces.csv"

MESSAGES = {
    "format": _(
        "Il codice fiscale deve avere 16 caratteri: 6 lettere, 2 cifre, 1 lettera, 2 cifre, "
        "1 lettera, 3 cifre e 1 lettera."
    ),
    "month": _("Il codice fiscale contiene una lettera del mese non valida."),
    "day": _("Il codice fiscale contiene un giorno di nascita non valido."),
    "check": _("Il carattere di controllo del codice fiscale non è corretto."),
    "birthplace": _("Il codice fiscale contiene un codice del luogo di nascita (codice catastale) sconosciuto."),
    "birth_data": _("Il codice fiscale non corrisponde al sesso e alla data di nascita."),
    "temporary": _(
        "Il codice fiscale numerico (provvisorio) deve avere 11 cifre con l'ufficio e la cifra di controllo corretti."
    ),
    "temporary_not_allowed": _(
        "Qui serve il codice fiscale definitivo di 16 caratteri, non il codice numerico provvisorio di 11 cifre."
    ),
}


class InvalidCodiceFiscale(ValueError):
    """Raised with ``code`` (one of MESSAGES' keys) and a message in the user's language."""

    def __init__(self, code):
        self.code = code
        super().__init__(str(MESSAGES[code]))


@dataclass(frozen=True)
class CodiceFiscale:
    """A decoded 16-character code. ``birth_date`` is the real one when the caller gave it."""

    code: str
    sex: str  # "M" or "F"
    birth_date: date
    birthplace_code: str
    birthplace_name: str
    birthplace_province: str  # sigla, "EE" for a foreign state or territory
    is_omocode: bool

    @property
    def base_code(self):
        """The code with omocodia substitutions undone (and its check character recomputed)."""
        return base_form(self.code)

    def matches(self, birth_date, sex=None):
        """True when the code agrees with a real birth date (year modulo 100, month, day) and sex."""
        return (
            self.birth_date.year % 100 == birth_date.year % 100
            and (self.birth_date.month, self.birth_date.day) == (birth_date.month, birth_date.day)
            and (sex is None or self.sex == sex)
        )


def normalize(value):
    """Upper case, no spaces: how people type it is not how it is stored."""
    return "".join(str(value).split()).upper()


# python-codicefiscale's check-character table, split by position (1-based odd / even): summing with
# map() is several times faster than the library's encode_cin, which matters for a million codes.
_CHECK_ODD = {char: odd for char, (_even, odd) in _lib._CIN.items()}
_CHECK_EVEN = {char: even for char, (even, _odd) in _lib._CIN.items()}


def check_character(body):
    """The check character (CIN) of the first 15 characters of ``body`` (A–Z and 0–9 only)."""
    total = sum(map(_CHECK_ODD.__getitem__, body[0:15:2])) + sum(map(_CHECK_EVEN.__getitem__, body[1:15:2]))
    return string.ascii_uppercase[total % 26]


def _digits_restored(code):
    """The first 15 characters with omocodia letters turned back into digits."""
    if code[6:8].isdigit() and code[9:11].isdigit() and code[12:15].isdigit():
        return code[:15]
    chars = list(code[:15])
    for position in OMOCODIA_POSITIONS:
        chars[position] = chars[position].translate(_TO_DIGIT)
    return "".join(chars)


def base_form(code):
    body = _digits_restored(code)
    return body + check_character(body)


def parse_codice_fiscale(value, *, birth_date=None, sex=None, today=None):
    """Return the decoded ``CodiceFiscale`` or raise ``InvalidCodiceFiscale`` saying what is wrong.

    ``value``: the 16-character code as typed (spaces and case do not matter; anything but ASCII
    letters and digits is a format error). ``birth_date`` (a ``date``) and ``sex`` ("M"/"F"), when
    the real facts are known: the code must agree with them (year modulo 100, month, day, sex), else
    ``InvalidCodiceFiscale("birth_data")``, and the result carries the real birth date. Without them
    the year is the latest that is not after ``today`` (default: today in the project's time zone).
    """
    text = str(value)
    # Non-ASCII letters are refused before upper-casing: "ı".upper() is "I", "ﬀ".upper() is "FF".
    code = normalize(text) if text.isascii() else ""
    if not _ALPHANUMERIC.match(code):
        raise InvalidCodiceFiscale("format")
    body = _digits_restored(code)
    digits_restored = body + code[15]
    if not _SHAPE.match(digits_restored):
        raise InvalidCodiceFiscale("format")
    if code[8] not in MONTH_LETTERS:
        raise InvalidCodiceFiscale("month")
    day = int(digits_restored[9:11])
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise InvalidCodiceFiscale("day")
    if check_character(code) != code[15]:
        raise InvalidCodiceFiscale("check")
    decoded_sex = "F" if day > 40 else "M"
    year_digits, month = int(digits_restored[6:8]), MONTH_LETTERS.index(code[8]) + 1
    if birth_date is not None:
        # The real date decides the century: the code only has to agree with it.
        if (birth_date.year % 100, birth_date.month, birth_date.day) != (year_digits, month, day % 40):
            raise InvalidCodiceFiscale("birth_data")
    else:
        birth_date = decode_birth_date(year_digits, month, day % 40, today or timezone.localdate())
    if sex is not None and sex != decoded_sex:
        raise InvalidCodiceFiscale("birth_data")
    birthplace_code = body[11:15]
    places = _birthplace_records(birthplace_code)
    if not places:
        raise InvalidCodiceFiscale("birthplace")
    name, province = _birthplace_on(places, birth_date)
    return CodiceFiscale(
        code=code,
        sex=decoded_sex,
        birth_date=birth_date,
        birthplace_code=birthplace_code,
        birthplace_name=name,
        birthplace_province=province,
        is_omocode=body != code[:15],
    )


def decode_birth_date(year_digits, month, day, today):
    """The birth date of two year digits: the latest century that does not put it after ``today``.

    A date that exists only in an earlier century (29 February of a year ending in 00) takes that
    century. Raises ``InvalidCodiceFiscale("day")`` when no century has the date.
    """
    century = today.year // 100 * 100
    for year in (century + year_digits, century + year_digits - 100, century + year_digits - 200):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise InvalidCodiceFiscale("day")


def parse_person_code(value, *, allow_temporary=False):
    """A natural person's code: the 16-character code, or, with ``allow_temporary``, an 11-digit
    temporary code (*codice fiscale provvisorio*). Returns the normalised code (``str``).

    The temporary code is checked as python-stdnum checks an 11-digit codice fiscale (office code
    and Luhn-style check digit, the partita IVA rules). Raises ``InvalidCodiceFiscale``.
    """
    code = normalize(value) if str(value).isascii() else ""
    if _TEMPORARY.match(code):
        if not allow_temporary:
            raise InvalidCodiceFiscale("temporary_not_allowed")
        try:
            return _stdnum_cf.validate(code)
        except StdnumValidationError as exc:
            raise InvalidCodiceFiscale("temporary") from exc
    return parse_codice_fiscale(code).code


def is_known_place_code(code):
    """Whether ``code`` (e.g. "H501", "Z113") is a Belfiore code of the table ``parse_codice_fiscale``
    accepts as a birthplace: an Italian municipality or a foreign state or territory."""
    return bool(_birthplace_records(str(code).upper()))


def _birthplace_on(places, birth_date):
    """The (name, province) of the record valid on ``birth_date``, else the latest one."""
    for created, deleted, name, province in places:
        if created <= birth_date <= deleted:
            return name, province
    _created, _deleted, name, province = max(places, key=lambda place: place[1])
    return name, province


@functools.cache
def _birthplace_records(birthplace_code):
    """Every record of a Belfiore code: (valid from, valid until, name, province), dates parsed once."""
    records = [
        (
            _iso_date(option["date_created"]) or date.min,
            _iso_date(option["date_deleted"]) or date.max,
            option.get("name", ""),
            option.get("province", "") or "",
        )
        for option in _lib._get_data()["codes"].get(birthplace_code, ())
    ]
    if not records and birthplace_code in foreign_birthplaces():
        records.append((date.min, date.max, foreign_birthplaces()[birthplace_code], "EE"))
    return tuple(records)


@functools.cache
def foreign_birthplaces():
    """The foreign codes python-codicefiscale's data lacks: {code: Italian name} (see module doc)."""
    with FOREIGN_BIRTHPLACES.open(encoding="utf-8", newline="") as source:
        return {row["code"]: row["name"] for row in csv.DictReader(source)}


def foreign_birthplace_codes():
    """Every foreign (Z…) code the validator accepts: python-codicefiscale's and the table's."""
    library = {code for code in _lib._get_data()["codes"] if code.startswith("Z")}
    return sorted(library | foreign_birthplaces().keys())


def _iso_date(value):
    return date.fromisoformat(value[:10]) if value else None


def is_valid(value):
    try:
        parse_codice_fiscale(value)
    except InvalidCodiceFiscale:
        return False
    return True


def validate_codice_fiscale(value):
    """Django validator: the same checks, as a ``ValidationError`` with a translated message."""
    try:
        parse_codice_fiscale(value)
    except InvalidCodiceFiscale as exc:
        raise ValidationError(MESSAGES[exc.code], code=f"codice_fiscale_{exc.code}") from exc
