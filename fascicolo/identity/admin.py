"""Residents' login history in the admin: read-only, and every look at it goes to the access log
(it holds fiscal codes, IP addresses and when someone used the portal)."""

from django.contrib import admin

from fascicolo.audit.admin_mixins import AuditedAdminMixin

from .models import ApiToken, LoginEvent


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

    def audit_subjects(self, obj):
        account = getattr(obj.user, "resident", None) if obj.user_id else None
        return [account.person_id] if account is not None and account.person_id else []

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: support can see that a token exists and when it expires, never the token itself."""

    list_display = ("name", "user", "prefix", "loa", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "loa", "created_at", "expires_at", "revoked_at", "last_used_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
