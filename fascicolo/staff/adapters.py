"""allauth adapters: password login is for clerks only, and never opens a signup."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse

from .second_factor import signed_in_recently


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Clerks' accounts are made by a supervisor in the admin; residents sign in with SPID/CIE.
        return False

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        # Only clerks sign in with a password; residents' accounts have no usable one anyway.
        if user is not None and not user.is_staff:
            return None
        return user

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys the per-account counter by the host name too; a portal reached under two
        # names (or two ports) would then allow the attempts twice. The account alone is the key.
        return "staff-login:" + credentials.get("username", "").strip().lower()

    def is_reauthentication_required(self, *, app, **kwargs):
        # allauth counts only an explicit reauthentication as recent, so a clerk who has just typed
        # the password (and the code) would be asked for it again on the very next page, the TOTP
        # enrolment. The sign-in itself counts for ACCOUNT_REAUTHENTICATION_TIMEOUT seconds.
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        return request is None or not signed_in_recently(request)

    def get_login_redirect_url(self, request):
        return reverse("admin:index")

    def get_logout_redirect_url(self, request):
        return reverse("account_login")


class StaffMFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self):
        return f"{settings.MUNICIPALITY['name']} — Fascicolo"

    def can_delete_authenticator(self, authenticator):
        # A clerk may not switch the second factor off; a supervisor resets it in the admin.
        user = authenticator.user
        if authenticator.type == Authenticator.Type.TOTP and user.is_staff:
            return False
        return super().can_delete_authenticator(authenticator)
