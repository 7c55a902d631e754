"""Reads, always scoped: a resident reaches only the certificates they requested (anyone else's id is 404)."""

import base64
import re

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse

from .codes import normalize_verification_code
from .models import Certificate, DocumentKind
from .states import ISSUED, Status

DOWNLOAD_SALT = "certificates.download"
# The reference a certificate's stamp payment carries (``payments.stamp.request_stamp_payment``).
STAMP_REFERENCE_PREFIX = "certificate:"


def certificates_for(user):
    return Certificate.objects.filter(requested_by=user).select_related("holder")


def certificate_for(user, pk):
    """One of the user's certificates, or ``Http404``."""
    try:
        return certificates_for(user).get(pk=int(pk))
    except (Certificate.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


# --- Download links -----------------------------------------------------------------------------------


def download_token(certificate, user):
    """A short-lived token naming the certificate and the user it was issued to."""
    return signing.TimestampSigner(salt=DOWNLOAD_SALT).sign_object({"c": certificate.pk, "u": user.pk})


def download_url(certificate, user):
    return reverse("certificates:download", args=[download_token(certificate, user)])


def certificate_for_download(user, token):
    """The ready certificate a token names, only for the user it was made for; ``Http404`` otherwise
    (expired, forged, someone else's link, not ready)."""
    try:
        data = signing.TimestampSigner(salt=DOWNLOAD_SALT).unsign_object(
            token, max_age=settings.CERTIFICATES_DOWNLOAD_LINK_SECONDS
        )
    except signing.BadSignature:
        raise Http404 from None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        raise Http404
    certificate = certificate_for(user, data.get("c"))
    if certificate.status != Status.READY:
        raise Http404
    return certificate


def status_payload(certificate, user):
    """The small JSON the dossier polls (and the API returns)."""
    return {
        "id": certificate.pk,
        "status": certificate.status,
        "status_label": str(certificate.get_status_display()),
        "title": certificate.title,
        "holder": certificate.holder.full_name,
        "requested_at": certificate.requested_at.isoformat(),
        "issued_at": certificate.issued_at.isoformat() if certificate.issued_at else None,
        "download_url": download_url(certificate, user) if certificate.status == Status.READY else None,
    }


# --- Public verification ------------------------------------------------------------------------------


def certificate_for_verification(code):
    """The issued certificate with this verification code, or ``None`` (unknown or malformed)."""
    try:
        code = normalize_verification_code(code)
    except Exception:
        return None
    return (
        Certificate.objects.filter(verification_code=code, document_kind=DocumentKind.CERTIFICATE, status__in=ISSUED)
        .select_related("holder")
        .first()
    )


def certificate_for_sealed_reason(reason):
    """The issued certificate named in a seal's reason ("Certificato anagrafico ABCD-…", see
    ``rendering.build_pdf``), or ``None``. Trust the reason only from a seal that verified."""
    match = re.search(r"([A-Z2-7]{4}(?:-[A-Z2-7]{4}){4})\s*$", reason or "")
    return certificate_for_verification(match.group(1)) if match else None


def holder_initials(person):
    """Initials only ("M. R."): the public page must not reveal who the holder is."""
    return f"{person.given_name[:1].upper()}. {person.family_name[:1].upper()}."


# --- The dossier's overview ----------------------------------------------------------------------------

RECENT_DAYS = 7


def ready_to_download(user, person):
    """Attention items for the dossier's overview: documents ready in the last week."""
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.translation import gettext as _

    from fascicolo.sections import AttentionItem

    since = timezone.now() - timedelta(days=RECENT_DAYS)
    recent = certificates_for(user).filter(status=Status.READY, issued_at__gte=since)[:5]
    return [
        AttentionItem(
            kind="certificate",
            title=_("%(title)s pronto da scaricare (%(holder)s)") % {"title": c.title, "holder": c.holder.full_name},
            url=reverse("certificates:index"),
        )
        for c in recent
    ]


def stamp_document_hash(certificate):
    """The certificate's SHA-256 as its @e.bollo stamp is bound to it (base64, pagoPA's ``hashDocumento``)."""
    return base64.b64encode(bytes.fromhex(certificate.sha256)).decode()
