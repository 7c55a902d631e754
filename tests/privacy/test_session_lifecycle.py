"""Session and token lifecycle (issue 12): a new session id at every authentication event, app
tokens revoked at logout, allauth's account pages closed to residents."""

from datetime import date

import pytest
import requests
from django.contrib.sessions.models import Session
from django.test import Client

from fascicolo.identity.loa import LoA
from fascicolo.identity.tokens import create_api_token
from registry.models import Person
from tests.helpers import login_resident
from tests.identity.conftest import Flow
from tests.staff.conftest import (
    PASSWORD,
    make_clerk,
    open_enrolment,
    password_login,
    second_factor,
    totp_code,
)


def make_person(fiscal_code="RSSMRA80A01H501U"):
    return Person.objects.create(
        fiscal_code=fiscal_code, given_name="Mario", family_name="Rossi", sex="M",
        birth_date=date(1980, 1, 1), birth_place="Roma", birth_place_code="H501",
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_stepping_up_from_level_1_to_level_2_gives_a_new_session_id(demo_provider):
    resident = make_person()
    flow = Flow(demo_provider.url, requests.Session())
    flow.login(fiscal_code=resident.fiscal_code, level=1)
    level_1_key = flow.http.cookies.get("sessionid")
    assert flow.session()["identity.loa"] == 1

    flow.login(fiscal_code=resident.fiscal_code, level=2)
    level_2_key = flow.http.cookies.get("sessionid")
    assert flow.session()["identity.loa"] == 2 and flow.user_id()
    assert level_2_key != level_1_key
    # The id known at level 1 opens nothing any more.
    assert not Session.objects.filter(session_key=level_1_key).exists()
    stale = requests.get(f"{demo_provider.url}/area-personale/", cookies={"sessionid": level_1_key},
                         allow_redirects=False, timeout=10)  # fmt: skip
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/accesso/")


def test_a_clerks_session_id_changes_at_the_password_and_at_the_second_factor(client, enrolled_clerk):
    user, secret, _codes = enrolled_clerk
    client.get("/personale/login/")
    anonymous_key = client.session.session_key or client.cookies["sessionid"].value
    password_login(client, user.username)
    after_password = client.cookies["sessionid"].value
    second_factor(client, totp_code(secret))
    after_second_factor = client.cookies["sessionid"].value
    assert client.session["_auth_user_id"] == str(user.pk)
    assert len({anonymous_key, after_password, after_second_factor}) == 3


@pytest.mark.django_db(transaction=True)
def test_a_clerks_session_id_changes_when_enrolling_the_second_factor():
    # Transactional: allauth announces the new authenticator on commit, inside the request.
    client = Client()
    clerk = make_clerk()
    password_login(client, clerk.username)
    open_enrolment(client)
    before = client.cookies["sessionid"].value
    secret = client.session["mfa.totp.secret"]
    client.post("/personale/2fa/totp/activate/", {"code": totp_code(secret)})
    assert client.cookies["sessionid"].value != before
    assert client.get("/admin/").status_code == 200


def test_logging_out_revokes_the_residents_app_tokens(client, db):
    user = login_resident(client, make_person())
    _token, raw = create_api_token(user, name="App", loa=LoA.L2)
    other_device, other_raw = create_api_token(user, name="Tablet", loa=LoA.L2)
    api = Client()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    assert client.post("/accesso/esci/").status_code == 302
    for key in (raw, other_raw):
        assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    other_device.refresh_from_db()
    assert other_device.revoked_at is not None


ACCOUNT_PAGES = (
    "/personale/login/",
    "/personale/logout/",
    "/personale/inactive/",
    "/personale/signup/",
    "/personale/reauthenticate/",
    "/personale/email/",
    "/personale/confirm-email/",
    "/personale/password/change/",
    "/personale/password/set/",
    "/personale/password/reset/",
    "/personale/password/reset/done/",
    "/personale/password/reset/key/done/",
    "/personale/login/code/confirm/",
    "/personale/2fa/",
    "/personale/2fa/authenticate/",
    "/personale/2fa/reauthenticate/",
    "/personale/2fa/totp/activate/",
    "/personale/2fa/totp/deactivate/",
    "/personale/2fa/recovery-codes/",
    "/personale/2fa/recovery-codes/generate/",
    "/personale/2fa/recovery-codes/download/",
)


def test_every_allauth_page_is_not_found_for_a_resident(client, db):
    login_resident(client, make_person())
    for path in ACCOUNT_PAGES:
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"password1": "x" * 20, "password2": "x" * 20}).status_code == 404, path
    assert client.get("/area-personale/").status_code == 200  # still signed in, still served


def test_clerks_keep_their_sign_in_pages_and_nobody_gets_the_unused_ones(client, enrolled_clerk):
    anonymous = Client()
    assert anonymous.get("/personale/login/").status_code == 200
    for path in ("/personale/signup/", "/personale/password/reset/", "/personale/email/"):
        assert anonymous.get(path).status_code == 404, path

    user, secret, _codes = enrolled_clerk
    password_login(client, user.username)
    second_factor(client, totp_code(secret))
    for path in ("/personale/2fa/", "/personale/password/change/", "/personale/2fa/recovery-codes/"):
        assert client.get(path).status_code in (200, 302), path
    for path in ("/personale/email/", "/personale/password/set/", "/personale/signup/"):
        assert client.get(path).status_code == 404, path


def test_a_clerks_session_id_changes_at_reauthentication(client, enrolled_clerk):
    user, secret, _codes = enrolled_clerk
    password_login(client, user.username)
    second_factor(client, totp_code(secret))
    before = client.cookies["sessionid"].value
    client.post("/personale/reauthenticate/", {"password": PASSWORD})
    assert client.cookies["sessionid"].value != before
    assert client.session["_auth_user_id"] == str(user.pk)
