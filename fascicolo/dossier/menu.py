"""The area personale's menu, built from the registered sections (``fascicolo.sections``).

The dossier registers its own sections from ``DossierConfig.ready()``; the certificates and payments
apps register theirs from their own ``ready()``. The dossier imports none of them.
"""

from fascicolo import sections


def menu_for(request, person, unread=0):
    """The menu entries this resident sees, in menu order, with the current one marked."""
    entries = []
    for section in sections.all_sections():
        if section.needs_registry and person is None:
            continue
        url = section.url()
        current = request.path == url if section.key == "overview" else request.path.startswith(url)
        entries.append(
            {
                "key": section.key,
                "label": str(section.label),
                "url": url,
                "icon": section.icon,
                "current": current,
                "badge": unread if section.key == "messages" else 0,
            }
        )
    return entries
