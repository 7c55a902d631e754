"""Whether a clerk's session passed a second factor, and where to send it when it did not.

A clerk (a staff user) may use the portal only from a session in which allauth recorded a second
factor: a TOTP code or a recovery code at login, or the TOTP code that proved the enrolment. A
strong identity login (SPID/CIE at level 2 or higher) is itself multi-factor and counts too.
"""

import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from fascicolo.identity.loa import LoA, session_loa
from fascicolo.security.middleware import wants_json

# Views a clerk with no second factor yet may open: the ones that enrol it.
ENROLMENT_VIEWS = frozenset(
    {
        "account_login",
        "account_logout",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "set_language",
        "security:keepalive",
    }
)
# Views a clerk whose session skipped the second factor may open: the way back to the login.
LOGIN_VIEWS = frozenset({"account_login", "account_logout", "mfa_authenticate", "set_language"})


def is_clerk(user):
    return user.is_authenticated and user.is_staff


def session_passed_second_factor(request):
    if any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user)):
        return True
    loa = session_loa(request)
    return loa is not None and loa >= LoA.L2


def signed_in_recently(request):
    """Whether the session's latest authentication step (password, code, reauthentication, enrolment)
    is less than ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds old, per allauth's records."""
    records = get_authentication_records(request, request.user) if request.user.is_authenticated else []
    latest = max((record.get("at", 0) for record in records), default=0)
    return time.time() - latest < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def has_second_factor(user):
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def login_url(next_url):
    return f"{reverse('account_login')}?{urlencode({'next': next_url})}"


def second_factor_gate(request, view_name):
    """``None`` when the request may go on; otherwise the redirect that gets the clerk a second factor."""
    user = request.user
    if not is_clerk(user) or session_passed_second_factor(request):
        return None
    enrolled = has_second_factor(user)
    if view_name in (LOGIN_VIEWS if enrolled else ENROLMENT_VIEWS):
        return None
    if wants_json(request):
        # An API client cannot enrol or type a code: it gets an answer, not a login page.
        return JsonResponse({"detail": _("Serve il secondo fattore di autenticazione.")}, status=403)
    if not enrolled:
        messages.warning(
            request,
            _("Per usare l'area riservata al personale configura prima il secondo fattore di autenticazione."),
        )
        return redirect("mfa_activate_totp")
    # The clerk has a second factor but this session never asked for it (a login that did not go
    # through allauth): start again from the login, which will ask for it.
    next_url = request.get_full_path()
    logout(request)
    messages.error(request, _("Accedi di nuovo: serve il codice del secondo fattore."))
    return redirect(login_url(next_url))
