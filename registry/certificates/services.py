"""Writes: requesting, generating, sweeping, releasing and revoking certificates.

Generation is safe to run any number of times, concurrently or after a crash (docs/reliability.md §2):
the worker locks the row (``SELECT … FOR UPDATE SKIP LOCKED``), renders, writes the file under a
name derived from the id (temporary file + atomic rename) and marks it issued in the same
transaction. A worker killed mid-render rolls the transaction back, so the row is still PENDING and
the redelivered message (or the sweeper) renders it again; a second delivery while the first is
still running skips the locked row; a delivery after success finds nothing PENDING.
"""

import hashlib
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fascicolo.documents.storage import store_private_file
from fascicolo.identity.services import person_for_user
from fascicolo.limits import LimitExceeded
from registry.selectors import person_may_act_for

from .catalogue import CERTIFICATE_KINDS, SELF_DECLARATION_SECTIONS, self_declaration_sections_for
from .models import EXEMPTION_DESCRIPTION_MAX, STAMP_DUTY_CENTS, Certificate, DocumentKind, StampExemption
from .rendering import build_pdf
from .signals import certificate_ready
from .states import Status, transition_name

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class RequestRefused(ValidationError):
    """A request that cannot be accepted; the message is for the resident."""


def _enqueue(certificate_id):
    from .tasks import generate_certificate

    generate_certificate.delay(certificate_id)


def enqueue_after_commit(certificate_id):
    # robust: a broker that is down at this moment must not turn a committed request into an error
    # page; the sweeper enqueues it later.
    transaction.on_commit(lambda: _enqueue(certificate_id), robust=True)


def validate_exemption(exemption, description):
    """The ANPR exemption rules: a known code; code 99 needs a description of at most 256 characters."""
    description = (description or "").strip()
    if exemption in (None, ""):
        return None, ""
    try:
        exemption = StampExemption(int(exemption))
    except (TypeError, ValueError):
        raise RequestRefused(_("Il motivo di esenzione dal bollo non è valido."), code="exemption") from None
    if exemption == StampExemption.OTHER and not description:
        raise RequestRefused(_("Per «Altro motivo» descrivi il motivo dell'esenzione."), code="exemption_description")
    if len(description) > EXEMPTION_DESCRIPTION_MAX:
        raise RequestRefused(
            _("La descrizione dell'esenzione può avere al massimo %(max)d caratteri.")
            % {"max": EXEMPTION_DESCRIPTION_MAX},
            code="exemption_description",
        )
    return exemption, description if exemption == StampExemption.OTHER else ""


# States in which a request still costs the workers something or waits for the resident.
OPEN_STATUSES = (Status.PENDING, Status.AWAITING_STAMP)


def _refuse_beyond_pending_limit(user):
    """Called inside the request's transaction: at most ``LIMIT_CERTIFICATES_PENDING`` open requests.

    The user's row is locked first, so concurrent requests of one resident (two web processes, web
    and API) count one after the other and never both slip under the limit.
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    open_requests = Certificate.objects.filter(requested_by=user, status__in=OPEN_STATUSES).count()
    if open_requests >= settings.LIMIT_CERTIFICATES_PENDING:
        raise LimitExceeded(
            _(
                "Hai già %(count)d richieste in preparazione o in attesa del bollo: attendi che siano pronte "
                "(o paga il bollo) prima di chiederne altre."
            )
            % {"count": open_requests},
            retry_after=settings.CERTIFICATES_SWEEP_AFTER_SECONDS,
        )


def request_certificate(user, *, person_id, kind, exemption=None, exemption_description="", language="it"):
    """Accept a request for ``kind`` about ``person_id`` and queue its generation.

    Raises ``Certificate.DoesNotExist`` when the user may not act for that person (callers answer
    404, as for anyone else's data), ``RequestRefused`` for a request that cannot be made and
    ``fascicolo.limits.LimitExceeded`` when the resident already has ``LIMIT_CERTIFICATES_PENDING``
    open requests (callers answer 429).
    """
    person = person_may_act_for(person_for_user(user), person_id)
    if person is None:
        raise Certificate.DoesNotExist
    entry = CERTIFICATE_KINDS.get(kind)
    if entry is None:
        raise RequestRefused(_("Tipo di certificato sconosciuto."), code="kind")
    available, reason = entry.availability(person)
    if not available:
        raise RequestRefused(reason, code="unavailable")
    exemption, exemption_description = validate_exemption(exemption, exemption_description)
    if exemption is None and not settings.CERTIFICATES_PAID_STAMP_ENABLED:
        # The paid-stamp path (pagoPA @e.bollo bound to the document hash) waits for the payments app.
        raise RequestRefused(
            _("Il pagamento online dell'imposta di bollo non è ancora disponibile: indica un motivo di esenzione."),
            code="stamp_unavailable",
        )
    with transaction.atomic():
        _refuse_beyond_pending_limit(user)
        certificate = Certificate.objects.create(
            document_kind=DocumentKind.CERTIFICATE,
            kind=entry.key,
            holder=person,
            requested_by=user,
            language=language if language in ("it", "en") else "it",
            exemption=exemption,
            exemption_description=exemption_description,
            stamp_duty_cents=0 if exemption is not None else STAMP_DUTY_CENTS,
            enqueued_at=timezone.now(),
        )
        enqueue_after_commit(certificate.pk)
    return certificate


def request_self_declaration(user, *, sections, language="it"):
    """A self-declaration (DPR 445/2000) of the signed-in resident, with the chosen sections."""
    me = person_for_user(user)
    person = person_may_act_for(me, getattr(me, "pk", None))
    if person is None:
        raise Certificate.DoesNotExist
    chosen = [key for key in SELF_DECLARATION_SECTIONS if key in set(sections or ())]
    if not chosen:
        raise RequestRefused(_("Scegli almeno una sezione da dichiarare."), code="sections")
    availability = {section.key: (ok, reason) for section, ok, reason in self_declaration_sections_for(person)}
    for key in chosen:
        ok, reason = availability[key]
        if not ok:
            raise RequestRefused(reason, code="unavailable")
    with transaction.atomic():
        _refuse_beyond_pending_limit(user)
        certificate = Certificate.objects.create(
            document_kind=DocumentKind.SELF_DECLARATION,
            sections=chosen,
            holder=person,
            requested_by=user,
            language=language if language in ("it", "en") else "it",
            stamp_duty_cents=0,
            enqueued_at=timezone.now(),
        )
        enqueue_after_commit(certificate.pk)
    return certificate


def file_name_for(certificate):
    """Derived from the id only: a re-run writes the same name, never a second document."""
    return f"certificates/{certificate.pk // 10000:04d}/{certificate.pk}.pdf"


def _record_failure(certificate_id, error):
    Certificate.objects.filter(pk=certificate_id, status=Status.PENDING).update(failure=str(error)[:2000])


def generate_document(certificate_id):
    """Render, seal and store one pending document; a no-op for anything not pending. Returns the status."""
    # Count the attempt in its own committed statement: a crash during the render rolls back the
    # render's transaction, not this count, so a document that always crashes a worker stops.
    if not Certificate.objects.filter(pk=certificate_id, status=Status.PENDING).update(attempts=F("attempts") + 1):
        return None
    try:
        with transaction.atomic():
            # SKIP LOCKED: another worker is rendering this very row (a duplicate delivery); leave it.
            certificate = (
                Certificate.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("holder")
                .filter(pk=certificate_id, status=Status.PENDING)
                .first()
            )
            if certificate is None:
                return None
            if certificate.attempts > MAX_ATTEMPTS:
                _set_status(certificate, Status.FAILED)
                certificate.save(update_fields=["status"])
                logger.error("certificate %s failed after %s attempts", certificate_id, MAX_ATTEMPTS)
                return certificate.status
            certificate.issued_at = timezone.now()
            pdf = build_pdf(certificate)
            certificate.file_name = store_private_file(file_name_for(certificate), pdf)
            certificate.sha256 = hashlib.sha256(pdf).hexdigest()
            certificate.size = len(pdf)
            certificate.failure = ""
            owes_stamp = certificate.stamp_duty_cents > 0 and not certificate.stamp_reference
            _set_status(certificate, Status.AWAITING_STAMP if owes_stamp else Status.READY)
            certificate.save(
                update_fields=["status", "issued_at", "file_name", "sha256", "size", "failure"],
            )
            if certificate.status == Status.READY:
                _announce_ready(certificate.pk)
    except Exception as error:
        _record_failure(certificate_id, error)
        raise
    logger.info("certificate %s %s", certificate_id, certificate.status)
    return certificate.status


def _set_status(certificate, target):
    transition_name(certificate.status, target)  # raises on an edge the table does not allow
    certificate.status = target


def sweep_pending(older_than_seconds=None):
    """Enqueue again every request still pending after ``older_than_seconds`` (a lost message, a Redis
    restart, a broker that was down at commit time). Returns the ids enqueued."""
    if older_than_seconds is None:
        older_than_seconds = settings.CERTIFICATES_SWEEP_AFTER_SECONDS
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    ids = list(
        Certificate.objects.filter(status=Status.PENDING, enqueued_at__lte=cutoff)
        .order_by("enqueued_at")
        .values_list("pk", flat=True)[:500]
    )
    enqueued = []
    for certificate_id in ids:
        # Conditional: two sweepers running at once enqueue each request once.
        if Certificate.objects.filter(pk=certificate_id, status=Status.PENDING, enqueued_at__lte=cutoff).update(
            enqueued_at=now
        ):
            _enqueue(certificate_id)
            enqueued.append(certificate_id)
    if enqueued:
        logger.warning("re-enqueued %d pending certificates", len(enqueued))
    return enqueued


def release_after_stamp(certificate_id, *, stamp_reference):
    """The seam for the payments app: the @e.bollo stamp bound to ``certificate.sha256`` is paid.

    Call it (idempotent) once the receipt for the stamp arrives; the certificate becomes READY.
    """
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.status == Status.READY and certificate.stamp_reference == stamp_reference:
            return certificate
        _set_status(certificate, Status.READY)
        certificate.stamp_reference = stamp_reference
        certificate.save(update_fields=["status", "stamp_reference"])
        _announce_ready(certificate.pk)
    return certificate


def _announce_ready(certificate_id):
    # robust: after the commit, a failing receiver (the resident's message) never undoes the release.
    transaction.on_commit(
        partial(certificate_ready.send_robust, sender=Certificate, certificate_id=certificate_id), robust=True
    )


def revoke(certificate_id, *, reason, by):
    """Revoke an issued certificate; the verification page says so from the next request on."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestRefused(_("Indica il motivo della revoca."), code="reason")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.status == Status.REVOKED:
            return certificate
        _set_status(certificate, Status.REVOKED)
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason
        certificate.revoked_by = by
        certificate.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
    logger.info("certificate %s revoked by user %s", certificate_id, getattr(by, "pk", None))
    return certificate


def retry_failed(certificate_id):
    """A clerk's retry of a failed document: back to PENDING with fresh attempts, and enqueued."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        _set_status(certificate, Status.PENDING)
        certificate.attempts = 0
        certificate.enqueued_at = timezone.now()
        certificate.save(update_fields=["status", "attempts", "enqueued_at"])
        enqueue_after_commit(certificate.pk)
    return certificate
