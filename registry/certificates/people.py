"""For whom a resident may request a certificate: themself and the household members they act for.

The rule belongs to the dossier (``fascicolo.dossier.selectors.actable_people``); this module is the
one place the certificates app asks it.
"""

from fascicolo.dossier.selectors import actable_people


def people_user_may_request_for(user):
    """The registry people this user may request certificates for (themself first)."""
    return actable_people(user)


def person_user_may_request_for(user, person_id):
    """The person with this id if the user may act for them, else ``None`` (callers answer 404)."""
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        return None
    return next((p for p in people_user_may_request_for(user) if p.pk == person_id), None)
