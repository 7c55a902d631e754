"""The certificates' and payments' object routes for the IDOR sweep (test_privacy.py).

Kept here until those apps carry their own ``tests/<app>/idor.py``; the sweep merges both. Each
maker builds objects owned by ``person`` through the apps' own services where they have one.
"""

import itertools
from datetime import timedelta

from django.utils import timezone

OBJECT_ROUTES = {
    "certificates:status": "certificate",
    "certificates:download": "certificate_download",
    "certificates:pdf": "certificate",
    "api:v1:certificate-detail": "certificate",
    "api:v1:certificate-download": "certificate",
    "payments:position": "payment_position",
    "payments:notice_pdf": "payment_position",
    "payments:pay": "payment_option",
    "payments:receipt_pdf": "payment_receipt",
    "payments:result": "payment_attempt",
    "payments:pay_certificate_stamp": "certificate",
    "api:v1:payments-position": "payment_position",
    "api:v1:payments-notice-pdf": "payment_position",
    "api:v1:payments-pay": "payment_option",
    "api:v1:payments-receipt": "payment_receipt",
    "api:v1:payments-receipt-pdf": "payment_receipt",
}

_serial = itertools.count(1)


def make_objects(person, user):
    from payments.models import PaymentAttempt, Receipt
    from registry.certificates import selectors as certificate_selectors
    from registry.certificates import services as certificate_services
    from registry.certificates.models import StampExemption
    from tests.payments.factories import make_position

    certificate = certificate_services.request_certificate(
        user, person_id=person.pk, kind="residenza", exemption=StampExemption.ADOPTION
    )
    position = make_position(fiscal_code=person.fiscal_code, name=person.full_name, subject=f"TARI {person.pk}")
    option = position.options.first()
    paid = make_position(fiscal_code=person.fiscal_code, name=person.full_name, subject="TARI pagata").options.first()
    receipt = Receipt.objects.create(
        receipt_id=f"IDOR{next(_serial):010d}", option=paid, iuv=paid.iuv, notice_number=paid.notice_number,
        amount_cents=paid.amount_cents, psp_id="SIMULATORE", payment_datetime=timezone.now(),
    )  # fmt: skip
    attempt = PaymentAttempt.objects.create(
        gateway="simulator", payer_fiscal_code=person.fiscal_code, amount_cents=option.amount_cents,
        expires_at=timezone.now() + timedelta(minutes=30),
    )  # fmt: skip
    attempt.options.add(option)
    return {
        "certificate": certificate,
        "certificate_download": certificate_selectors.download_token(certificate, user),
        "payment_position": position,
        "payment_option": option,
        "payment_receipt": receipt,
        "payment_attempt": attempt,
    }
