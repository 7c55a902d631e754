import pytest
from django.urls import reverse

from fascicolo.identity.loa import LoA
from fascicolo.sections import all_sections
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db

SECTION_URLS = [
    "dossier:overview", "dossier:my_data", "dossier:family", "certificates:index", "payments:index",
    "dossier:messages", "dossier:access_log", "dossier:rectifications", "dossier:rectification_new",
    "dossier:settings",
]  # fmt: skip


@pytest.mark.parametrize("name", SECTION_URLS)
def test_every_section_answers_the_resident(client, family, name):
    login_resident(client, family["head"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    # the menu lists every section, the current one marked for assistive technology
    for section in all_sections():
        assert f'href="{section.url()}"' in html
    assert 'aria-current="page"' in html


def test_anonymous_goes_to_login_and_level_one_to_step_up(client, family):
    response = client.get(reverse("dossier:my_data"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("identity:login"))
    login_resident(client, family["head"], level=LoA.L1)
    response = client.get(reverse("dossier:my_data"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("identity:step_up"))


def test_my_data_shows_registry_record_documents_and_residence_history(client, family):
    head = family["head"]
    login_resident(client, head)
    html = client.get(reverse("dossier:my_data")).content.decode()
    assert head.fiscal_code in html and head.given_name in html and head.family_name in html
    assert "Carta d&#x27;identità elettronica" in html or "Carta d'identità elettronica" in html
    assert str(family["household"].address.street) in html
    assert "Immigrazione" in html


def test_family_page_lists_members_and_whom_the_resident_may_act_for(client, family):
    login_resident(client, family["head"])
    html = client.get(reverse("dossier:family")).content.decode()
    for key in ("head", "spouse", "minor", "adult_child"):
        assert family[key].given_name in html
    assert html.count(">Sì<") == 2  # herself and the minor child


def test_not_in_registry_resident_sees_an_honest_page_and_only_messages_and_payments(client, db):
    login_resident(client, "CCCFBA85D03L219P")
    html = client.get(reverse("dossier:overview")).content.decode()
    assert "Non risulti nell" in html
    assert reverse("dossier:messages") in html and reverse("payments:index") in html
    assert reverse("dossier:my_data") not in html and reverse("dossier:family") not in html
    response = client.get(reverse("dossier:my_data"))
    assert response.status_code == 200 and "CCCFBA85D03L219P" in response.content.decode()
    assert client.get(reverse("dossier:messages")).status_code == 200


def test_pages_in_english(client, family):
    login_resident(client, family["head"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("dossier:overview")).content.decode()
    assert '<html lang="en">' in html
    assert "My data" in html and "Access to my data" in html
