"""The codice fiscale: the one place that decides whether a code is valid.

Every boundary (forms, the importer, identity backends, the API) validates through
``parse_codice_fiscale`` or the Django validator ``validate_codice_fiscale``, so a code is judged the
same way everywhere. The checks run in the order a clerk would look: format, month letter, day,
check character, then the birthplace (Belfiore) code against the ANPR list shipped with
python-codicefiscale (pinned, because that list changes between versions).
"""

import re
import string
from dataclasses import dataclass
from datetime import date

from codicefiscale import codicefiscale as _lib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MONTH_LETTERS = "ABCDEHLMPRST"
# Omocodia replaces digits, right to left, at these 0-based positions with these letters.
OMOCODIA_POSITIONS = (6, 7, 9, 10, 12, 13, 14)
OMOCODIA_LETTERS = "LMNPQRSTUV"
_TO_DIGIT = str.maketrans(OMOCODIA_LETTERS, string.digits)
_SHAPE = re.compile(r"^[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]$")

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


def base_form(code):
    chars = list(code[:15])
    for position in OMOCODIA_POSITIONS:
        chars[position] = chars[position].translate(_TO_DIGIT)
    body = "".join(chars)
    return body + _lib.encode_cin(body)


def parse_codice_fiscale(value):
    """Return the decoded ``CodiceFiscale`` or raise ``InvalidCodiceFiscale`` saying what is wrong."""
    code = normalize(value)
    if len(code) != 16:
        raise InvalidCodiceFiscale("format")
    digits_restored = base_form(code)[:15] + code[15]
    if not _SHAPE.match(digits_restored):
        raise InvalidCodiceFiscale("format")
    if code[8] not in MONTH_LETTERS:
        raise InvalidCodiceFiscale("month")
    day = int(digits_restored[9:11])
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise InvalidCodiceFiscale("day")
    if _lib.encode_cin(code[:15]) != code[15]:
        raise InvalidCodiceFiscale("check")
    try:
        decoded = _lib.decode(code)
    except ValueError as exc:
        # The library reports an impossible date (30 February) or a birthplace code that did not
        # exist on the birth date; the shape and check character were verified above.
        raise InvalidCodiceFiscale("birthplace" if "birthplace" in str(exc) else "day") from exc
    birthplace = decoded["birthplace"] or {}
    return CodiceFiscale(
        code=code,
        sex=decoded["gender"],
        birth_date=decoded["birthdate"].date(),
        birthplace_code=base_form(code)[11:15],
        birthplace_name=birthplace.get("name", ""),
        birthplace_province=birthplace.get("province", "") or "",
        is_omocode=code != base_form(code),
    )


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
