from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "fascicolo.staff"
    label = "staff"
    verbose_name = _("Accesso del personale")
    default = True

    def ready(self):
        from . import signals  # noqa: F401  (marks a session that has just enrolled a second factor)


class StaffAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with a site that admits only sessions that passed a second factor."""

    default = False
    default_site = "fascicolo.staff.admin_site.StaffAdminSite"

    def ready(self):
        super().ready()  # discovers every app's admin module, allauth's included
        from django.contrib import admin

        from .admin import adjust_admin

        adjust_admin(admin.site)
