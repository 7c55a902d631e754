"""The purpose of an access (*motivo dell'accesso*), asked once per admin session.

The clerk picks one of the usual reasons or writes one; it is kept in the session and recorded with
every read and change until the session ends or the clerk states another.
"""

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "audit_purpose"
OTHER = "other"

PURPOSES = [
    ("certificate", _("Rilascio di un certificato o di un'attestazione")),
    ("residence", _("Pratica di residenza o cambio di indirizzo")),
    ("civil_status", _("Aggiornamento dello stato civile o di un evento anagrafico")),
    ("rectification", _("Rettifica dei dati su richiesta dell'interessato")),
    ("public_body", _("Richiesta di un'altra pubblica amministrazione o dell'autorità giudiziaria")),
    ("quality", _("Verifica e bonifica della qualità dei dati")),
    (OTHER, _("Altro (specificare)")),
]


class PurposeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motivo"), choices=PURPOSES, widget=forms.RadioSelect)
    details = forms.CharField(
        label=_("Dettagli"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Numero di pratica o protocollo, ente richiedente… Obbligatorio per «Altro»."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == OTHER and not cleaned.get("details", "").strip():
            self.add_error("details", _("Indica il motivo dell'accesso."))
        return cleaned

    def purpose_text(self):
        """The purpose as recorded: in the register's language, whatever the clerk's interface."""
        with translation.override(settings.LANGUAGE_CODE):
            label = str(dict(PURPOSES)[self.cleaned_data["reason"]])
        details = self.cleaned_data.get("details", "").strip()
        if self.cleaned_data["reason"] == OTHER:
            return details
        return f"{label}: {details}" if details else label


def purpose_for_reader(text):
    """A recorded purpose in the reader's language: the usual reasons are recorded in the register's
    language (``purpose_text``), so their label is translated back; what a clerk wrote stays as written.
    ``""`` for an access recorded without a purpose."""
    text = (text or "").strip()
    with translation.override(settings.LANGUAGE_CODE):
        recorded = {str(label): label for key, label in PURPOSES if key != OTHER}
    for italian, label in recorded.items():
        if text == italian or text.startswith(f"{italian}: "):
            return str(label) + text[len(italian) :]
    return text


def current_purpose(request):
    return request.session.get(SESSION_KEY, "")


def set_purpose(request, text):
    request.session[SESSION_KEY] = text
