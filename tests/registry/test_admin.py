"""The clerks' admin on a large register: bounded queries, no full COUNT(*), indexed search."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from registry.models import Address, Citizenship, FiscalCodeAlias, Household, Membership, Person, Relationship
from registry.selectors import person_search_filter, search_people
from tests.audit.people import bulk_people, make_person, serial_letters
from tests.audit.staff import login_staff, make_staff

pytestmark = pytest.mark.django_db

LARGE = 20_000
CHANGELIST = reverse("admin:registry_person_changelist")
# A COUNT over the person table with neither WHERE nor LIMIT: the full count the admin must never run.
FULL_COUNT = re.compile(r'COUNT\(\*\).*FROM "registry_person"(?!.*\b(WHERE|LIMIT)\b)', re.IGNORECASE | re.DOTALL)


@pytest.fixture
def large_register():
    people = bulk_people(LARGE)
    Citizenship.objects.bulk_create(
        Citizenship(person=person, country="RO" if i % 10 == 0 else "IT") for i, person in enumerate(people)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_person")
        cursor.execute("ANALYZE registry_citizenship")
    return people


@pytest.fixture
def superuser_client(client):
    login_staff(client, make_staff("admin", superuser=True), purpose="Verifica e bonifica della qualità dei dati")
    return client


def test_full_count_pattern():
    assert FULL_COUNT.search('SELECT COUNT(*) AS "__count" FROM "registry_person"')
    assert not FULL_COUNT.search('SELECT COUNT(*) FROM "registry_person" WHERE "registry_person"."sex" = %s')
    assert not FULL_COUNT.search('SELECT COUNT(*) FROM (SELECT 1 FROM "registry_person" LIMIT 10001) subquery')


def _full_counts(captured):
    return [q["sql"] for q in captured.captured_queries if FULL_COUNT.search(q["sql"])]


CHANGELIST_QUERIES = [
    "",
    "?registration_status__exact=resident",
    "?sex__exact=F&civil_status__exact=1",
    "?citizenship=foreign",
    "?citizenship=italian",
    "?age=minor",
    "?q=cognomeaaaa",
    f"?q=cognome{serial_letters(123)}+mar",
    "?p=3",
    "?o=1",
]


def test_changelist_on_a_large_register(large_register, superuser_client, django_assert_max_num_queries):
    # The register first, then the login: on a loaded machine filling it takes over a minute, and a
    # session that old is rewritten on the next request (SESSION_ACTIVITY_RESOLUTION), three more queries.
    for query in CHANGELIST_QUERIES:
        with django_assert_max_num_queries(12) as captured:
            response = superuser_client.get(CHANGELIST + query)
        assert response.status_code == 200, query
        assert _full_counts(captured) == [], query
        assert response.context["cl"].result_list, query

    # The unfiltered total is the planner's estimate (reltuples after ANALYZE), not a COUNT(*).
    response = superuser_client.get(CHANGELIST)
    assert abs(response.context["cl"].result_count - LARGE) <= LARGE * 0.05
    assert len(response.context["cl"].result_list) == 50


def test_search_on_a_large_register(superuser_client, large_register):
    target = large_register[1234]
    spaced = " ".join([target.fiscal_code[:6], target.fiscal_code[6:11].lower(), target.fiscal_code[11:]])
    response = superuser_client.get(CHANGELIST, {"q": spaced})
    assert [p.pk for p in response.context["cl"].result_list] == [target.pk]

    plan = Person.objects.filter(person_search_filter(target.fiscal_code)).explain()
    assert "Index Scan" in plan and "Seq Scan" not in plan, plan

    family_name = f"Cognome{serial_letters(12345)}"
    queryset = search_people(Person.objects.all(), f"{family_name.lower()} mar")
    plan = queryset.explain()
    assert "person_name_prefix_idx" in plan and "Seq Scan" not in plan, plan
    assert [p.family_name for p in queryset] == [family_name]
    # Typed with accents, a typographic apostrophe and punctuation: the same keys, the same index.
    queryset = search_people(Person.objects.all(), f"{family_name[:3].replace('o', 'ó')}’{family_name[3:]}, màr")
    plan = queryset.explain()
    assert "person_name_prefix_idx" in plan and "Seq Scan" not in plan, plan
    assert [p.family_name for p in queryset] == [family_name]


def test_search_by_former_fiscal_code(superuser_client):
    person = make_person()
    FiscalCodeAlias.objects.create(person=person, fiscal_code="RSSMRA80A01H501U", replaced_on=date(2020, 1, 1))
    response = superuser_client.get(CHANGELIST, {"q": "rssmra80a01h501u"})
    assert [p.pk for p in response.context["cl"].result_list] == [person.pk]


def test_search_by_name_prefix_family_then_given():
    rossi_mario = make_person(family_name="Rossi", given_name="Mario", sex="M")
    rossi_maria = make_person(family_name="Rossi", given_name="Maria", sex="F")
    make_person(family_name="Rossi", given_name="Luca", sex="M")
    make_person(family_name="Rossetti", given_name="Mario", sex="M")
    de_luca = make_person(family_name="De Luca", given_name="Anna", sex="F")

    def found(term):
        return set(search_people(Person.objects.all(), term).values_list("pk", flat=True))

    assert found("rossi mar") == {rossi_mario.pk, rossi_maria.pk}
    assert found("ROSSI MARIO") == {rossi_mario.pk}
    assert len(found("ross")) == 4
    # A family name of two words, typed with or without the given name.
    assert found("de luca") == {de_luca.pk}
    assert found("de luca an") == {de_luca.pk}
    assert found("  ") == set(Person.objects.values_list("pk", flat=True))


def test_change_page_loads_with_inlines(superuser_client):
    person = make_person(family_name="Verdi", given_name="Anna", sex="F")
    address = Address.objects.create(
        toponym="Via",
        street="Dante",
        civic_number="1",
        postal_code="20121",
        municipality_name="Milano",
        municipality_istat="015146",
        municipality_belfiore="F205",
    )
    household = Household.objects.create(code="F1", address=address, formed_on=date(2010, 1, 1))
    Membership.objects.create(
        household=household, person=person, relationship=Relationship.HEAD, started_on=date(2010, 1, 1)
    )
    response = superuser_client.get(reverse("admin:registry_person_change", args=[person.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "F1" in content and "Verdi" in content
    assert 'name="spouse"' in content and "admin-autocomplete" in content

    response = superuser_client.get(reverse("admin:registry_household_change", args=[household.pk]))
    assert response.status_code == 200
    assert person.fiscal_code in response.content.decode()


def test_every_registry_admin_page_answers(superuser_client):
    for name in ("person", "household", "address", "registryevent"):
        assert superuser_client.get(reverse(f"admin:registry_{name}_changelist")).status_code == 200
        assert superuser_client.get(reverse(f"admin:registry_{name}_add")).status_code == 200
    autocomplete = superuser_client.get(
        reverse("admin:autocomplete"),
        {"term": "rossi", "app_label": "registry", "model_name": "person", "field_name": "spouse"},
    )
    assert autocomplete.status_code == 200


# --- Groups ------------------------------------------------------------------------------------------


def _codenames(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_groups_have_their_permissions():
    registry_office = _codenames("Ufficio anagrafe")
    assert {"registry.add_person", "registry.change_person", "registry.view_person"} <= registry_office
    assert {"registry.change_household", "registry.add_registryevent"} <= registry_office
    assert not any(c.split(".")[1].startswith("delete_") for c in registry_office)
    assert not any(c.startswith(("payments.", "audit.")) for c in registry_office)
    assert {"certificates.view_certificate", "dossier.add_message", "dossier.change_rectificationrequest"} <= (
        registry_office
    )
    assert not any(c.startswith(("dossier.", "identity.")) and "token" in c for c in registry_office)

    revenue_office = _codenames("Ufficio tributi")
    assert not any(c.startswith("registry.") for c in revenue_office)

    supervisor = _codenames("Supervisore")
    assert {"registry.view_person", "audit.view_accesslogentry", "dossier.view_rectificationrequest"} <= supervisor
    assert not any("token" in c or "residentaccount" in c for c in supervisor)
    assert all(c.split(".")[1].startswith("view_") for c in supervisor)


def test_registry_clerk_can_open_but_not_delete(client):
    login_staff(client, make_staff("clerk", group="Ufficio anagrafe"), purpose="Certificato")
    person = make_person()
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(reverse("admin:registry_person_delete", args=[person.pk])).status_code == 403
    assert client.get(reverse("admin:audit_accesslogentry_changelist")).status_code == 403


def test_revenue_clerk_cannot_see_the_register(client):
    login_staff(client, make_staff("tributi", group="Ufficio tributi"))
    assert client.get(CHANGELIST).status_code == 403


def test_admin_speaks_italian_and_english(superuser_client):
    italian = superuser_client.get(CHANGELIST, headers={"accept-language": "it"}).content.decode()
    assert "Scegli persona da modificare" in italian and "posizione anagrafica" in italian.lower()
    english = superuser_client.get(CHANGELIST, headers={"accept-language": "en"}).content.decode()
    assert "Select person to change" in english and "registration status" in english.lower()
    purpose = superuser_client.get(reverse("admin:audit_purpose"), headers={"accept-language": "en"})
    assert "Purpose of access" in purpose.content.decode()
