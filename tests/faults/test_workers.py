"""A PDF worker killed mid-task while rendering a payment receipt: nothing lost, one document.

The certificates' own case (a worker killed mid-render, Redis restarted with requests queued) is in
tests/certificates/test_reliability.py; this is the same guarantee for the receipt the payments app
renders on the "pdf" queue (``payments.render_receipt_pdf``: acks_late, reject on worker lost).
"""

import hashlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from payments.attempts import record_receipt
from payments.documents import receipt_file_name
from payments.gateways.base import ReceiptData
from payments.models import Receipt
from tests.conftest import HOLD_SETTINGS, kill_worker_hard, wait_until
from tests.payments.factories import make_position

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("private_storage")]


def test_worker_killed_mid_receipt_render_stores_it_exactly_once_after_restart(worker_factory, tmp_path):
    hold = tmp_path / "hold"
    hold.touch()
    worker = worker_factory(HOLD_SETTINGS, TEST_HOLD_FILE=hold, TEST_HOLD_TARGET="payments.documents:receipt_pdf")
    position = make_position(publish=False)
    option = position.options.get()
    with transaction.atomic():  # as the payment inbox records it; the render is queued on commit
        receipt = record_receipt(
            option, ReceiptData("IUR-KILL", option.notice_number, option.amount_cents, "PSP", "PSP", timezone.now())
        )

    wait_until(lambda: Path(f"{hold}.reached").exists(), timeout=60, message="receipt render started")
    kill_worker_hard(worker)
    hold.unlink()
    assert Receipt.objects.get(pk=receipt.pk).file_name == ""  # nothing half-written
    assert not default_storage.exists(receipt_file_name(receipt.pk))

    # The message was never acknowledged: a new worker gets it back once the visibility timeout has
    # passed, without any sweeper.
    worker_factory(CELERY_VISIBILITY_TIMEOUT=2)
    wait_until(lambda: Receipt.objects.get(pk=receipt.pk).file_name, timeout=120, message="receipt stored")

    receipt.refresh_from_db()
    assert receipt.file_name == receipt_file_name(receipt.pk)
    stored = default_storage.open(receipt.file_name).read()
    assert stored.startswith(b"%PDF") and hashlib.sha256(stored).hexdigest() == receipt.sha256
    directory = Path(default_storage.path(receipt.file_name)).parent
    assert sorted(p.name for p in directory.iterdir()) == [f"{receipt.pk}.pdf"]  # no temporary leftovers
    assert Receipt.objects.filter(option=option).count() == 1
