"""Visitors of a served portal (``tests/production.py``: gunicorn with DEBUG off behind nginx), and the
checks every answer must pass while something is broken.

A ``Visitor`` is one browser: a ``requests`` session with its own cookies, trusting the portal's
certificate. ``resident_visitor`` signs a registered person in the way tests/helpers.py does (a
session of a strong login, written to the database the portal shares). ``check`` holds each answer
to the promise of the fault tests: the page works (or says a limit was reached, 429), or it is the
portal's own "try again shortly" page (503 with ``Retry-After``) — never a 500, never a proxy error,
never another resident's data, and an authenticated page is never cacheable.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.test import Client

from tests.helpers import login_resident

# The portal's 503 page (fascicolo/errors.py), in Italian.
UNAVAILABLE_TITLE = "Servizio temporaneamente non disponibile"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Visitor:
    portal: object  # a tests.production.ServedPortal, started or not yet
    own: tuple = ()  # what only this visitor may see (their codice fiscale, their name)
    others: tuple = ()  # what this visitor must never see (other residents' codici fiscali and names)
    authenticated: bool = False
    statuses: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.http = requests.Session()

    @property
    def base(self):
        return self.portal.url

    @property
    def verify(self):
        # Per request: a session-wide ``verify`` loses to REQUESTS_CA_BUNDLE (psf/requests#3829).
        return str(self.portal.ca_file) if self.portal.ca_file else True

    def _direct(self, base):
        """What a request straight to one gunicorn (``base``) carries so that it looks like one that came
        through the proxy: the proxy's headers, and every cookie of this browser (requests would hold
        back the ``Secure`` ones on plain HTTP)."""
        if base is None:
            return {}
        return {
            "headers": {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"},
            "cookies": {cookie.name: cookie.value for cookie in self.http.cookies},
        }

    def get(self, path, base=None):
        """GET ``path`` of the portal (through nginx), or of ``base`` (one gunicorn, say)."""
        url = (base or self.base) + path
        response = self.http.get(url, allow_redirects=False, timeout=60, verify=self.verify, **self._direct(base))
        return self.check(response)

    def post_form(self, form_path, action, data, base=None, post_base=None):
        """A form as a browser sends it: the CSRF token from the page, the page as Referer. The page
        comes from ``base`` and the form goes to ``post_base`` (default: the same)."""
        page = self.get(form_path, base=base)
        if page.status_code != 200:
            return page
        token = CSRF_FIELD.search(page.text).group(1)
        return self.post(action, {"csrfmiddlewaretoken": token, **data}, referer=form_path, base=post_base or base)

    def post(self, path, data, *, referer, base=None):
        direct = self._direct(base)
        headers = {**direct.pop("headers", {}), "Referer": self.base + referer}
        response = self.http.post(
            (base or self.base) + path, data=data, headers=headers, allow_redirects=False, timeout=60,
            verify=self.verify, **direct,
        )  # fmt: skip
        return self.check(response)

    def check(self, response):
        """Fail on an answer a resident must never get; count the statuses."""
        self.statuses[response.status_code] += 1
        where = f"{response.request.method} {response.url} → {response.status_code}"
        assert response.status_code in (200, 302, 404, 429, 503), f"{where}\n{response.text[:2000]}"
        if response.status_code == 503:
            assert UNAVAILABLE_TITLE in response.text, f"{where}: not the portal's own 503 page"
            assert response.headers.get("Retry-After"), f"{where}: 503 without Retry-After"
        for canary in self.others:
            assert canary not in response.text, f"{where}: another resident's data ({canary})"
        if self.authenticated and response.status_code == 200:
            cache_control = response.headers.get("Cache-Control", "")
            assert "private" in cache_control and "no-store" in cache_control, f"{where}: {cache_control}"
        return response

    def set_session(self, key, domain="127.0.0.1"):
        self.http.cookies.set(settings.SESSION_COOKIE_NAME, key, domain=domain, path="/")
        self.authenticated = True


def canaries(person):
    # The family names of the test households are their own (and their streets'): "Bianchi", "Verdi".
    return (person.fiscal_code, person.family_name)


def resident_visitor(portal, person, others=()):
    """A visitor signed in as ``person`` (level 2), who must never see any of ``others``."""
    client = Client()
    login_resident(client, person)
    visitor = Visitor(portal, own=canaries(person))
    visitor.others = tuple(canary for other in others for canary in canaries(other))
    visitor.set_session(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return visitor
