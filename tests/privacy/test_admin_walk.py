"""Every admin URL of the resolver, as a clerk of each group: a page that shows a person has a matching
access-log entry, with the purpose; without a purpose, lists, filters and autocompletes ask for one
first (issue 12)."""

from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from fascicolo.audit.models import AccessAction, AccessLogEntry
from fascicolo.dossier.services import send_message
from fascicolo.groups import REGISTRY_OFFICE, REVENUE_OFFICE, SUPERVISOR
from fascicolo.identity.backends.base import VerifiedIdentity
from fascicolo.identity.loa import LoA
from fascicolo.identity.models import LoginEvent, LoginOutcome
from fascicolo.identity.services import account_for_identity
from fascicolo.identity.tokens import create_api_token
from payments import attempts
from registry.certificates.models import Certificate, StampExemption
from registry.models import EventKind, Relationship
from tests.audit.people import make_person
from tests.audit.staff import login_staff, make_staff
from tests.dossier.factories import make_household, years_ago
from tests.helpers import login_resident
from tests.payments.factories import make_position

pytestmark = pytest.mark.django_db

PURPOSE = "Verifica della qualità dei dati"
# The access log's own pages: reading the log is not a read of the register (it is kept for the
# residents and the data protection officer, and supervisors read it to check the clerks).
NOT_PERSONAL = {"audit_accesslogentry"}
SKIPPED_VIEWS = {"logout", "autocomplete"}  # autocomplete: visited below with its parameters


@pytest.fixture
def world():
    """One resident with something in every app, named so that a page showing them is easy to spot."""
    person = make_person(family_name="Kappavisto", given_name="Ilaria", sex="F", birth_date=years_ago(40))
    child = make_person(family_name="Kappavisto", given_name="Tommaso", sex="M", birth_date=years_ago(9))
    make_household([(person, Relationship.HEAD), (child, Relationship.CHILD)])
    person.events.create(kind=EventKind.ADDRESS_CHANGE, date=date(2020, 1, 1))
    identity = VerifiedIdentity(person.fiscal_code, "Ilaria", "Kappavisto", person.birth_date, LoA.L2, "spid-demo", "s")
    user = account_for_identity(identity)
    Certificate.objects.create(kind="residenza", holder=person, requested_by=user,
                               exemption=StampExemption.SEPARATION, stamp_duty_cents=0)  # fmt: skip
    position = make_position(fiscal_code=person.fiscal_code, name="Ilaria Kappavisto")
    attempts.create_attempt([position.options.get()], person.fiscal_code)
    LoginEvent.objects.create(user=user, fiscal_code=person.fiscal_code, backend="spid-demo", level=2,
                              outcome=LoginOutcome.LOGIN)  # fmt: skip
    create_api_token(user, name="Telefono", loa=LoA.L2)
    send_message(recipient_person=person, subject="Avviso", body="Testo")
    person.rectification_requests.create(requested_by=user, datum="address", correct_value="Via Nuova 1")
    return [person, child]


def admin_patterns():
    """(name, pattern) of every URL the admin site serves, walked from the project's resolver."""
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "admin" and pattern.name:
                found.append((pattern.name, pattern))

    walk(get_resolver().url_patterns, None)
    return found


def urls_to_visit(person):
    """The admin's URLs filled in with this person's objects, plus searches and autocompletes."""
    urls = []
    models = {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}
    for name, pattern in admin_patterns():
        if name in SKIPPED_VIEWS:
            continue
        prefix = next((key for key in models if name.startswith(key + "_")), None)
        params = set(pattern.pattern.regex.groupindex)
        if prefix in NOT_PERSONAL:
            continue
        if not params:
            urls.append(reverse(f"admin:{name}"))
            if name.endswith("_changelist"):
                # Typed in lower case: the search box echoes it, the results show it in capitals.
                urls.append(reverse(f"admin:{name}") + f"?q={person.fiscal_code.lower()}")
                urls.append(reverse(f"admin:{name}") + "?q=kappavisto")
        elif params == {"object_id"} and prefix:
            obj = models[prefix].objects.order_by("-pk").first()
            if obj is not None:
                urls.append(reverse(f"admin:{name}", args=[obj.pk]))
        elif params == {"app_label"}:
            urls.extend(
                reverse(f"admin:{name}", args=[label]) for label in {m._meta.app_label for m in models.values()}
            )
    for source, model_admin in admin.site._registry.items():
        for field in model_admin.autocomplete_fields:
            query = f"term=kappavisto&app_label={source._meta.app_label}&model_name={source._meta.model_name}"
            urls.append(reverse("admin:autocomplete") + f"?{query}&field_name={field}")
    # A filter clerks use to list people by age (the probe of issue 12).
    urls.append(reverse("admin:registry_person_changelist") + "?age=minor")
    return urls


def people_shown(response, people):
    """The people whose codice fiscale the page shows; all of them when only their surname shows."""
    text = response.content.decode(errors="replace")
    by_code = {person.pk for person in people if person.fiscal_code in text}
    if not by_code and any(person.family_name in text for person in people):
        return None  # someone of the family, by name: any of them will do
    return by_code


@pytest.mark.parametrize("group", [REGISTRY_OFFICE, REVENUE_OFFICE, SUPERVISOR])
def test_every_admin_page_showing_a_person_is_logged_with_its_purpose(client, world, group):
    clerk = make_staff(f"clerk-{group[:6].lower()}", group=group)
    login_staff(client, clerk, purpose=PURPOSE)
    visited = showing = 0
    for url in urls_to_visit(world[0]):
        before = AccessLogEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        response = client.get(url)
        visited += 1
        shown = people_shown(response, world)
        if response.status_code != 200 or shown == set():
            continue
        showing += 1
        written = AccessLogEntry.objects.filter(sequence__gt=before)
        logged = set(written.values_list("subject_id", flat=True))
        if shown is None:
            assert logged & {p.pk for p in world}, f"{group}: {url} shows the family but logs nothing"
        else:
            assert shown <= logged, f"{group}: {url} shows {shown} but logs {logged}"
        assert set(written.values_list("purpose", flat=True)) == {PURPOSE}, url
        assert set(written.values_list("actor_id", flat=True)) == {clerk.pk}, url
    assert visited > 40 and showing > 3, (visited, showing)


def test_lists_filters_and_autocomplete_ask_for_the_purpose_first(client, world):
    clerk = make_staff("senza-motivo", group=REGISTRY_OFFICE)
    login_staff(client, clerk)
    purpose_url = reverse("admin:audit_purpose")
    for url in (
        reverse("admin:registry_person_changelist") + "?age=minor",
        reverse("admin:certificates_certificate_changelist"),
        reverse("admin:dossier_message_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(purpose_url), url
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"term": "kappavisto", "app_label": "registry", "model_name": "person", "field_name": "spouse"},
    )
    assert autocomplete.status_code == 403
    assert not AccessLogEntry.objects.exists()


def test_a_write_without_a_purpose_is_not_carried_out(client, world):
    person = world[0]
    clerk = make_staff("scrive", group=REGISTRY_OFFICE)
    login_staff(client, clerk)
    url = reverse("admin:registry_person_change", args=[person.pk])
    response = client.post(url, {"family_name": "Cambiato"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:audit_purpose"))
    person.refresh_from_db()
    assert person.family_name == "Kappavisto" and not AccessLogEntry.objects.exists()


def test_a_filtered_list_says_what_was_asked_and_whom_it_showed(client, world):
    clerk = make_staff("filtri", group=REGISTRY_OFFICE)
    login_staff(client, clerk, purpose=PURPOSE)
    client.get(reverse("admin:registry_person_changelist"), {"age": "minor"})
    entry = AccessLogEntry.objects.get()
    child = world[1]
    assert (entry.subject_id, entry.action, entry.purpose) == (child.pk, AccessAction.VIEW, PURPOSE)
    assert entry.object_description == "Persone — filtri: age=minor"
    assert timezone.now() - entry.timestamp < timedelta(minutes=5)


def test_the_resident_reads_who_looked_why_and_what_and_their_logins_by_provider_name(client, world):
    person = world[0]
    clerk = make_staff("lettore", group=REGISTRY_OFFICE, first_name="Anna", last_name="Verdi")
    staff_client = client.__class__()
    login_staff(staff_client, clerk, purpose=PURPOSE)
    staff_client.get(reverse("admin:registry_person_changelist"), {"q": "kappavisto"})
    staff_client.get(reverse("admin:certificates_certificate_changelist"))

    login_resident(client, person)
    page = client.get("/area-personale/accessi/").content.decode()
    assert "Anna Verdi" in page and PURPOSE in page
    assert "Persone — ricerca «kappavisto»" in page and "Certificati — elenco" in page
    assert "Motivo —" not in page
    assert "SPID" in page and "spid-demo" not in page
