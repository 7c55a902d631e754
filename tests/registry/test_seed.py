"""``seed_demo``: a deterministic synthetic municipality with every household shape."""

import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.codicefiscale import is_valid
from registry.models import (
    Citizenship,
    CivilStatus,
    FiscalCodeAlias,
    Household,
    HouseholdKind,
    IdentityDocument,
    Membership,
    Person,
    RegistrationStatus,
    RegistryEvent,
    Relationship,
)
from registry.seeding import DEMO_ALIAS, DEMO_RESIDENTS

pytestmark = pytest.mark.django_db

RESIDENTS = 150


def wipe():
    for model in (RegistryEvent, Membership, Citizenship, IdentityDocument, FiscalCodeAlias):
        model.objects.all().delete()
    Person.objects.update(spouse=None)
    Person.objects.all().delete()
    Household.objects.all().delete()


def fingerprint():
    """A digest of everything the seed wrote, by natural keys (database ids may differ)."""
    rows = [
        *Person.objects.values_list(
            "fiscal_code", "given_name", "family_name", "sex", "birth_date", "birth_place_code", "civil_status",
            "civil_status_date", "spouse__fiscal_code", "registration_status", "death_date", "email",
        ),
        *Household.objects.values_list(
            "code", "kind", "cohabitation_kind", "name", "formed_on", "address__street", "address__civic_number",
            "address__interior",
        ),
        *Membership.objects.values_list(
            "household__code", "person__fiscal_code", "relationship", "started_on", "ended_on"
        ),
        *Citizenship.objects.values_list("person__fiscal_code", "country", "acquired_on"),
        *IdentityDocument.objects.values_list("person__fiscal_code", "kind", "number", "issued_on", "expires_on"),
        *RegistryEvent.objects.values_list(
            "person__fiscal_code", "kind", "date", "address__street", "address__civic_number",
            "other_municipality_code", "related_person__fiscal_code",
        ),
        *FiscalCodeAlias.objects.values_list("person__fiscal_code", "fiscal_code", "replaced_on"),
    ]  # fmt: skip
    return hashlib.sha256(repr(sorted(rows, key=repr)).encode()).hexdigest(), len(rows)


def test_same_arguments_give_identical_data():
    call_command("seed_demo", residents=RESIDENTS, seed=7, verbosity=0)
    first = fingerprint()
    wipe()
    call_command("seed_demo", residents=RESIDENTS, seed=7, verbosity=0)
    assert fingerprint() == first
    wipe()
    call_command("seed_demo", residents=RESIDENTS, seed=8, verbosity=0)
    assert fingerprint() != first


def test_seeded_municipality():
    call_command("seed_demo", residents=RESIDENTS, seed=3, verbosity=0)
    people = Person.objects.all()
    assert people.filter(registration_status=RegistrationStatus.RESIDENT).count() == RESIDENTS
    assert all(is_valid(code) for code in people.values_list("fiscal_code", flat=True))
    assert all(is_valid(code) for code in FiscalCodeAlias.objects.values_list("fiscal_code", flat=True))

    # Every person has a birth or immigration event, so residence history exists.
    without_origin = people.exclude(events__kind__in=["birth", "immigration"])
    assert not without_origin.exists()

    # Household shapes.
    sizes = {h.code: h.memberships.filter(ended_on__isnull=True).count() for h in Household.objects.all()}
    assert 1 in sizes.values()
    cohabitations = Household.objects.filter(kind=HouseholdKind.COHABITATION)
    assert cohabitations.exists()
    assert (
        Membership.objects.filter(
            household__in=cohabitations, relationship=Relationship.COHABITATION_HEAD, ended_on__isnull=True
        ).count()
        == cohabitations.count()
    )
    assert Membership.objects.filter(relationship=Relationship.CHILD, person__birth_date__year__gte=2009).exists()
    assert Membership.objects.filter(relationship=Relationship.PARENT).exists()  # multi-generation
    assert Membership.objects.filter(relationship=Relationship.COHABITANT).exists()

    # Couples: spouse links both ways.
    for status in (CivilStatus.MARRIED, CivilStatus.CIVIL_UNION):
        couples = people.filter(civil_status=status, spouse__isnull=False)
        assert couples.exists()
        for person in couples.select_related("spouse"):
            assert person.spouse.spouse_id == person.id

    # Foreign citizens, deaths, moves, emigrations.
    assert Citizenship.objects.exclude(country="IT").exists()
    assert people.exclude(birth_place_code__startswith="Z").exclude(birth_place_code="F205").exists()
    assert people.filter(birth_place_code__startswith="Z").exists()
    deceased = people.filter(registration_status=RegistrationStatus.DECEASED)
    assert deceased.exists()
    assert not Membership.objects.filter(person__in=deceased, ended_on__isnull=True).exists()
    assert RegistryEvent.objects.filter(kind="address_change").exists()
    assert RegistryEvent.objects.filter(kind="emigration").exists()
    aire = people.filter(registration_status=RegistrationStatus.AIRE)
    assert aire.exists()
    assert not aire.exclude(events__kind="aire_registration").exists()
    assert IdentityDocument.objects.exists()


def test_demo_residents_are_there_with_their_documented_codes():
    call_command("seed_demo", residents=RESIDENTS, seed=5, verbosity=0)
    for resident in DEMO_RESIDENTS.values():
        person = Person.objects.get(fiscal_code=resident.fiscal_code)
        assert (person.given_name, person.family_name, person.birth_date) == (
            resident.given_name,
            resident.family_name,
            resident.birth_date,
        )
        assert person.current_membership().household.code == resident.household
    mario = Person.objects.get(fiscal_code=DEMO_RESIDENTS["mario_rossi"].fiscal_code)
    assert mario.spouse.fiscal_code == DEMO_RESIDENTS["laura_bianchi"].fiscal_code
    assert mario.spouse.spouse == mario
    ana = Person.objects.get(fiscal_code=DEMO_RESIDENTS["ana_popescu"].fiscal_code)
    assert list(ana.citizenships.values_list("country", flat=True)) == ["RO"]
    assert list(ana.fiscal_code_aliases.values_list("fiscal_code", flat=True)) == [DEMO_ALIAS]
    omocode = Person.objects.get(fiscal_code=DEMO_RESIDENTS["mario_rossi_omocode"].fiscal_code)
    assert omocode.fiscal_code != mario.fiscal_code


def test_if_empty_does_nothing_when_people_exist():
    call_command("seed_demo", residents=RESIDENTS, seed=1, verbosity=0)
    before = fingerprint()
    call_command("seed_demo", "--if-empty", residents=RESIDENTS, seed=2, verbosity=0)
    assert fingerprint() == before
    with pytest.raises(CommandError):
        call_command("seed_demo", residents=RESIDENTS, seed=2, verbosity=0)
