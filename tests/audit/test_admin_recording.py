"""What clerks do in the admin lands in the access log: reads with their purpose, changes with diffs."""

from datetime import date

import pytest
from django.urls import reverse

from fascicolo.audit.models import AccessAction, AccessLogEntry
from fascicolo.audit.purpose import SESSION_KEY
from fascicolo.audit.services import entries_for_person, verify_chain
from registry.models import Address, Citizenship, Household, Membership, Relationship
from tests.audit.people import make_person
from tests.audit.staff import login_staff, make_staff

pytestmark = pytest.mark.django_db

PURPOSE_URL = reverse("admin:audit_purpose")
CERTIFICATE = "Rilascio di un certificato o di un'attestazione"


@pytest.fixture
def clerk(client):
    user = make_staff("a.verdi", group="Ufficio anagrafe", first_name="Anna", last_name="Verdi")
    login_staff(client, user)
    return user


@pytest.fixture
def person():
    person = make_person(family_name="Esposito", given_name="Gennaro", sex="M", email="old@example.org")
    Citizenship.objects.create(person=person, country="IT")
    return person


@pytest.fixture
def household():
    address = Address.objects.create(
        toponym="Via",
        street="Dante",
        civic_number="1",
        postal_code="20121",
        municipality_name="Milano",
        municipality_istat="015146",
        municipality_belfiore="F205",
    )
    household = Household.objects.create(code="F100", address=address, formed_on=date(2010, 1, 1))
    for relationship in (Relationship.HEAD, Relationship.SPOUSE, Relationship.CHILD):
        Membership.objects.create(
            household=household, person=make_person(), relationship=relationship, started_on=date(2010, 1, 1)
        )
    return household


def person_url(person):
    return reverse("admin:registry_person_change", args=[person.pk])


def test_opening_a_person_asks_for_the_purpose_then_records_the_read(client, clerk, person):
    response = client.get(person_url(person))
    assert response.status_code == 302
    assert response["Location"].startswith(PURPOSE_URL)
    assert not AccessLogEntry.objects.exists()

    form = client.get(response["Location"])
    assert form.status_code == 200
    assert "Motivo dell&#x27;accesso" in form.content.decode() or "Motivo dell'accesso" in form.content.decode()

    answered = client.post(PURPOSE_URL, {"reason": "certificate", "details": "prot. 1234", "next": person_url(person)})
    assert answered.status_code == 302 and answered["Location"] == person_url(person)

    page = client.get(person_url(person))
    assert page.status_code == 200
    assert "prot. 1234" in page.content.decode()  # the purpose in force is shown on the page
    [entry] = entries_for_person(person)
    assert entry.action == AccessAction.VIEW
    assert entry.purpose == f"{CERTIFICATE}: prot. 1234"
    assert entry.actor == clerk and entry.actor_name == "Anna Verdi" and entry.actor_office == "Ufficio anagrafe"
    assert entry.object_description == f"Persona: {person}"
    assert entry.request_id == page["X-Request-ID"]

    # Asked once per session: the next person opens straight away, with the same purpose.
    other = make_person()
    assert client.get(person_url(other)).status_code == 200
    assert entries_for_person(other).get().purpose == entry.purpose


def test_other_purpose_needs_details(client, clerk, person):
    response = client.post(PURPOSE_URL, {"reason": "other", "details": " ", "next": person_url(person)})
    assert response.status_code == 200
    assert client.session.get(SESSION_KEY) is None
    client.post(PURPOSE_URL, {"reason": "other", "details": "Esposto della polizia locale"})
    assert client.session[SESSION_KEY] == "Esposto della polizia locale"


def test_purpose_form_does_not_redirect_off_site(client, clerk):
    response = client.post(PURPOSE_URL, {"reason": "quality", "next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:index")


def _person_form(person, **overrides):
    citizenship = person.citizenships.get()
    data = {
        "fiscal_code": person.fiscal_code,
        "anpr_id": "",
        "family_name": person.family_name,
        "given_name": person.given_name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "birth_place": person.birth_place,
        "birth_place_code": person.birth_place_code,
        "birth_province": person.birth_province,
        "birth_country": person.birth_country,
        "civil_status": person.civil_status,
        "civil_status_date": "",
        "spouse": "",
        "registration_status": person.registration_status,
        "death_date": "",
        "death_place": "",
        "email": person.email,
    }
    for prefix in ("memberships", "documents", "fiscal_code_aliases", "events"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data |= {
        "citizenships-TOTAL_FORMS": "1",
        "citizenships-INITIAL_FORMS": "1",
        "citizenships-0-id": citizenship.pk,
        "citizenships-0-person": person.pk,
        "citizenships-0-country": "IT",
        "citizenships-0-acquired_on": "",
        "citizenships-0-lost_on": "",
    }
    return data | overrides


def test_change_is_recorded_with_field_and_inline_diffs(client, clerk, person):
    login_staff(client, clerk, purpose="Rettifica dei dati su richiesta dell'interessato")
    data = _person_form(
        person,
        email="new@example.org",
        given_name="Gennarino",
        **{
            "citizenships-0-lost_on": "2024-05-01",
            "citizenships-TOTAL_FORMS": "2",
            "citizenships-1-person": person.pk,
            "citizenships-1-country": "FR",
            "citizenships-1-acquired_on": "2024-05-01",
            "citizenships-1-lost_on": "",
        },
    )
    response = client.post(person_url(person), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response

    entry = entries_for_person(person).get(action=AccessAction.CHANGE)
    assert entry.purpose == "Rettifica dei dati su richiesta dell'interessato"
    assert entry.changes["fields"] == {
        "email": {"old": "old@example.org", "new": "new@example.org"},
        "given_name": {"old": "Gennaro", "new": "Gennarino"},
    }
    italian, french = person.citizenships.order_by("pk")
    assert entry.changes["inlines"] == [
        {
            "model": "registry.citizenship",
            "pk": italian.pk,
            "op": "change",
            "fields": {"lost_on": {"old": None, "new": "2024-05-01"}},
        },
        {
            "model": "registry.citizenship",
            "pk": french.pk,
            "op": "add",
            "fields": {"country": {"old": None, "new": "FR"}, "acquired_on": {"old": None, "new": "2024-05-01"}},
        },
    ]
    assert verify_chain().ok


def test_saving_without_changes_records_no_change(client, clerk, person):
    login_staff(client, clerk, purpose="Verifica")
    assert client.post(person_url(person), _person_form(person)).status_code == 302
    assert not AccessLogEntry.objects.filter(action=AccessAction.CHANGE).exists()


def test_inline_deletion_is_recorded(client, person):
    login_staff(client, make_staff("root", superuser=True), purpose="Verifica")
    response = client.post(person_url(person), _person_form(person, **{"citizenships-0-DELETE": "on"}))
    assert response.status_code == 302
    entry = entries_for_person(person).get(action=AccessAction.CHANGE)
    [inline] = entry.changes["inlines"]
    assert inline["op"] == "delete" and inline["fields"]["country"] == {"old": "IT", "new": None}
    assert inline["pk"] is not None


def test_household_read_is_recorded_for_every_member(client, clerk, household):
    login_staff(client, clerk, purpose="Pratica di residenza")
    response = client.get(reverse("admin:registry_household_change", args=[household.pk]))
    assert response.status_code == 200
    members = list(household.memberships.values_list("person_id", flat=True))
    entries = AccessLogEntry.objects.filter(action=AccessAction.VIEW, object_model="registry.household")
    assert sorted(entries.values_list("subject_id", flat=True)) == sorted(members)
    assert {e.purpose for e in entries} == {"Pratica di residenza"}


def test_history_page_is_a_read(client, clerk, person):
    login_staff(client, clerk, purpose="Verifica")
    assert client.get(reverse("admin:registry_person_history", args=[person.pk])).status_code == 200
    assert entries_for_person(person).get().action == AccessAction.VIEW


def test_search_is_recorded_for_everyone_it_shows(client, clerk, person):
    other = make_person(family_name="Esposti", given_name="Gina", sex="F")
    make_person(family_name="Bianchi", given_name="Gennaro", sex="M")
    login_staff(client, clerk, purpose="Verifica")
    client.get(reverse("admin:registry_person_changelist"), {"q": "espos g"})
    entries = AccessLogEntry.objects.filter(action=AccessAction.SEARCH)
    assert sorted(entries.values_list("subject_id", flat=True)) == sorted([person.pk, other.pk])
    assert {(e.object_model, e.object_label, e.purpose) for e in entries} == {
        ("registry.person", "ricerca «espos g»", "Verifica")
    }

    client.get(reverse("admin:registry_person_changelist"), {"q": "nessuno"})
    assert AccessLogEntry.objects.get(action=AccessAction.SEARCH, object_label="ricerca «nessuno»").subject_id is None


def test_adding_a_person_is_recorded(client, clerk):
    login_staff(client, clerk, purpose="Pratica di residenza")
    template = make_person()
    Citizenship.objects.create(person=template, country="IT")
    data = _person_form(template) | {"citizenships-TOTAL_FORMS": "0", "citizenships-INITIAL_FORMS": "0"}
    data = {k: v for k, v in data.items() if not k.startswith("citizenships-0")}
    fiscal_code = template.fiscal_code
    template.citizenships.all().delete()
    template.delete()
    response = client.post(reverse("admin:registry_person_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = AccessLogEntry.objects.get(action=AccessAction.ADD)
    assert entry.changes["fields"]["fiscal_code"] == {"old": None, "new": fiscal_code}
    assert entry.subject_id == int(entry.object_pk)


def test_delete_is_recorded_with_what_was_removed(client):
    login_staff(client, make_staff("root", superuser=True), purpose="Verifica")
    address = Address.objects.create(
        toponym="Piazza",
        street="Duomo",
        civic_number="1",
        postal_code="20121",
        municipality_name="Milano",
        municipality_istat="015146",
        municipality_belfiore="F205",
    )
    url = reverse("admin:registry_address_delete", args=[address.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Address.objects.exists()
    entry = AccessLogEntry.objects.get(action=AccessAction.DELETE)
    assert entry.object_model == "registry.address" and entry.object_pk == str(address.pk)
    assert entry.changes["fields"]["street"] == {"old": "Duomo", "new": None}


def test_access_log_admin_is_read_only(client, person):
    root = make_staff("root", superuser=True, first_name="Rosa", last_name="Neri")
    login_staff(client, root, purpose="Verifica")
    client.get(person_url(person))
    entry = AccessLogEntry.objects.get()
    assert client.get(reverse("admin:audit_accesslogentry_changelist")).status_code == 200
    log = reverse("admin:audit_accesslogentry_changelist")
    for term in (person.fiscal_code.lower(), "esposito gen", "Rosa Neri"):
        assert [e.pk for e in client.get(log, {"q": term}).context["cl"].result_list] == [entry.pk], term
    assert list(client.get(log, {"q": "bianchi"}).context["cl"].result_list) == []
    assert client.get(reverse("admin:audit_accesslogentry_add")).status_code == 403
    assert client.get(reverse("admin:audit_accesslogentry_delete", args=[entry.pk])).status_code == 403
    view = client.get(reverse("admin:audit_accesslogentry_change", args=[entry.pk]))
    assert view.status_code == 200 and 'name="purpose"' not in view.content.decode()
    client.post(reverse("admin:audit_accesslogentry_change", args=[entry.pk]), {"purpose": "forged"})
    assert AccessLogEntry.objects.get(pk=entry.pk).purpose == "Verifica"


def test_supervisor_reads_the_log(client, person):
    login_staff(client, make_staff("sup", group="Supervisore"), purpose="Verifica")
    assert client.get(reverse("admin:audit_accesslogentry_changelist")).status_code == 200
    assert client.get(person_url(person)).status_code == 200


def test_event_read_concerns_the_person_and_the_spouse(client, clerk):
    from registry.models import EventKind, RegistryEvent

    login_staff(client, clerk, purpose="Verifica")
    bride, groom = make_person(sex="F"), make_person(sex="M")
    event = RegistryEvent.objects.create(
        person=bride, kind=EventKind.MARRIAGE, date=date(2020, 6, 1), related_person=groom
    )
    assert client.get(reverse("admin:registry_registryevent_change", args=[event.pk])).status_code == 200
    assert entries_for_person(bride).get().object_model == "registry.registryevent"
    assert entries_for_person(groom).get().object_pk == str(event.pk)


def test_bulk_delete_records_each_object(client):
    login_staff(client, make_staff("root", superuser=True), purpose="Verifica")
    addresses = [
        Address.objects.create(
            toponym="Via",
            street=street,
            civic_number="2",
            postal_code="20121",
            municipality_name="Milano",
            municipality_istat="015146",
            municipality_belfiore="F205",
        )
        for street in ("Torino", "Manzoni")
    ]
    response = client.post(
        reverse("admin:registry_address_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in addresses], "post": "yes"},
    )
    assert response.status_code == 302 and not Address.objects.exists()
    deleted = AccessLogEntry.objects.filter(action=AccessAction.DELETE)
    assert sorted(deleted.values_list("object_pk", flat=True)) == sorted(str(a.pk) for a in addresses)
    assert verify_chain().ok
