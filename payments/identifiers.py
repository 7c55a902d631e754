"""pagoPA identifiers: the one place that decides whether a notice number, IUV, IBAN, partita IVA or
taxonomy code is valid (DOMAIN.md §1.1, §1.5).

Numero avviso (notice number), aux digit 3 — the only one allowed for new notices:
``3 <segregation code 2n> <IUV base 13n> <check 2n>``; the IUV is the last 17 digits, and the check
digits are ``int("3" + segregation + base) % 93``, zero-padded.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

AUX_DIGIT = "3"
_NOTICE = re.compile(r"^\d{18}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_TAXONOMY = re.compile(r"^[6789]/\d{7}(IM|TS|SP|SA|AP)/$")
_PROVINCE = re.compile(r"^[A-Z]{2}$")


class InvalidIdentifier(ValueError):
    """Raised with a message in the user's language."""


def check_digits(aux_segregation_base):
    return f"{int(aux_segregation_base) % 93:02d}"


def build_notice_number(segregation_code, base):
    """The 18-digit notice number for a segregation code (2 digits) and a 13-digit IUV base."""
    segregation = f"{int(segregation_code):02d}"
    body = f"{AUX_DIGIT}{segregation}{int(base):013d}"
    if len(body) != 16:
        raise InvalidIdentifier(_("La base dello IUV supera le 13 cifre."))
    return body + check_digits(body)


def parse_notice_number(value):
    """Return the normalised 18-digit notice number or raise ``InvalidIdentifier``.

    Spaces are allowed (the paper notice prints the code in groups of four).
    """
    number = "".join(str(value).split())
    if not _NOTICE.match(number):
        raise InvalidIdentifier(_("Il codice avviso deve avere 18 cifre."))
    if number[0] != AUX_DIGIT:
        raise InvalidIdentifier(_("Il codice avviso deve iniziare con la cifra 3."))
    if check_digits(number[:16]) != number[16:]:
        raise InvalidIdentifier(_("Le cifre di controllo del codice avviso non sono corrette."))
    return number


def iuv_of(notice_number):
    """The IUV (17 digits) inside an aux-digit-3 notice number."""
    return parse_notice_number(notice_number)[1:]


def format_notice_number(notice_number):
    """Groups of four separated by spaces, as printed on the notice (22 characters)."""
    return " ".join(notice_number[i : i + 4] for i in range(0, len(notice_number), 4))


def validate_notice_number(value):
    try:
        parse_notice_number(value)
    except InvalidIdentifier as exc:
        raise ValidationError(str(exc), code="notice_number") from exc


def is_valid_partita_iva(value):
    """11 digits with the Luhn-like check digit of the Italian VAT number."""
    if not re.fullmatch(r"\d{11}", value or ""):
        return False
    total = 0
    for position, char in enumerate(value[:10]):
        digit = int(char)
        if position % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return (10 - total % 10) % 10 == int(value[10])


def validate_partita_iva(value):
    if not is_valid_partita_iva(value):
        raise ValidationError(_("La partita IVA deve avere 11 cifre con la cifra di controllo corretta."), code="piva")


def parse_debtor_code(debtor_type, value):
    """The debtor's code for its type: F (person) a codice fiscale, G (legal person) a partita IVA.

    A person may be a debtor under a temporary 11-digit code (*codice fiscale provvisorio*): pagoPA
    takes any codice fiscale, and a debt must be payable before the definitive code is issued.
    """
    from registry.codicefiscale import InvalidCodiceFiscale, normalize, parse_person_code

    code = normalize(value)
    if debtor_type == "F":
        try:
            return parse_person_code(code, allow_temporary=True)
        except InvalidCodiceFiscale as exc:
            raise InvalidIdentifier(str(exc)) from exc
    if debtor_type == "G":
        if not is_valid_partita_iva(code):
            raise InvalidIdentifier(str(_("La partita IVA deve avere 11 cifre con la cifra di controllo corretta.")))
        return code
    raise InvalidIdentifier(str(_("Il tipo di debitore deve essere F (persona fisica) o G (persona giuridica).")))


def is_valid_iban(value):
    iban = "".join((value or "").split()).upper()
    if not _IBAN.match(iban) or (iban.startswith("IT") and len(iban) != 27):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def validate_iban(value):
    if not is_valid_iban(value):
        raise ValidationError(_("L'IBAN non è valido."), code="iban")


def validate_taxonomy(value):
    if not _TAXONOMY.match(value or ""):
        raise ValidationError(
            _("Il codice di tassonomia deve avere la forma 9/0101101IM/ (tipo ente, area, servizio, motivo)."),
            code="taxonomy",
        )


def validate_province(value):
    if not _PROVINCE.match(value or ""):
        raise ValidationError(_("La provincia deve essere una sigla di due lettere."), code="province")
