"""Institutional households (*convivenze*, DPR 223/1989 art. 5): a member sees and certifies only
themselves and their own recorded family nucleus, for every kind the register models (ANPR table 27),
in "La mia famiglia", /api/v1/household/ and the family-status certificate."""

import itertools
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage

from registry import selectors
from registry.certificates import services
from registry.certificates.models import Certificate, StampExemption
from registry.certificates.states import Status
from registry.models import CohabitationKind, Household, HouseholdKind, Membership, Relationship
from tests.audit.people import make_person
from tests.certificates.pdfutils import pdf_text
from tests.dossier.factories import make_address, years_ago
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db
R = Relationship
_serial = itertools.count(1)


def make_cohabitation(kind, members):
    household = Household.objects.create(
        code=f"CONV{next(_serial):05d}", kind=HouseholdKind.COHABITATION, cohabitation_kind=kind,
        name=f"{kind.label} {next(_serial)}", address=make_address("Via delle Istituzioni"), formed_on=date(2000, 1, 1),
    )  # fmt: skip
    for person, relationship in members:
        Membership.objects.create(household=household, person=person, relationship=relationship,
                                  started_on=date(2015, 3, 1))  # fmt: skip
    return household


@pytest.fixture(params=list(CohabitationKind), ids=lambda kind: kind.name.lower())
def institution(request):
    """A convivenza of each kind: its manager with their own family living there, two residents who
    are a married couple, a resident on their own, and a minor resident (a child in an assistance home)."""
    manager = make_person(family_name="Kappadirettore", birth_date=years_ago(55))
    manager_spouse = make_person(family_name="Kappadirettore", birth_date=years_ago(50))
    manager_child = make_person(family_name="Kappadirettore", birth_date=years_ago(12))
    husband = make_person(family_name="Kappaconiugi", sex="M", birth_date=years_ago(84))
    wife = make_person(family_name="Kappaconiugi", sex="F", birth_date=years_ago(81))
    husband.spouse, wife.spouse = wife, husband
    husband.save(update_fields=["spouse"])
    wife.save(update_fields=["spouse"])
    alone = make_person(family_name="Kappasolo", birth_date=years_ago(40))
    minor = make_person(family_name="Kappaospite", birth_date=years_ago(15))
    household = make_cohabitation(
        request.param,
        [(manager, R.COHABITATION_HEAD), (manager_spouse, R.SPOUSE), (manager_child, R.CHILD),
         (husband, R.COHABITATION_MEMBER), (wife, R.COHABITATION_MEMBER), (alone, R.COHABITATION_MEMBER),
         (minor, R.COHABITATION_MEMBER)],
    )  # fmt: skip
    return {
        "household": household, "manager": manager, "manager_spouse": manager_spouse, "manager_child": manager_child,
        "husband": husband, "wife": wife, "alone": alone, "minor": minor,
    }  # fmt: skip


def seen_by(person):
    return {m.person_id for m in selectors.household_members(person)}


def test_each_member_sees_only_their_own_nucleus(institution):
    i = institution
    assert seen_by(i["alone"]) == {i["alone"].pk}
    assert seen_by(i["minor"]) == {i["minor"].pk}
    assert seen_by(i["husband"]) == seen_by(i["wife"]) == {i["husband"].pk, i["wife"].pk}
    manager_family = {i["manager"].pk, i["manager_spouse"].pk, i["manager_child"].pk}
    assert seen_by(i["manager"]) == seen_by(i["manager_spouse"]) == seen_by(i["manager_child"]) == manager_family


def test_the_manager_is_not_a_relative_and_acts_only_for_their_own_child(institution):
    i = institution
    assert [p.pk for p in selectors.people_person_may_act_for(i["manager"])] == [i["manager"].pk, i["manager_child"].pk]
    assert [p.pk for p in selectors.people_person_may_act_for(i["alone"])] == [i["alone"].pk]
    assert [p.pk for p in selectors.people_person_may_act_for(i["husband"])] == [i["husband"].pk]


def test_la_mia_famiglia_and_the_api_show_a_resident_only_themselves(client, institution):
    i = institution
    login_resident(client, i["alone"])
    page = client.get("/area-personale/famiglia/")
    assert page.status_code == 200
    assert i["alone"].family_name in page.text
    others = [p for key, p in i.items() if key not in ("household", "alone")]
    for other in others:
        assert other.family_name not in page.text

    api = client.get("/api/v1/household/").json()
    assert [(m["id"], m["is_me"]) for m in api["members"]] == [(i["alone"].pk, True)]
    for other in others:
        assert other.family_name not in str(api)


def test_the_couple_sees_each_other_in_the_api(client, institution):
    login_resident(client, institution["wife"])
    ids = {m["id"] for m in client.get("/api/v1/household/").json()["members"]}
    assert ids == {institution["wife"].pk, institution["husband"].pk}


def test_a_resident_cannot_request_a_certificate_for_a_co_resident(client, institution):
    user = login_resident(client, institution["alone"])
    for other in ("minor", "husband", "manager"):
        with pytest.raises(Certificate.DoesNotExist):
            services.request_certificate(user, person_id=institution[other].pk, kind="stato_famiglia",
                                         exemption=StampExemption.SEPARATION)  # fmt: skip


@pytest.mark.parametrize("kind", [CohabitationKind.CARE, CohabitationKind.DETENTION], ids=["care", "detention"])
def test_the_family_status_certificate_lists_only_the_holder(tmp_path, settings, kind):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }
    holder = make_person(family_name="Titolare", birth_date=years_ago(70))
    co_residents = [make_person(family_name=f"Coresidente{n}", birth_date=years_ago(60 + n)) for n in range(10)]
    manager = make_person(family_name="Responsabile", birth_date=years_ago(50))
    make_cohabitation(kind, [(manager, R.COHABITATION_HEAD), (holder, R.COHABITATION_MEMBER),
                             *((p, R.COHABITATION_MEMBER) for p in co_residents)])  # fmt: skip
    user = get_user_model().objects.create(username="cf:test-convivenza")
    certificate = Certificate.objects.create(
        kind="stato_famiglia_parentela", holder=holder, requested_by=user, exemption=StampExemption.SEPARATION,
        stamp_duty_cents=0,
    )  # fmt: skip
    assert services.generate_document(certificate.pk) == Status.READY
    certificate.refresh_from_db()
    text = pdf_text(Path(default_storage.path(certificate.file_name)).read_bytes())
    assert holder.fiscal_code in text
    for other in (*co_residents, manager):
        assert other.fiscal_code not in text and other.family_name not in text
