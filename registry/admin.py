"""The clerks' admin for the register (*anagrafe*), sized for a city of 1.4 million people.

- Search: a codice fiscale (current or former, any spacing or case) is an exact match on a unique
  index; anything else is a name as clerks type it, "rossi mar" → family name starting with ROSSI
  and given name starting with MAR (or a family name starting with "ROSSI MAR"), served by the
  ``person_name_prefix_idx`` expression index (migration 0002).
- No full ``COUNT(*)``: ``EstimatedCountPaginator`` and ``show_full_result_count = False``; facets
  off; sorting only on indexed columns.
- Related objects come in the same query (``list_select_related``, a subquery for the current
  household), foreign keys are chosen by autocomplete, never from a select of a million options.
- Every read and change is recorded in the access log (``AuditedAdminMixin``).
"""

from django.contrib import admin
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascicolo.audit.admin_mixins import AuditedAdminMixin

from .models import (
    Address,
    Citizenship,
    FiscalCodeAlias,
    Household,
    IdentityDocument,
    Membership,
    Person,
    RegistryEvent,
)
from .pagination import EstimatedCountPaginator
from .selectors import fiscal_code_in, search_people

ITALY = "IT"


def _is_name_search(request):
    term = request.GET.get("q", "").strip()
    return bool(term) and not fiscal_code_in(term)


class LargeTableAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Settings every admin of a big registry table shares."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50


# --- Filters ----------------------------------------------------------------------------------------


class CitizenshipFilter(admin.SimpleListFilter):
    title = _("cittadinanza")
    parameter_name = "citizenship"

    def lookups(self, request, model_admin):
        return [("italian", _("Italiana")), ("foreign", _("Straniera")), ("none", _("Apolide o non nota"))]

    def queryset(self, request, queryset):
        current = Citizenship.objects.filter(person=OuterRef("pk"), lost_on__isnull=True)
        italian = Exists(current.filter(country=ITALY))
        if self.value() == "italian":
            return queryset.filter(italian)
        if self.value() == "foreign":
            return queryset.filter(~italian, Exists(current.exclude(country=ITALY)))
        if self.value() == "none":
            return queryset.filter(~Exists(current))
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = _("età")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("minor", _("Minorenni")), ("adult", _("Maggiorenni"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        try:
            coming_of_age = today.replace(year=today.year - 18)
        except ValueError:  # 29 February
            coming_of_age = today.replace(year=today.year - 18, day=28)
        if self.value() == "minor":
            return queryset.filter(birth_date__gt=coming_of_age)
        if self.value() == "adult":
            return queryset.filter(birth_date__lte=coming_of_age)
        return queryset


class CurrentFilter(admin.SimpleListFilter):
    title = _("stato")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Attive")), ("no", _("Cessate"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(dissolved_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(dissolved_on__isnull=False)
        return queryset


# --- Inlines ------------------------------------------------------------------------------------------


class MembershipOfPersonInline(admin.TabularInline):
    model = Membership
    fk_name = "person"
    fields = ("household", "relationship", "started_on", "ended_on")
    autocomplete_fields = ("household",)
    show_change_link = True
    extra = 0
    verbose_name = _("appartenenza a una famiglia")
    verbose_name_plural = _("appartenenze a famiglie")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("household").order_by("-started_on")


class CitizenshipInline(admin.TabularInline):
    model = Citizenship
    fields = ("country", "acquired_on", "lost_on")
    extra = 0


class IdentityDocumentInline(admin.TabularInline):
    model = IdentityDocument
    fields = ("kind", "number", "issued_by", "issued_on", "expires_on")
    extra = 0


class FiscalCodeAliasInline(admin.TabularInline):
    model = FiscalCodeAlias
    fields = ("fiscal_code", "replaced_on")
    extra = 0


class RegistryEventInline(admin.TabularInline):
    model = RegistryEvent
    fk_name = "person"
    fields = ("kind", "date", "address", "other_municipality", "related_person", "notes", "recorded_at")
    readonly_fields = ("recorded_at",)
    autocomplete_fields = ("address", "related_person")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("address", "related_person")


class HouseholdMemberInline(admin.TabularInline):
    model = Membership
    fk_name = "household"
    fields = ("person", "relationship", "started_on", "ended_on")
    autocomplete_fields = ("person",)
    extra = 0
    verbose_name = _("componente")
    verbose_name_plural = _("componenti")

    def get_queryset(self, request):
        # Current members first, then former ones, most recent first.
        return (
            super()
            .get_queryset(request)
            .select_related("person")
            .order_by(F("ended_on").desc(nulls_first=True), "relationship", "-started_on")
        )


# --- Model admins -------------------------------------------------------------------------------------


@admin.register(Person)
class PersonAdmin(LargeTableAdmin):
    list_display = (
        "fiscal_code",
        "family_name",
        "given_name",
        "sex",
        "birth_date",
        "registration_status",
        "household_code",
    )
    list_display_links = ("fiscal_code", "family_name")
    list_filter = ("registration_status", "sex", "civil_status", CitizenshipFilter, AgeFilter)
    # The search itself is get_search_results; search_fields only turns the box (and autocomplete) on.
    search_fields = ("fiscal_code",)
    search_help_text = _("Codice fiscale (anche precedente) oppure cognome e nome, anche iniziali: «rossi mar».")
    sortable_by = ("fiscal_code", "birth_date")
    autocomplete_fields = ("spouse",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (
        MembershipOfPersonInline,
        CitizenshipInline,
        IdentityDocumentInline,
        FiscalCodeAliasInline,
        RegistryEventInline,
    )
    fieldsets = (
        (None, {"fields": ("fiscal_code", "anpr_id", ("family_name", "given_name"), "sex")}),
        (
            _("Nascita"),
            {"fields": ("birth_date", ("birth_place", "birth_place_code"), ("birth_province", "birth_country"))},
        ),
        (_("Stato civile"), {"fields": (("civil_status", "civil_status_date"), "spouse")}),
        (_("Posizione anagrafica"), {"fields": ("registration_status", ("death_date", "death_place"))}),
        (_("Contatti"), {"fields": ("email",)}),
        (_("Registrazione"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        current_household = Membership.objects.filter(person=OuterRef("pk"), ended_on__isnull=True).values(
            "household__code"
        )[:1]
        return super().get_queryset(request).annotate(household_code=Subquery(current_household))

    @admin.display(description=_("famiglia"))
    def household_code(self, obj):
        return obj.household_code or "—"

    def get_search_results(self, request, queryset, search_term):
        return search_people(queryset, search_term), False

    def get_ordering(self, request):
        # Name searches come back in name order; the whole register in the order of the primary
        # key, which needs no sort over a million rows.
        if _is_name_search(request):
            return ("family_name", "given_name", "pk")
        return ("-pk",)


@admin.register(Household)
class HouseholdAdmin(LargeTableAdmin):
    list_display = ("code", "kind", "name", "address", "formed_on", "dissolved_on")
    list_filter = ("kind", CurrentFilter)
    list_select_related = ("address",)
    search_fields = ("=code",)
    search_help_text = _("Codice famiglia esatto.")
    sortable_by = ("code", "formed_on")
    ordering = ("-pk",)
    autocomplete_fields = ("address",)
    inlines = (HouseholdMemberInline,)

    def audit_subjects(self, obj):
        # A household's page shows every member, so its reading concerns each of them.
        return list(obj.memberships.order_by("pk").values_list("person_id", flat=True).distinct())

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(code=term) if term else queryset), False


@admin.register(Address)
class AddressAdmin(LargeTableAdmin):
    # An address alone says nothing about anyone: reading it needs no purpose.
    audit_requires_purpose = False
    list_display = ("__str__", "postal_code", "municipality_name")
    search_fields = ("street",)
    search_help_text = _("Inizio della denominazione della strada, eventualmente seguito dal numero civico.")
    sortable_by = ()
    ordering = ("-pk",)

    def audit_subjects(self, obj):
        return []

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        street, _, civic = term.rpartition(" ")
        if not (street and civic[:1].isdigit()):
            street, civic = term, ""
        queryset = queryset.alias(_street_upper=Upper("street")).filter(_street_upper__startswith=street)
        if civic:
            queryset = queryset.filter(civic_number=civic)
        return queryset, False


@admin.register(RegistryEvent)
class RegistryEventAdmin(LargeTableAdmin):
    list_display = ("date", "kind", "person", "address", "other_municipality", "recorded_at")
    list_filter = ("kind",)
    list_select_related = ("person", "address")
    search_fields = ("person__fiscal_code",)
    search_help_text = _("Codice fiscale o cognome e nome della persona.")
    sortable_by = ("date",)
    ordering = ("-pk",)
    autocomplete_fields = ("person", "address", "related_person")
    readonly_fields = ("recorded_at", "recorded_by")

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(person__in=search_people(Person.objects.all(), search_term).values("pk")), False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
