"""Clerks reach the admin only with username, password and a second factor (issue 3)."""

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model

from tests.staff.conftest import (
    PASSWORD,
    make_clerk,
    open_enrolment,
    password_login,
    reaches_admin,
    second_factor,
    totp_code,
    wrong_totp_code,
)


def test_the_admins_own_login_form_is_never_used(client, clerk):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/personale/login/?next=%2Fadmin%2F"

    # Posting a right password to the admin's form signs nobody in.
    client.post("/admin/login/?next=/admin/", {"username": clerk.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert not reaches_admin(client)


def test_an_anonymous_visit_to_the_admin_ends_on_allauths_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/personale/login/")
    assert response.status_code == 200


def test_a_clerk_without_second_factor_must_enrol_before_any_admin_page(client, clerk):
    response = password_login(client, clerk.username)
    assert response.status_code == 302

    for path in ("/admin/", "/admin/auth/user/", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/personale/2fa/totp/activate/", path

    response = open_enrolment(client)
    assert response.status_code == 200
    assert "Configura l'app di autenticazione" in response.text


def test_enrolling_totp_opens_the_admin_and_shows_recovery_codes(client, transactional_db):
    # Transactional: allauth announces the new authenticator on commit, inside the request.
    clerk = make_clerk()
    password_login(client, clerk.username)
    open_enrolment(client)
    secret = client.session["mfa.totp.secret"]

    response = client.post("/personale/2fa/totp/activate/", {"code": wrong_totp_code(secret)})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=clerk).exists()

    response = client.post("/personale/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/personale/2fa/recovery-codes/"
    assert set(Authenticator.objects.filter(user=clerk).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    assert reaches_admin(client)


def test_with_totp_enrolled_the_password_alone_does_not_reach_the_admin(client, enrolled_clerk):
    user, secret, _ = enrolled_clerk
    response = password_login(client, user.username)
    assert response["Location"] == "/personale/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert not reaches_admin(client)

    response = second_factor(client, wrong_totp_code(secret))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not reaches_admin(client)

    response = second_factor(client, totp_code(secret))
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert reaches_admin(client)


def test_a_recovery_code_works_once(client, enrolled_clerk):
    user, _, codes = enrolled_clerk
    password_login(client, user.username)
    second_factor(client, codes[0])
    assert reaches_admin(client)

    client.post("/personale/logout/")
    assert not reaches_admin(client)

    password_login(client, user.username)
    response = second_factor(client, codes[0])
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not reaches_admin(client)


def test_a_session_that_skipped_the_second_factor_is_sent_back_to_login(client, enrolled_clerk):
    user, _, _ = enrolled_clerk
    client.force_login(user)  # as any login path that does not go through allauth would
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/personale/login/")
    assert "_auth_user_id" not in client.session


def test_password_login_is_for_clerks_only_and_signup_is_closed(client, db):
    get_user_model().objects.create_user("cittadino", password=PASSWORD)
    password_login(client, "cittadino")
    assert "_auth_user_id" not in client.session

    response = client.post("/personale/signup/", {"username": "nuovo", "password1": PASSWORD})
    assert response.status_code == 404  # closed: fascicolo.staff.middleware.AccountPagesMiddleware
    assert not get_user_model().objects.filter(username="nuovo").exists()


def test_a_clerk_cannot_switch_the_second_factor_off(client, enrolled_clerk):
    user, secret, _ = enrolled_clerk
    password_login(client, user.username)
    second_factor(client, totp_code(secret))
    client.post("/personale/2fa/totp/deactivate/", {})
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_a_resident_session_gets_no_admin(client, db):
    from tests.helpers import login_resident

    login_resident(client, "RSSMRA80A01F205X")
    assert client.get("/admin/").status_code in (302, 403)
    assert not reaches_admin(client)
    assert make_clerk("altro").is_staff


def test_the_clerks_pages_speak_english_second(client, db):
    response = client.get("/personale/login/", headers={"accept-language": "en"})
    assert "Staff sign-in" in response.text
    assert "Sign in with SPID or CIE" in response.text


def test_wrong_second_factor_codes_are_limited_too(client, enrolled_clerk, settings):
    user, secret, _ = enrolled_clerk
    password_login(client, user.username)
    per_account = int(settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")[1].split("/")[0])
    for _ in range(per_account):
        response = second_factor(client, wrong_totp_code(secret))
        assert "Codice errato." in response.text
    response = second_factor(client, totp_code(secret))
    assert "Troppi tentativi di accesso. Riprova più tardi." in response.text
    assert "_auth_user_id" not in client.session
    assert not reaches_admin(client)


def test_an_api_call_from_a_session_without_second_factor_is_refused_plainly(client, clerk):
    password_login(client, clerk.username)
    response = client.get("/admin/", headers={"accept": "application/json"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Serve il secondo fattore di autenticazione."}


def test_keep_alive_works_during_enrolment(client, clerk):
    password_login(client, clerk.username)
    assert client.post("/sessione/rinnova/", headers={"accept": "application/json"}).status_code == 200


def _age_authentication_records(client, seconds):
    """Moves the session's sign-in records ``seconds`` into the past, as if that time had gone by."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": record["at"] - seconds} for record in session[AUTHENTICATION_METHODS_SESSION_KEY]
    ]
    session.save()


def test_right_after_the_password_the_enrolment_does_not_ask_for_it_again(client, clerk, settings):
    password_login(client, clerk.username)
    response = client.get("/personale/2fa/totp/activate/")
    assert response.status_code == 200
    assert "Ti sei collegato con successo" in response.text
    assert 'name="password"' not in response.text
    assert "Configura l'app di autenticazione" in response.text

    # Past the window, a change of the second factor asks for the password again, as allauth does.
    _age_authentication_records(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    response = client.get("/personale/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/personale/reauthenticate/")


def test_right_after_password_and_code_the_recovery_codes_open_without_the_password(client, enrolled_clerk, settings):
    user, secret, codes = enrolled_clerk
    password_login(client, user.username)
    second_factor(client, totp_code(secret))
    response = client.get("/personale/2fa/recovery-codes/")
    assert response.status_code == 200
    assert codes[1] in response.text

    _age_authentication_records(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    response = client.get("/personale/2fa/recovery-codes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/personale/reauthenticate/")
