"""Recording what staff read and change in the Django admin.

``AuditedAdminMixin`` goes in front of ``admin.ModelAdmin`` for every model holding personal data.
It asks for the purpose before the first object is opened in a session, and appends to the access
log: a read for every change, history and delete-confirmation page shown, a search for every
changelist search, and on save one entry carrying the field-level differences (old → new) of the
object and of its inlines. Writes are recorded inside the admin's own transaction, so a change
and its entry are committed together or not at all.

``audit_subjects(obj)`` names the people an object concerns; the default handles a person and any
object with foreign keys to people (an event: the person and the spouse), and a household's admin
overrides it with its members.
"""

import copy
import datetime
import decimal
import uuid
from urllib.parse import urlencode

from django.contrib.admin.views.main import SEARCH_VAR
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse

from .models import AccessAction
from .purpose import current_purpose
from .services import record_accesses


class AuditedAdminMixin:
    # Opening an object of this model asks for the purpose first (personal data).
    audit_requires_purpose = True
    # The change form with the purpose in force and a link to change it.
    change_form_template = "admin/audit/change_form.html"

    # --- whom the object concerns ----------------------------------------------------------------

    def audit_subjects(self, obj):
        """Ids of the people ``obj`` is about: the person itself, or every person it points to."""
        return _people_in([obj])

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
        response = super().changelist_view(request, extra_context)
        search = request.GET.get(SEARCH_VAR, "").strip()
        if search and response.status_code == 200:
            # Whoever a search turns up had their name and code shown: one entry each (one without
            # subject when it found no one). The page's rows are evaluated here and reused by the
            # template, so this costs no query.
            changelist = getattr(response, "context_data", {}).get("cl")
            found = _people_in(changelist.result_list) if changelist is not None else []
            record_accesses(
                actor=request.user,
                subjects=found or [None],
                action=AccessAction.SEARCH,
                obj=self.model,
                purpose=current_purpose(request),
                request=request,
                description=search,
            )
        return response

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
        if not self.audit_requires_purpose or current_purpose(request) or request.method != "GET":
            return None
        url = reverse(f"{self.admin_site.name}:audit_purpose")
        return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")

    def _purpose_context(self, request):
        if not self.audit_requires_purpose:
            return {}
        change_url = reverse(f"{self.admin_site.name}:audit_purpose")
        return {
            "audit_purpose": current_purpose(request),
            "audit_purpose_url": f"{change_url}?{urlencode({'next': request.get_full_path()})}",
        }


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
