"""Residents, households and dossier objects for the dossier and API tests.

People come from tests/audit/people.py (valid codici fiscali, unique per call).
"""

import itertools
from datetime import date, timedelta

from django.utils import timezone

from fascicolo.dossier import services
from fascicolo.dossier.models import RectificationRequest
from fascicolo.identity import tokens
from registry.models import (
    Address,
    Citizenship,
    EventKind,
    Household,
    IdentityDocument,
    Membership,
    RegistryEvent,
    Relationship,
)
from tests.audit.people import make_person
from tests.helpers import login_resident

_serial = itertools.count(1)


def years_ago(years, today=None):
    today = today or timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=1)


def make_address(street="Via Roma"):
    return Address.objects.create(
        toponym="Via", street=street, civic_number=str(next(_serial)), postal_code="20121",
        municipality_name="Milano", municipality_istat="015146", municipality_belfiore="F205", province="MI",
    )  # fmt: skip


def make_household(members, street="Via Roma"):
    """``members``: (person, relationship) pairs; the household and the members' residence events."""
    address = make_address(street)
    household = Household.objects.create(code=f"FAM{next(_serial):06d}", address=address, formed_on=date(2010, 5, 1))
    for person, relationship in members:
        Membership.objects.create(household=household, person=person, relationship=relationship,
                                  started_on=date(2010, 5, 1))  # fmt: skip
        RegistryEvent.objects.create(person=person, kind=EventKind.IMMIGRATION, date=date(2010, 5, 1),
                                     address=address, other_municipality="Torino")  # fmt: skip
    return household


def make_family(family_name="Bianchi"):
    """A head, the head's spouse, a minor child and an adult child, in one household."""
    head = make_person(family_name=family_name, given_name="Giulia", sex="F", birth_date=years_ago(45),
                       email="registry@example.org")  # fmt: skip
    spouse = make_person(family_name=family_name, given_name="Luca", sex="M", birth_date=years_ago(47))
    minor = make_person(family_name=family_name, given_name="Sara", sex="F", birth_date=years_ago(10))
    adult_child = make_person(family_name=family_name, given_name="Marco", sex="M", birth_date=years_ago(20))
    household = make_household(
        [(head, Relationship.HEAD), (spouse, Relationship.SPOUSE), (minor, Relationship.CHILD),
         (adult_child, Relationship.CHILD)],
        street=family_name,
    )  # fmt: skip
    Citizenship.objects.create(person=head, country="IT", acquired_on=head.birth_date)
    IdentityDocument.objects.create(
        person=head, kind="cie", number=f"CA{next(_serial):05d}AA", issued_by="Comune di Milano",
        issued_on=date(2020, 1, 10), expires_on=date(2031, 1, 10),
    )  # fmt: skip
    return {"head": head, "spouse": spouse, "minor": minor, "adult_child": adult_child, "household": household}


def make_dossier_objects(person, user):
    """One of each object a resident owns, so routes with an id have something to point at."""
    message = services.send_message(recipient_person=person, subject=f"Avviso per {person.given_name}",
                                    body=f"Testo riservato a {person.fiscal_code}")  # fmt: skip
    rectification = RectificationRequest.objects.create(
        person=person, requested_by=user, datum="address", correct_value=f"Via segreta {person.pk}"
    )
    token, _raw = tokens.create_api_token(user, name=f"Telefono di {person.given_name}", loa=2)
    return {"message": message, "rectification": rectification, "token": token}


def resident(client, person, level=2):
    return login_resident(client, person, level)
