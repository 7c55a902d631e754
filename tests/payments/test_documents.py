"""Notice and receipt PDFs: rendered once by a real PDF worker, sealed, stored, served from storage;
the web request never renders one ("being prepared" until the worker is done). The seal passes
pyHanko's validation and poppler's ``pdfsig``, two independent implementations."""

import io
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from fascicolo.documents.seal import seal_paths
from payments import documents
from payments.attempts import record_receipt
from payments.gateways.base import ReceiptData
from payments.models import DebtPosition, Receipt
from tests.conftest import wait_until
from tests.helpers import login_resident
from tests.payments.factories import RESIDENT_A, make_position

pytestmark = pytest.mark.usefixtures("private_storage")


def pay(option):
    with transaction.atomic():
        return record_receipt(
            option,
            ReceiptData(f"IUR{option.pk}", option.notice_number, option.amount_cents, "PSP", "PSP", timezone.now()),
        )


def pdf_body(response):
    return b"".join(response.streaming_content)


def assert_sealed(pdf, tmp_path):
    """The seal, checked by pyHanko against the configured certificate and by poppler's pdfsig."""
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    trusted = load_cert_from_pemder(str(seal_paths()[1]))
    # In a thread of its own: pyHanko runs asyncio.run().
    with ThreadPoolExecutor(max_workers=1) as pool:
        status = pool.submit(validate_pdf_signature, signature, ValidationContext(trust_roots=[trusted])).result()
    assert status.bottom_line, status.summary()
    path = tmp_path / "sealed.pdf"
    path.write_bytes(pdf)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report, report


@pytest.mark.django_db(transaction=True)
def test_worker_renders_the_notice_on_publication_and_the_receipt_on_payment(celery_worker, client, tmp_path):
    position = make_position(amount_cents=30_000, installments=2)  # published: the render is queued
    wait_until(lambda: DebtPosition.objects.get(pk=position.pk).notice_file, timeout=90, message="notice stored")
    position.refresh_from_db()
    login_resident(client, RESIDENT_A)
    response = client.get(reverse("payments:notice_pdf", args=[position.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    notice = pdf_body(response)
    assert notice == default_storage.open(position.notice_file).read()
    assert_sealed(notice, tmp_path)

    receipt = pay(position.options.get(installment_number=0))
    wait_until(lambda: Receipt.objects.get(pk=receipt.pk).file_name, timeout=90, message="receipt stored")
    response = client.get(reverse("payments:receipt_pdf", args=[receipt.pk]))
    assert response.status_code == 200
    assert_sealed(pdf_body(response), tmp_path)
    api = client.get(f"/api/v1/payments/receipts/{receipt.pk}/receipt.pdf")
    assert api.status_code == 200 and pdf_body(api) == pdf_body(
        client.get(reverse("payments:receipt_pdf", args=[receipt.pk]))
    )


@pytest.mark.django_db
def test_before_the_worker_is_done_the_resident_sees_it_being_prepared(client, django_capture_on_commit_callbacks):
    position = make_position()
    login_resident(client, RESIDENT_A)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        page = client.get(reverse("payments:notice_pdf", args=[position.pk]))
    assert page.status_code == 202 and page["Retry-After"] == "5"
    assert "Documento in preparazione" in page.text
    assert len(queued) == 1  # the render went to the workers' queue
    position.refresh_from_db()
    assert position.notice_file == ""  # nothing was rendered in the request
    api = client.get(f"/api/v1/payments/positions/{position.pk}/notice.pdf")
    assert api.status_code == 202 and api.json() == {"status": "preparing"}

    documents.render_notice(position.pk)  # what the worker does
    response = client.get(reverse("payments:notice_pdf", args=[position.pk]))
    assert response.status_code == 200 and pdf_body(response).startswith(b"%PDF")


@pytest.mark.django_db
def test_rendering_twice_keeps_one_document(client):
    position = make_position()
    first = documents.render_notice(position.pk)
    sha = DebtPosition.objects.get(pk=position.pk).notice_sha256
    assert documents.render_notice(position.pk) == first
    assert DebtPosition.objects.get(pk=position.pk).notice_sha256 == sha
    receipt = pay(position.options.get())
    name = documents.render_receipt(receipt.pk)
    assert documents.render_receipt(receipt.pk) == name and default_storage.exists(name)
