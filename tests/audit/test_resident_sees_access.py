"""Issue 4's acceptance, end to end: a clerk opens a resident in the admin, the resident sees it."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.audit.people import make_person
from tests.audit.staff import login_staff, make_staff
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db


def test_clerk_reading_appears_in_the_residents_access_log(client):
    resident = make_person(family_name="Lombardi", given_name="Giulia", sex="F")
    stranger = make_person(family_name="Galli", given_name="Piero", sex="M")

    clerk_client = Client()
    clerk = make_staff("g.russo", group="Ufficio anagrafe", first_name="Giorgio", last_name="Russo")
    login_staff(clerk_client, clerk)
    opened = clerk_client.get(reverse("admin:registry_person_change", args=[resident.pk]), follow=True)
    purpose_url = opened.redirect_chain[-1][0]
    clerk_client.post(purpose_url, {"reason": "public_body", "details": "Questura, prot. 77"})
    assert clerk_client.get(reverse("admin:registry_person_change", args=[resident.pk])).status_code == 200

    login_resident(client, resident)
    page = client.get(reverse("dossier:access_log")).content.decode()
    assert "Giorgio Russo" in page and "Ufficio anagrafe" in page
    assert "Questura, prot. 77" in page

    other = Client()
    login_resident(other, stranger)
    assert "Giorgio Russo" not in other.get(reverse("dossier:access_log")).content.decode()


def test_each_access_reads_as_a_sentence_with_its_purpose_in_plain_words(client):
    from fascicolo.audit.models import AccessAction
    from fascicolo.audit.services import record_access
    from registry.models import Person

    resident = make_person(family_name="Lombardi", given_name="Giulia", sex="F")
    clerk = make_staff("g.russo", group="Ufficio anagrafe", first_name="Giorgio", last_name="Russo")
    record_access(
        actor=clerk, subject=resident, action=AccessAction.VIEW, obj=resident,
        purpose="Rilascio di un certificato o di un'attestazione: pratica 12",
    )  # fmt: skip
    record_access(actor=clerk, subject=resident, action=AccessAction.SEARCH, obj=Person, description="ricerca «lomb»")

    login_resident(client, resident)
    page = client.get(reverse("dossier:access_log")).content.decode()
    assert "Ufficio anagrafe (Giorgio Russo) ha consultato Persona: " in page
    assert "Motivo: Rilascio di un certificato o di un&#x27;attestazione: pratica 12." in page
    assert "Ufficio anagrafe (Giorgio Russo) ha cercato Persone — ricerca «lomb»." in page
    assert "Nessun motivo è stato registrato per questo accesso." in page
    assert "Motivo —" not in page and "—</td>" not in page

    client.cookies["django_language"] = "en"
    english = client.get(reverse("dossier:access_log")).content.decode()
    assert "Ufficio anagrafe (Giorgio Russo) viewed Person: " in english
    assert "Purpose: Issuing a certificate or an attestation: pratica 12." in english
    assert "No purpose was recorded for this access." in english
    api = client.get("/api/v1/access-log/", headers={"accept-language": "en"})
    assert api.status_code == 200, api.content
