"""The operator's page: capacity and opening of the waiting room, changed live for every process."""

import datetime
import logging

import redis
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fascicolo.audit.models import AccessAction
from fascicolo.audit.services import record_access

from . import queue
from .models import WaitingRoom

logger = logging.getLogger("fascicolo.admission")
PERMISSION = "admission.operate_waiting_room"


class WaitingRoomForm(forms.Form):
    capacity = forms.IntegerField(
        label=gettext_lazy("Capienza (residenti ammessi insieme, 0 = nessun limite)"), min_value=0
    )
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Apertura programmata (vuoto = nessuna)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


@admin.register(WaitingRoom)
class WaitingRoomAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            opens = queue.opens_at()
            initial = {
                "capacity": queue.capacity(),
                "opens_at": datetime.datetime.fromtimestamp(opens, tz=datetime.UTC) if opens else None,
            }
            admitted = queue.admitted_count()
        except redis.RedisError:
            self.message_user(request, _("Redis non risponde: la sala d'attesa è aperta a tutti."), messages.ERROR)
            initial, admitted = {"capacity": 0}, None
        form = WaitingRoomForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            self._change(request, before=initial, after=form.cleaned_data)
            self.message_user(request, _("Sala d'attesa aggiornata: vale subito per tutti i server."))
            return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Sala d'attesa"),
            "form": form,
            "admitted": admitted,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admission/admin_waiting_room.html", context)

    @staticmethod
    def _change(request, *, before, after):
        """Apply the operator's values and record who changed what (old → new) in the access log.

        The entry is written first, in a transaction that the Redis write closes: if Redis refuses
        the change, the entry is rolled back (and the operator gets the 503 page), so the log never
        records a change that did not happen.
        """
        opens_at = after["opens_at"]
        fields = {
            name: {"old": before.get(name), "new": after[name]}
            for name in ("capacity", "opens_at")
            if before.get(name) != after[name]
        }
        with transaction.atomic():
            if fields:
                record_access(
                    actor=request.user,
                    subject=None,
                    action=AccessAction.CHANGE,
                    obj=WaitingRoom,
                    changes={"fields": fields},
                    request=request,
                    description=str(WaitingRoom._meta.verbose_name),
                )
            queue.set_live(capacity=after["capacity"], opens_at=int(opens_at.timestamp()) if opens_at else 0)
        logger.warning(
            "waiting room changed by %s: capacity=%s opens_at=%s",
            request.user.get_username(),
            after["capacity"],
            opens_at.isoformat() if opens_at else "-",
        )
