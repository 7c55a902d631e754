"""Nothing personal in any shared cache: every response to an authenticated request is private.

Runs on every response whose request carried a signed-in session or an ``Authorization`` header —
web pages, the API, the admin, downloads — and sets ``Cache-Control: private, no-store`` (the
INPS 2020 breach came from a CDN caching personal pages, and browsers re-showing a cached page
after logout) and ``Vary: Cookie, Authorization`` for any cache that ignores ``no-store``.
"""

from django.utils.cache import patch_vary_headers


class PrivateResponseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if "HTTP_AUTHORIZATION" in request.META or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
            patch_vary_headers(response, ("Cookie", "Authorization"))
        return response
