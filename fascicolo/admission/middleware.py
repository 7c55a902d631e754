"""Admission control for the resident-facing portal (docs/reliability.md, section 4).

Placed before the session and authentication middleware: a resident who is not admitted gets the
waiting room, rendered from Redis alone — no database query, no session read or write — so it stays
fast when the database is saturated. Only the paths matching ``ADMISSION_PATHS`` (shell patterns: the
login page, the start of a login, the area personale) are gated; the return from the identity
provider (a cross-site POST for SAML, which carries no SameSite=Lax cookie) and the endpoints
providers fetch (metadata, JWKS) are not; clerks (``/admin/``, ``/personale/``), probes, payment notifications, the
public verification pages, static files and the home page never are.

With capacity 0 (the default) the room is open and sets no cookie. When Redis cannot answer the
middleware admits (fails open): sessions live in PostgreSQL, so residents can keep working, and the
load shedding in front of it (``shedding.py``) still protects the processes; a 500 is never the answer.
"""

import fnmatch
import logging

import redis
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation

from . import queue, tickets

logger = logging.getLogger(__name__)

STATUS_PATH = "/sala-attesa/stato"


class AdmissionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        status_request = request.path == STATUS_PATH
        if not (status_request or self._gated(request.path)) or not settings.REDIS_URL:
            return self.get_response(request)
        try:
            token, cookies = tickets.read(request), {}
            if token is None:
                if not queue.is_limited():
                    return self.get_response(request) if not status_request else _status({"state": "admitted"})
                token, cookies = tickets.issue(request)
            place = queue.place(token)
        except redis.RedisError:
            logger.warning("admission: Redis unavailable, admitting", exc_info=True)
            return self.get_response(request) if not status_request else _status({"state": "admitted"})
        if status_request:
            response = _status({"state": place.state, "position": place.position, "wait_seconds": place.wait_seconds})
        elif place.admitted:
            response = self.get_response(request)
        else:
            response = _waiting_room(request, place)
        tickets.set_cookies(response, cookies)
        return response

    @staticmethod
    def _gated(path):
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in settings.ADMISSION_PATHS)


def _status(data):
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response


def _waiting_room(request, place):
    translation.activate(translation.get_language_from_request(request))
    request.LANGUAGE_CODE = translation.get_language()
    html = loader.render_to_string(
        "admission/waiting_room.html",
        {"place": place, "wait_minutes": max(1, -(-place.wait_seconds // 60)), "status_url": STATUS_PATH},
        request=request,
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    response["Content-Language"] = request.LANGUAGE_CODE
    response["X-Waiting-Room"] = place.state
    return response
