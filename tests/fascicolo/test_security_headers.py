"""Security headers on every page, no cookie on public cacheable pages, the demo-mode warning.

The policy is also enforced where it matters: the browser tests fail on any Content-Security-Policy
violation reported in Chromium's console (tests/conftest.py), and test_demo_banner_browser.py runs
axe-core on the demo banner.
"""

import re

import pytest
from django.test import Client

from registry.certificates.codes import new_verification_code
from tests.certificates.test_pages import issue
from tests.helpers import login_resident
from tests.production import manage, production_env

pytestmark = pytest.mark.django_db


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    policy = directives(client.get("/"))
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_every_inline_script_carries_the_nonce_of_its_response(client, family):
    login_resident(client, family["head"])
    response = client.get("/area-personale/certificati/")
    assert response.status_code == 200
    (nonce,) = [s.removeprefix("'nonce-").rstrip("'") for s in directives(response)["script-src"] if "nonce-" in s]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.text)
    assert inline, "the certificates page polls pending rows with an inline script"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline), inline


def test_permissions_and_referrer_policies(client):
    response = client.get("/")
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_public_pages_set_no_cookie(client, family):
    user = login_resident(client, family["head"])
    certificate = issue(user, family["head"])
    client.logout()
    anonymous = Client()
    verify, unknown = f"/verify/{certificate.verification_code}/", f"/verify/{new_verification_code()}/"
    for path in ("/", "/accessibilita/", "/accesso/", "/verify/", verify, unknown):
        response = anonymous.get(path)
        assert response.status_code in (200, 404), path
        assert not response.cookies, (path, list(response.cookies))
    assert anonymous.get(verify)["Cache-Control"] == "public, no-cache"


def test_the_language_switch_works_without_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accessibilita/"})
    assert response.status_code == 302 and response["Location"] == "/accessibilita/"
    assert response.cookies["django_language"].value == "en"
    # still only within the site
    outside = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert outside["Location"] == "/"


def test_check_deploy_warns_when_demo_mode_is_on_without_debug():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(DEMO_MODE="1"))
    assert result.returncode != 0
    assert "fascicolo.W001" in result.stdout + result.stderr
    assert "DEMO_MODE is on with DEBUG off" in result.stdout + result.stderr
