from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .catalogue import SECTIONS
from .models import EXEMPTION_DESCRIPTION_MAX, StampExemption


class CertificateRequestForm(forms.Form):
    """The request: a type the person's data support, and the stamp-duty exemption."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Tipo di certificato"), widget=forms.RadioSelect)
    exemption = forms.TypedChoiceField(
        label=_("Motivo di esenzione dall'imposta di bollo"),
        coerce=int,
        empty_value=None,
        choices=[("", _("Scegli il motivo…")), *StampExemption.choices],
        help_text=_("Senza un motivo di esenzione il certificato è soggetto a bollo da € 16,00."),
        error_messages={
            "required": _(
                "Indica il motivo di esenzione dal bollo: il pagamento online del bollo non è ancora disponibile."
            )
        },
    )
    exemption_description = forms.CharField(
        label=_("Descrizione del motivo (obbligatoria per «Altro motivo»)"),
        required=False,
        max_length=EXEMPTION_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, available_kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.key, kind.label) for kind in available_kinds]
        if settings.CERTIFICATES_PAID_STAMP_ENABLED:
            # The stamp can be paid online (pagoPA @e.bollo): no exemption is a valid answer.
            exemption = self.fields["exemption"]
            exemption.required = False
            no_exemption = _("Nessuna esenzione: pagherò il bollo da € 16,00 online")
            exemption.choices = [("", no_exemption), *StampExemption.choices]

    def clean(self):
        data = super().clean()
        if data.get("exemption") == StampExemption.OTHER and not (data.get("exemption_description") or "").strip():
            self.add_error("exemption_description", _("Per «Altro motivo» descrivi il motivo dell'esenzione."))
        return data


class SelfDeclarationForm(forms.Form):
    sections = forms.MultipleChoiceField(
        label=_("Che cosa vuoi dichiarare"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, available_sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = [(key, SECTIONS[key].label) for key in available_sections]
