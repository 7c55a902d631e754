"""``require_loa`` for the API: a view states ``required_loa`` (default level 2)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from fascicolo.identity.loa import LoA, session_loa
from fascicolo.identity.models import ApiToken
from fascicolo.identity.services import fiscal_code_for_user


def request_loa(request):
    """The level of assurance behind an API request: the token's, or the session's."""
    if isinstance(request.auth, ApiToken):
        return LoA(request.auth.loa)
    return session_loa(request._request)


class IsResidentWithLoA(BasePermission):
    """A resident (an account keyed by codice fiscale) at the view's level of assurance or higher."""

    message = _("Serve un accesso con SPID o CIE di livello adeguato.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if fiscal_code_for_user(request.user) is None:
            self.message = _("Questa API è riservata ai cittadini.")
            return False
        required = getattr(view, "required_loa", LoA.L2)
        current = request_loa(request)
        if current is None or current < required:
            self.message = _("Serve un accesso con SPID o CIE di livello %(level)s o superiore.") % {
                "level": int(required)
            }
            return False
        return True
