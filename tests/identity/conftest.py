"""The demo identity provider on a live server, and a resident's browser flow driven over real HTTP."""

import html
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore

from registry.models import Person


def demo_backends(issuer, client_id, client_secret):
    common = {"type": "oidc", "is_demo": True, "issuer": issuer, "client_id": client_id, "client_secret": client_secret}
    return [
        {"id": "spid-demo", "label": "SPID", "scheme": "spid", **common},
        {"id": "cie-demo", "label": "CIE", "scheme": "cie", **common},
    ]


@pytest.fixture(scope="session")
def demo_signing_key_file(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-idp") / "signing_key.json"


@pytest.fixture
def demo_provider(live_server, settings, demo_signing_key_file):
    """The portal's SPID and CIE buttons pointed at the demo provider of the live server, over HTTP."""
    settings.DEMO_IDP_ENABLED = True
    settings.DEMO_IDP_FAULTS = set()
    settings.DEMO_IDP_SIGNING_KEY_FILE = demo_signing_key_file
    settings.IDENTITY_IN_PROCESS_PREFIXES = []
    settings.IDENTITY_BACKENDS = demo_backends(
        f"{live_server.url}/demo-idp", settings.DEMO_IDP_CLIENT_ID, settings.DEMO_IDP_CLIENT_SECRET
    )
    # The portal's keys reach the provider over real HTTP too.
    settings.DEMO_IDP_CLIENTS = {
        settings.DEMO_IDP_CLIENT_ID: {
            "secret": settings.DEMO_IDP_CLIENT_SECRET,
            "jwks_uri": f"{live_server.url}/accesso/jwks.json",
        }
    }
    return live_server


@pytest.fixture
def resident(transactional_db):
    return make_person()


def make_person(fiscal_code="RSSMRA80A01H501U", given_name="Mario", family_name="Rossi"):
    return Person.objects.create(
        fiscal_code=fiscal_code, given_name=given_name, family_name=family_name, sex="M",
        birth_date=date(1980, 1, 1), birth_place="Roma", birth_place_code="H501",
    )  # fmt: skip


@dataclass
class Flow:
    """One browser's walk through a login, as plain HTTP requests (cookies kept by ``requests``)."""

    base: str
    http: requests.Session

    def start(self, backend="spid-demo", level=2, next_url=None):
        query = {"level": level, **({"next": next_url} if next_url else {})}
        response = self.http.get(f"{self.base}/accesso/{backend}/avvia/?{urlencode(query)}", allow_redirects=False)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]

    def authorize(self, authorize_url, *, fiscal_code="", resident="", level=2, cancel=False):
        """Fill in the demo provider's login page; returns where it sends the browser back."""
        page = self.http.get(authorize_url)
        assert page.status_code == 200, page.text[:500]
        fields = {
            name: html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
        }
        fields.update(fiscal_code=fiscal_code, resident=resident, level=str(level))
        fields["cancel" if cancel else "login"] = ""
        response = self.http.post(authorize_url.split("?")[0], data=fields, allow_redirects=False)
        assert response.status_code == 302, response.text[:2000]
        return response.headers["Location"]

    def callback(self, callback_url):
        return self.http.get(callback_url, allow_redirects=False)

    def login(self, *, fiscal_code, level=2, backend="spid-demo", next_url=None):
        return self.callback(self.authorize(self.start(backend, level, next_url), fiscal_code=fiscal_code, level=level))

    def session(self):
        key = self.http.cookies.get("sessionid")
        return SessionStore(session_key=key) if key else None

    def user_id(self):
        session = self.session()
        return session.get("_auth_user_id") if session else None


@pytest.fixture
def flow(demo_provider):
    return Flow(demo_provider.url, requests.Session())


def with_query(url, **changes):
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))
