"""CSV files as municipal offices really save them, read one way for every payments import (the TARI
roll, the reporting flows).

Accepted, because each is recognised without guessing:

- encoding: UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8" writes one);
- line endings: ``\\n``, ``\\r\\n`` (Windows) or ``\\r``;
- separator: ``,`` or ``;`` (Italian Excel's "CSV" uses ``;``): the header row must be exactly the
  expected column names, so only one separator can split it right; the clerk may also declare it;
- spaces around the column names (``roll_id, debtor_type, …``) and around values;
- decimal mark: ``182.40`` or ``182,40``, one of the two in the whole file, found from the amounts
  themselves or declared by the clerk; thousands separators only together with decimals
  (``1.230,00``); one or two decimals;
- dates: ``2027-03-31`` (ISO 8601) or ``31/03/2027`` (day/month/year, as written in Italy).

Refused, once at the top with what to change: another encoding (UTF-16, Windows-1252), a header that
is not the expected one, amounts that mix the two decimal marks. Refused per line: an amount whose
separators are ambiguous (``1.230`` — 1230 euro or 1.23?) or with three decimals, a two-digit year.
Blank lines (also the ``;;;;`` rows a spreadsheet leaves) are skipped.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

SEPARATORS = {",": _("virgola"), ";": _("punto e virgola")}
DECIMAL_MARKS = {".": _("punto"), ",": _("virgola")}
UTF8_HINT = _(
    "salvarlo come «CSV UTF-8 (delimitato da virgole)» (Excel) o con codifica UTF-8 (LibreOffice: Salva con nome, "
    "Modifica impostazioni filtro)"
)


class FileFormatError(ValueError):
    """The whole file is refused: the message says what to change (in the clerk's language)."""


@dataclass(frozen=True)
class Table:
    """A read file: the separator and decimal mark in force, and ``(line number, {column: value})``."""

    separator: str
    decimal_mark: str
    rows: list


def decode(data):
    """Text from the uploaded bytes (UTF-8, optional BOM), or ``FileFormatError``."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileFormatError(_("Il file è in UTF-16 (Testo Unicode): %(hint)s.") % {"hint": UTF8_HINT})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileFormatError(
            _("Il file non è in UTF-8 (riga %(line)s, probabilmente Windows-1252): %(hint)s.")
            % {"line": line, "hint": UTF8_HINT}
        ) from None


def _header_separator(first_line, fields, declared):
    candidates = [declared] if declared else list(SEPARATORS)
    for separator in candidates:
        names = [name.strip().lower() for name in next(csv.reader([first_line], delimiter=separator), [])]
        if names == fields:
            return separator
    expected = ",".join(fields)
    if declared:
        raise FileFormatError(
            _(
                "L'intestazione non corrisponde con il separatore dichiarato (%(sep)s). "
                "Prima riga attesa: %(expected)s (oppure con ; al posto della virgola)."
            )
            % {"sep": SEPARATORS[declared], "expected": expected}
        )
    raise FileFormatError(
        _(
            "La prima riga deve essere l'intestazione %(expected)s (separata da virgole o da punti e virgola, "
            "nomi in quest'ordine); trovato: %(found)s"
        )
        % {"expected": expected, "found": first_line[:200]}
    )


def read_table(data, fields, amount_columns=(), separator=None, decimal_mark=None):
    """Read ``data`` (bytes or text) whose header row is ``fields``; ``separator`` and ``decimal_mark``
    are the clerk's declarations (``None``: found from the file).

    Raises ``FileFormatError`` for what concerns the whole file. A row with the wrong number of
    fields becomes ``{"__error__": message}`` so the caller reports it with its line number.
    """
    text = decode(data)
    first_line = text.splitlines()[0] if text.strip() else ""
    separator = _header_separator(first_line, fields, separator)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    next(reader)
    rows = []
    for values in reader:
        number = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(fields):
            rows.append(
                (
                    number,
                    {
                        "__error__": _("la riga ha %(found)s campi separati da «%(sep)s» invece di %(expected)s")
                        % {"found": len(values), "sep": separator, "expected": len(fields)}
                    },
                )
            )
            continue
        rows.append((number, {name: value.strip() for name, value in zip(fields, values, strict=True)}))
    mark = decimal_mark or _decimal_mark(rows, amount_columns)
    return Table(separator, mark, rows)


_PLAIN = re.compile(r"^-?\d+$", re.ASCII)
_SIMPLE = re.compile(r"^-?\d+([.,])\d{1,2}$", re.ASCII)
_GROUPED = {
    ",": re.compile(r"^-?\d{1,3}(\.\d{3})+,\d{1,2}$", re.ASCII),
    ".": re.compile(r"^-?\d{1,3}(,\d{3})+\.\d{1,2}$", re.ASCII),
}


def _clean_amount(value):
    return value.replace("€", "").strip()


def _evidence(value):
    """The decimal mark an amount proves on its own (``182,40`` → ``,``), or ``None`` (``1230``, ``1.230``)."""
    value = _clean_amount(value)
    if match := _SIMPLE.match(value):
        return match.group(1)
    for mark, pattern in _GROUPED.items():
        if pattern.match(value):
            return mark
    return None


def _decimal_mark(rows, amount_columns):
    seen = {}
    for number, row in rows:
        for column in amount_columns:
            mark = _evidence(row.get(column, ""))
            if mark and mark not in seen:
                seen[mark] = (number, row[column])
    if len(seen) > 1:
        (line_a, value_a), (line_b, value_b) = seen[","], seen["."]
        raise FileFormatError(
            _(
                "Gli importi usano sia la virgola (riga %(la)s: «%(va)s») sia il punto (riga %(lb)s: «%(vb)s») "
                "come separatore decimale: usare lo stesso in tutto il file, oppure dichiararlo nel modulo."
            )
            % {"la": line_a, "va": value_a, "lb": line_b, "vb": value_b}
        )
    return next(iter(seen), ".")


def parse_amount(value, decimal_mark=".", signed=False):
    """Integer euro cents from an amount written with ``decimal_mark``, or ``ValueError`` saying why.

    ``1230``, ``1230,5``, ``1230,50``, ``1.230,50`` (with ``,`` as the mark) are accepted; ``1.230``
    and ``10,005`` are refused: a lone group of three digits after a separator could be thousands or
    decimals, and nothing here guesses. A ``€`` sign and surrounding spaces are ignored.
    """
    text = _clean_amount(value)
    grouping = "," if decimal_mark == "." else "."
    if _PLAIN.match(text):
        euros, cents = text, "0"
    elif (match := _SIMPLE.match(text)) and match.group(1) == decimal_mark:
        euros, cents = text.split(decimal_mark)
    elif _GROUPED[decimal_mark].match(text):
        euros, cents = text.replace(grouping, "").split(decimal_mark)
    elif not text:
        raise ValueError(_("importo mancante"))
    elif re.match(r"^-?\d+[.,]\d{3}$", text):
        raise ValueError(
            _(
                "importo ambiguo «%(value)s»: migliaia o decimali? Scrivere l'importo con i decimali "
                "e senza separatore delle migliaia (es. 1230%(mark)s00 oppure 1%(mark)s23)"
            )
            % {"value": text, "mark": decimal_mark}
        )
    else:
        raise ValueError(
            _(
                "importo non valido «%(value)s»: usare cifre e al più due decimali separati da «%(mark)s» "
                "(es. 182%(mark)s40)"
            )
            % {"value": text, "mark": decimal_mark}
        )
    negative = euros.startswith("-")
    if negative and not signed:
        raise ValueError(_("importo negativo «%(value)s»") % {"value": text})
    cents_total = abs(int(euros)) * 100 + int(cents.ljust(2, "0"))
    return -cents_total if negative else cents_total


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_IT_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)
_IT_DATETIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$", re.ASCII)


def parse_date(value):
    """A date written ``2027-03-31`` or ``31/03/2027`` (day first, as in Italy), or ``ValueError``."""
    text = value.strip()
    if re.match(r"^\d{1,2}/\d{1,2}/\d{2}$", text, re.ASCII):
        raise ValueError(
            _("data «%(value)s» con l'anno di due cifre: scrivere l'anno per intero (31/03/2027)") % {"value": text}
        )
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        if match := _IT_DATE.match(text):
            day, month, year = map(int, match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise ValueError(_("data non valida «%(value)s»: usare 31/03/2027 oppure 2027-03-31") % {"value": text})


def parse_datetime(value):
    """A date-time in ISO 8601 (``2026-11-20T10:00:00+01:00``) or ``20/11/2026 10:00[:00]`` as a
    spreadsheet rewrites it (then Europe/Rome time, the zone of the project); a time without zone is
    also Rome time. Returns an aware datetime, or ``ValueError``."""
    text = value.strip()
    try:
        if match := _IT_DATETIME.match(text):
            day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
            moment = datetime(year, month, day, hour, minute, second)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("data e ora non valide «%(value)s»: usare 2026-11-20T10:00:00+01:00 oppure 20/11/2026 10:00")
            % {"value": text}
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
