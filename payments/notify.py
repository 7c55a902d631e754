"""Emails to residents who chose digital notices: the notice PDF on publication, the receipt on payment.

Each email is an ``OutgoingEmail`` row written in the same transaction as the event it announces (an
outbox), then queued after the commit (robust ``on_commit``: a broker that is down does not turn the
committed event into an error). A Celery beat sweeper queues again whatever waits too long, so an
email queued while the broker was down still goes out once it is back. The task claims the row with
a conditional UPDATE before sending: a redelivered or duplicated task sends nothing (at most once per
event). A worker that dies between the claim and the SMTP answer leaves the row claimed and unsent:
it is not sent again automatically, because the message may already have left.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fascicolo.identity.selectors import digital_notice_email

from .models import DebtPosition, OutgoingEmail, Receipt

logger = logging.getLogger(__name__)
Kind = OutgoingEmail.Kind


def record_notice_email(position):
    """In the publishing transaction: owe the notice email when the debtor chose digital notices."""
    if digital_notice_email(position.debtor_fiscal_code):
        _record(Kind.NOTICE, position.pk, position=position)


def record_receipt_email(receipt, position):
    """In the receipt's transaction: owe the receipt email when the debtor chose digital notices."""
    if digital_notice_email(position.debtor_fiscal_code):
        _record(Kind.RECEIPT, receipt.pk, receipt=receipt)


def _key(kind, object_id):
    return f"{kind}:{object_id}"


def _record(kind, object_id, **target):
    email, created = OutgoingEmail.objects.get_or_create(key=_key(kind, object_id), defaults={"kind": kind, **target})
    if created:
        transaction.on_commit(partial(_queue, email.pk, kind, object_id), robust=True)


def _queue(email_id, kind, object_id):
    _send_task(kind, object_id)
    # Only once the broker took it: an email whose queueing failed is swept at the next run.
    OutgoingEmail.objects.filter(pk=email_id, queued_at=None).update(queued_at=timezone.now())


def _send_task(kind, object_id):
    from .tasks import email_notice, email_receipt

    (email_notice if kind == Kind.NOTICE else email_receipt).delay(object_id)


def sweep_emails(older_than=timedelta(minutes=5), now=None):
    """Queue again every email neither sent nor claimed that was queued more than ``older_than`` ago
    (or never: the broker was down at commit time). Run by Celery beat; returns the keys queued."""
    now = now or timezone.now()
    cutoff = now - older_than
    waiting = OutgoingEmail.objects.filter(sent_at=None, claimed_at=None, created_at__lte=now).exclude(
        queued_at__gt=cutoff
    )
    queued = []
    for email in waiting.order_by("created_at")[:500]:
        # Conditional: two sweepers running at once queue each email once.
        if OutgoingEmail.objects.filter(pk=email.pk, claimed_at=None, queued_at=email.queued_at).update(queued_at=now):
            _send_task(email.kind, email.position_id or email.receipt_id)
            queued.append(email.key)
    if queued:
        logger.warning("queued %d waiting emails again", len(queued))
    return queued


def send_notice_email(position_id):
    """The notice email of a published position, at most once; a no-op once it was sent."""
    position = DebtPosition.objects.filter(pk=position_id).first()
    if position is not None:
        _send_once(Kind.NOTICE, position_id, {"position": position}, partial(_notice_message, position))


def send_receipt_email(receipt_id):
    """The receipt email of a payment, at most once; a no-op once it was sent."""
    receipt = Receipt.objects.select_related("option__position").filter(pk=receipt_id).first()
    if receipt is not None:
        _send_once(Kind.RECEIPT, receipt_id, {"receipt": receipt}, partial(_receipt_message, receipt))


def _send_once(kind, object_id, target, build_message):
    email, _created = OutgoingEmail.objects.get_or_create(key=_key(kind, object_id), defaults={"kind": kind, **target})
    # Idempotency guard: only the task whose UPDATE claims the row sends; a redelivery finds it claimed.
    if not OutgoingEmail.objects.filter(pk=email.pk, claimed_at=None, sent_at=None).update(claimed_at=timezone.now()):
        logger.info("email %s already sent or being sent", email.key)
        return
    try:
        message = build_message()
        if message is None:  # the resident no longer wants digital notices
            OutgoingEmail.objects.filter(pk=email.pk).update(error="no digital-notice address")
            return
        message.send()
    except Exception as error:
        # Nothing went out: release the claim so that the sweeper tries again.
        OutgoingEmail.objects.filter(pk=email.pk).update(claimed_at=None, error=str(error)[:2000])
        raise
    OutgoingEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now(), error="")
    logger.info("%s emailed", email.key)


def _notice_message(position):
    from .documents import stored_notice_pdf

    address = digital_notice_email(position.debtor_fiscal_code)
    if not address:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=_("Nuovo avviso di pagamento: %(subject)s") % {"subject": position.subject},
            body=_(
                "Gentile %(name)s,\nin allegato l'avviso di pagamento «%(subject)s» emesso da %(municipality)s.\n"
                "Può pagarlo dall'area personale del Fascicolo del Cittadino o presso qualsiasi prestatore pagoPA."
            )
            % {
                "name": position.debtor_name,
                "subject": position.subject,
                "municipality": settings.MUNICIPALITY["name"],
            },
            to=[address],
        )
        message.attach(f"avviso-{position.pk}.pdf", stored_notice_pdf(position.pk), "application/pdf")
    return message


def _receipt_message(receipt):
    from .documents import stored_receipt_pdf

    position = receipt.option.position
    address = digital_notice_email(position.debtor_fiscal_code)
    if not address:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=_("Ricevuta di pagamento: %(subject)s") % {"subject": position.subject},
            body=_("Gentile %(name)s,\nabbiamo ricevuto il pagamento dell'avviso %(notice)s. In allegato la ricevuta.")
            % {"name": position.debtor_name, "notice": receipt.notice_number},
            to=[address],
        )
        message.attach(f"ricevuta-{receipt.receipt_id}.pdf", stored_receipt_pdf(receipt.pk), "application/pdf")
    return message
