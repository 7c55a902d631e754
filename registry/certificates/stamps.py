"""The stamp hand-off: a certificate waiting in AWAITING_STAMP is released once the €16 @e.bollo stamp
bound to its SHA-256 is paid (payments app: ``payments.selectors.paid_stamp_receipts``,
``payments.signals.stamp_paid``).

Driven by state: ``release_paid_stamps`` (Celery beat, ``certificates.release_paid_stamps``) releases
every AWAITING_STAMP certificate whose stamp the payments app reports as paid. The ``stamp_paid``
signal only makes it faster: its receiver queues the same idempotent task for one certificate. So a
signal lost to a broker that was down, or to a crash after the payment's commit, delays the release
by one sweep; it never loses it.
"""

import logging

from django.dispatch import receiver

from payments.selectors import paid_stamp_receipts
from payments.signals import stamp_paid

from .models import Certificate
from .selectors import STAMP_REFERENCE_PREFIX, stamp_document_hash
from .states import Status

logger = logging.getLogger(__name__)
SWEEP_BATCH = 500


def release_paid_stamps(certificate_id=None):
    """Release the AWAITING_STAMP certificates (all of them, or just ``certificate_id``) whose stamp is
    paid, with the stamp's receipt id (IUR) as their stamp reference. Safe to run twice: releasing is
    idempotent. Returns the ids released."""
    from .services import release_after_stamp

    waiting = Certificate.objects.filter(status=Status.AWAITING_STAMP).exclude(sha256="").order_by("pk")
    if certificate_id is not None:
        waiting = waiting.filter(pk=certificate_id)
    by_hash = {stamp_document_hash(c): c.pk for c in waiting.only("pk", "sha256")[:SWEEP_BATCH]}
    released = []
    for stamp_hash, receipt_id in paid_stamp_receipts(by_hash).items():
        release_after_stamp(by_hash[stamp_hash], stamp_reference=receipt_id)
        released.append(by_hash[stamp_hash])
        logger.info("certificate %s released by stamp receipt %s", by_hash[stamp_hash], receipt_id)
    return released


@receiver(stamp_paid, dispatch_uid="certificates.stamps.release")
def queue_release(sender, reference, **kwargs):
    if not reference.startswith(STAMP_REFERENCE_PREFIX):
        return
    from .tasks import release_paid_stamps as task

    task.delay(int(reference.removeprefix(STAMP_REFERENCE_PREFIX)))
