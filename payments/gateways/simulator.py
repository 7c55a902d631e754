"""The PSP simulator gateway (type ``simulator``, demo only): talks to the ``psp_simulator`` app over
real HTTP, with the wire protocol of ``payments.simulator.protocol``.

The checkout cart travels in the browser's redirect, signed so the payer cannot change amounts; the
simulator notifies ``/pagamenti/notifiche/<gateway id>/`` server to server, signed with the shared
secret; status queries and reporting flows come from the simulator's API.

Configuration keys (``PAYMENTS_GATEWAY_<ID>_*``): ``url``, where the portal reaches the simulator
(default ``PSP_SIMULATOR_URL``); ``secret``, the shared HMAC key (default ``PSP_SIMULATOR_SECRET``,
the one the simulator itself uses).
"""

import json
from datetime import datetime

import requests
from django.conf import settings
from django.core import signing
from django.urls import reverse

from ..simulator import protocol
from . import register
from .base import Gateway, GatewayEvent, NotificationRefused, ReceiptData, StatusReport, event_kind

CART_SALT = "payments.simulator.cart"


def parse_receipt(item):
    return ReceiptData(
        receipt_id=str(item["receiptId"]),
        notice_number=str(item["noticeNumber"]),
        amount_cents=int(item["amountCents"]),
        psp_id=str(item["idPSP"]),
        psp_name=str(item.get("pspCompanyName", "")),
        payment_datetime=datetime.fromisoformat(item["paymentDateTime"]),
        outcome=str(item.get("outcome", "OK")),
        transfers=tuple((int(t["idTransfer"]), int(t["transferAmountCents"])) for t in item.get("transferList", [])),
        raw=item,
    )


@register
class SimulatorGateway(Gateway):
    type = "simulator"
    name = "Simulatore PSP"
    is_demo = True
    fetches_reporting_flows = True

    @property
    def url(self):
        # Read at call time: tests point PSP_SIMULATOR_URL at their live server.
        return (self.config.get("url") or settings.PSP_SIMULATOR_URL).rstrip("/")

    @property
    def secret(self):
        return self.config.get("secret") or settings.PSP_SIMULATOR_SECRET

    def check_config(self):
        problems = []
        if not settings.PSP_SIMULATOR_ENABLED:
            problems.append("PSP_SIMULATOR_ENABLED is off: the simulator is not mounted.")
        if not self.secret:
            problems.append("PSP_SIMULATOR_SECRET is empty.")
        return problems

    def start_checkout(self, attempt, return_urls):
        company = settings.MUNICIPALITY["name"]
        cart = {
            "idCart": str(attempt.public_id),
            "paymentNotices": [
                {
                    "noticeNumber": option.notice_number,
                    "fiscalCode": settings.MUNICIPALITY["fiscal_code"],
                    "amount": option.amount_cents,
                    "companyName": company,
                    "description": option.description,
                    "transfers": [[t.index, t.amount_cents, t.beneficiary_fiscal_code] for t in option.transfers.all()],
                }
                for option in attempt.options.order_by("pk")
            ],
            "returnUrls": {
                "returnOkUrl": return_urls.ok,
                "returnCancelUrl": return_urls.cancel,
                "returnErrorUrl": return_urls.error,
            },
            "notifyUrl": return_urls.notify,
        }
        token = signing.dumps(cart, key=self.secret, salt=CART_SALT, compress=True)
        return f"{reverse('psp_simulator:checkout')}?cart={token}"

    def handle_notification(self, request):
        body = request.body
        protocol.verify(request.headers.get(protocol.SIGNATURE_HEADER), body, secret=self.secret)
        try:
            data = json.loads(body)
            return GatewayEvent(
                event_id=str(data["eventId"]),
                kind=event_kind(data["type"]),
                attempt_reference=str(data["idCart"]),
                timestamp=datetime.fromisoformat(data["createdAt"]),
                receipts=tuple(parse_receipt(item) for item in data.get("receipts", [])),
                raw=data,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise NotificationRefused("malformed_body", str(exc)) from exc

    def handle_return(self, request):
        return request.GET.get("attempt")

    def query_status(self, attempt):
        path = reverse("psp_simulator:status", args=[attempt.public_id])
        response = requests.get(
            self.url + path,
            headers={protocol.SIGNATURE_HEADER: protocol.sign(path.encode(), secret=self.secret)},
            timeout=10,
        )
        if response.status_code == 404:
            return StatusReport(kind=None)
        response.raise_for_status()
        data = response.json()
        final = data.get("final")
        return StatusReport(
            kind=event_kind(final) if final else None,
            receipts=tuple(parse_receipt(r) for r in data.get("receipts", [])),
        )

    def fetch_reporting_flows(self, day):
        """The simulated PSP's reporting flow to the municipality for ``day`` as CSV text (docs/payments.md):
        like a real PSP, it holds only the transfers paid to the municipality."""
        creditor = settings.MUNICIPALITY["fiscal_code"]
        path = f"{reverse('psp_simulator:flows')}?date={day.isoformat()}&creditor={creditor}"
        response = requests.get(
            self.url + path,
            headers={protocol.SIGNATURE_HEADER: protocol.sign(path.encode(), secret=self.secret)},
            timeout=30,
        )
        response.raise_for_status()
        return response.text
