"""Spontaneous payment of the stamp duty (*imposta di bollo*, @e.bollo) bound to a document's hash.

The certificates app calls ``request_stamp_payment`` with the SHA-256 of the certificate (base64) and
sends the resident to the returned checkout URL; when the receipt arrives, ``signals.stamp_paid`` is
sent with the same ``document_hash`` (see docs/payments.md), and ``selectors.paid_stamp_receipts`` answers
the same question from the database for a caller's sweeper. Asking twice for the same document reuses the
unpaid notice instead of creating a second debt.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import attempts, conf
from .models import PaymentOption, ServiceCategory
from .services import OptionSpec, TransferSpec, create_position
from .states import OptionStatus

STAMP_DUTY_CENTS = 1600  # pagoPA supports only the €16 denomination (docs/domain.md §1.5)
STAMP_TYPE = "01"


@dataclass(frozen=True)
class StampPayment:
    option: PaymentOption
    attempt: object | None  # None when already paid
    checkout_url: str | None

    @property
    def paid(self):
        return self.option.status in (OptionStatus.PAID, OptionStatus.REPORTED)


def validate_document_hash(value):
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 32:
        raise ValidationError(_("L'impronta del documento deve essere uno SHA-256 in base64."))
    return value


def stamp_option(fiscal_code, document_hash, *, payer_name, description, reference="", province=None):
    """The €16 notice bound to ``document_hash``: the existing one, or a new VALID position."""
    validate_document_hash(document_hash)
    existing = (
        PaymentOption.objects.select_related("position")
        .filter(transfers__stamp_hash=document_hash, position__debtor_fiscal_code=fiscal_code)
        .exclude(status=OptionStatus.UNPAYABLE)
        .first()
    )
    if existing:
        return existing
    transfer = TransferSpec(
        amount_cents=STAMP_DUTY_CENTS,
        beneficiary_fiscal_code=conf.STAMP_BENEFICIARY_FISCAL_CODE,
        category=conf.taxonomy("STAMP"),
        remittance=_("Imposta di bollo: %(description)s") % {"description": description},
        stamp_hash=document_hash,
        stamp_type=STAMP_TYPE,
        stamp_province=province or settings.MUNICIPALITY["province"],
        metadata={"reference": reference},
    )
    position = create_position(
        debtor_type="F",
        debtor_fiscal_code=fiscal_code,
        debtor_name=payer_name,
        category=ServiceCategory.STAMP,
        subject=_("Imposta di bollo — %(description)s") % {"description": description},
        options=[OptionSpec(STAMP_DUTY_CENTS, timezone.localdate() + timedelta(days=30), description, [transfer])],
        publish=True,
    )
    return position.options.get()


@transaction.atomic
def request_stamp_payment(
    fiscal_code, document_hash, *, payer_name, description, return_urls, reference="", province=None
):
    """Start (or resume) paying the stamp duty of one document. Returns a ``StampPayment``."""
    option = stamp_option(
        fiscal_code,
        document_hash,
        payer_name=payer_name,
        description=description,
        reference=reference,
        province=province,
    )
    if option.status != OptionStatus.UNPAID:
        return StampPayment(option, None, None)
    # ``return_urls`` may be a function of the attempt (return pages usually name the attempt).
    attempt, url = attempts.pay_option(option, fiscal_code, return_urls)
    return StampPayment(option, attempt, url)
