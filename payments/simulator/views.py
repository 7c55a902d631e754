"""The PSP simulator (demo only): a checkout page where the tester pays, cancels or makes the payment
fail, a status API, and the server-to-server notifications a real PSP would send, with a real PSP's
bad habits (duplicates, late and out-of-order deliveries) switched on by ``PSP_SIMULATOR_KNOBS``."""

import json
import random
import uuid
from datetime import date

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ..gateways.base import NotificationRefused
from ..gateways.simulator import CART_SALT
from ..reconciliation import CSV_FIELDS
from . import delivery, protocol
from .models import SimulatedCheckout

PSP_ID = "SIMPSPIT01"
PSP_NAME = "Banca Simulata S.p.A."
OUTCOMES = {"pay": "succeeded", "cancel": "cancelled", "fail": "failed"}
_rng_lock_free = random.Random()


def _rng():
    seed = settings.PSP_SIMULATOR_KNOBS.get("seed")
    return random.Random(seed) if seed not in (None, "") else _rng_lock_free


@require_GET
def checkout(request):
    try:
        cart = signing.loads(request.GET.get("cart", ""), key=settings.PSP_SIMULATOR_SECRET, salt=CART_SALT)
    except signing.BadSignature:
        return HttpResponseBadRequest("invalid cart", content_type="text/plain")
    session, _created = SimulatedCheckout.objects.get_or_create(id_cart=cart["idCart"], defaults={"cart": cart})
    total = sum(n["amount"] for n in session.cart["paymentNotices"])
    return render(request, "payments/simulator/checkout.html", {"session": session, "total_cents": total})


@require_POST
def act(request, id_cart):
    outcome = OUTCOMES.get(request.POST.get("outcome"))
    if outcome is None:
        return HttpResponseBadRequest("unknown outcome", content_type="text/plain")
    with transaction.atomic():
        session = get_object_or_404(SimulatedCheckout.objects.select_for_update(), id_cart=id_cart)
        if session.status != "open":
            return _return(session)
        session.status = outcome
        session.closed_at = timezone.now()
        if outcome == "succeeded":
            session.receipts = _receipts(session.cart, session.closed_at)
        session.save()
    delivery.dispatch(session.cart["notifyUrl"], _schedule(session), settings.PSP_SIMULATOR_KNOBS["delivery"])
    return _return(session)


def _return(session):
    urls = session.cart["returnUrls"]
    target = {"succeeded": "returnOkUrl", "cancelled": "returnCancelUrl"}.get(session.status, "returnErrorUrl")
    return redirect(urls[target])


def _receipts(cart, paid_at):
    return [
        {
            "receiptId": f"SIM{uuid.uuid4().hex[:24].upper()}",
            "noticeNumber": notice["noticeNumber"],
            "fiscalCode": notice["fiscalCode"],
            "outcome": "OK",
            "amountCents": notice["amount"],
            "idPSP": PSP_ID,
            "pspCompanyName": PSP_NAME,
            "paymentDateTime": paid_at.isoformat(),
            "transferList": [
                {
                    "idTransfer": i,
                    "transferAmountCents": a,
                    "fiscalCodePA": beneficiary[0] if beneficiary else notice["fiscalCode"],
                }
                for i, a, *beneficiary in notice.get("transfers", [])
            ],
        }
        for notice in cart["paymentNotices"]
    ]


def _event(session, kind, receipts=()):
    return {
        "eventId": str(uuid.uuid4()),
        "type": kind,
        "idCart": session.id_cart,
        "createdAt": timezone.now().isoformat(),
        "receipts": list(receipts),
    }


def _schedule(session):
    """The notifications for a closed checkout, in sending order, with the configured misbehaviour."""
    knobs, rng = settings.PSP_SIMULATOR_KNOBS, _rng()
    authorized = _event(session, "authorized")
    final = _event(session, session.status, session.receipts)
    events = [(0.0, authorized), (0.0, final)]
    if rng.random() < knobs["reorder_rate"]:
        events.reverse()
    if rng.random() < knobs["late_rate"]:
        events = [(knobs["late_seconds"] if e is final else d, e) for d, e in events]
    if rng.random() < knobs["duplicate_rate"]:
        events.append((events[-1][0], final))  # the very same event id, again
    return [(delay, json.dumps(event).encode()) for delay, event in events]


@require_GET
def status(request, id_cart):
    try:
        protocol.verify(request.headers.get(protocol.SIGNATURE_HEADER), request.path.encode())
    except NotificationRefused:
        return HttpResponse(status=401)
    session = SimulatedCheckout.objects.filter(id_cart=str(id_cart)).first()
    if session is None:
        raise Http404
    final = session.status if session.status != "open" else None
    return JsonResponse({"idCart": session.id_cart, "final": final, "receipts": session.receipts})


@require_GET
def reporting_flow(request):
    """The day's reporting flow (CSV, docs/payments.md) to one creditor (``creditor``: its fiscal code,
    default the municipality) of the payments this simulated PSP collected.

    As pagoPA's PSPs do, a flow goes to one beneficiary and holds only the transfers paid to it: the
    TEFA of a TARI notice is in the province's flow, a digital stamp in the Agenzia delle Entrate's.
    """
    try:
        protocol.verify(request.headers.get(protocol.SIGNATURE_HEADER), request.get_full_path().encode())
        day = date.fromisoformat(request.GET.get("date", ""))
    except (NotificationRefused, ValueError):
        return HttpResponse(status=401 if "date" in request.GET else 400)
    creditor = request.GET.get("creditor") or settings.MUNICIPALITY["fiscal_code"]
    flow_id = f"{day.isoformat()}{PSP_ID}-{creditor}"[:35]
    rows = [",".join(CSV_FIELDS)]
    for session in SimulatedCheckout.objects.filter(status="succeeded", closed_at__date=day).order_by("pk"):
        for receipt in session.receipts:
            for transfer in receipt["transferList"]:
                if transfer.get("fiscalCodePA", receipt["fiscalCode"]) != creditor:
                    continue
                rows.append(
                    ",".join(
                        [
                            flow_id,
                            f"{day.isoformat()}T23:00:00+00:00",
                            PSP_ID,
                            f"TRN{day.strftime('%Y%m%d')}{creditor}",
                            day.isoformat(),
                            receipt["noticeNumber"][1:],
                            receipt["receiptId"],
                            str(transfer["idTransfer"]),
                            f"{transfer['transferAmountCents'] / 100:.2f}",
                            "0",
                            day.isoformat(),
                        ]
                    )
                )
    return HttpResponse("\n".join(rows) + "\n", content_type="text/csv")
