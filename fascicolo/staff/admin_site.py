from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .second_factor import is_clerk, login_url, second_factor_gate, session_passed_second_factor


class StaffAdminSite(admin.AdminSite):
    """The admin, reachable only from a clerk's session that passed a second factor.

    Its own username/password form is never shown: it would skip allauth's second factor and its
    failed-login limits. The admin's login URL sends to allauth's login instead.
    """

    site_title = _("Fascicolo del Cittadino — back office")
    index_title = _("Back office del Comune")

    @property
    def site_header(self):
        return settings.MUNICIPALITY["name"]

    def has_permission(self, request):
        return super().has_permission(request) and session_passed_second_factor(request)

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect(login_url(next_url))
        if not is_clerk(request.user):
            raise PermissionDenied
        return second_factor_gate(request, "admin:login") or redirect(next_url)
