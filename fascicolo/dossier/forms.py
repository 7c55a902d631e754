from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import RectifiableDatum


class RectificationForm(forms.Form):
    datum = forms.ChoiceField(
        label=_("Dato da correggere"), choices=[("", _("Scegli un dato")), *RectifiableDatum.choices]
    )
    correct_value = forms.CharField(
        label=_("Valore corretto"), max_length=300, help_text=_("Scrivi il dato come dovrebbe essere.")
    )
    note = forms.CharField(
        label=_("Note per l'ufficio anagrafe"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Facoltativo: spiega l'errore o indica un documento che lo prova."),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Nuovo indirizzo email"), max_length=254)


class PreferencesForm(forms.Form):
    digital_notices = forms.BooleanField(
        label=_("Voglio ricevere gli avvisi di pagamento per email invece che su carta"), required=False
    )
    language = forms.ChoiceField(label=_("Lingua"), choices=settings.LANGUAGES)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nome del dispositivo"),
        max_length=100,
        required=False,
        help_text=_("Per riconoscerlo nell'elenco, ad esempio «Telefono»."),
    )
