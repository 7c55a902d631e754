"""Reads: what a resident or a clerk may see. Every resident query is scoped by the resident's
codice fiscale, so another resident's object id simply is not found (404)."""

from django.db.models import Case, IntegerField, Min, Prefetch, Q, Value, When

from .models import DebtPosition, PaymentAttempt, PaymentOption, Receipt
from .states import OptionStatus, PositionStatus

# Drafts are not issued yet; an invalidated (annullata) notice asks nothing of the resident any more.
VISIBLE_TO_DEBTOR = [s for s in PositionStatus.values if s not in (PositionStatus.DRAFT, PositionStatus.INVALID)]
DUE_STATUSES = [PositionStatus.PUBLISHED, PositionStatus.VALID, PositionStatus.PARTIALLY_PAID, PositionStatus.EXPIRED]


def positions_for(fiscal_code):
    """The debtor's issued positions, due ones first by their next due date, then paid ones."""
    if not fiscal_code:
        return DebtPosition.objects.none()
    return (
        DebtPosition.objects.filter(debtor_fiscal_code=fiscal_code, status__in=VISIBLE_TO_DEBTOR)
        .annotate(
            is_due=Case(When(status__in=DUE_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()),
            next_due=Min("options__due_date", filter=Q(options__status=OptionStatus.UNPAID)),
        )
        .prefetch_related(
            Prefetch("options", queryset=PaymentOption.objects.select_related("receipt").order_by("installment_number"))
        )
        .order_by("is_due", "next_due", "-payment_date", "-pk")
    )


def position_for(fiscal_code, position_id):
    return positions_for(fiscal_code).filter(pk=position_id).first()


def option_for(fiscal_code, option_id):
    if not fiscal_code:
        return None
    return (
        PaymentOption.objects.select_related("position")
        .filter(pk=option_id, position__debtor_fiscal_code=fiscal_code, position__status__in=VISIBLE_TO_DEBTOR)
        .first()
    )


def receipt_for(fiscal_code, receipt_id):
    if not fiscal_code:
        return None
    return (
        Receipt.objects.select_related("option__position")
        .filter(pk=receipt_id, option__position__debtor_fiscal_code=fiscal_code)
        .first()
    )


def attempt_for(fiscal_code, public_id):
    if not fiscal_code:
        return None
    return PaymentAttempt.objects.filter(public_id=public_id, payer_fiscal_code=fiscal_code).first()


def paid_stamp_receipts(document_hashes):
    """``{document_hash: receipt id (IUR)}`` for each of ``document_hashes`` (base64 SHA-256, as given
    to ``stamp.request_stamp_payment``) whose stamp is paid.

    The state behind ``signals.stamp_paid``: a caller that missed the signal (a lost message, a broker
    that was down) finds here every stamp paid for its documents.
    """
    rows = Receipt.objects.filter(option__transfers__stamp_hash__in=list(document_hashes)).values_list(
        "option__transfers__stamp_hash", "receipt_id"
    )
    return dict(rows)
