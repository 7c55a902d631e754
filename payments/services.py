"""Writes on debt positions: creation, publication, invalidation, status changes.

Callers (admin, importer, certificates) go through these functions, never through the models, so
the invariants of docs/domain.md §1.3 hold whatever the entry point.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf
from .identifiers import InvalidIdentifier, build_notice_number, is_valid_iban, parse_debtor_code
from .models import DebtPosition, NoticeCounter, PaymentOption, ServiceCategory, Transfer
from .states import POSITION_TRANSITIONS, OptionStatus, PositionStatus, sources_for

logger = logging.getLogger(__name__)

NOTICE_SEQUENCE = "payments_notice_base_seq"
MAX_TRANSFERS = 5


@dataclass
class TransferSpec:
    amount_cents: int
    beneficiary_fiscal_code: str
    category: str
    remittance: str
    iban: str = ""
    stamp_hash: str = ""
    stamp_type: str = ""
    stamp_province: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass
class OptionSpec:
    amount_cents: int
    due_date: date
    description: str
    transfers: list[TransferSpec]
    installment_number: int = 0


def allocate_notice_bases(count):
    """``count`` fresh 13-digit IUV bases, never handed out before (a sequence never goes back)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [NOTICE_SEQUENCE, count])
            return [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        counter, _created = NoticeCounter.objects.select_for_update().get_or_create(segregation_code="**")
        first = counter.last_base + 1
        counter.last_base += count
        counter.save(update_fields=["last_base"])
    return list(range(first, first + count))


def new_notice_numbers(count=1):
    return [build_notice_number(conf.segregation_code(), base) for base in allocate_notice_bases(count)]


def municipality_transfer(amount_cents, category, remittance):
    """The common case: the whole amount to the municipality's treasury account."""
    return TransferSpec(
        amount_cents=amount_cents,
        beneficiary_fiscal_code=conf.municipality_fiscal_code(),
        category=conf.taxonomy(category),
        remittance=remittance[:140],
        iban=conf.municipality_iban(),
    )


def validate_option(spec):
    """Raise ``ValidationError`` unless the option and its transfers are coherent (GPD creation checks)."""
    if spec.amount_cents < 1:
        raise ValidationError(_("L'importo deve essere di almeno un centesimo."))
    if not 1 <= len(spec.transfers) <= MAX_TRANSFERS:
        raise ValidationError(_("Un avviso ha da 1 a 5 trasferimenti."))
    if sum(t.amount_cents for t in spec.transfers) != spec.amount_cents:
        raise ValidationError(_("La somma dei trasferimenti deve essere uguale all'importo dell'avviso."))
    for transfer in spec.transfers:
        if transfer.amount_cents < 1:
            raise ValidationError(_("Ogni trasferimento deve essere di almeno un centesimo."))
        if bool(transfer.iban) == bool(transfer.stamp_hash):
            raise ValidationError(_("Un trasferimento va a un IBAN oppure acquista una marca da bollo, non entrambi."))
        if transfer.iban and not is_valid_iban(transfer.iban):
            raise ValidationError(_("L'IBAN %(iban)s non è valido.") % {"iban": transfer.iban})
        if len(transfer.remittance) > 140 or not transfer.remittance:
            raise ValidationError(_("La causale è obbligatoria e non supera 140 caratteri."))


def check_transfers_sum(option):
    """The stored transfers of an option add up to its amount."""
    total = sum(option.transfers.values_list("amount_cents", flat=True))
    if total != option.amount_cents:
        raise ValidationError(_("La somma dei trasferimenti deve essere uguale all'importo dell'avviso."))


@transaction.atomic
def create_position(
    *,
    debtor_type,
    debtor_fiscal_code,
    debtor_name,
    category,
    subject,
    options,
    iupd=None,
    debtor_email="",
    debtor_address="",
    publish=False,
    validity_date=None,
    switch_to_expired=False,
):
    """Create a position with its options and transfers, all or nothing.

    ``options``: a list of ``OptionSpec``; installment_number 0 is the single payment, 1..n the plan.
    """
    try:
        debtor_code = parse_debtor_code(debtor_type, debtor_fiscal_code)
    except InvalidIdentifier as exc:
        raise ValidationError(str(exc)) from exc
    if category not in ServiceCategory.values:
        raise ValidationError(_("Servizio sconosciuto."))
    if not options:
        raise ValidationError(_("Una posizione ha almeno un'opzione di pagamento."))
    numbers = [o.installment_number for o in options]
    if len(set(numbers)) != len(numbers):
        raise ValidationError(_("Ogni rata ha un numero diverso."))
    for spec in options:
        validate_option(spec)
        if validity_date and spec.due_date <= validity_date.date():
            raise ValidationError(_("La scadenza deve essere successiva alla data di validità."))
    position = DebtPosition.objects.create(
        iupd=iupd or f"{conf.municipality_fiscal_code()}-{uuid.uuid4()}",
        debtor_type=debtor_type,
        debtor_fiscal_code=debtor_code,
        debtor_name=debtor_name[:140],
        debtor_email=debtor_email,
        debtor_address=debtor_address[:200],
        category=category,
        subject=subject[:140],
        validity_date=validity_date,
        switch_to_expired=switch_to_expired,
    )
    notice_numbers = new_notice_numbers(len(options))
    for spec, notice_number in zip(options, notice_numbers, strict=True):
        option = PaymentOption.objects.create(
            position=position,
            installment_number=spec.installment_number,
            iuv=notice_number[1:],
            notice_number=notice_number,
            amount_cents=spec.amount_cents,
            due_date=spec.due_date,
            description=spec.description[:140],
        )
        Transfer.objects.bulk_create(
            Transfer(option=option, index=index, **vars(t)) for index, t in enumerate(spec.transfers, start=1)
        )
    if publish:
        publish_position(position)
    return position


def transition_position(position, target, **fields):
    """Move a position to ``target`` if the table allows it from its current state; True if it moved.

    A conditional UPDATE, so two concurrent writers cannot both move it.
    """
    moved = DebtPosition.objects.filter(pk=position.pk, status__in=sources_for(POSITION_TRANSITIONS, target)).update(
        status=target, updated_at=timezone.now(), **fields
    )
    if moved:
        position.status = target
        for name, value in fields.items():
            setattr(position, name, value)
    return bool(moved)


@transaction.atomic
def publish_position(position, now=None):
    """DRAFT → PUBLISHED (payable from its validity date) or straight to VALID when it has none."""
    now = now or timezone.now()
    target = (
        PositionStatus.PUBLISHED if position.validity_date and position.validity_date > now else PositionStatus.VALID
    )
    if position.status != PositionStatus.DRAFT or not transition_position(position, target, publish_date=now):
        raise ValidationError(_("Si può pubblicare solo una posizione in bozza."))
    from . import notify, signals
    from .documents import queue_notice

    queue_notice(position.pk)  # after commit, to the PDF workers
    notify.record_notice_email(position)
    transaction.on_commit(
        partial(signals.position_published.send_robust, sender=DebtPosition, position=position), robust=True
    )
    return position


@transaction.atomic
def invalidate_position(position):
    if not transition_position(position, PositionStatus.INVALID):
        raise ValidationError(_("Questa posizione non può più essere annullata."))
    position.options.filter(status=OptionStatus.UNPAID).update(status=OptionStatus.UNPAYABLE)
    return position


def refresh_time_based_statuses(now: datetime | None = None):
    """PUBLISHED → VALID at the validity date; VALID → EXPIRED after the last due date (if asked).

    Safe to run twice: each move is a conditional UPDATE.
    """
    now = now or timezone.now()
    made_valid = DebtPosition.objects.filter(status=PositionStatus.PUBLISHED, validity_date__lte=now).update(
        status=PositionStatus.VALID, updated_at=now
    )
    expiring = DebtPosition.objects.filter(status=PositionStatus.VALID, switch_to_expired=True).exclude(
        options__due_date__gte=now.date()
    )
    expired = DebtPosition.objects.filter(pk__in=expiring.values("pk"), status=PositionStatus.VALID).update(
        status=PositionStatus.EXPIRED, updated_at=now
    )
    return made_valid, expired
