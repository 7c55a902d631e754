"""The stamp duty of registry certificates: the bridge between ``registry.certificates`` (a certificate
waiting in AWAITING_STAMP with its ``sha256``) and ``payments.stamp``.

The resident presses "Paga il bollo" in the payments page; the €16 @e.bollo notice is bound to the
certificate's SHA-256 (base64, as ``hashDocumento`` wants it) and carries the reference
``certificate:<id>``. Releasing the certificate when the stamp is paid belongs to the certificates
app (``registry/certificates/stamps.py``: a receiver of ``stamp_paid`` and a sweeper).
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def enabled():
    return apps.is_installed("registry.certificates")


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
    from registry.certificates.selectors import STAMP_REFERENCE_PREFIX, certificate_for, stamp_document_hash
    from registry.certificates.states import Status

    from .stamp import request_stamp_payment

    certificate = certificate_for(user, certificate_id)
    if certificate.status != Status.AWAITING_STAMP:
        raise ValidationError(
            _("Questo certificato non attende il pagamento del bollo: non c'è nulla da pagare."), code="no_stamp_due"
        )
    return request_stamp_payment(
        fiscal_code,
        stamp_document_hash(certificate),
        payer_name=user.get_full_name() or fiscal_code,
        description=str(certificate.title),
        return_urls=return_urls,
        reference=f"{STAMP_REFERENCE_PREFIX}{certificate.pk}",
    )


def certificates_paid_by(user, attempt):
    """The user's certificates whose stamp ``attempt`` pays, for the payment's result page: a list of
    ``{"title", "ready", "download_url"}`` (``download_url`` only once the certificate is READY, else
    ``None``). Empty when the attempt pays no certificate's stamp or the certificates app is off; a
    certificate that is not the user's is left out (``certificates_for`` scopes by holder)."""
    if not enabled():
        return []
    from registry.certificates.selectors import STAMP_REFERENCE_PREFIX, certificates_for, download_url
    from registry.certificates.states import Status

    from .models import Transfer

    references = (
        Transfer.objects.filter(option__attempts=attempt)
        .exclude(stamp_hash="")
        .values_list("metadata__reference", flat=True)
    )
    ids = [
        int(r.removeprefix(STAMP_REFERENCE_PREFIX)) for r in references if (r or "").startswith(STAMP_REFERENCE_PREFIX)
    ]
    return [
        {
            "title": certificate.title,
            "ready": certificate.status == Status.READY,
            "download_url": download_url(certificate, user) if certificate.status == Status.READY else None,
        }
        for certificate in certificates_for(user).filter(pk__in=ids).order_by("pk")
    ]
