"""Reads for the area personale, always scoped to the signed-in resident.

Every function takes the user and starts from what that user owns: there is no "get by id" that
does not go through the owner's scope, so another resident's id is simply not found (404).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fascicolo.identity.services import fiscal_code_for_user, person_for_user
from registry import selectors as registry_selectors
from registry.models import RESIDENCE_EVENTS

from .models import Message, RectificationRequest

# The newest entries the access log pages and API show (both providers return newest first).
LOG_LIMIT = 1000

# --- The resident's registry data ---------------------------------------------------------------------


@dataclass(frozen=True)
class ResidenceStep:
    date: date
    kind: str
    kind_label: str
    address: str
    other_municipality: str


def my_data(user):
    """Everything *I miei dati* shows, or ``None`` for a resident not in the registry."""
    person = person_for_user(user)
    if person is None:
        return None
    membership = person.current_membership()
    events = person.events.filter(kind__in=RESIDENCE_EVENTS).select_related("address").order_by("-date", "-id")
    return {
        "person": person,
        "citizenships": list(person.citizenships.order_by("lost_on", "country")),
        "documents": list(person.documents.order_by("-expires_on")),
        "membership": membership,
        "residence": membership.household.address if membership else None,
        "residence_history": [
            ResidenceStep(
                date=event.date,
                kind=event.kind,
                kind_label=event.get_kind_display(),
                address=str(event.address) if event.address else "",
                other_municipality=event.other_municipality,
            )
            for event in events
        ],
    }


# --- Household and whom the resident may act for ------------------------------------------------------


def household_members(user):
    """The current members of the resident's household (themselves included), head first."""
    return registry_selectors.household_members(person_for_user(user))


def actable_people(user, today=None):
    """The people for whom this resident may act (request certificates, see their data).

    The rule is the register's: ``registry.selectors.people_person_may_act_for``.
    """
    return registry_selectors.people_person_may_act_for(person_for_user(user), today)


def actable_person(user, person_id):
    """One of the people this resident may act for, by id; 404 for anyone else."""
    person = registry_selectors.person_may_act_for(person_for_user(user), person_id)
    if person is None:
        raise Http404
    return person


# --- Messages --------------------------------------------------------------------------------------


def messages_for(user):
    """The resident's messages: addressed to their registry record or to their codice fiscale."""
    fiscal_code = fiscal_code_for_user(user)
    if fiscal_code is None:
        return Message.objects.none()
    person = person_for_user(user)
    scope = Q(recipient_fiscal_code=fiscal_code)
    if person is not None:
        scope |= Q(recipient_person=person) | Q(recipient_fiscal_code=person.fiscal_code)
    return Message.objects.filter(scope)


def message_for(user, message_id):
    try:
        return messages_for(user).get(pk=int(message_id))
    except (Message.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def unread_count(user):
    return messages_for(user).filter(read_at__isnull=True).count()


# --- Correction requests --------------------------------------------------------------------------


def rectifications_for(user):
    person = person_for_user(user)
    if person is None:
        return RectificationRequest.objects.none()
    return RectificationRequest.objects.filter(person=person)


def rectification_for(user, request_id):
    try:
        return rectifications_for(user).get(pk=int(request_id))
    except (RectificationRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# --- Settings ------------------------------------------------------------------------------------


def registry_email(user):
    person = person_for_user(user)
    return person.email if person else ""


# --- Access log ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessEntry:
    """A clerk's read or change of the resident's data, as the audit log recorded it.

    ``sentence`` says it in plain words ("Ufficio anagrafe (Mario Rossi) ha consultato Persona: …");
    ``purpose`` is the reason in the reader's language, ``""`` when none was recorded."""

    timestamp: datetime
    actor_name: str
    actor_office: str
    action: str
    object_description: str
    purpose: str
    sentence: str = ""


# What the resident reads for each action of the access log (fascicolo.audit.models.AccessAction).
ACCESS_SENTENCES = {
    "view": gettext_lazy("%(who)s ha consultato %(what)s"),
    "search": gettext_lazy("%(who)s ha cercato %(what)s"),
    "add": gettext_lazy("%(who)s ha inserito %(what)s"),
    "change": gettext_lazy("%(who)s ha modificato %(what)s"),
    "delete": gettext_lazy("%(who)s ha cancellato %(what)s"),
    "export": gettext_lazy("%(who)s ha esportato %(what)s"),
}


def _access_sentence(action, name, office, what):
    if office and name:
        who = _("%(office)s (%(name)s)") % {"office": office, "name": name}
    else:
        who = office or name or _("Il sistema del Comune")
    template = ACCESS_SENTENCES.get(action, gettext_lazy("%(who)s ha trattato %(what)s"))
    return template % {"who": who, "what": what}


@dataclass(frozen=True)
class LoginEntry:
    """One of the resident's own logins."""

    timestamp: datetime
    method: str
    level: int | None
    outcome: str


def _first_attr(obj, names, default=""):
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value not in (None, ""):
            return value() if callable(value) else value
    return default


def access_entries(user):
    """Clerks' accesses to the resident's data, newest first; ``None`` while the audit log is absent.

    Reads through ``fascicolo.audit.services.entries_for_person`` (the audit app's interface) and
    normalises each entry, so the web page and the API show the same fields.
    """
    person = person_for_user(user)
    if person is None:
        return []
    try:
        from fascicolo.audit.purpose import purpose_for_reader
        from fascicolo.audit.services import entries_for_person
    except ImportError:
        return None
    entries = []
    for entry in entries_for_person(person)[:LOG_LIMIT]:
        name = str(_first_attr(entry, ("actor_name", "actor")))
        office = str(_first_attr(entry, ("actor_office", "office")))
        what = str(_first_attr(entry, ("object_description", "object_repr", "description")))
        entries.append(
            AccessEntry(
                timestamp=_first_attr(entry, ("timestamp", "created_at", "at")),
                actor_name=name,
                actor_office=office,
                action=str(_first_attr(entry, ("action_label", "get_action_display", "action"))),
                object_description=what,
                purpose=purpose_for_reader(_first_attr(entry, ("purpose",))),
                sentence=_access_sentence(str(entry.action), name, office, what),
            )
        )
    return sorted(entries, key=lambda entry: entry.timestamp, reverse=True)


def login_entries(user):
    """The resident's own logins, newest first; ``None`` while identity does not record them."""
    try:
        from fascicolo.identity.services import backend_label, login_events_for_user
    except ImportError:
        return None
    entries = [
        LoginEntry(
            timestamp=_first_attr(event, ("time", "timestamp", "created_at")),
            method=backend_label(event.backend),
            level=_first_attr(event, ("loa", "level"), None),
            outcome=str(_first_attr(event, ("get_outcome_display", "outcome"))),
        )
        for event in login_events_for_user(user)[:LOG_LIMIT]
    ]
    return sorted(entries, key=lambda entry: entry.timestamp, reverse=True)
