"""Bounded costs: how often a resident (or an anonymous client) may do something expensive.

Each limit has a name, a rate in django-ratelimit's notation (``"20/h"``, ``"5/10m"``) and an
environment variable (``LIMITS`` in settings, the README's configuration table). The counts live in
the cache — Redis in production — through django-ratelimit's ``get_usage``, which counts with Redis'
atomic ``INCR``: every web process shares them, and a burst of concurrent requests cannot slip past
the limit. Web pages and API endpoints that share an action call ``check`` with the same name, so
they share one count (an app token created from the settings page counts against the API's limit).

Going over a limit raises ``LimitExceeded``: ``LimitExceededMiddleware`` answers web pages with a
429 page, the API's exception handler (``fascicolo.api.problems``) with a 429 problem document;
both carry ``Retry-After`` and speak the visitor's language.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

# When the cache cannot count (Redis down), a retry after this many seconds is suggested.
FALLBACK_RETRY_AFTER = 60


class LimitExceeded(Exception):
    """A limit was reached. ``message`` is for the visitor; ``retry_after`` is in seconds."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.message = str(message)
        self.retry_after = max(1, int(retry_after))


def messages():
    """What each limit tells the visitor, in the active language."""
    return {
        "certificate_requests": _("Hai richiesto molti certificati in poco tempo."),
        "payment_starts": _("Hai avviato molti pagamenti in poco tempo."),
        "api_tokens": _("Hai creato molti token per l'app in poco tempo."),
        "step_up": _("Hai chiesto molte volte di salire di livello di accesso in poco tempo."),
        "verify_uploads_client": _("Sono stati controllati molti file da questa connessione in poco tempo."),
        "verify_uploads_code": _("Questo certificato è stato controllato molte volte in poco tempo."),
    }


def rate(name):
    """The configured rate of limit ``name`` (``settings.LIMITS``)."""
    return settings.LIMITS[name]


def check(request, name, *, key):
    """Count one more ``name`` action for ``key`` (a resident's id, a client address, a code).

    Raises ``LimitExceeded`` once the count is over the configured rate for the current window.
    """
    usage = get_usage(request, group=name, key=lambda _group, _request: str(key), rate=rate(name), increment=True)
    if usage is None or not usage["should_limit"]:
        return
    retry_after = usage["time_left"] if usage["time_left"] > 0 else FALLBACK_RETRY_AFTER
    raise LimitExceeded(f"{messages()[name]} {retry_message(retry_after)}", retry_after)


def retry_message(seconds):
    minutes = -(-seconds // 60)
    return ngettext("Riprova tra %(minutes)d minuto.", "Riprova tra %(minutes)d minuti.", minutes) % {
        "minutes": minutes
    }


def check_resident(request, name):
    """``check`` keyed on the signed-in user (for API views, the user DRF authenticated)."""
    check(request, name, key=f"user:{request.user.pk}")


def exceeded_response(request, exc):
    response = render(request, "limit_exceeded.html", {"message": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    response["Cache-Control"] = "private, no-store"
    return response


class LimitExceededMiddleware:
    """Turns ``LimitExceeded`` raised by a web view into the 429 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, LimitExceeded):
            return exceeded_response(request, exception)
        return None
