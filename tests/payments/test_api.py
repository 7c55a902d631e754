"""/api/v1/payments/: the resident's own positions and receipts, cursor-paginated; others' are 404 problems."""

import pytest
from django.utils import timezone

from payments import documents
from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from tests.helpers import login_resident
from tests.payments.factories import RESIDENT_A, RESIDENT_B, make_position

pytestmark = pytest.mark.django_db
API = "/api/v1/payments/"


def test_positions_receipts_and_pay(client):
    mine = make_position(installments=2)
    theirs = make_position(fiscal_code=RESIDENT_B)
    option = theirs.options.get()
    receipt = record_receipt(
        option, ReceiptData("IUR-B", option.notice_number, option.amount_cents, "P", "P", timezone.now())
    )
    login_resident(client, RESIDENT_A)
    listing = client.get(API + "positions/").json()
    assert [p["id"] for p in listing["results"]] == [mine.pk] and "next" in listing
    detail = client.get(f"{API}positions/{mine.pk}/").json()
    assert len(detail["options"]) == 3 and detail["options"][0]["qr_payload"].startswith("PAGOPA|002|")
    preparing = client.get(f"{API}positions/{mine.pk}/notice.pdf")
    assert preparing.status_code == 202 and preparing.json() == {"status": "preparing"}
    documents.render_notice(mine.pk)  # what the PDF worker does
    assert client.get(f"{API}positions/{mine.pk}/notice.pdf").getvalue().startswith(b"%PDF")

    for url in (
        f"{API}positions/{theirs.pk}/",
        f"{API}receipts/{receipt.pk}/",
        f"{API}receipts/{receipt.pk}/receipt.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json"), url
    assert client.post(f"{API}options/{option.pk}/pay/").status_code == 404
    assert client.get(API + "receipts/").json()["results"] == []

    started = client.post(f"{API}options/{mine.options.get(installment_number=0).pk}/pay/")
    assert started.status_code == 201 and "/psp-simulator/checkout/" in started.json()["checkout_url"]
