"""Notice and receipt PDFs: rendered once by the PDF workers, sealed, stored privately, served from storage.

A web request never renders a PDF. The render is queued (queue ``pdf``) when a position is published
and when a receipt is issued; positions created in bulk (the TARI roll) are rendered on first
request. Until the file exists the resident sees a "being prepared" answer, and asking again queues
the render again (at most once a minute per document), so a lost message never leaves a document
missing for good.

Idempotent like the certificates' pipeline: the file name derives from the record's id, the file is
written under a temporary name and renamed (``store_private_file``), and the record is updated only
while it has no file yet; a second delivery finds the file recorded and does nothing. The notice is
rendered in the portal's language (Italian, the language of the official pagoPA notice), as the
emailed copy always was.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from fascicolo.documents import seal_pdf
from fascicolo.documents.storage import store_private_file

from .identifiers import format_notice_number
from .models import DebtPosition, Receipt
from .pdf import notice_pdf, receipt_pdf

logger = logging.getLogger(__name__)

# A resident asking again while the render is queued does not queue it again within this time.
REQUEUE_AFTER_SECONDS = 60


def notice_file_name(position_id):
    return f"payments/notices/{position_id // 10000:04d}/{position_id}.pdf"


def receipt_file_name(receipt_id):
    return f"payments/receipts/{receipt_id // 10000:04d}/{receipt_id}.pdf"


def render_notice(position_id):
    """Render, seal and store the notice of one position, unless it is stored already. Returns the name."""
    position = DebtPosition.objects.filter(pk=position_id).first()
    if position is None or position.notice_file:
        return getattr(position, "notice_file", None)
    options = list(position.options.order_by("installment_number"))
    reason = f"Avviso di pagamento {format_notice_number(options[0].notice_number)}" if options else "Avviso"
    pdf = seal_pdf(notice_pdf(position, settings.LANGUAGE_CODE), reason=reason)
    name = store_private_file(notice_file_name(position.pk), pdf)
    # Conditional: a concurrent duplicate render wrote the same bytes' equivalent under the same name.
    DebtPosition.objects.filter(pk=position.pk, notice_file="").update(
        notice_file=name, notice_sha256=hashlib.sha256(pdf).hexdigest()
    )
    logger.info("notice stored", extra={"position": position.pk})
    return name


def render_receipt(receipt_id):
    """Render, seal and store one receipt, unless it is stored already. Returns the name."""
    receipt = Receipt.objects.select_related("option__position").filter(pk=receipt_id).first()
    if receipt is None or receipt.file_name:
        return getattr(receipt, "file_name", None)
    pdf = seal_pdf(receipt_pdf(receipt, settings.LANGUAGE_CODE), reason=f"Ricevuta di pagamento {receipt.receipt_id}")
    name = store_private_file(receipt_file_name(receipt.pk), pdf)
    Receipt.objects.filter(pk=receipt.pk, file_name="").update(file_name=name, sha256=hashlib.sha256(pdf).hexdigest())
    logger.info("receipt stored", extra={"receipt": receipt.receipt_id})
    return name


def _queue(task_name, object_id):
    from . import tasks

    # robust: a broker that is down must not undo the payment or the publication; the resident's
    # next download request queues the render again.
    transaction.on_commit(lambda: getattr(tasks, task_name).delay(object_id), robust=True)


def queue_notice(position_id):
    _queue("render_notice_pdf", position_id)


def queue_receipt(receipt_id):
    _queue("render_receipt_pdf", receipt_id)


def ask_for_notice(position):
    """The stored notice's name, or ``None`` after queueing its render (once a minute at most)."""
    if position.notice_file:
        return position.notice_file
    if cache.add(f"payments:pdf-queued:notice:{position.pk}", 1, REQUEUE_AFTER_SECONDS):
        queue_notice(position.pk)
    return None


def ask_for_receipt(receipt):
    if receipt.file_name:
        return receipt.file_name
    if cache.add(f"payments:pdf-queued:receipt:{receipt.pk}", 1, REQUEUE_AFTER_SECONDS):
        queue_receipt(receipt.pk)
    return None


def stored_notice_pdf(position_id):
    """The notice's bytes for an email attachment (called in a worker: renders it if still missing)."""
    from fascicolo.documents.storage import read_private_file

    return read_private_file(render_notice(position_id))


def stored_receipt_pdf(receipt_id):
    from fascicolo.documents.storage import read_private_file

    return read_private_file(render_receipt(receipt_id))
