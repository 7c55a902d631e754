"""The area personale's sections come from the apps that own them (``fascicolo.sections``): the
shell draws one menu, with the unread badge, around every section's pages, whichever app renders
them, and keeps residents who are not in the registry out of the sections that need a record."""

import pytest
from django.urls import reverse

from fascicolo.dossier import services
from fascicolo.sections import all_sections
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db

NOT_IN_REGISTRY_CF = "CCCFBA85D03L219P"


def test_each_app_registers_its_sections_in_menu_order():
    assert [section.key for section in all_sections()] == [
        "overview", "my_data", "family", "certificates", "payments", "messages", "access_log", "rectifications",
        "settings",
    ]  # fmt: skip
    owners = {section.key: section.url_name.split(":")[0] for section in all_sections()}
    assert (owners["certificates"], owners["payments"], owners["messages"]) == ("certificates", "payments", "dossier")


@pytest.mark.parametrize("name", ["dossier:overview", "certificates:index", "payments:index"])
def test_every_section_page_has_the_menu_with_the_unread_badge(client, family, name):
    head = family["head"]
    services.send_message(recipient_person=head, subject="Avviso", body="Testo")
    services.send_message(recipient_person=head, subject="Secondo avviso", body="Testo")
    login_resident(client, head)
    html = client.get(reverse(name)).content.decode()
    assert 'id="dossier-menu"' in html
    assert '<span class="badge bg-primary text-white ms-2">2<span class="visually-hidden">' in html
    assert f'href="{reverse(name)}" aria-current="page"' in html


def test_a_section_that_needs_a_registry_record_explains_itself_to_non_residents(client):
    login_resident(client, NOT_IN_REGISTRY_CF)
    certificates = client.get(reverse("certificates:index"))
    assert certificates.status_code == 200
    assert "Non risulti nell'anagrafe di questo Comune" in certificates.content.decode()
    payments = client.get(reverse("payments:index")).content.decode()
    assert "Non risulti nell'anagrafe" not in payments
    assert f'href="{reverse("certificates:index")}"' not in payments  # not in their menu either
