from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _


class ClerkAuthenticator(Authenticator):
    """allauth's second factors, as the admin shows them to a supervisor: Italian names, in the
    clerks' sign-in section. allauth's model has no translatable names of its own."""

    class Meta:
        proxy = True
        verbose_name = _("secondo fattore di un operatore")
        verbose_name_plural = _("secondi fattori degli operatori")
