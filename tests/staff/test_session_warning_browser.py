"""The session-expiry warning in a real browser: shown before the idle limit, announced, keyboard
reachable, axe-clean, and "Resta collegato" extends the session on the server.

The page's clock is Playwright's fake clock, fast-forwarded: nothing waits for real minutes.
"""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from fascicolo.security import session_clock
from fascicolo.security.session_clock import LAST_ACTIVITY_KEY
from tests.conftest import axe_violations
from tests.helpers import login_resident

pytestmark = pytest.mark.browser


def stored_last_activity(session_key):
    return Session.objects.get(session_key=session_key).get_decoded()[LAST_ACTIVITY_KEY]


@pytest.fixture
def resident_page(page, live_server, settings):
    client = Client()
    login_resident(client, "RSSMRA80A01F205X")
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}])
    page.clock.install()
    page.goto(f"{live_server.url}/accessibilita/")
    return page, session_key


def test_the_warning_appears_before_the_idle_limit_and_keep_alive_extends_the_session(resident_page, settings):
    page, session_key = resident_page
    warning = page.locator("#session-timeout")
    assert warning.is_hidden()

    page.clock.fast_forward((settings.SESSION_IDLE_TIMEOUT - settings.SESSION_TIMEOUT_WARNING + 5) * 1000)
    warning.wait_for(state="visible")
    button = page.get_by_role("button", name="Resta collegato")
    assert button.evaluate("element => element === document.activeElement")
    assert page.locator("#session-timeout-live").text_content().startswith("Per inattività la sessione scadrà tra")
    assert page.get_by_role("alertdialog", name="La sessione sta per scadere").is_visible()
    assert axe_violations(page) == []

    # Make the server's record old, so that the renewal is visible in the database.
    session = Session.objects.get(session_key=session_key)
    data = session.get_decoded()
    data[LAST_ACTIVITY_KEY] = session_clock.now() - 600
    Session.objects.filter(session_key=session_key).update(session_data=Session.objects.encode(data))
    before = session_clock.now()

    page.keyboard.press("Enter")  # the focused "Resta collegato"
    warning.wait_for(state="hidden")
    page.wait_for_function("document.getElementById('session-timeout-live').textContent === 'Sessione rinnovata.'")
    assert stored_last_activity(session_key) >= before


def test_the_clerks_login_and_enrolment_pages_are_axe_clean(page, live_server, transactional_db, settings):
    from tests.staff.conftest import make_clerk, open_enrolment, password_login

    page.goto(f"{live_server.url}/personale/login/")
    assert page.get_by_role("heading", name="Accesso del personale").is_visible()
    assert axe_violations(page) == []

    client = Client()
    password_login(client, make_clerk().username)
    open_enrolment(client)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}])
    page.goto(f"{live_server.url}/admin/")
    assert page.url.endswith("/personale/2fa/totp/activate/")
    assert page.get_by_role("img", name="Codice QR da inquadrare con l'app di autenticazione").is_visible()
    assert axe_violations(page) == []
