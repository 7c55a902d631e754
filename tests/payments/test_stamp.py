"""Stamp duty bound to a document hash: one notice per document, the on-paid hook carries the hash."""

import base64
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from payments import signals
from payments.attempts import apply_event
from payments.gateways import get_gateway
from payments.gateways.base import ReturnUrls
from payments.models import Transfer
from payments.simulator.protocol import SIGNATURE_HEADER, sign
from payments.stamp import STAMP_DUTY_CENTS, request_stamp_payment
from tests.payments.factories import RESIDENT_A
from tests.payments.notifications import succeeded_body

pytestmark = pytest.mark.django_db
URLS = ReturnUrls("http://t/ok", "http://t/ko", "http://t/err", "http://t/notify")


def test_stamp_payment_is_bound_to_the_document_and_announced_when_paid(django_capture_on_commit_callbacks):

    document_hash = base64.b64encode(hashlib.sha256(b"certificato").digest()).decode()
    first = request_stamp_payment(
        RESIDENT_A,
        document_hash,
        payer_name="Anna Bianchi",
        description="Certificato di residenza",
        return_urls=URLS,
        reference="cert-42",
    )
    again = request_stamp_payment(
        RESIDENT_A, document_hash, payer_name="Anna Bianchi", description="Certificato di residenza", return_urls=URLS
    )
    assert first.option == again.option and first.checkout_url.startswith("/psp-simulator/checkout/")
    transfer = Transfer.objects.get()
    assert (transfer.stamp_hash, transfer.stamp_type, transfer.iban) == (document_hash, "01", "")
    assert first.option.amount_cents == STAMP_DUTY_CENTS

    received = []

    def on_paid(sender, document_hash, receipt, attempt, reference, **kwargs):
        received.append((document_hash, receipt.option_id, reference))

    signals.stamp_paid.connect(on_paid)
    try:
        body = succeeded_body(first.attempt)
        request = RequestFactory().post(
            "/", body, content_type="application/json", headers={SIGNATURE_HEADER: sign(body)}
        )
        with django_capture_on_commit_callbacks(execute=True):
            apply_event("simulator", get_gateway("simulator").handle_notification(request))
    finally:
        signals.stamp_paid.disconnect(on_paid)
    assert received == [(document_hash, first.option.pk, "cert-42")]
    paid = request_stamp_payment(RESIDENT_A, document_hash, payer_name="A", description="x", return_urls=URLS)
    assert paid.paid and paid.checkout_url is None


def test_a_hash_that_is_not_sha256_is_refused():
    with pytest.raises(ValidationError):
        request_stamp_payment(RESIDENT_A, "not-a-hash", payer_name="A", description="x", return_urls=URLS)
