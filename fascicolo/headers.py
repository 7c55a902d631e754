"""The ``Permissions-Policy`` header on every response: browser features the portal never uses
(camera, microphone, geolocation, …) are off for its pages and anything they might embed.

Django sets ``Referrer-Policy`` (``SECURE_REFERRER_POLICY``) and django-csp the
``Content-Security-Policy``; no well-kept package sets this one header, hence these lines.
"""

from django.conf import settings


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
