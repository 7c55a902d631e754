"""The portal as the README's production steps run it, walked URL by URL: no answer may be a 5xx.

``make static`` builds the static files (session fixture ``production_static_root``), the
migrations are the test database's, gunicorn runs ``fascicolo.settings`` with DEBUG off behind
nginx configured by ``deploy/nginx/`` on loopback with TLS, so that ``SECURE_SSL_REDIRECT``,
secure cookies and HSTS stay on as in production (nginx sends ``X-Forwarded-Proto: https``). Only
what differs on one machine is set: addresses and ports, a self-signed certificate, and
``CSRF_TRUSTED_ORIGINS`` (nginx forwards the host without the test's port).

Every route of the URL resolver is asked for (GET) by an anonymous visitor, a signed-in resident
(session of a strong login, as tests/helpers.py writes it) and a clerk who signs in through the
real forms with password and TOTP code and states the purpose of access; object routes get the
resident's own objects (the IDOR sweep's makers), the admin every registered model's list, add
page and first object's pages.
"""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.urls import reverse

from tests.dossier.routes import all_routes
from tests.dossier.test_privacy import _plugged_in_routes, _route_value
from tests.helpers import login_resident
from tests.production import ServedPortal, production_server_env
from tests.staff.conftest import PASSWORD, make_clerk, totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SKIPPED_PREFIXES = ("static/", "^static/", "media/")
# GET routes that end the session or are the demo's own: walked, but last.
LAST = ("logout", "esci")


@pytest.fixture
def production_portal(tmp_path, production_static_root, transactional_db):
    env = production_server_env(tmp_path, production_static_root)
    portal = ServedPortal(tmp_path, env)
    portal.env["CSRF_TRUSTED_ORIGINS"] = portal.url
    with portal:
        yield portal


def resolver_paths(objects):
    """Every GET path of the resolver, parameters filled with the resident's own objects."""
    object_kinds, _makers = _plugged_in_routes()
    paths = []
    for route in all_routes():
        if route.pattern.startswith(SKIPPED_PREFIXES):
            continue
        kind = object_kinds.get(route.name)
        if kind and kind in objects and len(route.converters) == 1:
            ((param, converter),) = route.converters.items()
            paths.append(route.path(**{param: _route_value(objects[kind], converter)}))
        else:
            paths.append(route.path())
    return sorted(set(paths), key=lambda path: (any(word in path for word in LAST), path))


def admin_paths():
    """Each registered model's list and add page, and its first object's change, history and delete pages."""
    paths = ["/admin/"]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths += [reverse(f"{name}_{view}", args=[first.pk]) for view in ("change", "history", "delete")]
    return paths


class Walk:
    """GETs through nginx with one cookie jar, without following redirects; keeps every status."""

    def __init__(self, playwright, portal, cookies=()):
        self.portal = portal
        self.context = playwright.request.new_context(
            base_url=portal.url, ignore_https_errors=True, storage_state={"cookies": list(cookies), "origins": []}
        )
        self.statuses = {}

    def get(self, path):
        response = self.context.get(path, max_redirects=0, timeout=120_000)
        self.statuses[path] = response.status
        return response

    def post_form(self, path, data):
        """A form as a browser sends it: the CSRF token from the page, the Referer of the page."""
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text()).group(1)
        return self.context.post(
            path, form={"csrfmiddlewaretoken": token, **data}, headers={"Referer": self.portal.url + path},
            max_redirects=0,
        )  # fmt: skip

    def walk(self, paths):
        for path in paths:
            self.get(path)
        return self

    def server_errors(self):
        return {path: status for path, status in self.statuses.items() if status >= 500}


def errors_on(response):
    """The error messages of a page that answered a form, for the failure message."""
    return (
        re.findall(r'(?:alert[^"]*"|invalid-feedback[^"]*")[^>]*>([^<]+)', response.text()) or response.text()[-3000:]
    )


def session_cookie(client):
    return {
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "domain": "127.0.0.1", "path": "/", "secure": True, "httpOnly": True, "sameSite": "Lax", "expires": -1,
    }  # fmt: skip


def test_every_url_answers_without_a_server_error_in_production(production_portal, family):
    from playwright.sync_api import sync_playwright

    head = family["head"]
    resident_client = Client()
    user = login_resident(resident_client, head)
    objects = {}
    for make in _plugged_in_routes()[1]:
        objects.update(make(head, user))
    clerk = make_clerk("smoke.clerk", is_superuser=True)
    # The suite hashes passwords with MD5 for speed; the server knows only production's hashers.
    clerk.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    clerk.save(update_fields=["password"])
    secret = generate_totp_secret()
    TOTP.activate(clerk, secret)
    paths = resolver_paths(objects)
    assert len(paths) > 60, paths  # the resolver walk found the portal

    started = time.monotonic()
    figures = {}
    with sync_playwright() as playwright:
        anonymous = Walk(playwright, production_portal).walk(paths)
        # The production answers: HTTPS enforced by the proxy headers, the public home page served.
        home = anonymous.context.get("/")
        assert home.status == 200 and "strict-transport-security" in home.headers
        assert "content-security-policy" in home.headers

        resident = Walk(playwright, production_portal, [session_cookie(resident_client)]).walk(paths)
        assert resident.statuses["/area-personale/"] == 200, "the resident's session did not hold"

        staff = Walk(playwright, production_portal)
        response = staff.post_form("/personale/login/?next=/admin/", {"login": clerk.username, "password": PASSWORD})
        assert response.status == 302, errors_on(response)
        response = staff.post_form("/personale/2fa/authenticate/", {"code": totp_code(secret)})
        assert response.status == 302, errors_on(response)
        purpose = reverse("admin:audit_purpose")
        response = staff.post_form(f"{purpose}?next=/admin/", {"reason": "quality", "details": "Smoke test"})
        assert response.status == 302, errors_on(response)
        staff.walk(admin_paths())
        assert staff.statuses["/admin/"] == 200, "the clerk's sign-in did not hold"
        staff.walk(paths)
        for role, walk in (("anonymous", anonymous), ("resident", resident), ("clerk", staff)):
            figures[role] = {"urls": len(walk.statuses), "5xx": len(walk.server_errors()),
                             "200": sum(status == 200 for status in walk.statuses.values())}  # fmt: skip
        errors = {role: walk.server_errors() for role, walk in (("anonymous", anonymous), ("resident", resident),
                                                               ("clerk", staff))}  # fmt: skip
    seconds = time.monotonic() - started
    print(f"\nproduction smoke: {figures} in {seconds:.0f} s")
    assert not any(errors.values()), f"{errors}\n{production_portal.output()}"
