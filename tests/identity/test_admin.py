"""Clerks may read residents' login history in the admin, never change it, and each read is logged."""

import pytest

from fascicolo.audit.models import AccessLogEntry
from fascicolo.identity.models import LoginEvent, LoginOutcome
from tests.audit.staff import login_staff, make_staff
from tests.helpers import login_resident

from .conftest import make_person

pytestmark = pytest.mark.django_db


def test_login_history_is_read_only_and_reads_are_logged(client):
    person = make_person()
    user = login_resident(client, person)
    event = LoginEvent.objects.create(user=user, fiscal_code=person.fiscal_code, outcome=LoginOutcome.LOGIN, level=2)
    login_staff(client, make_staff("root", superuser=True), purpose="Verifica di un accesso contestato")

    listing = client.get("/admin/identity/loginevent/", {"q": person.fiscal_code})
    assert listing.status_code == 200 and person.fiscal_code in listing.content.decode()
    assert b"/admin/identity/loginevent/add/" not in listing.content

    page = client.get(f"/admin/identity/loginevent/{event.pk}/change/")
    assert page.status_code == 200
    assert AccessLogEntry.objects.filter(subject=person, action="view").exists()
    assert client.post(f"/admin/identity/loginevent/{event.pk}/delete/").status_code == 403
