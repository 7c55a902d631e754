"""Emails to residents who chose digital notices: the notice PDF on publication, the receipt on payment.

Both go through the portal's outbox (``fascicolo.outbox``): ``record_notice_email`` and
``record_receipt_email`` owe the email inside the publishing or paying transaction, the outbox sends
it once after the commit (and sweeps what a broker outage left waiting). The kinds ``notice`` and
``receipt`` are registered from ``PaymentsConfig.ready()`` with the functions below that build them.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from fascicolo.identity.selectors import digital_notice_email
from fascicolo.outbox import services as outbox

from .models import DebtPosition, Receipt

NOTICE = "notice"
RECEIPT = "receipt"


def register_emails():
    outbox.register(NOTICE, notice_email)
    outbox.register(RECEIPT, receipt_email)


def record_notice_email(position):
    """In the publishing transaction: owe the notice email when the debtor chose digital notices."""
    if digital_notice_email(position.debtor_fiscal_code):
        outbox.record(NOTICE, position.pk)


def record_receipt_email(receipt, position):
    """In the receipt's transaction: owe the receipt email when the debtor chose digital notices."""
    if digital_notice_email(position.debtor_fiscal_code):
        outbox.record(RECEIPT, receipt.pk)


def notice_email(position_id):
    """The notice email of a published position; ``None`` when it is gone or no longer wanted."""
    position = DebtPosition.objects.filter(pk=position_id).first()
    return _notice_message(position) if position is not None else None


def receipt_email(receipt_id):
    """The receipt email of a payment; ``None`` when it is gone or no longer wanted."""
    receipt = Receipt.objects.select_related("option__position").filter(pk=receipt_id).first()
    return _receipt_message(receipt) if receipt is not None else None


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
