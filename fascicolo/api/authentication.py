"""How the API knows who is calling: the browser session (CSRF enforced) or an app bearer token.

Bearer tokens are created by a resident signed in at level 2 (Impostazioni, or ``POST
/api/v1/tokens/`` from the browser session), live one hour, are stored as a SHA-256 hash, and carry
the level of assurance of the login that created them.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from fascicolo.identity.selectors import preferred_language
from fascicolo.identity.tokens import token_for_key


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Intestazione Authorization non valida."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Intestazione Authorization non valida.")) from None
        token = token_for_key(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Token non valido, scaduto o revocato."))
        _use_residents_language(request, token.user)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


def _use_residents_language(request, user):
    """An app that states no language gets answers in the one chosen in Impostazioni."""
    if request.META.get("HTTP_ACCEPT_LANGUAGE") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = preferred_language(user)
    if language:
        translation.activate(language)
        request._request.LANGUAGE_CODE = language


from . import schema  # noqa: E402, F401  (registers the OpenAPI description of the bearer scheme)
