"""Clerks with and without a second factor, and the helpers that sign them in like a browser does."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth import get_user_model

PASSWORD = "Ufficio-anagrafe-2026!"


def totp_code(secret, step=0):
    """The code an authenticator app shows now (``step`` 30-second periods away, within tolerance).

    allauth accepts each code once per period, so a test that needs two codes uses two steps.
    """
    counters = list(yield_hotp_counters_from_time())
    current = counters[len(counters) // 2]
    return format_hotp_value(hotp_value(secret, current + step))


def wrong_totp_code(secret):
    valid = {format_hotp_value(hotp_value(secret, c)) for c in yield_hotp_counters_from_time()}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def make_clerk(username="m.rossi", **extra):
    return get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True, **extra)


@pytest.fixture
def clerk(db):
    return make_clerk()


@pytest.fixture
def enrolled_clerk(db):
    """A clerk with TOTP and recovery codes; returns (user, totp secret, recovery codes)."""
    user = make_clerk("l.bianchi")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return user, secret, codes


def password_login(client, username, password=PASSWORD, next_url="/admin/"):
    return client.post(f"/personale/login/?next={next_url}", {"login": username, "password": password})


def open_enrolment(client):
    """The TOTP activation page, right after the password: the sign-in counts as a reauthentication."""
    return client.get("/personale/2fa/totp/activate/")


def second_factor(client, code):
    return client.post("/personale/2fa/authenticate/", {"code": code})


def reaches_admin(client):
    return client.get("/admin/").status_code == 200
