"""Recording what staff read and change in the Django admin.

``AuditedAdminMixin`` goes in front of ``admin.ModelAdmin`` for every model holding personal data.
It asks for the purpose before any page of the model is shown in a session (lists, filters and
searches included) and before any write, and appends to the access log: a read for every change,
history and delete-confirmation page shown, a read (a search when something was typed) for every
list page with the people on it, a search for every autocomplete answer
(``AuditedAutocompleteJsonView``), and on save one entry carrying the field-level differences
(old → new) of the object and of its inlines. Writes are recorded inside the admin's own
transaction, so a change and its entry are committed together or not at all.

``audit_subjects_of(objects)`` names the people objects concern; the default handles a person, any
object with foreign keys to people (an event: the person and the spouse) and, with
``audit_fiscal_code_field``, an object naming its person by codice fiscale (a debt position); a
household's admin overrides ``audit_subjects`` with its members.
"""

import copy
import datetime
import decimal
import uuid
from urllib.parse import urlencode

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ALL_VAR, ERROR_FLAG, IS_POPUP_VAR, ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse

from registry.selectors import people_ids_by_fiscal_codes

from .models import AccessAction
from .purpose import current_purpose
from .services import record_accesses

# Query parameters of a list page that say how it is shown, not what was asked for.
PRESENTATION_VARS = {ALL_VAR, ORDER_VAR, PAGE_VAR, ERROR_FLAG, IS_POPUP_VAR, "_changelist_filters", "_to_field"}


class AuditedAdminMixin:
    # Any page or write of this model asks for the purpose first (personal data).
    audit_requires_purpose = True
    # A field holding the codice fiscale of the person an object is about, for models that name
    # their person that way instead of linking to the register (debt positions, logins).
    audit_fiscal_code_field = None
    # The change form with the purpose in force and a link to change it.
    change_form_template = "admin/audit/change_form.html"

    # --- whom the object concerns ----------------------------------------------------------------

    def audit_subjects(self, obj):
        """Ids of the people ``obj`` is about: the person itself, or every person it points to."""
        return self.audit_subjects_of([obj])

    def audit_subjects_of(self, objects):
        """Ids of the people a page of ``objects`` shows (a few queries at most, whatever the page size)."""
        ids = _people_in(objects)
        if self.audit_fiscal_code_field:
            codes = {getattr(obj, self.audit_fiscal_code_field) for obj in objects}
            ids.extend(people_ids_by_fiscal_codes(codes - {"", None}))
        return list(dict.fromkeys(ids))

    # --- reads ------------------------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if redirect := self._ask_purpose(request):
            return redirect
        extra_context = {**(extra_context or {}), **self._purpose_context(request)}
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if object_id and response.status_code == 200:
            self._record_read(request, getattr(response, "context_data", {}).get("original"))
        return response

    def history_view(self, request, object_id, extra_context=None):
        if redirect := self._ask_purpose(request):
            return redirect
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            self._record_read(request, getattr(response, "context_data", {}).get("object"))
        return response

    def delete_view(self, request, object_id, extra_context=None):
        if redirect := self._ask_purpose(request):
            return redirect
        response = super().delete_view(request, object_id, extra_context)
        if response.status_code == 200:
            self._record_read(request, getattr(response, "context_data", {}).get("object"))
        return response

    def changelist_view(self, request, extra_context=None):
        if redirect := self._ask_purpose(request):
            return redirect
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if response.status_code == 200 and changelist is not None and self.audit_requires_purpose:
            # Whoever a list page shows had their name and code read: one entry each (one without
            # subject when it shows no one), naming the search and filters that produced it. The
            # page's rows are evaluated here and reused by the template.
            search = request.GET.get(SEARCH_VAR, "").strip()
            record_accesses(
                actor=request.user,
                subjects=self.audit_subjects_of(list(changelist.result_list)) or [None],
                action=AccessAction.SEARCH if search else AccessAction.VIEW,
                obj=self.model,
                purpose=current_purpose(request),
                request=request,
                description=_list_description(self.model, request),
            )
        return response

    def audit_autocomplete(self, request, term, objects):
        """Record an autocomplete answer (names and codes shown in a select box) as a search."""
        record_accesses(
            actor=request.user,
            subjects=self.audit_subjects_of(objects) or [None],
            action=AccessAction.SEARCH,
            obj=self.model,
            purpose=current_purpose(request),
            request=request,
            description=f"suggerimenti per «{term}»",
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The stored values, before the form applies the submitted ones to this instance.
            obj._audit_before = _snapshot(obj)
        return obj

    # --- writes -----------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        before = getattr(obj, "_audit_before", {}) if change else {}
        super().save_model(request, obj, form, change)
        request._audit_fields = _field_changes(obj, form.changed_data, before, change)

    def save_related(self, request, form, formsets, change):
        # Inline forms still hold their initial values only until the formsets are saved.
        pending = [item for formset in formsets for item in _inline_changes(formset)]
        super().save_related(request, form, formsets, change)
        obj = form.instance
        inlines = [
            # A new row has its id only now; a deleted one had it only before.
            {
                "model": item["model"],
                "pk": item["pk"] or item["form"].instance.pk,
                "op": item["op"],
                "fields": item["fields"],
            }
            for item in pending
        ]
        touched = [item["person_id"] for item in pending]
        fields = getattr(request, "_audit_fields", {})
        if change and not fields and not inlines:
            return
        changes = {"fields": fields, "inlines": inlines} if inlines else {"fields": fields}
        self._record(request, obj, AccessAction.CHANGE if change else AccessAction.ADD, changes, touched)

    # Deletions are recorded after the rows go, like every write: the chain's lock is always the
    # last one a transaction takes, so two clerks' transactions cannot wait on each other.

    def delete_model(self, request, obj):
        removed = self._before_delete(obj)
        super().delete_model(request, obj)
        self._record(request, *removed)

    def delete_queryset(self, request, queryset):
        removed = [self._before_delete(obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        for item in removed:
            self._record(request, *item)

    # --- helpers ----------------------------------------------------------------------------------

    def _before_delete(self, obj):
        # A copy keeps the id that deleting clears; the subjects are looked up while they exist.
        removed = {"fields": _as_removed(_snapshot(obj))}
        return copy.copy(obj), AccessAction.DELETE, removed, self.audit_subjects(obj), False

    def _record(self, request, obj, action, changes=None, extra_subjects=(), own_subjects=True):
        own = self.audit_subjects(obj) if own_subjects else []
        subjects = list(dict.fromkeys([*own, *(s for s in extra_subjects if s)]))
        record_accesses(
            actor=request.user,
            subjects=subjects or [None],
            action=action,
            obj=obj,
            purpose=current_purpose(request),
            changes=changes,
            request=request,
        )

    def _record_read(self, request, obj):
        if obj is not None:
            self._record(request, obj, AccessAction.VIEW)

    def _ask_purpose(self, request):
        if not self.audit_requires_purpose or current_purpose(request):
            return None
        if not self.has_view_or_change_permission(request):
            return None  # the admin answers 403 itself: no purpose to ask of whoever may not look
        # A write without a purpose (the session's purpose was cleared meanwhile) is not carried out:
        # the clerk states one and comes back to the page, whose form they submit again.
        next_url = request.get_full_path() if request.method == "GET" else request.path
        url = reverse(f"{self.admin_site.name}:audit_purpose")
        return HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}")

    def _purpose_context(self, request):
        if not self.audit_requires_purpose:
            return {}
        change_url = reverse(f"{self.admin_site.name}:audit_purpose")
        return {
            "audit_purpose": current_purpose(request),
            "audit_purpose_url": f"{change_url}?{urlencode({'next': request.get_full_path()})}",
        }


class AuditedAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete (select boxes that search people by name or code) with the purpose
    required and each answer recorded by the model admin it searched (``audit_autocomplete``)."""

    def has_perm(self, request, obj=None):
        needs_purpose = getattr(self.model_admin, "audit_requires_purpose", False)
        return super().has_perm(request, obj) and (not needs_purpose or bool(current_purpose(request)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = getattr(self.model_admin, "audit_autocomplete", None)
        if record is not None and self.model_admin.audit_requires_purpose:
            record(self.request, self.term, list(context["object_list"]))
        return context


def _list_description(model, request):
    """What a list page was asked for, in words: "ricerca «rossi»; filtri: age=minor", or "elenco".
    Stored in the register's language (Italian), whatever the clerk's, like the purpose."""
    parts = []
    search = request.GET.get(SEARCH_VAR, "").strip()
    if search:
        parts.append(f"ricerca «{search}»")
    filters = [
        f"{key}={value}" for key, value in request.GET.items() if key not in PRESENTATION_VARS and key != SEARCH_VAR
    ]
    if filters:
        parts.append(f"filtri: {', '.join(filters)}")
    return "; ".join(parts) or "elenco"


def _people_in(objects):
    """Ids of the people among ``objects`` or pointed to by them (no query: ids only)."""
    ids = []
    for obj in objects:
        if obj._meta.label_lower == "registry.person":
            ids.append(obj.pk)
            continue
        for field in obj._meta.concrete_fields:
            if field.is_relation and field.related_model._meta.label_lower == "registry.person":
                ids.append(getattr(obj, field.attname))
    return list(dict.fromkeys(pk for pk in ids if pk))


def _snapshot(obj):
    return {field.name: field.value_from_object(obj) for field in obj._meta.concrete_fields}


def _plain(value):
    """A value as JSON keeps it: related objects by id, dates in ISO 8601."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _concrete_names(model):
    return {field.name for field in model._meta.concrete_fields}


def _field_changes(obj, changed_names, before, change):
    names = _concrete_names(type(obj))
    after = _snapshot(obj)
    if not change:
        return {name: {"old": None, "new": _plain(value)} for name, value in after.items() if value not in (None, "")}
    changes = {}
    for name in changed_names:
        if name in names and before.get(name) != after.get(name):
            changes[name] = {"old": _plain(before.get(name)), "new": _plain(after.get(name))}
    return changes


def _inline_changes(formset):
    model = formset.model
    names = _concrete_names(model) - {formset.fk.name}
    deleted = {id(form) for form in formset.deleted_forms} if formset.can_delete else set()
    changes = []
    for form in formset.forms:
        is_new = form.instance.pk is None or form in formset.extra_forms
        if id(form) in deleted:
            if is_new:
                continue
            operation = "delete"
            fields = {n: {"old": _plain(v), "new": None} for n, v in form.initial.items() if n in names}
        elif form.has_changed():
            operation = "add" if is_new else "change"
            fields = {
                name: {
                    "old": None if is_new else _plain(form.initial.get(name)),
                    "new": _plain(form.cleaned_data[name]),
                }
                for name in form.changed_data
                if name in names
            }
        else:
            continue
        changes.append(
            {
                "model": model._meta.label_lower,
                "form": form,
                "pk": form.instance.pk,
                "op": operation,
                "fields": fields,
                "person_id": getattr(form.instance, "person_id", None),
            }
        )
    return changes


def _as_removed(snapshot):
    return {name: {"old": _plain(value), "new": None} for name, value in snapshot.items() if value not in (None, "")}
