"""The contract of an identity backend: the base class every backend subclasses, and what it hands over.

A backend is configured by one entry of ``settings.IDENTITY_BACKENDS`` (a dict: ``id``, ``type`` and
the type's own keys) and is instantiated once at start-up by ``registry``. The login views only ever
call the four methods below.
"""

from dataclasses import dataclass
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from ..loa import LoA


@dataclass(frozen=True)
class VerifiedIdentity:
    """What an identity backend hands over once it has verified a login."""

    fiscal_code: str
    given_name: str
    family_name: str
    birth_date: date | None
    loa: LoA
    backend_id: str
    subject: str
    # The birthplace's Belfiore code when the provider releases it (SPID/CIE place_of_birth), else "".
    birth_place: str = ""
    # The provider's name for its session (SAML SessionIndex), for the logouts it starts; else "".
    session_index: str = ""


# The refusals every backend shares (level, fiscal number, attribute mapping), one wording for all.
CLAIM_MESSAGES = {
    "acr": _("L'accesso è avvenuto con un livello di sicurezza inferiore a quello richiesto."),
    "fiscal_number_missing": _("Il gestore dell'identità non ha comunicato il codice fiscale."),
    "fiscal_number_invalid": _("Il codice fiscale comunicato dal gestore dell'identità non è valido."),
    "fiscal_number_format": _(
        "Il gestore dell'identità ha comunicato il codice fiscale in un formato non previsto per questo portale. "
        "Contatta il Comune."
    ),
    "attribute_invalid": _(
        "Il gestore dell'identità ha comunicato i dati anagrafici in un formato non previsto. Contatta il Comune."
    ),
}


class LoginFailed(Exception):
    """A login that must not proceed.

    ``reason`` is a short, stable code recorded in the login history (``state``, ``nonce``,
    ``signature`` …); ``message`` is what the resident reads, in their language.
    """

    def __init__(self, reason, message=None, *, fiscal_code=""):
        self.reason = reason
        self.message = message or _("L'accesso non è riuscito. Riprova o scegli un altro modo di accedere.")
        self.fiscal_code = fiscal_code
        super().__init__(f"{reason}: {self.message}")


def login_failure(logger, protocol, messages, reason, detail="", **kwargs):
    """A ``LoginFailed`` for ``reason`` with its resident-facing message from ``messages`` (keyed by
    the reason's part before ``:``), after a warning on ``logger``: ``"<protocol> login failed:
    <reason>: <detail>"`` (``detail`` goes to the log only). Backends bind the first three arguments
    (``fail = partial(login_failure, logger, "oidc", MESSAGES)``) and ``raise fail(reason, detail)``."""
    logger.warning("%s login failed: %s: %s", protocol, reason, detail, extra={"reason": reason, "detail": detail})
    return LoginFailed(reason, messages[reason.split(":", 1)[0]], **kwargs)


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a backend's configuration, for ``check_config`` and the system checks."""

    message: str
    hint: str = ""


class IdentityBackend:
    """A way to log in: SPID or CIE through OpenID Connect, the demo provider, SAML …

    Subclasses set ``type`` (the ``type`` key of the configuration entry that selects them) and
    implement ``start_login`` and ``handle_callback``. ``config`` is the configuration entry.
    """

    type: str = ""

    def __init__(self, config):
        self.config = dict(config)
        self.id: str = self.config["id"]
        # What the login button says after "Entra con": SPID, CIE …
        self.label: str = self.config.get("label") or self.id
        # spid | cie | other: picks the button's style and the scheme's wording.
        self.scheme: str = self.config.get("scheme", "spid")
        # A demo backend logs in anyone as anyone: the system check refuses it in production.
        self.is_demo: bool = bool(self.config.get("is_demo", False))

    def __repr__(self):
        return f"<{type(self).__name__} {self.id}>"

    def check_config(self) -> list[ConfigProblem]:
        """What is wrong with the configuration (empty when the backend can work). No network I/O."""
        return []

    def public_jwks(self) -> dict | None:
        """The portal's public keys for this provider (a JWKS), when the provider authenticates the
        portal by signature (``private_key_jwt``); ``None`` otherwise."""
        return None

    def start_logout(self, request: HttpRequest, subject: str, session_index: str) -> HttpResponse | None:
        """The response that tells the provider the resident is leaving (SAML single logout), or
        ``None`` when the provider needs no word. ``subject`` and ``session_index`` are the
        ``VerifiedIdentity``'s; called while the resident's session still exists, before it ends."""
        return None

    def start_login(self, request: HttpRequest, level: LoA, next_url: str) -> HttpResponse:
        """The response that sends the browser to the provider, asking for at least ``level``."""
        raise NotImplementedError

    def handle_callback(self, request: HttpRequest):
        """Verify the provider's answer and return a ``VerifiedIdentity``; raise ``LoginFailed`` otherwise.

        Returns ``(identity, next_url)``: the backend kept ``next_url`` from ``start_login``.
        """
        raise NotImplementedError
