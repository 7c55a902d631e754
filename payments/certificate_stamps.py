"""The stamp duty of registry certificates: the bridge between ``registry.certificates`` (a certificate
waiting in AWAITING_STAMP with its ``sha256``) and ``payments.stamp``.

The resident presses "Paga il bollo" in the payments page; the €16 @e.bollo notice is bound to the
certificate's SHA-256 (base64, as ``hashDocumento`` wants it) and carries the reference
``certificate:<id>``; when the receipt arrives, ``stamp_paid`` releases the certificate with the
receipt id as its stamp reference (``release_after_stamp`` is idempotent).
"""

import base64
import logging

from django.apps import apps
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _

from .signals import stamp_paid

logger = logging.getLogger(__name__)
PREFIX = "certificate:"


def enabled():
    return apps.is_installed("registry.certificates")


def document_hash(certificate):
    return base64.b64encode(bytes.fromhex(certificate.sha256)).decode()


def awaiting_stamp(user):
    if not enabled():
        return []
    from registry.certificates.selectors import certificates_for
    from registry.certificates.states import Status

    return list(certificates_for(user).filter(status=Status.AWAITING_STAMP).order_by("-pk")[:50])


def start_stamp_payment(user, certificate_id, fiscal_code, return_urls):
    """Start paying the stamp of one of the user's certificates (``Http404`` for anyone else's).

    Only a certificate waiting for its stamp (``AWAITING_STAMP``) can be paid for: an exempt or an
    already released one has nothing to pay, and a payment would take the resident's €16 for nothing
    (``ValidationError``).
    """
    from registry.certificates.selectors import certificate_for
    from registry.certificates.states import Status

    from .stamp import request_stamp_payment

    certificate = certificate_for(user, certificate_id)
    if certificate.status != Status.AWAITING_STAMP:
        raise ValidationError(
            _("Questo certificato non attende il pagamento del bollo: non c'è nulla da pagare."), code="no_stamp_due"
        )
    return request_stamp_payment(
        fiscal_code,
        document_hash(certificate),
        payer_name=user.get_full_name() or fiscal_code,
        description=str(certificate.title),
        return_urls=return_urls,
        reference=f"{PREFIX}{certificate.pk}",
    )


@receiver(stamp_paid, dispatch_uid="payments.certificate_stamps.release")
def release_certificate(sender, document_hash, receipt, reference, **kwargs):
    if not reference.startswith(PREFIX) or not enabled():
        return
    from registry.certificates.services import release_after_stamp

    release_after_stamp(int(reference.removeprefix(PREFIX)), stamp_reference=receipt.receipt_id)
    logger.info("certificate %s released by stamp receipt %s", reference, receipt.receipt_id)
