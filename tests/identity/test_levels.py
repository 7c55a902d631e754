from datetime import date

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from fascicolo.identity.decorators import require_loa
from fascicolo.identity.loa import LoA
from fascicolo.identity.services import person_for_user
from registry.models import FiscalCodeAlias, Person
from registry.selectors import person_by_fiscal_code
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db


def make_person(fiscal_code="RSSMRA80A01H501U"):
    return Person.objects.create(
        fiscal_code=fiscal_code, given_name="Mario", family_name="Rossi", sex="M",
        birth_date=date(1980, 1, 1), birth_place="Roma", birth_place_code="H501",
    )  # fmt: skip


@require_loa(LoA.L2)
def protected(request):
    return HttpResponse("ok")


def _request(client, path="/area/"):
    request = RequestFactory().get(path)
    request.session = client.session
    from django.contrib.auth import get_user

    request.user = get_user(request)
    return request


def test_levels_are_ordered_and_map_to_acr():
    assert LoA.L1 < LoA.L2 < LoA.L3
    assert LoA.from_acr("https://www.spid.gov.it/SpidL2") is LoA.L2
    assert LoA.from_acr("http://eidas.europa.eu/LoA/high") is LoA.L3
    with pytest.raises(ValueError):
        LoA.from_acr("https://www.spid.gov.it/SpidL9")


def test_anonymous_goes_to_login_and_low_level_goes_to_step_up(client):
    response = protected(_request(client))
    assert response.status_code == 302 and response["Location"].startswith("/accesso/?next=%2Farea%2F")

    login_resident(client, make_person(), level=LoA.L1)
    response = protected(_request(client))
    assert response.status_code == 302 and response["Location"].startswith("/accesso/livello/")

    login_resident(client, Person.objects.get(), level=LoA.L2)
    assert protected(_request(client)).content == b"ok"


def test_identity_matches_registry_also_through_an_old_omocodic_code(client):
    person = make_person()
    FiscalCodeAlias.objects.create(person=person, fiscal_code="RSSMRA80A01H50MM", replaced_on=date(2001, 1, 1))
    assert person_by_fiscal_code("RSSMRA80A01H50MM") == person
    user = login_resident(client, "RSSMRA80A01H50MM")
    assert person_for_user(user) == person


def test_someone_not_in_the_registry_still_gets_an_account(client):
    user = login_resident(client, "CCCFBA85D03L219P")
    assert person_for_user(user) is None
    assert user.resident.fiscal_code == "CCCFBA85D03L219P"
