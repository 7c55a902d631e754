"""Payment attempts: starting a checkout and applying what the gateway says, exactly once.

Exactly-once effect (docs/reliability.md §3): the notification's signature and age are checked by the
gateway; the event id goes into the inbox under a unique constraint (a duplicate stops there); the
attempt moves by a conditional UPDATE that never leaves a final state; receipts are unique per
option. Whatever does not fit (an amount that differs from what is due, a payment on a closed
attempt) becomes an ``Anomaly`` for a clerk and is logged; it is never silently accepted.
"""

import logging
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import notify, signals
from .documents import queue_receipt
from .gateways import get_gateway
from .gateways.base import GatewayEvent
from .models import (
    Anomaly,
    AttemptTransition,
    DebtPosition,
    GatewayNotification,
    PaymentAttempt,
    PaymentOption,
    Receipt,
    ReceiptTransfer,
)
from .services import transition_position
from .states import (
    ATTEMPT_TRANSITIONS,
    FINAL_ATTEMPT_STATUSES,
    OPTION_TRANSITIONS,
    PAYABLE_POSITION_STATUSES,
    AttemptStatus,
    OptionStatus,
    PositionStatus,
    sources_for,
)

logger = logging.getLogger(__name__)
MAX_CART = 5
EVENT_TARGETS = {
    "authorized": AttemptStatus.PENDING,
    "succeeded": AttemptStatus.PAID,
    "failed": AttemptStatus.FAILED,
    "cancelled": AttemptStatus.CANCELLED,
    "expired": AttemptStatus.EXPIRED,
}
Outcome = GatewayNotification.Outcome


def transition_attempt(attempt, target, reason):
    """Move the attempt if the table allows it from its current state; True if this call moved it."""
    now = timezone.now()
    moved = PaymentAttempt.objects.filter(pk=attempt.pk, status__in=sources_for(ATTEMPT_TRANSITIONS, target)).update(
        status=target, updated_at=now
    )
    if moved:
        AttemptTransition.objects.create(attempt=attempt, source=attempt.status, target=target, reason=reason[:100])
        attempt.status = target
    return bool(moved)


def transition_option(option_id, target):
    return bool(
        PaymentOption.objects.filter(pk=option_id, status__in=sources_for(OPTION_TRANSITIONS, target)).update(
            status=target
        )
    )


def payable_error(option):
    position = option.position
    if position.status not in PAYABLE_POSITION_STATUSES:
        return _("L'avviso %(notice)s non è pagabile.") % {"notice": option.notice_number}
    if option.status != OptionStatus.UNPAID:
        return _("L'avviso %(notice)s è già stato pagato o non è più pagabile.") % {"notice": option.notice_number}
    return None


@transaction.atomic
def create_attempt(options, payer_fiscal_code, gateway_id=None):
    """A new attempt (state ``created``) for up to five payable options."""
    gateway_id = gateway_id or settings.PAYMENTS_GATEWAY
    if not gateway_id:
        raise ValidationError(_("Il pagamento online non è disponibile."))
    options = list(options)
    if not 1 <= len(options) <= MAX_CART:
        raise ValidationError(_("Si possono pagare da 1 a 5 avvisi insieme."))
    for option in options:
        error = payable_error(option)
        if error:
            raise ValidationError(error)
    attempt = PaymentAttempt.objects.create(
        gateway=gateway_id,
        payer_fiscal_code=payer_fiscal_code or "",
        amount_cents=sum(o.amount_cents for o in options),
        expires_at=timezone.now() + timedelta(minutes=settings.PAYMENTS_ATTEMPT_TTL_MINUTES),
    )
    attempt.options.set(options)
    return attempt


def open_attempt_for(option, payer_fiscal_code):
    """A pending, unexpired attempt of this payer for just this option: a second click on "Paga ora"
    (or a reload) resumes it instead of opening a second, payable, checkout for the same notice."""
    return (
        PaymentAttempt.objects.filter(
            status=AttemptStatus.PENDING,
            payer_fiscal_code=payer_fiscal_code,
            options=option,
            expires_at__gt=timezone.now(),
            needs_review=False,
        )
        .exclude(checkout_url="")
        .order_by("-created_at")
        .first()
    )


def pay_option(option, payer_fiscal_code, return_urls):
    """Resume the open attempt for ``option`` or start a new one; returns (attempt, checkout URL).

    ``return_urls``: a ``ReturnUrls`` or a function of the new attempt returning one. Raises
    ``ValidationError`` for an option that is not payable (any more), and whatever the gateway raised
    when it could not start the checkout (the attempt is then recorded as failed).
    """
    failure = None
    with transaction.atomic():
        # Concurrency guard: one open attempt per option. Concurrent "Paga ora" on the same notice
        # queue on the option's row lock, held until the first one's attempt is pending with its
        # checkout URL, so the others resume it instead of opening a second payable checkout.
        option = PaymentOption.objects.select_for_update().select_related("position").get(pk=option.pk)
        attempt = open_attempt_for(option, payer_fiscal_code)
        if attempt is not None:
            return attempt, attempt.checkout_url
        attempt = create_attempt([option], payer_fiscal_code)
        try:
            url = start_checkout(attempt, return_urls(attempt) if callable(return_urls) else return_urls)
        except Exception as error:  # the failed attempt is committed, then the caller hears of it
            failure = error
    if failure is not None:
        raise failure
    return attempt, url


def start_checkout(attempt, return_urls):
    """Hand the attempt to its gateway; ``pending`` with the checkout URL, or ``failed``."""
    gateway = get_gateway(attempt.gateway)
    try:
        url = gateway.start_checkout(attempt, return_urls)
    except Exception:
        logger.exception("checkout start failed", extra={"attempt": str(attempt.public_id)})
        transition_attempt(attempt, AttemptStatus.FAILED, "checkout_start_failed")
        raise
    PaymentAttempt.objects.filter(pk=attempt.pk).update(checkout_url=url)
    attempt.checkout_url = url
    transition_attempt(attempt, AttemptStatus.PENDING, "checkout_started")
    return url


def _anomaly(kind, key, **fields):
    anomaly, created = Anomaly.objects.get_or_create(key=key, defaults={"kind": kind, **fields})
    if created:
        logger.warning("payment anomaly %s: %s", kind, key)
    return anomaly


def apply_event(gateway_id, event: GatewayEvent):
    """Apply one verified gateway event; returns the inbox outcome. Safe to call any number of times."""
    with transaction.atomic():
        try:
            # Idempotency guard: the (gateway, event id) row exists once; a replay stops here.
            with transaction.atomic():
                inbox = GatewayNotification.objects.create(
                    gateway=gateway_id,
                    event_id=event.event_id,
                    kind=event.kind,
                    payload=event.raw or {},
                    outcome=Outcome.APPLIED,
                )
        except IntegrityError:
            logger.info("duplicate notification %s/%s ignored", gateway_id, event.event_id)
            return Outcome.DUPLICATE
        attempt = PaymentAttempt.objects.filter(gateway=gateway_id, public_id=_uuid(event.attempt_reference)).first()
        if attempt is None:
            outcome, detail = Outcome.REFUSED, "unknown attempt"
        else:
            inbox.attempt = attempt
            outcome, detail = _apply(attempt, event)
        inbox.outcome, inbox.detail = outcome, detail[:300]
        inbox.save(update_fields=["attempt", "outcome", "detail"])
    log = logger.warning if outcome in (Outcome.REFUSED, Outcome.FLAGGED) else logger.info
    log("notification %s/%s (%s): %s %s", gateway_id, event.event_id, event.kind, outcome, detail)
    return outcome


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _apply(attempt, event):
    target = EVENT_TARGETS.get(event.kind)
    if target is None:
        return Outcome.REFUSED, f"unknown event type {event.kind!r}"
    if target != AttemptStatus.PAID:
        if transition_attempt(attempt, target, f"event:{event.kind}"):
            return Outcome.APPLIED, f"{target}"
        return Outcome.IGNORED, f"{attempt.status} does not move to {target}"
    return _apply_payment(attempt, event)


def _apply_payment(attempt, event):
    # Lock the attempt row so that the checks below and the move happen as one step.
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
    options = {o.notice_number: o for o in attempt.options.select_related("position").prefetch_related("transfers")}
    problems = []
    paid_numbers = {r.notice_number for r in event.receipts}
    if paid_numbers != set(options) or len(event.receipts) != len(options):
        problems.append(f"receipts for {sorted(paid_numbers)}, cart has {sorted(options)}")
    for receipt in event.receipts:
        option = options.get(receipt.notice_number)
        if option is not None and receipt.amount_cents != option.amount_cents:
            problems.append(f"{receipt.notice_number}: paid {receipt.amount_cents}, due {option.amount_cents}")
    if problems:
        PaymentAttempt.objects.filter(pk=attempt.pk).update(needs_review=True)
        _anomaly(
            Anomaly.Kind.AMOUNT_MISMATCH,
            f"attempt:{attempt.public_id}:amount",
            attempt=attempt,
            detail={"problems": problems, "event_id": event.event_id},
        )
        return Outcome.FLAGGED, "; ".join(problems)
    if attempt.status == AttemptStatus.PAID:
        return Outcome.IGNORED, "already paid"
    if not transition_attempt(attempt, AttemptStatus.PAID, f"event:{event.kind}"):
        if attempt.status in FINAL_ATTEMPT_STATUSES:
            # Money moved after we gave up on the attempt: a clerk decides (refund or accept).
            _anomaly(
                Anomaly.Kind.LATE_PAYMENT,
                f"attempt:{attempt.public_id}:late",
                attempt=attempt,
                detail={"status": attempt.status, "event_id": event.event_id},
            )
            PaymentAttempt.objects.filter(pk=attempt.pk).update(needs_review=True)
            return Outcome.FLAGGED, f"payment on a {attempt.status} attempt"
        return Outcome.IGNORED, f"{attempt.status} does not move to paid"
    for data in event.receipts:
        record_receipt(options[data.notice_number], data, attempt)
    return Outcome.APPLIED, AttemptStatus.PAID


def record_receipt(option, data, attempt=None):
    """Store the receipt of a paid option and move the option and its position; one receipt per option."""
    try:
        with transaction.atomic():
            receipt = Receipt.objects.create(
                receipt_id=data.receipt_id,
                option=option,
                attempt=attempt,
                iuv=option.iuv,
                notice_number=option.notice_number,
                outcome=data.outcome,
                amount_cents=data.amount_cents,
                psp_id=data.psp_id,
                psp_name=data.psp_name,
                payment_datetime=data.payment_datetime,
                payload=data.raw or {},
            )
    except IntegrityError:
        existing = Receipt.objects.filter(option=option).first()
        if existing is None or existing.receipt_id != data.receipt_id:
            _anomaly(
                Anomaly.Kind.PAYMENT_NOT_PAYABLE,
                f"option:{option.pk}:receipt:{data.receipt_id}",
                attempt=attempt,
                detail={"notice": option.notice_number, "reason": "paid twice"},
            )
        return existing
    amounts = dict(data.transfers)
    ReceiptTransfer.objects.bulk_create(
        ReceiptTransfer(receipt=receipt, transfer=t, index=t.index, amount_cents=amounts.get(t.index, t.amount_cents))
        for t in option.transfers.all()
    )
    if not transition_option(option.pk, OptionStatus.PAID):
        _anomaly(
            Anomaly.Kind.PAYMENT_NOT_PAYABLE,
            f"option:{option.pk}:not-payable",
            attempt=attempt,
            receipt=receipt,
            detail={"notice": option.notice_number, "status": option.status},
        )
    _update_position_after_payment(option, data.payment_datetime)
    notify.record_receipt_email(receipt, option.position)
    queue_receipt(receipt.pk)  # after commit, to the PDF workers
    # robust: once the receipt is committed, nothing that follows (a receiver, the broker) may turn
    # the provider's notification into an error; each subscriber has its own sweeper.
    transaction.on_commit(partial(_announce_receipt, receipt.pk), robust=True)
    return receipt


def _update_position_after_payment(option, paid_at):
    position = DebtPosition.objects.select_for_update().get(pk=option.position_id)
    siblings = PaymentOption.objects.filter(position=position)
    # Single payment and installment plan exclude each other once one of them is paid.
    other_plan = (
        siblings.filter(installment_number__gt=0)
        if not option.is_installment
        else siblings.filter(installment_number=0)
    )
    other_plan.filter(status=OptionStatus.UNPAID).update(status=OptionStatus.UNPAYABLE)
    plan = siblings.filter(installment_number__gt=0) if option.is_installment else siblings.filter(pk=option.pk)
    all_paid = not plan.exclude(status__in=[OptionStatus.PAID, OptionStatus.REPORTED]).exists()
    if all_paid:
        transition_position(position, PositionStatus.PAID, payment_date=paid_at)
    else:
        transition_position(position, PositionStatus.PARTIALLY_PAID)


def _announce_receipt(receipt_id):
    receipt = Receipt.objects.select_related("option__position", "attempt").get(pk=receipt_id)
    signals.option_paid.send_robust(
        sender=PaymentOption, option=receipt.option, receipt=receipt, attempt=receipt.attempt
    )
    stamp = receipt.option.transfers.exclude(stamp_hash="").first()
    if stamp is not None:
        signals.stamp_paid.send_robust(
            sender=PaymentOption,
            document_hash=stamp.stamp_hash,
            receipt=receipt,
            attempt=receipt.attempt,
            reference=stamp.metadata.get("reference", ""),
        )


def check_pending_attempts(older_than=timedelta(minutes=2), now=None):
    """Ask the gateway about attempts left pending, apply what it says, expire the stale ones.

    Run by Celery beat; safe to run twice (status answers go through ``apply_event``).
    """
    now = now or timezone.now()
    results = {"applied": 0, "expired": 0}
    stale_created = PaymentAttempt.objects.filter(status=AttemptStatus.CREATED, expires_at__lt=now)
    for attempt in stale_created:
        results["expired"] += transition_attempt(attempt, AttemptStatus.EXPIRED, "never_started")
    pending = PaymentAttempt.objects.filter(
        status=AttemptStatus.PENDING, updated_at__lt=now - older_than, needs_review=False
    )
    for attempt in pending.order_by("updated_at")[:500]:
        try:
            report = get_gateway(attempt.gateway).query_status(attempt)
        except Exception:
            logger.exception("status query failed", extra={"attempt": str(attempt.public_id)})
            continue
        if report.kind:
            event = GatewayEvent(
                event_id=f"status:{attempt.public_id}:{report.kind}",
                kind=report.kind,
                attempt_reference=str(attempt.public_id),
                timestamp=now,
                receipts=report.receipts,
                raw={"source": "query_status", "kind": report.kind},
            )
            results["applied"] += apply_event(attempt.gateway, event) == Outcome.APPLIED
        elif attempt.expires_at < now:
            results["expired"] += transition_attempt(attempt, AttemptStatus.EXPIRED, "expired_unpaid")
    return results
