"""The portal's error pages: 400, 403, 404, 500 and 503, in the portal's look and the visitor's language.

Django calls these handlers (``handler400`` … in ``fascicolo/urls.py``, ``CSRF_FAILURE_VIEW``) when a
view fails. Under ``/api/`` the answer is a problem document (RFC 9457, ``fascicolo/api/problems.py``);
elsewhere it is ``templates/errors/page.html``, which extends ``base.html`` but leaves out every part
of it that would read the session or the database (the account area of the header, the messages,
the session warning): a 500 or a 503 must render while the database is down.

A database or cache that cannot be reached is not a bug but a temporary outage: the visitor gets
503 with ``Retry-After`` instead of 500, and the probes (``/readyz``) say which part is down.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .api.problems import API_PREFIX, problem_response

logger = logging.getLogger(__name__)

# How long a visitor (or a client honouring Retry-After) should wait before trying again.
RETRY_AFTER_SECONDS = 30
# What "a service the portal needs is down" looks like from inside a request.
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def _texts(status):
    """Title, explanation and problem code of each error, translated in the active language."""
    if status == 400:
        return (
            _("Richiesta non valida"),
            _("Il browser ha inviato una richiesta che il portale non può leggere."),
            "bad_request",
        )
    if status == 403:
        return _("Accesso negato"), _("Non hai il permesso di vedere questa pagina."), "permission_denied"
    if status == 404:
        text = _(
            "L'indirizzo non corrisponde a nessuna pagina: "
            "forse è stato scritto in modo errato o la pagina è stata spostata."
        )
        return _("Pagina non trovata"), text, "not_found"
    if status == 503:
        text = _("Il portale è momentaneamente non raggiungibile. Riprova tra qualche minuto.")
        return _("Servizio temporaneamente non disponibile"), text, "service_unavailable"
    text = _("Si è verificato un errore imprevisto. È stato registrato: riprova tra qualche minuto.")
    return _("Errore del portale"), text, "server_error"


def error_response(request, status, *, detail=None):
    """The error page (or, under /api/, the problem document) for ``status``, without database access."""
    title, text, code = _texts(status)
    if request.path.startswith(API_PREFIX):
        response = problem_response(request, status, detail or text, code)
    else:
        context = {"status": status, "title": title, "text": text, "detail": detail}
        # render_to_string with the request runs the context processors, which are all lazy: the
        # template (errors/page.html) reads none of the values that would touch the session.
        html = loader.render_to_string("errors/page.html", context, request=request)
        response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request, exception):
    return error_response(request, 400)


def permission_denied(request, exception):
    return error_response(request, 403)


def page_not_found(request, exception):
    return error_response(request, 404)


def server_error(request):
    # Django calls this while it handles the exception: a service that cannot be reached is a 503.
    if isinstance(sys.exception(), UNAVAILABLE):
        return error_response(request, 503)
    return error_response(request, 500)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form sent from an expired page or from another site."""
    return error_response(
        request, 403, detail=_("Il modulo è scaduto o non proviene da questo sito: ricarica la pagina e riprova.")
    )
