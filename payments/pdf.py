"""The payment notice (*avviso di pagamento*) and the receipt as PDF, through the shared document
pipeline (fascicolo.documents: WeasyPrint, segno QR, the municipality's seal)."""

from django.conf import settings
from django.utils import translation

from fascicolo.documents import qr_data_uri, render_pdf

from .identifiers import format_notice_number


def qr_payload(option):
    """The pagoPA notice QR string (docs/domain.md §1.2): identifier, version, notice, creditor, amount in
    cents with 2 to 10 digits (``PAGOPA|002|…|…|05`` for 5 cents). Never localized: ASCII digits only."""
    return f"PAGOPA|002|{option.notice_number}|{settings.MUNICIPALITY['fiscal_code']}|{option.amount_cents:02d}"


def euro(cents):
    """Integer cents as Italians write euros: ``4200`` → ``42,00 €``, ``123456`` → ``1.234,56 €``."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return sign + f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d} €"


def _page(option):
    return {
        "option": option,
        "notice_code": format_notice_number(option.notice_number),
        "amount": euro(option.amount_cents),
        "qr": qr_data_uri(qr_payload(option), scale=3),
        "transfers": list(option.transfers.all()),
    }


def notice_pdf(position, language=None):
    """One page for the single payment (if any) and one per installment."""
    options = [o for o in position.options.order_by("installment_number") if o.status == "UNPAID"] or list(
        position.options.order_by("installment_number")
    )
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_pdf(
            "payments/pdf/notice.html",
            {
                "position": position,
                "pages": [_page(o) for o in options],
                "municipality": settings.MUNICIPALITY,
                "document_language": language or settings.LANGUAGE_CODE,
            },
        )


def receipt_pdf(receipt, language=None):
    option = receipt.option
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_pdf(
            "payments/pdf/receipt.html",
            {
                "receipt": receipt,
                "option": option,
                "position": option.position,
                "amount": euro(receipt.amount_cents),
                "notice_code": format_notice_number(receipt.notice_number),
                "transfers": list(receipt.transfers.select_related("transfer")),
                "municipality": settings.MUNICIPALITY,
                "document_language": language or settings.LANGUAGE_CODE,
            },
        )
