"""The codice fiscale: the one place that decides whether a code is valid.

Every boundary (forms, the importer, identity backends, the API) validates through
``parse_codice_fiscale`` or the Django validator ``validate_codice_fiscale``, so a code is judged the
same way everywhere. The checks run in the order a clerk would look: format, month letter, day,
check character, then the birthplace (Belfiore) code against the ANPR list shipped with
python-codicefiscale (pinned, because that list changes between versions).
"""

import functools
import re
import string
from dataclasses import dataclass
from datetime import date, datetime

from codicefiscale import codicefiscale as _lib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MONTH_LETTERS = "ABCDEHLMPRST"
# Omocodia replaces digits, right to left, at these 0-based positions with these letters.
OMOCODIA_POSITIONS = (6, 7, 9, 10, 12, 13, 14)
OMOCODIA_LETTERS = "LMNPQRSTUV"
_TO_DIGIT = str.maketrans(OMOCODIA_LETTERS, string.digits)
_SHAPE = re.compile(r"^[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]$")
_ALPHANUMERIC = re.compile(r"^[A-Z0-9]{16}$")

MESSAGES = {
    "format": _(
        "Il codice fiscale deve avere 16 caratteri: 6 lettere, 2 cifre, 1 lettera, 2 cifre, "
        "1 lettera, 3 cifre e 1 lettera."
    ),
    "month": _("Il codice fiscale contiene una lettera del mese non valida."),
    "day": _("Il codice fiscale contiene un giorno di nascita non valido."),
    "check": _("Il carattere di controllo del codice fiscale non è corretto."),
    "birthplace": _("Il codice fiscale contiene un codice del luogo di nascita (codice catastale) sconosciuto."),
}


class InvalidCodiceFiscale(ValueError):
    """Raised with ``code`` (one of MESSAGES' keys) and a message in the user's language."""

    def __init__(self, code):
        self.code = code
        super().__init__(str(MESSAGES[code]))


@dataclass(frozen=True)
class CodiceFiscale:
    code: str
    sex: str
    birth_date: date
    birthplace_code: str
    birthplace_name: str
    birthplace_province: str
    is_omocode: bool

    @property
    def base_code(self):
        """The code with omocodia substitutions undone (and its check character recomputed)."""
        return base_form(self.code)


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


def parse_codice_fiscale(value):
    """Return the decoded ``CodiceFiscale`` or raise ``InvalidCodiceFiscale`` saying what is wrong."""
    code = normalize(value)
    # Anything but ASCII letters and digits is a format error, before any table lookup.
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
    is_omocode = body != code[:15]
    birthplace_code = body[11:15]
    birth_date, birthplace = _birth_date_and_place(
        int(digits_restored[6:8]), MONTH_LETTERS.index(code[8]) + 1, day % 40, birthplace_code
    )
    return CodiceFiscale(
        code=code,
        sex="F" if day > 40 else "M",
        birth_date=birth_date,
        birthplace_code=birthplace_code,
        birthplace_name=birthplace.get("name", ""),
        birthplace_province=birthplace.get("province", "") or "",
        is_omocode=is_omocode,
    )


def _birth_date_and_place(year_digits, month, day, birthplace_code):
    """The birth date and the birthplace record, decided as python-codicefiscale's ``decode`` does.

    The library parses every date with dateutil and costs about 2 ms a code, which an import of a
    million rows cannot afford; this follows the same rules (the century that puts the date in the
    past, then a hundred years earlier; a birthplace code valid on the birth date, with the library's
    own fallback for gaps in its data) on dates parsed once per birthplace code.
    """
    this_year = date.today().year
    year = this_year // 100 * 100 + year_digits
    if year > this_year:
        year -= 100
    first_error = None
    for candidate_year in (year, year - 100):
        try:
            birth_date = date(candidate_year, month, day)
        except ValueError:
            first_error = first_error or "day"
            continue
        birthplace = _birthplace_on(birthplace_code, birth_date)
        if birthplace is not None:
            return birth_date, birthplace
        first_error = first_error or "birthplace"
    raise InvalidCodiceFiscale(first_error)


def _birthplace_on(birthplace_code, birth_date):
    options = _birthplace_periods(birthplace_code)
    for created, deleted, option in options:
        if created <= birth_date <= deleted:
            return option
    if not options:
        return None
    # Rare (a code used outside its recorded validity): let the library apply its own fallback.
    return _lib._get_birthplace_fallback(
        [option for _, _, option in options], datetime(birth_date.year, birth_date.month, birth_date.day)
    )


@functools.cache
def _birthplace_periods(birthplace_code):
    """The library's records for a Belfiore code, each with its validity as dates (parsed once)."""
    periods = []
    for option in _lib._get_data()["codes"].get(birthplace_code, ()):
        created = _iso_date(option["date_created"]) or date.min
        deleted = _iso_date(option["date_deleted"]) or date.max
        periods.append((created, deleted, option))
    return tuple(periods)


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
