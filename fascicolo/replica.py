"""Residents' reads from a PostgreSQL streaming replica, with read-your-writes (docs/scale-out.md).

With ``DATABASE_REPLICA_URL`` set, the database alias ``replica`` is a hot standby of the primary
(``default``). ``ReplicaRouter`` sends to it the reads of a resident's GET or HEAD request under
``DATABASE_REPLICA_PATHS`` (the area personale); everything else reads and writes on the primary:
other requests, clerks, Celery workers, and the sessions (``django.contrib.sessions``), which must
never lag. A request that writes switches its own later reads to the primary, and
``ReplicaReadsMiddleware`` then keeps that browser's reads on the primary for
``DATABASE_REPLICA_PIN_SECONDS`` (a timestamp in the session), longer than the replica's lag, so a
resident always sees their own change — a request just sent, a profile just updated.

The choice is per request, held in a context variable the middleware sets: code outside a request
(workers, commands) always uses the primary.
"""

import contextvars
import time

from django.conf import settings

REPLICA = "replica"
PIN_KEY = "_db_primary_until"  # session key: epoch seconds until which reads stay on the primary

_reads_from_replica = contextvars.ContextVar("fascicolo_reads_from_replica", default=False)
_request_wrote = contextvars.ContextVar("fascicolo_request_wrote", default=None)


def _on_primary_always(model):
    return model._meta.app_label == "sessions"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reads_from_replica.get() and not _on_primary_always(model):
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        if not _on_primary_always(model):
            _reads_from_replica.set(False)  # read your own write in the rest of this request
            wrote = _request_wrote.get()
            if wrote is not None:
                wrote.append(model._meta.label)
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """After the session middleware: decides where this request's reads go and pins a browser that
    wrote. Does nothing without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REPLICA not in settings.DATABASES:
            return self.get_response(request)
        eligible = (
            request.method in ("GET", "HEAD")
            and request.path.startswith(tuple(settings.DATABASE_REPLICA_PATHS))
            and time.time() >= request.session.get(PIN_KEY, 0)
        )
        wrote = []
        replica_token, wrote_token = _reads_from_replica.set(eligible), _request_wrote.set(wrote)
        try:
            response = self.get_response(request)
        finally:
            _reads_from_replica.reset(replica_token)
            _request_wrote.reset(wrote_token)
        if wrote:
            request.session[PIN_KEY] = time.time() + settings.DATABASE_REPLICA_PIN_SECONDS
        return response
