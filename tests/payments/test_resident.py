"""What a resident sees: own positions (due first), notice PDF with a readable pagoPA QR, receipts;
another resident's positions and receipts are 404."""

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.urls import reverse

from payments import documents
from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from payments.services import invalidate_position
from tests.helpers import login_resident
from tests.payments.factories import RESIDENT_A, RESIDENT_B, make_position

pytestmark = pytest.mark.django_db


def decode_qr_codes(pdf_bytes):
    document = pypdfium2.PdfDocument(pdf_bytes)
    found = []
    for page in document:
        image = page.render(scale=3).to_pil()
        found.append([barcode.text for barcode in zxingcpp.read_barcodes(image)])
    return found


def pay(option):
    from django.utils import timezone

    return record_receipt(
        option, ReceiptData(f"IUR{option.pk}", option.notice_number, option.amount_cents, "PSP", "PSP", timezone.now())
    )


def test_notice_pdf_has_a_page_per_installment_and_a_readable_qr(client):
    position = make_position(amount_cents=30_000, installments=2)
    documents.render_notice(position.pk)  # what the PDF worker does on publication
    login_resident(client, RESIDENT_A)
    response = client.get(reverse("payments:notice_pdf", args=[position.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    codes = decode_qr_codes(response.getvalue())
    cf = settings.MUNICIPALITY["fiscal_code"]
    expected = [[f"PAGOPA|002|{o.notice_number}|{cf}|{o.amount_cents}"] for o in position.options.all()]
    assert codes == expected and len(codes) == 3


def test_list_shows_due_first_then_paid_with_receipt(client):
    later = make_position(subject="Mensa", category="CANTEEN")
    paid = make_position(subject="Multa", category="FINE")
    receipt = pay(paid.options.get())
    from datetime import date, timedelta

    sooner = make_position(subject="TARI 2026", due=date.today() + timedelta(days=5))
    make_position(fiscal_code=RESIDENT_B, subject="Di un altro")
    invalidate_position(make_position(subject="Annullata"))
    login_resident(client, RESIDENT_A)
    page = client.get(reverse("payments:index")).content.decode()
    assert page.index("TARI 2026") < page.index("Mensa") < page.index("Multa")
    assert "Di un altro" not in page and "Annullata" not in page
    assert reverse("payments:receipt_pdf", args=[receipt.pk]) in page
    assert sooner.pk and later.pk


def test_another_residents_positions_and_receipts_are_404(client):
    theirs = make_position(fiscal_code=RESIDENT_A)
    receipt = pay(theirs.options.get())
    unpaid = make_position(fiscal_code=RESIDENT_A)
    login_resident(client, RESIDENT_B)
    for url in (
        reverse("payments:position", args=[theirs.pk]),
        reverse("payments:notice_pdf", args=[theirs.pk]),
        reverse("payments:receipt_pdf", args=[receipt.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("payments:pay", args=[unpaid.options.get().pk])).status_code == 404
    login_resident(client, RESIDENT_A)
    documents.render_receipt(receipt.pk)
    assert client.get(reverse("payments:receipt_pdf", args=[receipt.pk])).status_code == 200


def test_pay_now_redirects_to_the_gateway_checkout(client):
    option = make_position().options.get()
    login_resident(client, RESIDENT_A)
    response = client.post(reverse("payments:pay", args=[option.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/psp-simulator/checkout/?cart=")
    assert option.attempts.get().status == "pending"
    # A second click resumes the open checkout instead of opening a second payable one.
    again = client.post(reverse("payments:pay", args=[option.pk]))
    assert again["Location"] == response["Location"] and option.attempts.count() == 1


def test_overview_lists_notices_due_within_thirty_days(client):
    from datetime import date, timedelta

    from payments.hooks import payments_due

    soon = make_position(subject="Mensa", category="CANTEEN", due=date.today() + timedelta(days=10))
    make_position(subject="Lontano", due=date.today() + timedelta(days=90))
    user = login_resident(client, RESIDENT_A)
    items = payments_due(user, None)
    assert [(i.kind, i.due, i.url) for i in items] == [
        ("payment", soon.options.get().due_date, reverse("payments:position", args=[soon.pk]))
    ]


def test_pages_in_english(client, settings):
    position = make_position()
    documents.render_notice(position.pk)
    login_resident(client, RESIDENT_A)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("payments:position", args=[position.pk])).content.decode()
    assert "Pay now" in page and "Download the payment notice (PDF)" in page
