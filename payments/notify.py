"""Emails to residents who chose digital notices: the notice PDF on publication, the receipt on payment.

Sent after the transaction commits (``transaction.on_commit``) so an email never announces something
that was rolled back.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from fascicolo.identity.selectors import digital_notice_email

logger = logging.getLogger(__name__)


def queue_notice_email(position):
    """After commit: queue the notice email when the debtor chose digital notices (one cheap query)."""
    if digital_notice_email(position.debtor_fiscal_code):
        from .tasks import email_notice

        email_notice.delay(position.pk)


def queue_receipt_email(receipt):
    if digital_notice_email(receipt.option.position.debtor_fiscal_code):
        from .tasks import email_receipt

        email_receipt.delay(receipt.pk)


def on_position_published(position_id):
    from .models import DebtPosition
    from .pdf import notice_pdf

    position = DebtPosition.objects.filter(pk=position_id).first()
    if position is None:
        return
    address = digital_notice_email(position.debtor_fiscal_code)
    if not address:
        return
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
        message.attach(f"avviso-{position.pk}.pdf", notice_pdf(position), "application/pdf")
    message.send()
    logger.info("notice emailed", extra={"position": position.pk})


def on_receipt_issued(receipt_id):
    from .models import Receipt
    from .pdf import receipt_pdf

    receipt = Receipt.objects.select_related("option__position").filter(pk=receipt_id).first()
    if receipt is None:
        return
    position = receipt.option.position
    address = digital_notice_email(position.debtor_fiscal_code)
    if not address:
        return
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=_("Ricevuta di pagamento: %(subject)s") % {"subject": position.subject},
            body=_("Gentile %(name)s,\nabbiamo ricevuto il pagamento dell'avviso %(notice)s. In allegato la ricevuta.")
            % {"name": position.debtor_name, "notice": receipt.notice_number},
            to=[address],
        )
        message.attach(f"ricevuta-{receipt.receipt_id}.pdf", receipt_pdf(receipt), "application/pdf")
    message.send()
    logger.info("receipt emailed", extra={"receipt": receipt.receipt_id})
