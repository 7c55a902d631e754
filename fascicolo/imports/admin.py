"""Clerks' imports in the admin: upload a file (it runs in the background), follow its progress,
download the rejected lines. A clerk sees the kinds, and the jobs, their permissions allow."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from fascicolo.documents.bounded import body_too_large
from fascicolo.documents.storage import open_private_file

from . import kinds, services
from .models import ImportJob


class UploadForm(forms.Form):
    """The upload of a kind without options of its own; kinds with options (the TARI roll's year,
    a CSV dialect) have their upload page in their app's admin (``ImportKind.upload_url_name``)."""

    kind = forms.ChoiceField(label=_("Tipo di file"))
    file = forms.FileField(
        label=_("File CSV"),
        help_text=_("UTF-8 (anche con BOM); il formato di ogni tipo è descritto nella documentazione."),
    )

    def __init__(self, *args, kind_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices


def submit_upload(request, form, kind_key, options=None):
    """For upload views (this admin's and the apps' own): queue ``form``'s ``file`` as a ``kind_key``
    job and say so, or put the refusal (over ``IMPORT_MAX_BYTES``) on the form. Returns the job or ``None``."""
    if body_too_large(request, settings.IMPORT_MAX_BYTES):
        form.add_error("file", services.too_large_message())
        return None
    try:
        job = services.submit(kind_key, form.cleaned_data["file"], request.user, options)
    except kinds.ImportRefused as refused:
        form.add_error("file", str(refused))
        return None
    messages.info(request, _("File ricevuto: l'importazione prosegue in background."))
    return job


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind_label", "original_name", "status", "progress", "rejected", "created_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["created_by"]

    @admin.display(description=_("tipo"))
    def kind_label(self, job):
        return kinds.get(job.kind).label

    # --- Permissions: by the kinds' own permissions -------------------------------------------------

    def _kind_keys(self, request):
        return [kind.key for kind in kinds.kinds_for(request.user)]

    def has_module_permission(self, request):
        return bool(self._kind_keys(request))

    def has_view_permission(self, request, obj=None):
        keys = self._kind_keys(request)
        return bool(keys) and (obj is None or obj.kind in keys)

    def has_add_permission(self, request):
        return bool(self._kind_keys(request))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind__in=self._kind_keys(request))

    # --- Pages ------------------------------------------------------------------------------------

    def get_urls(self):
        status = path("<int:pk>/stato/", self.admin_site.admin_view(self.status_view), name="imports_importjob_status")
        rejects = path(
            "<int:pk>/scarti.csv", self.admin_site.admin_view(self.rejects_view), name="imports_importjob_rejects"
        )
        return [status, rejects, *super().get_urls()]

    def _job(self, request, pk):
        # The admin routes a change page's id as text: anything but a number is no job (404, not 500).
        if not str(pk).isdecimal():
            raise Http404
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def add_view(self, request, form_url="", extra_context=None):
        available = kinds.kinds_for(request.user)
        if not available:
            raise PermissionDenied
        elsewhere = [(kind.label, reverse(kind.upload_url_name)) for kind in available if kind.upload_url_name]
        choices = [(kind.key, kind.label) for kind in available if not kind.upload_url_name]
        if not choices:
            return redirect(elsewhere[0][1])
        form = UploadForm(
            request.POST or None,
            request.FILES or None,
            kind_choices=choices,
            initial={"kind": request.GET.get("kind", choices[0][0])},
        )
        if request.method == "POST" and form.is_valid():
            job = submit_upload(request, form, form.cleaned_data["kind"])
            if job is not None:
                return redirect("admin:imports_importjob_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Nuova importazione"),
            "form": form,
            "elsewhere": elsewhere,
            "opts": self.model._meta,
            "max_mb": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}",
        }
        return TemplateResponse(request, "admin/imports/importjob/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": str(job),
            "job": job,
            "kind": kinds.get(job.kind),
            "opts": self.model._meta,
            "status_url": reverse("admin:imports_importjob_status", args=[job.pk]),
        }
        return TemplateResponse(request, "admin/imports/importjob/detail.html", context)

    def status_view(self, request, pk):
        job = self._job(request, pk)
        return JsonResponse(
            {
                "status": job.status,
                "status_label": str(job.get_status_display()),
                "progress": job.progress,
                "stage": job.stage,
                "finished": job.finished,
            }
        )

    def rejects_view(self, request, pk):
        job = self._job(request, pk)
        if not job.rejects_file_name:
            raise Http404
        return FileResponse(
            open_private_file(job.rejects_file_name),
            as_attachment=True,
            filename=f"scarti-{job.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )
