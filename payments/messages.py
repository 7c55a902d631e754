"""The resident's message when a payment is confirmed (*Messaggi* in the area personale).

A receiver of ``signals.option_paid`` (sent after the receipt's commit) posting through
``fascicolo.sections.post_message``: one message per (debtor, receipt), however often the signal
runs. Only the debtor sees a position (``selectors.positions_for``), so only the debtor is told.
The stamp of a certificate is announced by the certificates app (``stamp_paid``), which knows the
certificate; its receipt is not announced twice. Residents who chose digital notices already get
the receipt by email (``notify.record_receipt_email``), so the message is not emailed again.
"""

from django.dispatch import receiver
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fascicolo import sections

from .identifiers import format_notice_number
from .models import DebtorType
from .pdf import euro
from .signals import option_paid


@receiver(option_paid, dispatch_uid="payments.messages.payment_confirmed")
def announce_payment(sender, receipt, option, **kwargs):
    position = option.position
    if position.debtor_type != DebtorType.PERSON or option.transfers.exclude(stamp_hash="").exists():
        return

    def text():
        paid_at = formats.date_format(timezone.localtime(receipt.payment_datetime), "DATETIME_FORMAT")
        return (
            _("Pagamento ricevuto: %(subject)s") % {"subject": position.subject},
            _(
                "Abbiamo ricevuto il pagamento di %(amount)s per «%(subject)s» (avviso %(notice)s), effettuato il "
                "%(paid_at)s. La ricevuta è anche nella sezione Pagamenti."
            )
            % {
                "amount": euro(receipt.amount_cents),
                "subject": position.subject,
                "notice": format_notice_number(receipt.notice_number),
                "paid_at": paid_at,
            },
            _("Scarica la ricevuta"),
        )

    sections.post_message(
        kind=sections.MessageKind.PAYMENT_CONFIRMED,
        about=f"receipt:{receipt.pk}",
        fiscal_code=position.debtor_fiscal_code,
        text=text,
        link_url=reverse("payments:receipt_pdf", args=[receipt.pk]),
        email=False,  # the receipt itself is emailed to residents who opted in (notify.py)
    )
