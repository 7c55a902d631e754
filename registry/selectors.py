"""Reads on the register (*anagrafe*): the rules about people and households, in one place.

The register is the ground floor: identity, audit, certificates, payments and the dossier ask these
functions and never repeat their queries. Every function takes registry objects (a ``Person``, a
codice fiscale, a search term), never a user or a request: mapping a signed-in user to a person is
identity's job (``fascicolo.identity.services.person_for_user``).

- ``person_by_fiscal_code``: the person holding a codice fiscale now or before (*omocodia*, corrections).
- ``household_members``: the family a person sees and certifies: their whole *famiglia anagrafica*,
  or in a *convivenza* only their own nucleus (``family_nucleus``); ``current_members``: every
  current member of a household (for clerks and the register's own checks).
- ``people_person_may_act_for`` / ``person_may_act_for``: for whom a resident may act.
- ``search_people`` / ``person_search_filter``: what a clerk typed (a codice fiscale or a name).
"""

from django.db.models import Q
from django.utils import timezone

from .acting_for import acts_for_minor
from .codicefiscale import InvalidCodiceFiscale, normalize, parse_codice_fiscale
from .models import FiscalCodeAlias, HouseholdKind, Membership, Person, Relationship
from .names import name_search_key

ADULT_AGE = 18

# In a convivenza, members recorded with these relationships are not family of anyone there: the
# institution's residents (25), and anyone whose relationship was never communicated (99).
NOT_FAMILY_IN_COHABITATION = (Relationship.COHABITATION_MEMBER, Relationship.UNDEFINED)

# A name search tries every split of the words into family and given name; past a few words the
# alternatives only slow the query down.
MAX_NAME_WORDS = 4


def age_on(birth_date, today):
    """Completed years on ``today`` (a ``date``)."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def is_adult(person, today=None):
    """Whether ``person`` is 18 or older on ``today`` (default: the local date)."""
    return age_on(person.birth_date, today or timezone.localdate()) >= ADULT_AGE


# --- One person ------------------------------------------------------------------------------------


def person_by_fiscal_code(fiscal_code):
    """The ``Person`` holding this (normalised) codice fiscale, or ``None``.

    A former code (``FiscalCodeAlias``: *omocodia* resolved by the Agenzia delle Entrate, a
    correction) still finds its person, so a resident whose code changed keeps their record.
    """
    return (
        Person.objects.filter(Q(fiscal_code=fiscal_code) | Q(fiscal_code_aliases__fiscal_code=fiscal_code))
        .distinct()
        .first()
    )


# --- Household and whom a resident may act for ------------------------------------------------------


def current_members(household):
    """The current ``Membership`` rows of ``household`` (with their ``person``), head first."""
    return list(
        Membership.objects.filter(household=household, ended_on__isnull=True)
        .select_related("person")
        .order_by("relationship", "person__birth_date", "person__id")
    )


def household_members(person):
    """The current ``Membership`` rows ``person`` sees and certifies as their family (``person``
    included), head first; ``[]`` for someone in no household (or ``None``).

    A *famiglia anagrafica*: every current member. A *convivenza* (care home, religious community,
    barracks, prison, hostel…; DPR 223/1989 art. 5) is not a family: its members live together for
    reasons of religion, care, assistance, service or detention, so a member sees only their own
    family nucleus (``family_nucleus``), and the institution's manager is not their relative.
    """
    membership = person.current_membership() if person is not None else None
    if membership is None:
        return []
    members = current_members(membership.household)
    if membership.household.kind == HouseholdKind.COHABITATION:
        return family_nucleus(membership, members)
    return members


def family_nucleus(membership, members):
    """The part of a convivenza's ``members`` that is ``membership``'s family, as the register records it.

    - The manager (*responsabile*, 24) and whoever is recorded with a family relationship to them
      (spouse, child…: their family living in the institution) form one nucleus.
    - A resident of the institution (25, or 99) is a nucleus of their own, with their spouse or civil
      partner when the register links the two (``Person.spouse``), as for a couple in a care home.
    """
    me = membership.person

    def is_partner(other):
        return other.spouse_id == me.pk or me.spouse_id == other.pk

    if membership.relationship in NOT_FAMILY_IN_COHABITATION:
        return [m for m in members if m.person_id == me.pk or is_partner(m.person)]
    return [m for m in members if m.relationship not in NOT_FAMILY_IN_COHABITATION]


def people_person_may_act_for(person, today=None):
    """The people for whom ``person`` may act (request certificates, see their data), themself first.

    Every living resident acts for themselves; an adult acts also for the living minors of their own
    family (``household_members``) over whom the register records their parental responsibility or
    guardianship: the table, with its legal sources, is ``registry.acting_for.MINORS_ACTED_FOR``.
    Adults act for no other adult (no delegation is recorded). ``[]`` for ``None`` or a deceased person.
    """
    today = today or timezone.localdate()
    if person is None or not person.is_alive:
        return []
    people = [person]
    if not is_adult(person, today):
        return people
    members = household_members(person)
    mine = next((m for m in members if m.person_id == person.pk), None)
    if mine is None:
        return people
    for member in members:
        other = member.person
        if other.pk == person.pk or not other.is_alive or is_adult(other, today):
            continue
        if acts_for_minor(mine.relationship, member.relationship):
            people.append(other)
    return people


def person_may_act_for(person, person_id):
    """The person with id ``person_id`` if ``person`` may act for them, else ``None`` (callers answer
    404, as for anyone else's data). ``person_id`` may be a string from a form or URL."""
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        return None
    return next((p for p in people_person_may_act_for(person) if p.pk == person_id), None)


# --- Clerks' search --------------------------------------------------------------------------------


def fiscal_code_in(term):
    """The normalised code when the term has the shape of a codice fiscale (even an invalid one)."""
    try:
        return parse_codice_fiscale(term).code
    except InvalidCodiceFiscale as error:
        # Wrong check character, day or birthplace: still a code the clerk typed, so search it.
        return None if error.code == "format" else normalize(term)


def person_search_filter(term):
    """The ``Q`` for what a clerk typed, on a ``Person`` queryset.

    A codice fiscale also finds the person through a former code (``FiscalCodeAlias``); the alias
    lookup runs first so that the main query stays an OR of two index scans. A name, "rossi mar",
    is family name starting with ROSSI and given name starting with MAR (or a family name starting
    with "ROSSI MAR"), compared on the names' search keys (``registry.names.name_search_key``: no
    accents, apostrophes or punctuation, upper case) and served by ``person_name_prefix_idx``.
    """
    code = fiscal_code_in(term)
    if code:
        former = list(FiscalCodeAlias.objects.filter(fiscal_code=code).values_list("person_id", flat=True))
        return Q(fiscal_code=code) | Q(pk__in=former) if former else Q(fiscal_code=code)
    # Normalised as stored names are (registry.names): accents, apostrophes, punctuation, case.
    words = name_search_key(term).split()[:MAX_NAME_WORDS]
    if not words:
        return None
    condition = Q()
    for split in range(1, len(words) + 1):
        family, given = " ".join(words[:split]), " ".join(words[split:])
        alternative = Q(family_name_key__startswith=family)
        if given:
            alternative &= Q(given_name_key__startswith=given)
        condition |= alternative
    return condition


def search_people(queryset, term):
    """``queryset`` (of people) narrowed to what a clerk typed: a codice fiscale or a name."""
    condition = person_search_filter(term)
    if condition is None:
        return queryset
    return queryset.filter(condition)


def people_ids_by_fiscal_codes(fiscal_codes):
    """Ids of the people holding any of these codici fiscali now or before (one query)."""
    codes = list(fiscal_codes)
    if not codes:
        return []
    return list(
        Person.objects.filter(Q(fiscal_code__in=codes) | Q(fiscal_code_aliases__fiscal_code__in=codes))
        .values_list("pk", flat=True)
        .distinct()
    )
