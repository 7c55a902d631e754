from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import ngettext

from . import session_clock


def wants_json(request):
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def expiry_message(reason, limits):
    if reason == "absolute":
        hours = max(1, round(limits.absolute / 3600))
        return ngettext(
            "La sessione ha raggiunto la durata massima di %(count)d ora. Accedi di nuovo per continuare.",
            "La sessione ha raggiunto la durata massima di %(count)d ore. Accedi di nuovo per continuare.",
            hours,
        ) % {"count": hours}
    minutes = max(1, round(limits.idle / 60))
    return ngettext(
        "La sessione è scaduta dopo %(count)d minuto di inattività. Accedi di nuovo per continuare.",
        "La sessione è scaduta dopo %(count)d minuti di inattività. Accedi di nuovo per continuare.",
        minutes,
    ) % {"count": minutes}


class SessionLifetimeMiddleware:
    """Logs a session out after its idle or absolute limit, and records activity cheaply.

    Place it after ``AuthenticationMiddleware`` and ``MessageMiddleware``. The clock of the current
    request is left on ``request.session_clock`` for the warning the pages show before expiry.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            clock = session_clock.read(request.session, request.user)
            if clock.expired_reason:
                return self.expire(request, clock)
            request.session_clock = session_clock.touch(request.session, clock)
        return self.get_response(request)

    def expire(self, request, clock):
        text = expiry_message(clock.expired_reason, clock.limits)
        login_name = "account_login" if request.user.is_staff else "identity:login"
        next_url = request.get_full_path() if request.method == "GET" else "/"
        logout(request)
        if wants_json(request):
            return JsonResponse({"expired": clock.expired_reason, "detail": text}, status=401)
        messages.info(request, text)
        return redirect(f"{reverse(login_name)}?{urlencode({'next': next_url})}")
