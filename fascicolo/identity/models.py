"""Residents' accounts (created by the first strong login, keyed by codice fiscale), their settings,
their login history and the app tokens they create."""

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class LoginOutcome(models.TextChoices):
    LOGIN = "login", _("Accesso")
    STEP_UP = "step_up", _("Innalzamento del livello di sicurezza")
    FAILURE = "failure", _("Accesso non riuscito")
    LOGOUT = "logout", _("Uscita")


class LoginEvent(models.Model):
    """One login, failed login, step-up or logout: the resident's access history and the audit trail."""

    time = models.DateTimeField(_("data e ora"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="login_events",
        verbose_name=_("utente"),
    )
    fiscal_code = models.CharField(_("codice fiscale"), max_length=16, blank=True, db_index=True)
    backend = models.CharField(_("modalità di accesso"), max_length=64, blank=True)
    level = models.PositiveSmallIntegerField(_("livello di sicurezza"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("indirizzo IP"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    outcome = models.CharField(_("esito"), max_length=16, choices=LoginOutcome.choices)
    reason = models.CharField(_("motivo"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("evento di accesso")
        verbose_name_plural = _("eventi di accesso")
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["user", "-time"], name="identity_loginevent_user_time")]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.outcome} {self.fiscal_code or '-'}"


class ResidentProfile(models.Model):
    """The resident's own settings (*impostazioni*), beside what the registry knows of them.

    The contact email chosen here never overwrites the registry's ``Person.email``: the registry
    office keeps that one. A new address waits in ``pending_email`` until its link is followed.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident_profile")
    email = models.EmailField(_("email di contatto verificata"), blank=True)
    email_verified_at = models.DateTimeField(_("verificata il"), null=True, blank=True)
    pending_email = models.EmailField(_("email in attesa di verifica"), blank=True)
    pending_email_sent_at = models.DateTimeField(_("link inviato il"), null=True, blank=True)
    digital_notices = models.BooleanField(
        _("avvisi digitali"),
        default=False,
        help_text=_("Avvisi di pagamento per email invece che su carta"),
    )
    language = models.CharField(_("lingua"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("impostazioni del cittadino")
        verbose_name_plural = _("impostazioni dei cittadini")

    def __str__(self):
        return str(self.user)


class ApiToken(models.Model):
    """A short-lived bearer token for the municipality's app, created by a strong web login.

    Only the SHA-256 of the token is stored; the token itself is shown once. It carries the level of
    assurance of the login that created it, so the API applies the same ``require_loa`` rules.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("utente")
    )
    name = models.CharField(_("nome"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("inizio del token"), max_length=12, editable=False)
    loa = models.PositiveSmallIntegerField(_("livello di garanzia"))
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    expires_at = models.DateTimeField(_("scade il"))
    revoked_at = models.DateTimeField(_("revocato il"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("ultimo uso"), null=True, blank=True)

    class Meta:
        verbose_name = _("token dell'app")
        verbose_name_plural = _("token dell'app")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class ProviderSession(models.Model):
    """What an identity provider calls a resident's session here, for the logouts it starts.

    A SAML identity provider's ``LogoutRequest`` (single logout started at the provider, or by another
    service provider) names the session by the ``NameID`` it issued and the ``SessionIndex`` of its
    ``AuthnStatement``, and arrives as a cross-site POST without the portal's session cookie: this row
    leads from those to the Django session to end. Written at login, deleted at logout; a row whose
    session expired on its own is harmless and removed after ``SESSION_COOKIE_AGE``.
    """

    backend = models.CharField(max_length=64)
    subject = models.CharField(max_length=255)  # the NameID (transient) the provider issued
    session_index = models.CharField(max_length=255, blank=True)
    session_key = models.CharField(max_length=40, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["backend", "subject"], name="provider_session_subject_idx")]

    def __str__(self):
        return f"{self.backend}: {self.subject}"
