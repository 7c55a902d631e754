"""The area personale's extension API: its sections, their pages and the overview's attention items.

The resident shell (``fascicolo.dossier``) draws its menu and its overview from this registry and
imports no feature app. Each app that adds a section registers it from its ``AppConfig.ready()``, the
way apps register models with Django's admin::

    from fascicolo import sections

    sections.register(sections.Section(
        key="payments", label=_("Pagamenti"), url_name="payments:index", icon="it-card", order=50,
        attention=payments_due,
    ))

A section's pages are decorated with ``section_page(key)``: a level-2 login, ``request.dossier``
(the resident's registry ``person``, or ``None``, and the section's key) and, where the section needs
a registry record, the shell's explanation for residents who are not in this municipality's
registry. Rendered with Django's ``render``, they get the menu, the unread badge and the rest of the
shell's context from the dossier's context processor (``fascicolo.dossier.context_processors``).

A feature tells a resident about something that happened to one of their objects (a certificate
ready, a payment received) with ``post_message``; the shell stores it in *Messaggi*, once per
resident, kind and object, and emails it to residents who chose digital notices::

    sections.post_message(
        kind=sections.MessageKind.CERTIFICATE_READY, about=f"certificate:{certificate.pk}",
        fiscal_code=requester_fiscal_code, text=lambda: (subject, body, link_label), link_url=url,
    )

An *attention provider* receives the signed-in user and their ``Person`` (``None`` when not in the
registry) and returns that resident's ``AttentionItem`` list for the overview's "Da fare" box. A
provider that raises is logged and skipped, so one broken section never takes the overview down.

This module is a platform module (docs/architecture.md): it imports identity, never a feature or the
shell, so features can depend on it.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps

from django.conf import settings
from django.db import models
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fascicolo.identity.decorators import require_loa
from fascicolo.identity.loa import LoA
from fascicolo.identity.services import person_for_user

logger = logging.getLogger(__name__)

# The shell's page for a resident who is not in this municipality's registry (templates/dossier/).
NOT_IN_REGISTRY_TEMPLATE = "dossier/not_in_registry.html"


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # "payment", "certificate", "message", ...
    title: str
    url: str
    due: date | None = None


@dataclass(frozen=True)
class Section:
    """One entry of the area personale's menu.

    ``url_name`` is the URL name of the section's first page (its pages share that URL as prefix, so
    the menu marks the section current on each of them); ``icon`` a Bootstrap Italia sprite name;
    ``order`` the menu position (smaller first); ``needs_registry`` hides the section from, and
    answers its pages with the shell's explanation to, residents who are not in this municipality's
    registry; ``attention`` an optional attention provider for the overview.
    """

    key: str
    label: str
    url_name: str
    icon: str
    order: int
    needs_registry: bool = False
    attention: Callable | None = None

    def url(self):
        return reverse(self.url_name)


_sections: dict[str, Section] = {}
_providers: list[Callable] = []


def register(section):
    """Add ``section`` to the menu (replacing a section with the same key) and its attention provider
    to the overview. Returns the section."""
    _sections[section.key] = section
    if section.attention is not None:
        register_attention_provider(section.attention)
    return section


def all_sections():
    """The registered sections in menu order."""
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


def get_section(key):
    """The registered section with this key, or ``None``."""
    return _sections.get(key)


def register_attention_provider(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_attention_provider(provider):
    if provider in _providers:
        _providers.remove(provider)


def attention_items(user, person):
    """Every provider's items for this resident, soonest due first (undated last), then by title."""
    items = []
    for provider in list(_providers):
        try:
            items.extend(provider(user, person))
        except Exception:
            # One broken section must not take the resident's whole overview down with it.
            logger.exception("attention provider %s failed", getattr(provider, "__name__", provider))
    return sorted(items, key=lambda item: (item.due is None, item.due or date.max, item.title))


def section_page(key):
    """Decorate a view of section ``key``: level-2 login, ``request.dossier``, and the shell's
    explanation for residents not in the registry when the section needs a registry record."""

    def decorator(view):
        @require_loa(LoA.L2)
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            person = person_for_user(request.user)
            request.dossier = {"person": person, "section": key}
            section = get_section(key)
            if section is not None and section.needs_registry and person is None:
                return render(request, NOT_IN_REGISTRY_TEMPLATE, {})
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Messages ----------------------------------------------------------------------------------------


class MessageKind(models.TextChoices):
    """What a message the portal writes by itself is about; a clerk's own message has no kind."""

    CERTIFICATE_READY = "certificate_ready", _("Certificato pronto")
    PAYMENT_CONFIRMED = "payment_confirmed", _("Pagamento ricevuto")
    STAMP_CONFIRMED = "stamp_confirmed", _("Marca da bollo pagata")
    RECTIFICATION_ANSWERED = "rectification_answered", _("Risposta a una richiesta di rettifica")


_mailbox: Callable | None = None


def set_mailbox(deliver):
    """Called by the shell from its ``ready()``: ``deliver(kind=, about=, fiscal_code=, texts=,
    link_url=, email=)`` stores a message once and returns ``(message, created)``."""
    global _mailbox
    _mailbox = deliver


def post_message(*, kind, about, fiscal_code, text, link_url="", email=True):
    """Put a message in the *Messaggi* of the resident with codice fiscale ``fiscal_code``, at most once
    per (resident, ``kind``, ``about``): a signal or a task that runs twice writes nothing more.

    ``kind`` a ``MessageKind``; ``about`` names the object (``"certificate:12"``, ``"receipt:7"``);
    ``text()`` returns ``(subject, body, link_label)`` in the active language and is called once per
    language of ``settings.LANGUAGES`` (Italian first), so the resident reads it in the language they
    chose; ``link_url`` a path of the portal the resident may open (their certificate, their receipt:
    callers check who may see it); ``email=False`` when the caller already emails the same event (the
    payment receipt). Call it after the event's commit (a receiver of the feature's signal).
    Returns ``(message, created)``, or ``None`` when the shell is not installed.
    """
    if _mailbox is None:
        logger.warning("message %s about %s not delivered: no mailbox", kind, about)
        return None
    return _mailbox(
        kind=MessageKind(kind),
        about=about,
        fiscal_code=fiscal_code,
        texts=message_texts(text),
        link_url=link_url,
        email=email,
    )


def message_texts(text):
    """``{language code: {"subject", "body", "link_label"}}`` for every language of
    ``settings.LANGUAGES``, from ``text()`` returning ``(subject, body, link_label)`` in the active one."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            subject, body, link_label = text()
            texts[code] = {"subject": str(subject), "body": str(body), "link_label": str(link_label)}
    return texts
