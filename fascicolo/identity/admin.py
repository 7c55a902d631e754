"""Residents' login history in the admin: read-only, and every look at it goes to the access log
(it holds fiscal codes, IP addresses and when someone used the portal)."""

from django.contrib import admin

from fascicolo.audit.admin_mixins import AuditedAdminMixin

from .models import ApiToken, LoginEvent, ResidentAccount


@admin.register(LoginEvent)
class LoginEventAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("time", "outcome", "fiscal_code", "backend", "level", "reason", "ip_address")
    list_filter = ("outcome", "backend", "level")
    # Exact codes only: a prefix or substring search would list strangers' logins.
    search_fields = ("=fiscal_code",)
    date_hierarchy = "time"
    show_facets = admin.ShowFacets.NEVER
    fields = ("time", "outcome", "reason", "fiscal_code", "user", "backend", "level", "ip_address", "user_agent")
    readonly_fields = fields
    # Failed logins have no user: the code the provider asserted names the person.
    audit_fiscal_code_field = "fiscal_code"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Read-only: support can see that a token exists and when it expires, never the token itself.
    The user's name is the resident's codice fiscale, so a look is recorded against them."""

    def audit_subjects_of(self, objects):
        users = {obj.user_id for obj in objects}
        accounts = ResidentAccount.objects.filter(user_id__in=users, person__isnull=False)
        return list(accounts.values_list("person_id", flat=True).distinct())

    list_display = ("name", "user", "prefix", "loa", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "loa", "created_at", "expires_at", "revoked_at", "last_used_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
