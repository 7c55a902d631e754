"""Import of the TARI roll (*ruolo TARI*): one debt position per household, TARI to the municipality
and TEFA to the province as two transfers of every notice (docs/domain.md §1.5).

CSV with a header row: ``roll_id, debtor_type (F|G), fiscal_code, name, address, tari, tefa,
installments, first_due_date`` — amounts in euro (``182.40`` or ``182,40``), ``installments`` 0 for
the single payment only or 2..12 for a plan besides it (monthly after ``first_due_date``, written
``2027-03-31`` or ``31/03/2027``). Read by ``payments.tabular``: comma or semicolon separated, UTF-8
with or without BOM, any line ending, as a spreadsheet saves it (docs/import-format.md).

Every line is checked first; bad lines are reported with their number and reason. Good lines are
written in one transaction (all of them or none), in bulk; a line whose position already exists
(same roll id and year) is skipped, so importing the same file twice creates nothing new.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf
from .identifiers import InvalidIdentifier, parse_debtor_code
from .models import DebtPosition, PaymentOption, ServiceCategory, Transfer
from .services import new_notice_numbers
from .states import PositionStatus
from .tabular import FileFormatError, parse_amount, parse_date, read_table

FIELDS = ["roll_id", "debtor_type", "fiscal_code", "name", "address", "tari", "tefa", "installments", "first_due_date"]
TARI_TRIBUTE, TEFA_TRIBUTE = "3944", "TEFA"
BATCH = 5000


@dataclass
class RollLine:
    roll_id: str
    debtor_type: str
    fiscal_code: str
    name: str
    address: str
    tari_cents: int
    tefa_cents: int
    installments: int
    first_due_date: date


@dataclass
class RollReport:
    created: int = 0
    skipped: int = 0
    errors: list = field(default_factory=list)  # (line number, reason)


def parse_line(row, decimal_mark="."):
    if "__error__" in row:
        raise ValueError(row["__error__"])
    roll_id = row["roll_id"]
    if not roll_id or len(roll_id) > 30:
        raise ValueError(_("identificativo del ruolo mancante o più lungo di 30 caratteri"))
    debtor_type = row["debtor_type"].upper()
    try:
        code = parse_debtor_code(debtor_type, row["fiscal_code"])
    except InvalidIdentifier as exc:
        raise ValueError(str(exc)) from None
    name = row["name"]
    if not name:
        raise ValueError(_("nome del debitore mancante"))
    tari, tefa = parse_amount(row["tari"], decimal_mark), parse_amount(row["tefa"], decimal_mark)
    if tari < 1:
        raise ValueError(_("l'importo TARI deve essere di almeno un centesimo"))
    if not (row["installments"] or "0").isascii() or not (row["installments"] or "0").isdigit():
        raise ValueError(_("numero di rate non valido «%(value)s»") % {"value": row["installments"]})
    installments = int(row["installments"] or 0)
    if installments not in (0, *range(2, 13)):
        raise ValueError(_("numero di rate non valido (0 oppure da 2 a 12)"))
    first_due = parse_date(row["first_due_date"])
    if first_due <= timezone.localdate():
        raise ValueError(_("la prima scadenza deve essere futura"))
    return RollLine(roll_id, debtor_type, code, name[:140], row["address"][:200], tari, tefa, installments, first_due)


def parse_roll(data, separator=None, decimal_mark=None):
    """(lines, errors): every row checked, errors as (line number, reason). A file refused as a whole
    (encoding, header, mixed decimal marks) gives one error on line 1 and no lines.

    ``data`` is bytes or text; ``separator`` and ``decimal_mark`` are the clerk's declarations (``None``:
    recognised from the file, see ``payments.tabular``).
    """
    try:
        table = read_table(data, FIELDS, ("tari", "tefa"), separator, decimal_mark)
    except FileFormatError as exc:
        return [], [(1, str(exc))]
    lines, errors, seen = [], [], {}
    for number, row in table.rows:
        try:
            line = parse_line(row, table.decimal_mark)
        except ValueError as exc:
            errors.append((number, str(exc)))
            continue
        if line.roll_id in seen:
            errors.append(
                (
                    number,
                    _("identificativo %(id)s ripetuto (riga %(first)s)")
                    % {"id": line.roll_id, "first": seen[line.roll_id]},
                )
            )
            continue
        seen[line.roll_id] = number
        lines.append(line)
    return lines, errors


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _split(total, parts):
    share = [total // parts] * parts
    share[0] += total - sum(share)
    return share


def _options_for(line, year):
    """[(installment number, due date, tari cents, tefa cents)]: the single payment, then the plan."""
    options = [(0, line.first_due_date, line.tari_cents, line.tefa_cents)]
    if line.installments:
        taris, tefas = _split(line.tari_cents, line.installments), _split(line.tefa_cents, line.installments)
        for n in range(line.installments):
            due = add_months(line.first_due_date, n)
            options.append((n + 1, due, taris[n], tefas[n]))
    return options


def import_roll(data, year, strict=False, separator=None, decimal_mark=None):
    """Import a roll (bytes or text) for ``year``; returns a ``RollReport``. See ``parse_roll``."""
    lines, errors = parse_roll(data, separator, decimal_mark)
    report = RollReport(errors=errors)
    if strict and errors:
        return report
    prefix = f"{conf.municipality_fiscal_code()}-TARI-{year}-"
    existing = set(DebtPosition.objects.filter(iupd__startswith=prefix).values_list("iupd", flat=True))
    fresh = [line for line in lines if prefix + line.roll_id not in existing]
    report.skipped = len(lines) - len(fresh)
    with transaction.atomic():
        for start in range(0, len(fresh), BATCH):
            _write_batch(fresh[start : start + BATCH], prefix, year)
    report.created = len(fresh)
    return report


def _write_batch(lines, prefix, year):
    now = timezone.now()
    subject = _("TARI %(year)s") % {"year": year}
    positions = DebtPosition.objects.bulk_create(
        DebtPosition(
            iupd=prefix + line.roll_id,
            debtor_type=line.debtor_type,
            debtor_fiscal_code=line.fiscal_code,
            debtor_name=line.name,
            debtor_address=line.address,
            category=ServiceCategory.TARI,
            subject=subject,
            status=PositionStatus.VALID,
            publish_date=now,
        )
        for line in lines
    )
    plans = [(position, _options_for(line, year)) for position, line in zip(positions, lines, strict=True)]
    numbers = iter(new_notice_numbers(sum(len(options) for _, options in plans)))
    options, amounts = [], []
    for position, plan in plans:
        for number, due, tari, tefa in plan:
            notice = next(numbers)
            label = subject if number == 0 else _("%(subject)s — rata %(n)s") % {"subject": subject, "n": number}
            options.append(
                PaymentOption(
                    position=position,
                    installment_number=number,
                    iuv=notice[1:],
                    notice_number=notice,
                    amount_cents=tari + tefa,
                    due_date=due,
                    description=label,
                )
            )
            amounts.append((tari, tefa, label))
    PaymentOption.objects.bulk_create(options)
    belfiore = settings.MUNICIPALITY["belfiore_code"]
    transfers = []
    for option, (tari, tefa, label) in zip(options, amounts, strict=True):
        transfers.append(
            Transfer(
                option=option,
                index=1,
                amount_cents=tari,
                category=conf.taxonomy("TARI"),
                beneficiary_fiscal_code=conf.municipality_fiscal_code(),
                iban=conf.municipality_iban(),
                remittance=label,
                metadata={"TARI-TEFA-1": f"{belfiore}|{year}|{TARI_TRIBUTE}"},
            )
        )
        if tefa:
            transfers.append(
                Transfer(
                    option=option,
                    index=2,
                    amount_cents=tefa,
                    category=conf.taxonomy("TARI"),
                    beneficiary_fiscal_code=settings.PAGOPA_PROVINCE_FISCAL_CODE,
                    iban=settings.PAGOPA_PROVINCE_IBAN,
                    remittance=f"TEFA {label}"[:140],
                    metadata={"TARI-TEFA-2": f"{belfiore}|{year}|{TEFA_TRIBUTE}"},
                )
            )
    Transfer.objects.bulk_create(transfers, batch_size=BATCH)
