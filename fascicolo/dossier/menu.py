"""The sections of the area personale, in menu order.

Each section names the URL names that may serve it, first match wins. The dossier defines a
placeholder for every section (``dossier:certificates``, ``dossier:payments``), so the menu always
resolves; the certificates and payments apps take over by mounting their own URLs at the same
address (see docs/dossier.md) and, if they use other URL names, by being listed first here.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    url_names: tuple
    icon: str
    needs_registry: bool = False  # hidden for residents who are not in this municipality's registry


SECTIONS = (
    Section("overview", _("Panoramica"), ("dossier:overview",), "it-horn"),
    Section("my_data", _("I miei dati"), ("dossier:my_data",), "it-user", needs_registry=True),
    Section("family", _("La mia famiglia"), ("dossier:family",), "it-pa", needs_registry=True),
    Section("certificates", _("Certificati"), ("certificates:index", "dossier:certificates"), "it-file",
            needs_registry=True),
    Section("payments", _("Pagamenti"), ("payments:index", "dossier:payments"), "it-card"),
    Section("messages", _("Messaggi"), ("dossier:messages",), "it-mail"),
    Section("access_log", _("Accessi ai miei dati"), ("dossier:access_log",), "it-locked", needs_registry=True),
    Section("rectifications", _("Richieste di rettifica"), ("dossier:rectifications",), "it-pencil",
            needs_registry=True),
    Section("settings", _("Impostazioni"), ("dossier:settings",), "it-settings"),
)  # fmt: skip


def section_url(section):
    for name in section.url_names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(f"no URL for dossier section {section.key!r}")


def menu_for(request, person, unread=0):
    """The menu entries this resident sees, with the current one marked."""
    entries = []
    for section in SECTIONS:
        if section.needs_registry and person is None:
            continue
        url = section_url(section)
        current = request.path == url if section.key == "overview" else request.path.startswith(url)
        entries.append(
            {
                "key": section.key,
                "label": section.label,
                "url": url,
                "icon": section.icon,
                "current": current,
                "badge": unread if section.key == "messages" else 0,
            }
        )
    return entries
