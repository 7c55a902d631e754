"""Reads for the area personale, always scoped to the signed-in resident.

Every function takes the user and starts from what that user owns: there is no "get by id" that
does not go through the owner's scope, so another resident's id is simply not found (404).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from fascicolo.identity.services import fiscal_code_for_user, person_for_user
from registry.models import HEAD_RELATIONSHIPS, RESIDENCE_EVENTS, Membership, Relationship

from .models import ApiToken, Message, RectificationRequest, ResidentProfile

ADULT_AGE = 18
# The newest entries the access log pages and API show (both providers return newest first).
LOG_LIMIT = 1000

# Relationships to the head (ANPR table 5) that make the head, and the head's spouse or partner,
# a parent of the member.
CHILD_RELATIONSHIPS = (Relationship.CHILD, Relationship.ADOPTED, Relationship.STEPCHILD)
HEAD_PARTNER_RELATIONSHIPS = (*HEAD_RELATIONSHIPS, Relationship.SPOUSE, Relationship.CIVIL_PARTNER,
                              Relationship.COHABITANT)  # fmt: skip


def age_on(birth_date, today):
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def is_adult(person, today=None):
    return age_on(person.birth_date, today or timezone.localdate()) >= ADULT_AGE


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
    person = person_for_user(user)
    if person is None:
        return []
    membership = person.current_membership()
    if membership is None:
        return []
    return list(
        Membership.objects.filter(household=membership.household, ended_on__isnull=True)
        .select_related("person")
        .order_by("relationship", "person__birth_date", "person__id")
    )


def actable_people(user, today=None):
    """The people for whom this resident may act (request certificates, see their data).

    The rule (docs/dossier.md, "Acting for others"):
    - every living resident acts for themselves;
    - an adult who is the head of the household, or the head's spouse, civil partner or affective
      cohabitant, acts also for the living minors recorded as the head's child, adopted child or
      stepchild in the same current household (the parents of the household's minor children);
    - an adult recorded as the head's guardian (*tutore*) acts also for the head while a minor.
    Other adults in the household act only for themselves.
    """
    today = today or timezone.localdate()
    person = person_for_user(user)
    if person is None or not person.is_alive:
        return []
    people = [person]
    if not is_adult(person, today):
        return people
    members = household_members(user)
    mine = next((m for m in members if m.person_id == person.pk), None)
    if mine is None:
        return people
    for member in members:
        other = member.person
        if other.pk == person.pk or not other.is_alive or is_adult(other, today):
            continue
        parent_of_child = mine.relationship in HEAD_PARTNER_RELATIONSHIPS and member.relationship in CHILD_RELATIONSHIPS
        guardian_of_head = mine.relationship == Relationship.GUARDIAN and member.relationship in HEAD_RELATIONSHIPS
        if parent_of_child or guardian_of_head:
            people.append(other)
    return people


def actable_person(user, person_id):
    """One of the people this resident may act for, by id; 404 for anyone else."""
    for person in actable_people(user):
        if str(person.pk) == str(person_id):
            return person
    raise Http404


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


# --- Settings and tokens ------------------------------------------------------------------------------


def profile_for(user):
    """The resident's settings; an unsaved default when they never changed any."""
    return ResidentProfile.objects.filter(user=user).first() or ResidentProfile(user=user)


def registry_email(user):
    person = person_for_user(user)
    return person.email if person else ""


def tokens_for(user):
    return ApiToken.objects.filter(user=user)


def active_tokens_for(user):
    return tokens_for(user).filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def token_for(user, token_id):
    try:
        return tokens_for(user).get(pk=int(token_id))
    except (ApiToken.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# --- Access log ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessEntry:
    """A clerk's read or change of the resident's data, as the audit log recorded it."""

    timestamp: datetime
    actor_name: str
    actor_office: str
    action: str
    object_description: str
    purpose: str


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
        from fascicolo.audit.services import entries_for_person
    except ImportError:
        return None
    entries = [
        AccessEntry(
            timestamp=_first_attr(entry, ("timestamp", "created_at", "at")),
            actor_name=str(_first_attr(entry, ("actor_name", "actor"))),
            actor_office=str(_first_attr(entry, ("actor_office", "office"))),
            action=str(_first_attr(entry, ("action_label", "get_action_display", "action"))),
            object_description=str(_first_attr(entry, ("object_description", "object_repr", "description"))),
            purpose=str(_first_attr(entry, ("purpose",))),
        )
        for entry in entries_for_person(person)[:LOG_LIMIT]
    ]
    return sorted(entries, key=lambda entry: entry.timestamp, reverse=True)


def login_entries(user):
    """The resident's own logins, newest first; ``None`` while identity does not record them."""
    try:
        from fascicolo.identity.services import login_events_for_user
    except ImportError:
        return None
    entries = [
        LoginEntry(
            timestamp=_first_attr(event, ("time", "timestamp", "created_at")),
            method=str(_first_attr(event, ("backend_label", "get_backend_display", "backend_id", "backend"))),
            level=_first_attr(event, ("loa", "level"), None),
            outcome=str(_first_attr(event, ("get_outcome_display", "outcome"))),
        )
        for event in login_events_for_user(user)[:LOG_LIMIT]
    ]
    return sorted(entries, key=lambda entry: entry.timestamp, reverse=True)
