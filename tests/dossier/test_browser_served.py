"""The dossier walk with axe-core against the two configurations people actually run, each served
by its own processes: `make run`'s demo (DEBUG=1 DEMO_MODE=1: the demo banner, the demo SPID
provider) through gunicorn, and production (DEBUG=0, `make static`) through gunicorn behind nginx.

The resident's walk of test_browser.py runs in the test process's live server with the suite's
settings; here the same sections are visited in the served ones, with the public pages and an
error page. Any axe violation or Content-Security-Policy violation fails.
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.dossier.factories import make_family
from tests.dossier.test_browser import SECTIONS_IT, log_in, visit_every_section
from tests.helpers import login_resident
from tests.production import ServedPortal, demo_server_env, production_server_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PUBLIC_PAGES = ["/", "/accesso/", "/accessibilita/"]
# With DEBUG on (the demo) Django shows its technical 404 page instead of the portal's.
ERROR_PAGE = "/pagina-che-non-esiste/"


@pytest.fixture(params=["demo", "production"])
def served(request, tmp_path, transactional_db):
    if request.param == "demo":
        portal = ServedPortal(tmp_path, demo_server_env(tmp_path), nginx=False)
    else:
        static_root = request.getfixturevalue("production_static_root")
        portal = ServedPortal(tmp_path, production_server_env(tmp_path, static_root))
    portal.kind = request.param
    with portal:
        yield portal


def test_public_pages_and_the_dossier_pass_axe_in_the_served_configurations(browser, served):
    head = make_family()["head"]
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900}, ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(20_000)

    for path in PUBLIC_PAGES + ([ERROR_PAGE] if served.kind == "production" else []):
        page.goto(served.url + path)
        expect(page.locator("footer")).to_be_visible()
        if served.kind == "demo":
            expect(page.locator(".demo-banner")).to_be_visible()
        else:
            expect(page.locator(".demo-banner")).to_have_count(0)
        assert axe_violations(page) == [], (served.kind, path)

    if served.kind == "demo":
        log_in(page, served.url, head)  # through the demo SPID provider, as a visitor of the demo does
    else:
        # Production has no demo provider: the session a strong login leaves, for the secure cookie.
        client = Client()
        login_resident(client, head)
        value = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": served.url,
                              "secure": True, "httpOnly": True, "sameSite": "Lax"}])  # fmt: skip
        page.goto(served.url + "/area-personale/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Ciao"))
    visit_every_section(page, SECTIONS_IT)
    context.close()
