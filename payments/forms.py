from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DebtorType, ServiceCategory


class PositionForm(forms.Form):
    """A clerk's hand-made position: one amount to the municipality, optionally in installments."""

    debtor_type = forms.ChoiceField(label=_("Tipo di debitore"), choices=DebtorType.choices)
    debtor_fiscal_code = forms.CharField(label=_("Codice fiscale o partita IVA"), max_length=16)
    debtor_name = forms.CharField(label=_("Nome e cognome o ragione sociale"), max_length=140)
    debtor_email = forms.EmailField(label=_("Email"), required=False)
    category = forms.ChoiceField(label=_("Servizio"), choices=ServiceCategory.choices)
    subject = forms.CharField(label=_("Oggetto"), max_length=140)
    amount = forms.DecimalField(label=_("Importo (euro)"), min_value=0.01, decimal_places=2, max_digits=11)
    due_date = forms.DateField(label=_("Scadenza"), widget=forms.DateInput(attrs={"type": "date"}))
    installments = forms.IntegerField(label=_("Rate (0 = solo rata unica)"), min_value=0, max_value=12, initial=0)
    publish = forms.BooleanField(label=_("Pubblica subito"), required=False, initial=True)

    def clean_due_date(self):
        value = self.cleaned_data["due_date"]
        if value <= date.today():
            raise forms.ValidationError(_("La scadenza deve essere futura."))
        return value

    def clean_installments(self):
        value = self.cleaned_data["installments"]
        if value == 1:
            raise forms.ValidationError(_("Un piano rateale ha almeno due rate."))
        return value


class UploadForm(forms.Form):
    """A CSV as a spreadsheet saves it; separator and decimal mark are recognised unless declared."""

    file = forms.FileField(
        label=_("File CSV"),
        help_text=_("UTF-8 (anche con BOM); date come 31/03/2027 o 2027-03-31; importi in euro come 182,40 o 182.40."),
    )
    year = forms.IntegerField(label=_("Anno"), required=False, min_value=2000, max_value=2100)
    separator = forms.ChoiceField(
        label=_("Separatore dei campi"),
        required=False,
        choices=[("", _("Riconosci dall'intestazione")), (",", _("Virgola (,)")), (";", _("Punto e virgola (;)"))],
    )
    decimal_mark = forms.ChoiceField(
        label=_("Separatore decimale degli importi"),
        required=False,
        choices=[("", _("Riconosci dagli importi")), (",", _("Virgola (182,40)")), (".", _("Punto (182.40)"))],
    )

    def dialect(self):
        """The clerk's declarations as keyword arguments of the importers (``None``: recognise)."""
        return {
            "separator": self.cleaned_data.get("separator") or None,
            "decimal_mark": self.cleaned_data.get("decimal_mark") or None,
        }
