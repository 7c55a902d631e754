"""Load shedding: refuse at once, with the portal's 503 page and ``Retry-After``, what a process
cannot start now (docs/reliability.md, section 5).

A request over the limit would otherwise wait behind the others until a timeout, holding a socket
and a thread; a quick 503 tells the browser (and a client honouring ``Retry-After``) to come back.
The count is of requests in flight in this process (``SHEDDING_MAX_IN_FLIGHT``, 0 = off); it pays off
with a server that takes more connections than it can serve at once — gunicorn's ``gthread`` workers
with many threads — so that the extra threads answer 503 in microseconds instead of queueing. The
probes and static files are never shed.
"""

import threading

from django.conf import settings

from fascicolo.errors import error_response

NEVER_SHED = ("/healthz", "/readyz", "/static/")


class LoadSheddingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.lock = threading.Lock()
        self.in_flight = 0

    def __call__(self, request):
        limit = settings.SHEDDING_MAX_IN_FLIGHT
        if limit <= 0 or request.path.startswith(NEVER_SHED):
            return self.get_response(request)
        with self.lock:
            admitted = self.in_flight < limit
            if admitted:
                self.in_flight += 1
        if not admitted:
            return error_response(request, 503)
        try:
            return self.get_response(request)
        finally:
            with self.lock:
                self.in_flight -= 1
