"""The access log in the admin: read-only for those allowed to see it, and the purpose form."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from registry.models import Person
from registry.pagination import EstimatedCountPaginator
from registry.selectors import search_people

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
    # The search itself is get_search_results; search_fields only turns the box on.
    search_fields = ("actor_name",)
    search_help_text = _(
        "Codice fiscale o cognome e nome della persona interessata, oppure nome utente o nome e cognome dell'operatore."
    )
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ()
    fields = (
        "sequence",
        "timestamp",
        "actor_name",
        "actor_account",
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

    # The entry's own copy of the clerk's name is "operatore"; the account it was made with is shown
    # apart, under its own label (both fields of the model are called "operatore").
    @admin.display(description=_("account dell'operatore"))
    def actor_account(self, obj):
        try:
            return obj.actor or "—"
        except get_user_model().DoesNotExist:  # no constraint: the account may be gone, the entry stays
            return f"#{obj.actor_id}"

    # Append-only: entries are written by fascicolo.audit.services, never through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # A codice fiscale or a name finds the entries about those people; failing that, a clerk's
        # username or full name finds theirs. Both go through indexes (subject, actor).
        people = list(search_people(Person.objects.all(), term).values_list("pk", flat=True)[:1000])
        if people:
            return queryset.filter(subject_id__in=people), False
        users = get_user_model().objects.annotate(full_name=Concat("first_name", Value(" "), "last_name"))
        actors = users.filter(Q(username__iexact=term) | Q(full_name__iexact=term)).values("pk")
        return queryset.filter(actor_id__in=actors), False

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
