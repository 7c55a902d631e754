"""Building notifications the way the PSP simulator signs them, for tests that send their own."""

import json
import time
import uuid

from django.utils import timezone

from payments.simulator import protocol


def succeeded_body(attempt, amount_delta=0, event_id=None):
    receipts = []
    for option in attempt.options.order_by("pk"):
        receipts.append(
            {
                "receiptId": f"TEST{uuid.uuid4().hex[:20].upper()}",
                "noticeNumber": option.notice_number,
                "amountCents": option.amount_cents + amount_delta,
                "idPSP": "TESTPSP",
                "pspCompanyName": "Test PSP",
                "paymentDateTime": timezone.now().isoformat(),
                "transferList": [
                    {"idTransfer": t.index, "transferAmountCents": t.amount_cents} for t in option.transfers.all()
                ],
            }
        )
    event = {
        "eventId": event_id or str(uuid.uuid4()),
        "type": "succeeded",
        "idCart": str(attempt.public_id),
        "createdAt": timezone.now().isoformat(),
        "receipts": receipts,
    }
    return json.dumps(event).encode()


def signature(body, age_seconds=0, secret=None):
    return protocol.sign(body, timestamp=int(time.time()) - age_seconds, secret=secret)
