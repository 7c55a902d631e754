"""Time, numbers and text as people read them: the dashboard counts days and hours in Rome time;
machine-readable output (SVG, JSON, CSV, data attributes, QR payloads) is never localized, checked
under the Italian locale; PDFs show euros as Italians write them; the notice QR is ECC level M."""

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from payments import dashboard
from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from payments.pdf import notice_pdf, qr_payload, receipt_pdf
from payments.reconciliation import parse_flow_csv
from payments.simulator import protocol
from payments.simulator.models import SimulatedCheckout
from tests.helpers import login_resident
from tests.payments.clerks import login_clerk
from tests.payments.factories import RESIDENT_A, make_position

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def paid_at(moment, amount_cents=4_200, receipt_id=None):
    option = make_position(amount_cents=amount_cents).options.get()
    data = ReceiptData(receipt_id or f"IUR{option.pk}", option.notice_number, amount_cents, "PSP", "PSP", moment)
    return record_receipt(option, data)


def test_a_payment_at_00_15_on_1_january_rome_time_counts_for_1_january_hour_0():
    paid_at(datetime(2026, 12, 31, 23, 15, tzinfo=UTC))  # 00:15 in Rome (CET, +1)
    figures = dashboard.figures(days=3, now=datetime(2027, 1, 1, 0, 30, tzinfo=ROME))
    assert [(d.isoformat(), n) for d, n, _ in figures["day_rows"]] == [
        ("2026-12-30", 0),
        ("2026-12-31", 0),
        ("2027-01-01", 1),
    ]
    assert figures["hour_rows"][0] == (0, 1) and sum(n for _, n in figures["hour_rows"]) == 1


def test_summer_time_moves_the_hour_and_the_day():
    paid_at(datetime(2026, 7, 1, 22, 30, tzinfo=UTC))  # 00:30 on 2 July in Rome (CEST, +2)
    figures = dashboard.figures(days=2, now=datetime(2026, 7, 2, 12, 0, tzinfo=ROME))
    assert [n for _, n, _ in figures["day_rows"]] == [0, 1] and figures["hour_rows"][0] == (0, 1)


def test_every_payment_counts_for_its_day_and_hour_in_rome_across_both_dst_changes():
    rng = random.Random(11)
    start = datetime(2026, 3, 20, tzinfo=UTC)
    moments = [start + timedelta(seconds=rng.randrange(220 * 86_400)) for _ in range(50)]
    # Around both changes of 2026: 29 March 01:00 UTC and 25 October 01:00 UTC.
    moments += [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]
    moments += [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]
    for moment in moments:
        paid_at(moment)
    figures = dashboard.figures(days=240, now=datetime(2026, 11, 10, 12, tzinfo=ROME))
    local = [m.astimezone(ROME) for m in moments]
    assert {d: n for d, n, _ in figures["day_rows"] if n} == Counter(m.date() for m in local)
    assert {h: n for h, n in figures["hour_rows"] if n} == Counter(m.hour for m in local)


def numbers_in(attribute_values):
    for value in attribute_values:
        float(value)  # "22,0" raises: a browser would drop the attribute
    return attribute_values


def test_dashboard_svg_coordinates_and_data_attributes_are_not_localized_in_italian(client, settings):
    settings.USE_THOUSAND_SEPARATOR = True  # the harshest Italian formatting: 28800 would read "28.800"
    paid_at(datetime.now(UTC) - timedelta(hours=1), amount_cents=12_345)
    login_clerk(client, permissions=["view_payments_dashboard"])
    page = client.get(reverse("admin:payments_dashboard"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "123,45 €" in page  # what people read stays Italian
    values = re.findall(r'<rect x="([^"]*)" y="([^"]*)" width="([^"]*)" height="([^"]*)" data-value="([^"]*)"', page)
    assert len(values) > 30 and all(numbers_in(v) for v in values)
    assert "123.45" in page and re.search(r'viewBox="0 0 \d+ \d+"', page)
    # The session-expiry warning every admin page carries: seconds for its script.
    clock = re.findall(r'data-(?:idle-remaining|absolute-remaining|warning-seconds)="([^"]*)"', page)
    assert len(clock) == 3 and all(value.lstrip("-").isdigit() for value in clock)


def test_json_and_qr_payloads_are_not_localized_in_italian(client):
    position = make_position(amount_cents=5)
    option = position.options.get()
    with translation.override("it"):
        assert qr_payload(option) == f"PAGOPA|002|{option.notice_number}|{settings.MUNICIPALITY['fiscal_code']}|05"
    login_resident(client, RESIDENT_A)
    detail = client.get(f"/api/v1/payments/positions/{position.pk}/", HTTP_ACCEPT_LANGUAGE="it").json()
    assert detail["options"][0]["amount_cents"] == 5 and detail["options"][0]["qr_payload"] == qr_payload(option)


def test_the_simulators_flow_csv_is_not_localized_in_italian(settings):
    settings.PSP_SIMULATOR_ENABLED = True
    day = datetime.now(ROME).date()
    SimulatedCheckout.objects.create(
        id_cart="cart-1",
        cart={},
        status="succeeded",
        closed_at=datetime.now(UTC),
        receipts=[
            {
                "receiptId": "SIMIUR1",
                "noticeNumber": "301000000000000144",
                "fiscalCode": settings.MUNICIPALITY["fiscal_code"],
                "transferList": [{"idTransfer": 1, "transferAmountCents": 123_456}],
            }
        ],
    )
    path = f"{reverse('psp_simulator:flows')}?date={day.isoformat()}"
    with translation.override("it"):
        response = Client().get(path, **{"HTTP_PSP_SIGNATURE": protocol.sign(path.encode())}, HTTP_ACCEPT_LANGUAGE="it")
    text = response.content.decode()
    assert ",1234.56,0," in text
    [(_header, lines)] = parse_flow_csv(text).values()
    assert lines[0].amount_cents == 123_456


def pdf_text(pdf):
    return "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))


def test_notice_and_receipt_pdfs_show_euros_as_italians_write_them_and_the_qr_is_level_m():
    position = make_position(amount_cents=4_200)
    text = pdf_text(notice_pdf(position, "it"))
    assert "42,00 €" in text and "centesimi" not in text and "4200" not in text
    page = pypdfium2.PdfDocument(notice_pdf(position, "it"))[0].render(scale=3).to_pil()
    [code] = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert code.text.endswith("|4200") and code.ec_level == "M"

    receipt = paid_at(datetime.now(UTC), amount_cents=123_456)
    text = pdf_text(receipt_pdf(receipt, "it"))
    assert "1.234,56 €" in text and "centesimi" not in text


@pytest.mark.parametrize("cents", [1, 5, 99, 9_999])
def test_small_amounts_keep_ecc_level_m_and_two_amount_digits(cents):
    position = make_position(amount_cents=cents)
    page = pypdfium2.PdfDocument(notice_pdf(position, "it"))[0].render(scale=3).to_pil()
    [code] = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert code.ec_level == "M" and code.text.rsplit("|", 1)[1] == f"{cents:02d}"
