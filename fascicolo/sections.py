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

from django.shortcuts import render
from django.urls import reverse

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
