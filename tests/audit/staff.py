"""Signing a clerk into the admin in tests, past the mandatory second factor.

``force_login`` skips allauth's login flow, so the session is given the record allauth itself
writes after a TOTP code (``record_authentication``): the admin's second-factor gate then lets the
clerk through, as it does after a real login. The login flow itself is tested in tests/staff.
"""

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from fascicolo.audit.purpose import SESSION_KEY as PURPOSE_SESSION_KEY


def make_staff(username, group=None, superuser=False, **fields):
    user_model = get_user_model()
    if superuser:
        return user_model.objects.create_superuser(username, f"{username}@example.org", None, **fields)
    user = user_model.objects.create_user(username, is_staff=True, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def login_staff(client, user, purpose=None):
    client.force_login(user)
    session = client.session
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    if purpose:
        session[PURPOSE_SESSION_KEY] = purpose
    session.save()
    return user
