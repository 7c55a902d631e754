"""Nothing personal in any shared cache: every response to an authenticated request is private.

Runs on every response whose request carried a signed-in session or an ``Authorization`` header —
web pages, the API, the admin, downloads — and sets ``Cache-Control: private, no-store`` (the
INPS 2020 breach came from a CDN caching personal pages, and browsers re-showing a cached page
after logout) and ``Vary: Cookie, Authorization`` for any cache that ignores ``no-store``.
"""

from django.contrib.auth import SESSION_KEY
from django.utils.cache import patch_vary_headers


class PrivateResponseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._is_authenticated(request) or "HTTP_AUTHORIZATION" in request.META:
            response["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
            patch_vary_headers(response, ("Cookie", "Authorization"))
        return response

    @staticmethod
    def _is_authenticated(request):
        # The session is asked too: DRF views replace ``request.user`` with their own
        # authentication's result (anonymous on views without authenticators, like the schema).
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        return (user is not None and user.is_authenticated) or (session is not None and SESSION_KEY in session)
