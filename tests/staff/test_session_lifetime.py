"""Sessions end after their idle and absolute limits; activity is recorded cheaply (issue 3).

The tests move the timestamps stored in the session back instead of waiting.
"""

import pytest
from django.contrib.sessions.models import Session

from fascicolo.security import session_clock
from fascicolo.security.session_clock import LAST_ACTIVITY_KEY, LOGIN_AT_KEY
from tests.helpers import login_resident
from tests.staff.conftest import password_login, second_factor, totp_code

FISCAL_CODE = "RSSMRA80A01F205X"


def shift(client, **seconds_ago):
    """Store the session's clocks as if the login / last activity happened that long ago."""
    session = client.session
    now = session_clock.now()
    if "login" in seconds_ago:
        session[LOGIN_AT_KEY] = now - seconds_ago["login"]
    if "activity" in seconds_ago:
        session[LAST_ACTIVITY_KEY] = now - seconds_ago["activity"]
    session.save()


def stored(client, key):
    return Session.objects.get(session_key=client.session.session_key).get_decoded()[key]


@pytest.fixture
def resident(client, db):
    return login_resident(client, FISCAL_CODE)


def test_login_starts_both_clocks(client, resident):
    assert client.session[LOGIN_AT_KEY] == client.session[LAST_ACTIVITY_KEY]


def test_an_idle_resident_session_ends_on_the_login_page_with_a_message(client, resident, settings):
    shift(client, activity=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get("/?x=1")
    assert response.status_code == 302
    assert response["Location"] == "/accesso/?next=%2F%3Fx%3D1"
    assert "_auth_user_id" not in client.session

    page = client.get(response["Location"])
    assert "La sessione è scaduta dopo 15 minuti di inattività" in page.text


def test_a_resident_session_ends_after_its_absolute_lifetime_despite_activity(client, resident, settings):
    shift(client, login=settings.SESSION_ABSOLUTE_TIMEOUT + 1, activity=5)
    response = client.get("/")
    assert response["Location"].startswith("/accesso/")
    assert "_auth_user_id" not in client.session
    assert "durata massima di 8 ore" in client.get(response["Location"]).text


def test_limits_are_settings(client, resident, settings):
    settings.SESSION_IDLE_TIMEOUT = 300
    shift(client, activity=301)
    assert client.get("/").status_code == 302


def test_activity_is_written_at_most_once_a_minute(client, resident):
    shift(client, activity=30)
    before = stored(client, LAST_ACTIVITY_KEY)
    assert client.get("/").status_code == 200
    assert stored(client, LAST_ACTIVITY_KEY) == before  # no session write for this request

    shift(client, activity=61)
    before = stored(client, LAST_ACTIVITY_KEY)
    assert client.get("/").status_code == 200
    assert stored(client, LAST_ACTIVITY_KEY) > before


def test_pages_carry_the_warning_markup(client, resident):
    text = client.get("/").text
    assert 'id="session-timeout"' in text
    assert 'role="alertdialog"' in text
    assert 'aria-live="assertive"' in text
    assert "Resta collegato" in text
    assert 'action="/sessione/rinnova/"' in text


def test_keep_alive_restarts_the_idle_clock_but_not_the_absolute_one(client, resident):
    shift(client, login=3600, activity=600)
    login_at = stored(client, LOGIN_AT_KEY)
    before = session_clock.now()

    response = client.post("/sessione/rinnova/", headers={"accept": "application/json"})
    assert response.status_code == 200
    assert stored(client, LAST_ACTIVITY_KEY) >= before
    assert stored(client, LOGIN_AT_KEY) == login_at
    body = response.json()
    assert body["absolute_remaining"] < body["idle_remaining"] + 8 * 3600
    assert "no-store" in response["Cache-Control"]


def test_keep_alive_without_javascript_goes_back_to_the_page(client, resident):
    response = client.post("/sessione/rinnova/", {"next": "/accessibilita/"})
    assert response["Location"] == "/accessibilita/"
    response = client.post("/sessione/rinnova/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_keep_alive_on_an_expired_session_says_so(client, resident, settings):
    shift(client, activity=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.post("/sessione/rinnova/", headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["expired"] == "idle"
    assert "_auth_user_id" not in client.session


def test_keep_alive_needs_a_session(client, db):
    assert client.post("/sessione/rinnova/", headers={"accept": "application/json"}).status_code == 401


def test_clerks_have_their_own_limits(client, enrolled_clerk, settings):
    settings.SESSION_IDLE_TIMEOUT = 900
    settings.STAFF_SESSION_IDLE_TIMEOUT = 1800
    user, secret, _ = enrolled_clerk
    password_login(client, user.username)
    second_factor(client, totp_code(secret))
    assert client.get("/admin/").status_code == 200

    shift(client, activity=1200)  # past a resident's limit, within a clerk's
    admin_page = client.get("/admin/")
    assert admin_page.status_code == 200
    assert 'id="session-timeout"' in admin_page.text  # the admin warns too

    shift(client, activity=1801)
    response = client.get("/admin/")
    assert response["Location"] == "/personale/login/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session
    assert "dopo 30 minuti di inattività" in client.get(response["Location"]).text


def test_the_expiry_message_speaks_english_second(client, resident, settings):
    shift(client, activity=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get("/", headers={"accept-language": "en"}, follow=True)
    assert "Your session expired after 15 minutes of inactivity." in response.text
