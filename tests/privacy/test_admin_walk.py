"""Every admin URL of the resolver, as a clerk of each group: a page that shows a person has a matching
access-log entry, with the purpose; without a purpose, lists, filters and autocompletes ask for one
first (issue 12)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fascicolo.audit.models import AccessAction, AccessLogEntry
from fascicolo.groups import REGISTRY_OFFICE, REVENUE_OFFICE, SUPERVISOR
from tests.admin_walk import make_world, urls_to_visit
from tests.audit.staff import login_staff, make_staff
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db

PURPOSE = "Verifica della qualità dei dati"
# The access log's own pages: reading the log is not a read of the register (it is kept for the
# residents and the data protection officer, and supervisors read it to check the clerks).
NOT_PERSONAL = {"audit_accesslogentry"}


@pytest.fixture
def world():
    return make_world()


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
    for url in urls_to_visit(world[0], skipped_models=NOT_PERSONAL):
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
