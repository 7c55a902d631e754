"""The access log in the admin: read-only for those allowed to see it, and the purpose form."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from registry.pagination import EstimatedCountPaginator

from .models import AccessLogEntry
from .purpose import PurposeForm, current_purpose, set_purpose


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = (
        "sequence",
        "timestamp",
        "actor_name",
        "actor_office",
        "action",
        "object_label",
        "subject",
        "purpose",
    )
    list_filter = ("action",)
    list_select_related = ("subject",)
    search_fields = ("=actor_name",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ()
    fields = (
        "sequence",
        "timestamp",
        "actor",
        "actor_name",
        "actor_office",
        "subject",
        "action",
        "object_model",
        "object_pk",
        "object_label",
        "changes",
        "purpose",
        "request_id",
        "previous_hash",
        "entry_hash",
    )
    readonly_fields = fields

    # Append-only: entries are written by fascicolo.audit.services, never through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        from registry.admin import person_search_filter
        from registry.models import Person

        term = search_term.strip()
        if not term:
            return queryset, False
        # A codice fiscale or a name finds the entries about that person; anything else the clerk.
        people = person_search_filter(term)
        if people is not None:
            return queryset.filter(subject__in=Person.objects.filter(people).values("pk")[:1000]), False
        return queryset.filter(actor_name=term), False

    def get_urls(self):
        return [
            path("motivo/", self.admin_site.admin_view(self.purpose_view), name="audit_purpose"),
            *super().get_urls(),
        ]

    def purpose_view(self, request):
        """The interstitial *Motivo dell'accesso* form; any staff member may state a purpose."""
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            next_url = ""
        form = PurposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            set_purpose(request, form.purpose_text())
            messages.info(request, _("Motivo dell'accesso registrato: %(purpose)s") % {"purpose": form.purpose_text()})
            return HttpResponseRedirect(next_url or reverse(f"{self.admin_site.name}:index"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Motivo dell'accesso"),
            "form": form,
            "next": next_url,
            "current_purpose": current_purpose(request),
        }
        return TemplateResponse(request, "admin/audit/purpose.html", context)
