"""Turning a verified identity into a resident's session, and finding the resident's registry record."""

import logging
from datetime import timedelta
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model, login, logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.codicefiscale import parse_codice_fiscale
from registry.selectors import person_by_fiscal_code

from . import signals
from .backends import registry
from .backends.base import LoginFailed
from .federation.entity import entity_configuration as federation_entity_configuration
from .federation.entity import load_trust_marks
from .loa import SESSION_LOA_KEY, session_loa
from .models import LoginEvent, LoginOutcome, ProviderSession, ResidentAccount

SESSION_BACKEND_KEY = "identity.backend"

logger = logging.getLogger(__name__)

BIRTH_DATE_MISMATCH = _(
    "La data di nascita comunicata dal gestore dell'identità non corrisponde a quella registrata in anagrafe "
    "per questo codice fiscale, quindi l'accesso non può proseguire. Contatta l'ufficio anagrafe del Comune."
)


@transaction.atomic
def account_for_identity(identity):
    """The resident's user, created at the first strong login (residents never register)."""
    account = ResidentAccount.objects.select_related("user").filter(fiscal_code=identity.fiscal_code).first()
    person = person_by_fiscal_code(identity.fiscal_code)
    if account is None:
        user = get_user_model().objects.create_user(
            username=f"cf:{identity.fiscal_code}",
            first_name=identity.given_name[:150],
            last_name=identity.family_name[:150],
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        account = ResidentAccount.objects.create(user=user, fiscal_code=identity.fiscal_code, person=person)
    elif account.person_id != (person.pk if person else None):
        account.person = person
        account.save(update_fields=["person"])
    return account.user


def start_resident_session(request, identity):
    """Log the resident in (rotating the session id) and remember the level of assurance.

    Every login gets a new session id, a step-up of the same resident's session too: Django's
    ``login`` keeps the id when the user does not change, and an id known at level 1 must not
    become a level-2 session (OWASP Session Management, "Renew the session id after any privilege
    level change").
    """
    user = account_for_identity(identity)
    key_before = request.session.session_key
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if request.session.session_key == key_before:
        request.session.cycle_key()
    request.session[SESSION_LOA_KEY] = int(identity.loa)
    request.session[SESSION_BACKEND_KEY] = identity.backend_id
    return user


def person_for_user(user):
    """The signed-in resident's registry record, or ``None`` (not in this municipality's registry)."""
    if not user.is_authenticated:
        return None
    account = getattr(user, "resident", None)
    return account.person if account else None


def fiscal_code_for_user(user):
    account = getattr(user, "resident", None) if user.is_authenticated else None
    return account.fiscal_code if account else None


# --- Choosing a backend: callers never name a concrete class ----------------------------------------


def login_backends():
    """The enabled identity backends, in the order the login page lists them."""
    return registry.enabled_backends()


# What residents call a login method whose backend is no longer configured, by the id's first word.
SCHEME_LABELS = {"spid": "SPID", "cie": "CIE", "eidas": "eIDAS"}


def backend_label(backend_id):
    """The name a resident knows a login method by ("SPID", "CIE"), never a backend id ("spid-demo")."""
    backend = registry.get_backend(backend_id)
    if backend is not None:
        return str(backend.label)
    return SCHEME_LABELS.get((backend_id or "").split("-")[0].lower(), backend_id or "—")


def login_backend(backend_id):
    """The enabled backend with this id, or ``None``."""
    return registry.get_backend(backend_id)


# --- OpenID Federation: the relying party's entity configuration, the providers' trust chains ------


def federation_backends(path=None):
    """The enabled backends that reach their provider through OpenID Federation; with ``path``, only
    those whose relying party entity id has this URL path (``/`` for an entity id without one)."""
    found = [backend for backend in registry.enabled_backends() if getattr(backend, "federation", False)]
    if path is None:
        return found
    path = "/" + path.strip("/")
    return [backend for backend in found if "/" + urlsplit(backend.entity_id).path.strip("/") == path]


def entity_configuration(request, path="/"):
    """The signed entity configuration of the relying party whose entity id has this URL path, or
    ``None``. The backends sharing that entity id (SPID and CIE, usually) make one entity: their
    redirect URIs, keys, authority hints and trust marks together; the first one's federation key."""
    backends = federation_backends(path)
    if not backends:
        return None
    first = backends[0]
    relying_party = first.relying_party_metadata(request)
    authority_hints, trust_marks, keys_by_id = [], [], {}
    for backend in backends:
        metadata = backend.relying_party_metadata(request)
        for uri in metadata["redirect_uris"]:
            if uri not in relying_party["redirect_uris"]:
                relying_party["redirect_uris"].append(uri)
        for key in metadata["jwks"]["keys"]:
            keys_by_id.setdefault(key["kid"], key)
        authority_hints += [hint for hint in backend.authority_hints if hint not in authority_hints]
        trust_marks += [mark for mark in load_trust_marks(backend.trust_marks_file) if mark not in trust_marks]
    relying_party["jwks"] = {"keys": list(keys_by_id.values())}
    federation_entity = {
        "organization_name": relying_party["organization_name"],
        "homepage_uri": settings.SITE_URL,
        **({"contacts": relying_party["contacts"]} if "contacts" in relying_party else {}),
    }
    return federation_entity_configuration(
        entity_id=first.entity_id,
        federation_key=first.federation_key(),
        authority_hints=authority_hints,
        trust_marks=trust_marks,
        metadata={"federation_entity": federation_entity, "openid_relying_party": relying_party},
        lifetime=settings.IDENTITY_FEDERATION_STATEMENT_SECONDS,
    )


def refresh_trust_chains():
    """Resolve again the trust chain of every federation backend's provider that is near its expiry
    (``federation.chains``); a failure is logged and does not stop the others. Returns
    ``{backend id: "ok" | reason}``."""
    results = {}
    for backend in federation_backends():
        try:
            backend.trust_chain()
        except LoginFailed as failure:
            results[backend.id] = failure.reason
        else:
            results[backend.id] = "ok"
    return results


# --- Login, step-up, logout, and their history ---------------------------------------------------


def check_birth_date(identity):
    """Refuse an identity whose birth date contradicts the register: ``LoginFailed("birth_date")``.

    A provider's birth date (SPID/CIE ``dateOfBirth`` / ``birthdate``, when released) must equal the
    ``Person.birth_date`` of the registry record matched by fiscal number; for someone not in the
    registry, it must agree with the date encoded in the codice fiscale (year modulo 100, month,
    day: ``CodiceFiscale.matches``). A contradiction means the provider and the register speak of
    different people (a wrong or reused fiscal number), so no session starts. No birth date: nothing
    to compare.
    """
    if identity.birth_date is None:
        return
    person = person_by_fiscal_code(identity.fiscal_code)
    if person is not None:
        agrees, against = person.birth_date == identity.birth_date, f"registry person {person.pk}"
    else:
        agrees, against = parse_codice_fiscale(identity.fiscal_code).matches(identity.birth_date), "the codice fiscale"
    if not agrees:
        # The dates themselves stay out of the log (personal data); the login history keeps the code.
        logger.warning(
            "login refused: the birth date from backend %r contradicts %s",
            identity.backend_id,
            against,
            extra={"reason": "birth_date", "backend": identity.backend_id},
        )
        raise LoginFailed("birth_date", BIRTH_DATE_MISMATCH, fiscal_code=identity.fiscal_code)


def complete_login(request, identity):
    """Start the session for a verified identity and record it: a login, or a step-up of the same
    resident's session to a higher level. Returns the ``LoginEvent``. Raises ``LoginFailed`` (before
    any session change) when the identity's birth date contradicts the register (``check_birth_date``)."""
    check_birth_date(identity)
    current_level = session_loa(request)
    stepping_up = (
        request.user.is_authenticated
        and fiscal_code_for_user(request.user) == identity.fiscal_code
        and current_level is not None
        and identity.loa > current_level
    )
    user = start_resident_session(request, identity)
    if identity.session_index:
        remember_provider_session(request, identity)
    return record_login_event(
        request,
        LoginOutcome.STEP_UP if stepping_up else LoginOutcome.LOGIN,
        user=user,
        fiscal_code=identity.fiscal_code,
        backend=identity.backend_id,
        level=identity.loa,
    )


def record_login_failure(request, backend_id, failure, level=None):
    return record_login_event(
        request,
        LoginOutcome.FAILURE,
        fiscal_code=failure.fiscal_code,
        backend=backend_id,
        level=level,
        reason=failure.reason,
    )


def end_resident_session(request):
    """Record the logout, then end the session: ``logout`` deletes it from the shared session store.

    ``signals.resident_logged_out`` goes out first, so that credentials the session created (the
    app's bearer tokens) stop working together with it.
    """
    if request.user.is_authenticated:
        _logged_out(request, request.user, request.session)
    if request.session.session_key:
        ProviderSession.objects.filter(session_key=request.session.session_key).delete()
    logout(request)


def _logged_out(request, user, session, reason=""):
    signals.resident_logged_out.send(sender=end_resident_session, user=user)
    record_login_event(
        request,
        LoginOutcome.LOGOUT,
        user=user,
        fiscal_code=fiscal_code_for_user(user) or "",
        backend=session.get(SESSION_BACKEND_KEY, ""),
        level=session.get(SESSION_LOA_KEY),
        reason=reason,
    )


# --- Logouts the identity provider takes part in (SAML single logout) ---------------------------------


def remember_provider_session(request, identity):
    """Keep the provider's names for this new session (``ProviderSession``), so that a logout the
    provider starts finds it; rows older than the longest a session lives go at the same time."""
    oldest = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ProviderSession.objects.filter(created_at__lt=oldest).delete()
    ProviderSession.objects.create(
        backend=identity.backend_id,
        subject=identity.subject[:255],
        session_index=identity.session_index[:255],
        session_key=request.session.session_key,
        user=request.user,
    )


def provider_logout(request):
    """The response that tells the identity provider the resident is leaving (the backend's
    ``start_logout``: a SAML ``LogoutRequest``), or ``None``. Call it before the session ends."""
    key = request.session.session_key
    provider_session = ProviderSession.objects.filter(session_key=key).first() if key else None
    backend = login_backend(provider_session.backend) if provider_session else None
    if backend is None:
        return None
    return backend.start_logout(request, provider_session.subject, provider_session.session_index)


def end_provider_sessions(request, backend_id, subject, session_indexes=()):
    """End the sessions a provider's logout names (its ``subject``, and ``session_indexes`` when
    given), as a resident's own logout would: ``resident_logged_out`` (app tokens revoked), a
    ``LoginEvent`` (reason ``provider``), the session deleted from the store. ``request`` is the
    provider's message, carried by the resident's browser (its address goes to the history).
    Returns how many live sessions ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = ProviderSession.objects.filter(backend=backend_id, subject=subject).select_related("user")
    if session_indexes:
        rows = rows.filter(session_index__in=session_indexes)
    ended = 0
    for row in rows:
        session = store(session_key=row.session_key)
        if session.exists(row.session_key):
            _logged_out(request, row.user, session, reason="provider")
            session.delete()
            ended += 1
    rows.delete()
    return ended


def record_login_event(request, outcome, *, user=None, fiscal_code="", backend="", level=None, reason=""):
    return LoginEvent.objects.create(
        user=user,
        fiscal_code=fiscal_code or "",
        backend=backend or "",
        level=int(level) if level else None,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        outcome=outcome,
        reason=reason[:64],
    )


def client_ip(request):
    """The client's address by the same rule as the clerks' login limits (``TRUSTED_PROXY_COUNT``)."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


def login_events_for_user(user):
    """The resident's own access history, newest first."""
    return LoginEvent.objects.filter(user=user).order_by("-time", "-pk")
