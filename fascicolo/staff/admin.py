"""The clerks' accounts in the admin, in Italian: users, groups and their second factors.

- Second factors replace allauth's own admin pages: a supervisor resets a clerk's lost
  authenticator by deleting its rows (docs/staff-auth.md); the secret itself is never shown.
  allauth's e-mail addresses are not offered: clerks' addresses are the users' own, and the address
  pages are closed (``fascicolo.staff.middleware``).
- Permissions are offered for the models the admin manages, named from the models' Italian names
  ("Anagrafe | Persona | può vedere persona"): the names Django stores are English ("Can view ...").
- Deleting a group or a user does not list the rows that link them to permissions and groups.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import ClerkAuthenticator


class KindFilter(admin.SimpleListFilter):
    title = _("tipo")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(kind, label) for kind, label in Authenticator.Type.choices if kind in settings.MFA_SUPPORTED_TYPES]

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


class ClerkAuthenticatorAdmin(admin.ModelAdmin):
    list_display = ("clerk", "kind", "created", "last_used")
    list_filter = (KindFilter,)
    list_select_related = ("user",)
    fields = list_display
    readonly_fields = list_display
    search_fields = ("user__username",)
    search_help_text = _("Nome utente dell'operatore.")

    @admin.display(description=_("operatore"))
    def clerk(self, obj):
        return obj.user

    @admin.display(description=_("tipo"))
    def kind(self, obj):
        return obj.get_type_display()

    @admin.display(description=_("attivato il"))
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("ultimo uso"))
    def last_used(self, obj):
        return obj.last_used_at

    def has_add_permission(self, request):
        return False  # a clerk enrols at the next sign-in

    def has_change_permission(self, request, obj=None):
        return False


BUILTIN_ACTIONS = {
    "add": _("può aggiungere"),
    "change": _("può modificare"),
    "delete": _("può cancellare"),
    "view": _("può vedere"),
}
LINK_TABLES = (Group.permissions.through, User.groups.through, User.user_permissions.through)


def permission_label(permission):
    """``<app> | <model> | <what it allows>`` in the language of the request."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:
        return str(permission)
    action, _sep, model_name = permission.codename.partition("_")
    allows = permission.name  # the project's own permissions are named in Italian
    if action in BUILTIN_ACTIONS and model_name == content_type.model:
        allows = f"{BUILTIN_ACTIONS[action]} {model._meta.verbose_name}"
    app = apps.get_app_config(content_type.app_label).verbose_name
    return f"{app} | {capfirst(model._meta.verbose_name)} | {allows}"


class ItalianPermissionsMixin:
    permissions_field = "permissions"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new form class per call: safe to adjust
        field = form.base_fields.get(self.permissions_field)
        if field is not None:
            # The models the admin manages, and whatever the group or user already holds (a choice
            # left out of the list would be dropped when the form is saved).
            managed = ContentType.objects.get_for_models(*self.admin_site._registry, for_concrete_models=False)
            held = getattr(obj, self.permissions_field).values("pk") if obj else []
            field.queryset = field.queryset.filter(Q(content_type__in=managed.values()) | Q(pk__in=held))
            field.label_from_instance = permission_label
        return form

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Rows of the link tables go with the group or user; listing them says nothing to a clerk.
        names = {str(table._meta.verbose_name_plural) for table in LINK_TABLES}
        prefixes = tuple(f"{capfirst(table._meta.verbose_name)}: " for table in LINK_TABLES)

        def prune(items):
            kept = []
            for item in items:
                if isinstance(item, list):
                    item = prune(item)
                    if item:
                        kept.append(item)
                elif not str(item).startswith(prefixes):
                    kept.append(item)
            return kept

        counts = {name: n for name, n in counts.items() if str(name) not in names}
        return prune(deleted), counts, perms_needed, protected


class StaffGroupAdmin(ItalianPermissionsMixin, GroupAdmin):
    pass


class StaffUserAdmin(ItalianPermissionsMixin, UserAdmin):
    permissions_field = "user_permissions"


def adjust_admin(site):
    """Called once the admin has discovered every app's admin module, allauth's and auth's included."""
    for model in (EmailAddress, Authenticator, Group, User):
        if site.is_registered(model):
            site.unregister(model)
    site.register(ClerkAuthenticator, ClerkAuthenticatorAdmin)
    site.register(Group, StaffGroupAdmin)
    site.register(User, StaffUserAdmin)
