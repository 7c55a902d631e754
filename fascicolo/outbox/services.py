"""Emails to residents, each sent at most once, none lost to a broker that was down.

An app that owes residents an email registers its *kind* from ``AppConfig.ready()``, with the function
that builds the email from the object's id::

    from fascicolo.outbox import services as outbox
    outbox.register("receipt", build_receipt_email)   # build(object_id) -> EmailMessage | None

and records the obligation inside the transaction of the event (``record(kind, object_id)``).
After the commit the email task is queued (robust ``on_commit``: a broker that is down does not turn
the committed event into an error); Celery beat's ``outbox.sweep_emails`` queues again whatever
waits too long. The task claims the row with a conditional UPDATE before sending: a redelivered or
duplicated task sends nothing (at most once per event). A worker that dies between the claim and the
SMTP answer leaves the row claimed and unsent: it is not sent again automatically, because the
message may already have left. ``build`` returns ``None`` when the email is no longer wanted (the
resident withdrew their consent to digital notices): nothing is sent and the row says why.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

_builders: dict[str, Callable] = {}


def register(kind, build):
    """Make ``kind`` an email the outbox can send: ``build(object_id)`` returns the
    ``django.core.mail.EmailMessage`` (or ``None`` when it is no longer wanted)."""
    _builders[kind] = build


def key_for(kind, object_id):
    return f"{kind}:{object_id}"


def record(kind, object_id):
    """Inside the event's transaction: owe the email ``kind`` about ``object_id`` (once; recording it
    again is a no-op). Its task is queued after the commit. Returns the row."""
    if kind not in _builders:
        raise LookupError(f"unknown email kind {kind!r}")
    email, created = OutgoingEmail.objects.get_or_create(
        key=key_for(kind, object_id), defaults={"kind": kind, "object_id": object_id}
    )
    if created:
        transaction.on_commit(partial(_queue, email.pk, kind, object_id), robust=True)
    return email


def _queue(email_id, kind, object_id):
    _send_task(kind, object_id)
    # Only once the broker took it: an email whose queueing failed is swept at the next run.
    OutgoingEmail.objects.filter(pk=email_id, queued_at=None).update(queued_at=timezone.now())


def _send_task(kind, object_id):
    from .tasks import send_email

    send_email.delay(kind, object_id)


def sweep(older_than=timedelta(minutes=5), now=None):
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
            _send_task(email.kind, email.object_id)
            queued.append(email.key)
    if queued:
        logger.warning("queued %d waiting emails again", len(queued))
    return queued


def send_once(kind, object_id):
    """Send the email ``kind`` about ``object_id`` unless it was sent (or is being sent) already."""
    email, _created = OutgoingEmail.objects.get_or_create(
        key=key_for(kind, object_id), defaults={"kind": kind, "object_id": object_id}
    )
    # Idempotency guard: only the task whose UPDATE claims the row sends; a redelivery finds it claimed.
    if not OutgoingEmail.objects.filter(pk=email.pk, claimed_at=None, sent_at=None).update(claimed_at=timezone.now()):
        logger.info("email %s already sent or being sent", email.key)
        return
    try:
        message = _builders[kind](object_id)
        if message is None:  # the resident no longer wants it, or the object is gone
            OutgoingEmail.objects.filter(pk=email.pk).update(error="no longer wanted (no digital-notice address)")
            return
        message.send()
    except Exception as error:
        # Nothing went out: release the claim so that the sweeper tries again.
        OutgoingEmail.objects.filter(pk=email.pk).update(claimed_at=None, error=str(error)[:2000])
        raise
    OutgoingEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now(), error="")
    logger.info("%s emailed", email.key)
