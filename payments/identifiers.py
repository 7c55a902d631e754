"""pagoPA identifiers: the one place that decides whether a notice number, IUV, receipt id, flow id,
IBAN, partita IVA or taxonomy code is valid (docs/domain.md §1.1, §1.4, §1.5). Every import and every form
goes through these functions; IBAN and partita IVA through python-stdnum.

Numero avviso (notice number), aux digit 3 — the only one allowed for new notices:
``3 <segregation code 2n> <IUV base 13n> <check 2n>``; the IUV is the last 17 digits, and the check
digits are ``int("3" + segregation + base) % 93``, zero-padded.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import iva as stdnum_iva

AUX_DIGIT = "3"
_NOTICE = re.compile(r"^\d{18}$", re.ASCII)
_TAXONOMY = re.compile(r"^[6789]/\d{7}(IM|TS|SP|SA|AP)/$", re.ASCII)
_PROVINCE = re.compile(r"^[A-Z]{2}$")


class InvalidIdentifier(ValueError):
    """Raised with a message in the user's language."""


PARTITA_IVA_MESSAGE = _(
    "La partita IVA deve avere 11 cifre, con un codice d'ufficio esistente e la cifra di controllo corretta."
)


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
    """11 ASCII digits, an existing provincial office code and the check digit (python-stdnum's
    ``stdnum.it.iva``: office codes 001-100, 120, 121, 888, 999; the first seven digits not all zero)."""
    return isinstance(value, str) and value.isascii() and stdnum_iva.is_valid(value) and len(value) == 11


def validate_partita_iva(value):
    if not is_valid_partita_iva(value):
        raise ValidationError(PARTITA_IVA_MESSAGE, code="piva")


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
            raise InvalidIdentifier(str(PARTITA_IVA_MESSAGE))
        return code
    raise InvalidIdentifier(str(_("Il tipo di debitore deve essere F (persona fisica) o G (persona giuridica).")))


# The Italian BBAN's CIN (*carattere di controllo*): the 22 characters after it (ABI, CAB, account),
# odd positions through the same table as the codice fiscale's check character, even positions as
# their value (digits 0-9, letters A=0 … Z=25), the sum modulo 26 as a letter. Source: ABI/CBI
# "Coordinate bancarie" standard; the same algorithm as the codice fiscale (DM 23/12/1976).
_CIN_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def italian_cin(bban_after_cin):
    """The CIN letter for the 22 characters ABI (5) + CAB (5) + account (12) of an Italian IBAN."""
    total = 0
    for position, char in enumerate(bban_after_cin):
        value = int(char) if char.isdigit() else ord(char) - ord("A")
        total += _CIN_ODD[value] if position % 2 == 0 else value
    return chr(ord("A") + total % 26)


def parse_iban(value):
    """The compact upper-case IBAN, or ``InvalidIdentifier``.

    python-stdnum checks the country (unknown countries are refused), the length and BBAN structure
    of that country in the SWIFT IBAN registry (for Italy a letter in the CIN position) and the
    ISO 7064 mod 97-10 checksum. On top: the check digits are 02-98 (ISO 13616-1: 00, 01 and 99
    cannot come out of the computation), and an Italian IBAN's CIN is checked.
    """
    try:
        iban = stdnum_iban.validate(str(value or ""))
    except StdnumError:
        raise InvalidIdentifier(
            str(_("L'IBAN non è valido: controllare paese, lunghezza e cifre di controllo."))
        ) from None
    if not iban.isascii() or not "02" <= iban[2:4] <= "98":
        raise InvalidIdentifier(str(_("L'IBAN non è valido: le cifre di controllo vanno da 02 a 98.")))
    if iban.startswith(("IT", "SM")) and italian_cin(iban[5:]) != iban[4]:
        raise InvalidIdentifier(str(_("L'IBAN non è valido: il CIN (la lettera dopo le cifre di controllo) è errato.")))
    return iban


def is_valid_iban(value):
    try:
        parse_iban(value)
    except InvalidIdentifier:
        return False
    return True


def validate_iban(value):
    try:
        parse_iban(value)
    except InvalidIdentifier as exc:
        raise ValidationError(str(exc), code="iban") from exc


SPREADSHEET_NUMBER_HINT = _(
    "se il file è passato da un foglio di calcolo, formattare la colonna come Testo prima di salvarlo "
    "(il foglio toglie gli zeri iniziali e scrive i numeri lunghi come 1,23E+16)"
)


def parse_iuv(value):
    """The IUV (*identificativo univoco di versamento*) of an aux-digit-3 notice, as this portal issues
    them: 17 digits, segregation code (2), base (13), check digits (2) = ``int("3" + segregation +
    base) % 93`` (docs/domain.md §1.1). Raises ``InvalidIdentifier`` naming the likely spreadsheet damage."""
    iuv = str(value or "").strip()
    if not (iuv.isascii() and iuv.isdigit() and len(iuv) == 17):
        raise InvalidIdentifier(
            str(_("IUV «%(value)s» non valido: deve avere 17 cifre; %(hint)s."))
            % {"value": iuv[:40], "hint": SPREADSHEET_NUMBER_HINT}
        )
    if check_digits(AUX_DIGIT + iuv[:15]) != iuv[15:]:
        raise InvalidIdentifier(str(_("IUV «%(value)s» non valido: cifre di controllo errate.")) % {"value": iuv})
    return iuv


_TEXT35 = re.compile(r"^[!-~]{1,35}$")
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?E[+-]?\d+$", re.IGNORECASE)


def _parse_text35(value, label):
    text = str(value or "").strip()
    if _SCIENTIFIC.match(text):
        raise InvalidIdentifier(
            str(_("%(label)s «%(value)s» scritto in notazione scientifica: %(hint)s."))
            % {"label": label, "value": text, "hint": SPREADSHEET_NUMBER_HINT}
        )
    if not _TEXT35.match(text):
        raise InvalidIdentifier(
            str(_("%(label)s «%(value)s» non valido: da 1 a 35 caratteri ASCII visibili, senza spazi."))
            % {"label": label, "value": text[:40]}
        )
    return text


def parse_receipt_id(value):
    """The receipt id (``receiptId``, in flows ``identificativoUnivocoRiscossione``, IUR): pagoPA's
    ``stText35``, here 1-35 visible ASCII characters; a spreadsheet's scientific notation is refused."""
    return _parse_text35(value, _("Identificativo della ricevuta (IUR)"))


def parse_flow_id(value):
    """The flow id (``identificativoFlusso``, ``<date><PSP id>-<unique>``): 1-35 visible ASCII characters."""
    return _parse_text35(value, _("Identificativo del flusso"))


def parse_psp_text(value, label):
    """A PSP id or a regulation id (TRN): 1-35 visible ASCII characters."""
    return _parse_text35(value, label)


def validate_taxonomy(value):
    if not _TAXONOMY.match(value or ""):
        raise ValidationError(
            _("Il codice di tassonomia deve avere la forma 9/0101101IM/ (tipo ente, area, servizio, motivo)."),
            code="taxonomy",
        )


def validate_province(value):
    if not _PROVINCE.match(value or ""):
        raise ValidationError(_("La provincia deve essere una sigla di due lettere."), code="province")
