"""Residents' pages under /area-personale/pagamenti/ and the gateways' notification endpoint.

Thin: selectors scope every read to the signed-in resident's codice fiscale (another resident's id
is a 404), services and ``attempts`` do the writes.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from fascicolo.documents.storage import open_private_file
from fascicolo.identity.decorators import require_loa
from fascicolo.identity.loa import LoA
from fascicolo.identity.services import fiscal_code_for_user
from fascicolo.limits import check_resident
from fascicolo.sections import section_page

from . import attempts, certificate_stamps, documents, selectors
from .gateways import get_gateway
from .gateways.base import NotificationRefused, ReturnUrls
from .models import GatewayNotification
from .states import AttemptStatus

logger = logging.getLogger(__name__)


def _stored_pdf(request, name, filename, back_url):
    """The stored PDF, or the "being prepared" page (202, Retry-After) while a worker renders it."""
    if name is None:
        context = {"back_url": back_url, "again_url": request.path}
        response = render(request, "payments/preparing.html", context, status=202)
        response["Retry-After"] = "5"
        return response
    return FileResponse(open_private_file(name), as_attachment=True, filename=filename, content_type="application/pdf")


@section_page("payments")
def index(request):
    fiscal_code = fiscal_code_for_user(request.user)
    positions = list(selectors.positions_for(fiscal_code)[:200])
    due = [p for p in positions if p.is_due == 0]
    paid = [p for p in positions if p.is_due == 1]
    stamps = certificate_stamps.awaiting_stamp(request.user)
    return render(request, "payments/index.html", {"due": due, "paid": paid, "certificate_stamps": stamps})


@section_page("payments")
def position_detail(request, pk):
    position = selectors.position_for(fiscal_code_for_user(request.user), pk)
    if position is None:
        raise Http404
    options = list(position.options.all())
    return render(
        request,
        "payments/position.html",
        {
            "position": position,
            "single": [o for o in options if not o.is_installment],
            "installments": [o for o in options if o.is_installment],
            "can_pay_online": bool(settings.PAYMENTS_GATEWAY),
            # The notice PDF is made by a worker: until it exists the page says so (and it is queued).
            "notice_ready": documents.ask_for_notice(position) is not None,
        },
    )


@section_page("payments")
@require_GET
def notice_download(request, pk):
    position = selectors.position_for(fiscal_code_for_user(request.user), pk)
    if position is None:
        raise Http404
    back = reverse("payments:position", args=[position.pk])
    return _stored_pdf(request, documents.ask_for_notice(position), f"avviso-{position.pk}.pdf", back)


@section_page("payments")
@require_GET
def receipt_download(request, pk):
    receipt = selectors.receipt_for(fiscal_code_for_user(request.user), pk)
    if receipt is None:
        raise Http404
    back = reverse("payments:index")
    return _stored_pdf(request, documents.ask_for_receipt(receipt), f"ricevuta-{receipt.receipt_id}.pdf", back)


@require_loa(LoA.L2)
@require_POST
def pay(request, pk):
    check_resident(request, "payment_starts")
    fiscal_code = fiscal_code_for_user(request.user)
    option = selectors.option_for(fiscal_code, pk)
    if option is None:
        raise Http404
    try:
        _attempt, url = attempts.pay_option(option, fiscal_code, lambda attempt: _return_urls(request, attempt))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("payments:position", pk=option.position_id)
    except Exception:
        messages.error(request, _("Il servizio di pagamento non risponde. Riprova tra qualche minuto."))
        return redirect("payments:position", pk=option.position_id)
    return redirect(url)


def _return_urls(request, attempt):
    result = request.build_absolute_uri(reverse("payments:result", args=[attempt.public_id]))
    return ReturnUrls(
        ok=f"{result}?esito=ok",
        cancel=f"{result}?esito=annullato",
        error=f"{result}?esito=errore",
        notify=request.build_absolute_uri(reverse("payments_gateway:notify", args=[attempt.gateway])),
    )


@require_loa(LoA.L2)
@require_POST
def pay_certificate_stamp(request, certificate_id):
    """Pay the €16 stamp of one of the resident's certificates waiting for it (anyone else's: 404)."""
    check_resident(request, "payment_starts")
    fiscal_code = fiscal_code_for_user(request.user)

    try:
        payment = certificate_stamps.start_stamp_payment(
            request.user, certificate_id, fiscal_code, return_urls=lambda attempt: _return_urls(request, attempt)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("payments:index")
    if payment.checkout_url is None:
        messages.info(request, _("Il bollo di questo certificato risulta già pagato."))
        return redirect("payments:index")
    return redirect(payment.checkout_url)


@section_page("payments")
def result(request, public_id):
    """Where the gateway sends the payer back. The outcome comes from the notification, never from
    the return URL (which anyone can type), so this page shows the attempt's state as we know it."""
    attempt = selectors.attempt_for(fiscal_code_for_user(request.user), public_id)
    if attempt is None:
        raise Http404
    stamped = certificate_stamps.certificates_paid_by(request.user, attempt)
    # The page polls itself (static/js/poll-region.js) until the outcome is known and, for a paid
    # stamp, until its certificate is released.
    waiting = attempt.status in (AttemptStatus.CREATED, AttemptStatus.PENDING)
    settled = not waiting and not (attempt.status == AttemptStatus.PAID and not all(c["ready"] for c in stamped))
    context = {"attempt": attempt, "options": attempt.options.all(), "certificates": stamped, "settled": settled}
    return render(request, "payments/result.html", context)


@csrf_exempt
@require_POST
def notify(request, gateway_id):
    """Server-to-server notification from a gateway. 2xx once stored (also for duplicates), so the
    gateway stops retrying; 400 when it cannot be trusted (logged, and kept in the inbox)."""
    try:
        gateway = get_gateway(gateway_id)
    except ImproperlyConfigured:
        raise Http404 from None
    try:
        event = gateway.handle_notification(request)
    except NotificationRefused as exc:
        logger.warning(
            "notification refused from %s: %s", gateway_id, exc, extra={"remote": request.META.get("REMOTE_ADDR")}
        )
        return HttpResponseBadRequest(exc.reason)
    outcome = attempts.apply_event(gateway_id, event)
    status = 400 if outcome == GatewayNotification.Outcome.REFUSED else 200
    return HttpResponse(outcome, status=status, content_type="text/plain")
