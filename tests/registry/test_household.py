"""Household invariants that the database itself enforces, whatever code path writes the rows."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from registry.models import (
    Address,
    CohabitationKind,
    Household,
    HouseholdKind,
    Membership,
    Person,
    RegistrationStatus,
    Relationship,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def address():
    return Address.objects.create(
        toponym="Via",
        street="Dante",
        civic_number="1",
        postal_code="20121",
        municipality_name="Milano",
        municipality_istat="015146",
        municipality_belfiore="F205",
        province="MI",
    )


def make_household(address, code, **fields):
    return Household.objects.create(code=code, address=address, formed_on=date(2010, 1, 1), **fields)


def make_person(fiscal_code, given_name="Mario", sex="M", **fields):
    return Person.objects.create(
        fiscal_code=fiscal_code,
        given_name=given_name,
        family_name="Rossi",
        sex=sex,
        birth_date=date(1980, 1, 1),
        birth_place="Roma",
        birth_place_code="H501",
        **fields,
    )


@pytest.fixture
def mario():
    return make_person("RSSMRA80A01H501U")


@pytest.fixture
def laura():
    return make_person("BNCLRA92M55F205P", given_name="Laura", sex="F")


def violates(constraint_name, create):
    """Run ``create`` in a savepoint and return whether it failed on ``constraint_name``."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        create()
    return constraint_name in str(excinfo.value)


def test_a_person_has_one_current_household(address, mario):
    first, second = make_household(address, "F1"), make_household(address, "F2")
    Membership.objects.create(
        household=first, person=mario, relationship=Relationship.HEAD, started_on=date(2010, 1, 1)
    )
    assert violates(
        "membership_one_current_per_person",
        lambda: Membership.objects.create(
            household=second, person=mario, relationship=Relationship.HEAD, started_on=date(2011, 1, 1)
        ),
    )


def test_a_closed_membership_lets_the_person_move(address, mario):
    first, second = make_household(address, "F1"), make_household(address, "F2")
    Membership.objects.create(
        household=first,
        person=mario,
        relationship=Relationship.HEAD,
        started_on=date(2010, 1, 1),
        ended_on=date(2011, 1, 1),
    )
    Membership.objects.create(
        household=second, person=mario, relationship=Relationship.HEAD, started_on=date(2011, 1, 1)
    )
    assert mario.current_membership().household == second


def test_a_household_has_one_current_head(address, mario, laura):
    family = make_household(address, "F1")
    Membership.objects.create(
        household=family, person=mario, relationship=Relationship.HEAD, started_on=date(2010, 1, 1)
    )
    assert violates(
        "membership_one_current_head",
        lambda: Membership.objects.create(
            household=family, person=laura, relationship=Relationship.HEAD, started_on=date(2010, 1, 1)
        ),
    )
    # A spouse beside the head is fine.
    Membership.objects.create(
        household=family, person=laura, relationship=Relationship.SPOUSE, started_on=date(2010, 1, 1)
    )


def test_the_cohabitation_head_counts_as_head(address, mario, laura):
    convent = make_household(
        address, "C1", kind=HouseholdKind.COHABITATION, cohabitation_kind=CohabitationKind.RELIGIOUS, name="Convento"
    )
    Membership.objects.create(
        household=convent, person=mario, relationship=Relationship.COHABITATION_HEAD, started_on=date(2010, 1, 1)
    )
    assert violates(
        "membership_one_current_head",
        lambda: Membership.objects.create(
            household=convent, person=laura, relationship=Relationship.HEAD, started_on=date(2010, 1, 1)
        ),
    )


def test_membership_cannot_end_before_it_starts(address, mario):
    family = make_household(address, "F1")
    assert violates(
        "membership_dates_order",
        lambda: Membership.objects.create(
            household=family,
            person=mario,
            relationship=Relationship.HEAD,
            started_on=date(2012, 1, 1),
            ended_on=date(2011, 12, 31),
        ),
    )


def test_cohabitation_kind_only_for_cohabitations(address):
    assert violates(
        "household_cohabitation_kind_only_for_cohabitations",
        lambda: make_household(address, "F1", kind=HouseholdKind.FAMILY, cohabitation_kind=CohabitationKind.CARE),
    )
    assert violates(
        "household_cohabitation_kind_only_for_cohabitations",
        lambda: make_household(address, "C1", kind=HouseholdKind.COHABITATION),
    )
    make_household(address, "C2", kind=HouseholdKind.COHABITATION, cohabitation_kind=CohabitationKind.CARE)


def test_deceased_person_needs_a_death_date():
    assert violates(
        "person_deceased_has_death_date",
        lambda: make_person("RSSMRA80A01H501U", registration_status=RegistrationStatus.DECEASED),
    )
