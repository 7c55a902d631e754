"""Residents' accounts: created by the first strong login, keyed by codice fiscale."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResidentAccount(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident")
    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, unique=True)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("persona in anagrafe"),
        help_text=_("Vuoto se il codice fiscale non è nell'anagrafe di questo Comune"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account del cittadino")
        verbose_name_plural = _("account dei cittadini")

    def __str__(self):
        return self.fiscal_code
