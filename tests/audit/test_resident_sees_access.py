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
