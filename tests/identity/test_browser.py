"""What a resident does in a browser: log in with the demo SPID provider, step up, log out.

Headless Chromium against the live server; the portal's back channel (token, userinfo, JWKS) goes to
the demo provider over real HTTP.
"""

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from fascicolo.identity.loa import SESSION_LOA_KEY
from fascicolo.identity.models import LoginEvent, LoginOutcome
from tests.conftest import axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def session_of(page):
    key = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "sessionid")
    return key, SessionStore(session_key=key)


def pick_at_demo_provider(page, person, level):
    expect(page.get_by_role("heading", name="Gestore di identità dimostrativo")).to_be_visible()
    # Bootstrap Italia draws its radios on the label, which is what a person clicks.
    page.locator("label", has_text=person.fiscal_code).click()
    page.locator("label", has_text=f"Livello {level}").click()
    expect(page.get_by_label(person.fiscal_code)).to_be_checked()
    expect(page.get_by_label(f"Livello {level}")).to_be_checked()
    page.get_by_role("button", name="Accedi", exact=True).click()


def test_home_to_spid_to_dossier_and_logout(page, demo_provider, resident):
    page.goto(demo_provider.url + "/")
    page.get_by_role("link", name="Accedi all'area personale").click()
    expect(page).to_have_url(re.compile(r"/accesso/$"))
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()

    expect(page).to_have_url(re.compile(r"/demo-idp/authorize\?"))
    assert axe_violations(page) == []
    pick_at_demo_provider(page, resident, 2)

    expect(page.get_by_role("banner")).to_contain_text("Mario Rossi")
    key, session = session_of(page)
    assert session[SESSION_LOA_KEY] == 2
    assert str(resident.accounts.get().user_id) == session["_auth_user_id"]

    with page.expect_response(lambda response: "/accesso/esci/" in response.url) as logout:
        page.get_by_role("button", name="Esci").click()
    assert logout.value.all_headers()["clear-site-data"] == '"cache", "cookies", "storage"'
    expect(page.get_by_role("link", name="Accedi all'area personale")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Sei uscito dall'area personale.")
    assert not Session.objects.filter(session_key=key).exists()
    assert [event.outcome for event in LoginEvent.objects.order_by("pk")] == [LoginOutcome.LOGIN, LoginOutcome.LOGOUT]


def test_step_up_from_l1_to_l2_returns_to_the_page(page, demo_provider, resident, settings):
    settings.ROOT_URLCONF = "tests.identity.urls"
    page.goto(demo_provider.url + "/accesso/?level=1")
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()
    pick_at_demo_provider(page, resident, 1)
    expect(page.get_by_role("banner")).to_contain_text("Mario Rossi")
    assert session_of(page)[1][SESSION_LOA_KEY] == 1

    page.goto(demo_provider.url + "/protetta/")
    expect(page.get_by_role("heading", name="Serve un livello di sicurezza più alto")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()
    expect(page.get_by_label("Livello 2")).to_be_checked()  # the provider preselects the requested level
    pick_at_demo_provider(page, resident, 2)

    expect(page).to_have_url(demo_provider.url + "/protetta/")
    expect(page.get_by_role("heading", name="Pagina protetta")).to_be_visible()
    assert session_of(page)[1][SESSION_LOA_KEY] == 2
    assert LoginEvent.objects.filter(outcome=LoginOutcome.STEP_UP, level=2).count() == 1


def test_not_in_registry_and_failure_pages_are_accessible(page, demo_provider, settings):
    page.goto(demo_provider.url + "/accesso/")
    page.get_by_role("link", name=re.compile("Entra con CIE")).click()
    page.get_by_label("Oppure scrivi un codice fiscale").fill("CCCFBA85D03L219P")
    page.get_by_role("button", name="Accedi", exact=True).click()
    expect(page.get_by_role("heading", name="Non risulti nell'anagrafe del Comune")).to_be_visible()
    expect(page.get_by_role("link", name="Vai ai tuoi pagamenti")).to_have_attribute(
        "href", "/area-personale/pagamenti/"
    )
    assert axe_violations(page) == []

    page.get_by_role("button", name="Esci").click()
    settings.DEMO_IDP_FAULTS = {"wrong_nonce"}
    page.goto(demo_provider.url + "/accesso/")
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()
    page.get_by_label("Oppure scrivi un codice fiscale").fill("CCCFBA85D03L219P")
    page.get_by_role("button", name="Accedi", exact=True).click()
    expect(page.get_by_role("heading", name="Accesso non riuscito")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("non è destinata a questo portale")
    assert axe_violations(page) == []


def test_demo_provider_explains_a_malformed_code(page, demo_provider):
    page.goto(demo_provider.url + "/accesso/")
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()
    page.get_by_label("Oppure scrivi un codice fiscale").fill("RSSMRA80A01H501X")
    page.get_by_role("button", name="Accedi", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("carattere di controllo")
    expect(page.get_by_label("Oppure scrivi un codice fiscale")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
