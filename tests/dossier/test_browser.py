"""A resident in Chromium: logs in through the demo SPID provider, visits every section, changes the
contact email (following the link in the email) and the language, files a correction request.

Every page passes axe-core in Italian and in English. The screenshots in docs/screenshots/ are the
layout test's (tests/fascicolo/test_layout.py, ``UPDATE_SCREENSHOTS=1``).
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from fascicolo.dossier import services
from fascicolo.dossier.models import Message, RectificationRequest
from fascicolo.identity.models import ResidentProfile
from tests.conftest import axe_violations
from tests.dossier.factories import make_family
from tests.identity.conftest import demo_provider, demo_signing_key_file  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# Logins go through the demo provider's back channel: allow for a busy shared machine.
NAVIGATION_MS = 20_000
SECTIONS_IT = ["Panoramica", "I miei dati", "La mia famiglia", "Certificati", "Pagamenti", "Messaggi",
               "Accessi ai miei dati", "Richieste di rettifica", "Impostazioni"]  # fmt: skip
SECTIONS_EN = ["Overview", "My data", "My family", "Certificates", "Payments", "Messages", "Access to my data",
               "Correction requests", "Settings"]  # fmt: skip


def menu(page):
    return page.locator("nav#dossier-menu")


def visit_every_section(page, names, shots=None):
    for name in names:
        if not menu(page).is_visible():
            page.get_by_role("button", name=re.compile("Menu")).click()
        link = menu(page).get_by_role("link", name=re.compile(f"^{re.escape(name)}"))
        href = link.get_attribute("href")
        link.click()
        # a shared 2-core machine can be slow: wait for the page itself, not a fixed time
        page.wait_for_url(re.compile(re.escape(href) + "$"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(menu(page).locator('[aria-current="page"]')).to_contain_text(name)  # also when folded
        assert axe_violations(page) == [], (name, page.url)
        if shots is not None:
            shots(name)


def log_in(page, live_server_url, person):
    page.goto(live_server_url + "/area-personale/")
    expect(page).to_have_url(re.compile(r"/accesso/\?next="), timeout=NAVIGATION_MS)
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()
    page.locator("label", has_text=person.fiscal_code).click()
    page.locator("label", has_text="Livello 2").click()
    page.get_by_role("button", name="Accedi", exact=True).click()
    expect(page).to_have_url(live_server_url + "/area-personale/", timeout=NAVIGATION_MS)


def test_resident_walks_the_dossier_in_italian_and_english(browser, demo_provider):  # noqa: F811
    family = make_family()
    head = family["head"]
    services.send_message(recipient_person=head, subject="Benvenuta nell'area personale", body="Ecco i tuoi dati.")
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    url = demo_provider.url

    log_in(page, url, head)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ciao, Giulia")
    visit_every_section(page, SECTIONS_IT)

    # a message, read
    page.goto(url + "/area-personale/messaggi/")
    page.get_by_role("link", name=re.compile("Benvenuta")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benvenuta nell'area personale")
    assert axe_violations(page) == []

    # a correction request
    page.goto(url + "/area-personale/rettifiche/")
    page.get_by_role("link", name="Nuova richiesta").click()
    page.get_by_role("button", name="Invia la richiesta").click()  # empty: errors, nothing written
    expect(page.get_by_role("alert")).to_contain_text("Correggi i campi indicati")
    assert axe_violations(page) == []
    assert not RectificationRequest.objects.exists()
    page.get_by_label("Dato da correggere").select_option("family_name")
    page.get_by_label("Valore corretto").fill("Bianchi Neri")
    page.get_by_label("Note per l'ufficio anagrafe").fill("Doppio cognome dal 2019")
    page.get_by_role("button", name="Invia la richiesta").click()
    expect(page.get_by_text("Richiesta inviata all'ufficio anagrafe.")).to_be_visible()
    expect(page.locator("dd").first).to_have_text("Inviata")
    assert axe_violations(page) == []
    assert RectificationRequest.objects.get().correct_value == "Bianchi Neri"

    # the contact email, verified by the link in the email
    page.goto(url + "/area-personale/impostazioni/")
    page.get_by_label("Nuovo indirizzo email").fill("giulia@example.org")
    page.get_by_role("button", name="Invia il link di conferma").click()
    expect(page.locator("#pending-email")).to_have_text("giulia@example.org")
    (sent,) = mail.outbox
    link = re.search(r"https?://\S+/area-personale/impostazioni/email/\S+/", sent.body).group(0)
    page.goto(url + link[link.index("/area-personale/") :])
    expect(page.locator("#verified-email")).to_contain_text("giulia@example.org")
    head.refresh_from_db()
    assert head.email == "registry@example.org"  # the registry's own record is untouched

    # an app token, then the language
    page.get_by_role("button", name="Crea un token").click()
    expect(page.locator("#new-token")).to_have_text(re.compile(r"^fdc_"))
    assert axe_violations(page) == []
    page.get_by_label("Lingua", exact=True).select_option("en")
    page.get_by_role("button", name="Salva").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    assert ResidentProfile.objects.get(user__resident__fiscal_code=head.fiscal_code).language == "en"
    visit_every_section(page, SECTIONS_EN)
    detail_pages = [
        f"/area-personale/messaggi/{Message.objects.get().pk}/",
        f"/area-personale/rettifiche/{RectificationRequest.objects.get().pk}/",
        "/area-personale/rettifiche/nuova/",
    ]
    for path in detail_pages:
        page.goto(url + path)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert axe_violations(page) == [], path

    # phone width: the menu folds behind a button, every section still reachable by keyboard
    phone = browser.new_context(locale="it-IT", viewport={"width": 360, "height": 780})
    phone.add_cookies(context.cookies())
    small = phone.new_page()
    small.goto(url + "/area-personale/")
    small.context.add_cookies([{"name": "django_language", "value": "it", "url": url}])
    small.goto(url + "/area-personale/")
    assert small.evaluate("document.documentElement.scrollWidth") <= 360

    def shoot(name):
        assert small.evaluate("document.documentElement.scrollWidth") <= 360, name

    visit_every_section(small, SECTIONS_IT, shots=shoot)
    small.goto(url + "/area-personale/")
    small.keyboard.press("Tab")  # the skip link comes first
    expect(small.locator(":focus")).to_have_text("Vai al contenuto principale")
    # the folded menu opens and is walked with the keyboard alone
    small.get_by_role("button", name=re.compile("Menu dell'area personale")).focus()
    small.keyboard.press("Enter")
    expect(menu(small)).to_be_visible()
    small.keyboard.press("Tab")
    expect(small.locator(":focus")).to_have_text(re.compile("Panoramica"))
    small.keyboard.press("Tab")
    small.keyboard.press("Enter")
    expect(small).to_have_url(re.compile(r"/area-personale/dati/$"), timeout=NAVIGATION_MS)
    phone.close()
    context.close()


def test_someone_not_in_the_registry_gets_an_honest_dossier(page, demo_provider):  # noqa: F811
    services.send_message(recipient_fiscal_code="CCCFBA85D03L219P", subject="Avviso di pagamento", body="…")
    url = demo_provider.url
    page.goto(url + "/area-personale/")
    page.get_by_role("link", name=re.compile("Entra con SPID")).click()
    page.get_by_label("Oppure scrivi un codice fiscale").fill("CCCFBA85D03L219P")
    page.locator("label", has_text="Livello 2").click()
    page.get_by_role("button", name="Accedi", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accesso/non-in-anagrafe/"), timeout=NAVIGATION_MS)  # identity explains it
    page.goto(url + "/area-personale/")
    expect(page.get_by_text("Non risulti nell'anagrafe di questo Comune")).to_be_visible()
    assert axe_violations(page) == []
    expect(menu(page).get_by_role("link")).to_have_text(
        [re.compile(r"^\s*Panoramica"), re.compile(r"^\s*Pagamenti"), re.compile(r"^\s*Messaggi\s+1 non letto\s*$"),
         re.compile(r"^\s*Impostazioni")]
    )  # fmt: skip
    page.goto(url + "/area-personale/dati/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Non risulti nell'anagrafe di questo Comune")
    assert axe_violations(page) == []
    menu(page).get_by_role("link", name=re.compile("^Messaggi")).click()
    expect(page.get_by_role("link", name=re.compile("Avviso di pagamento"))).to_be_visible()
