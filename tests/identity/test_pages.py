"""The identity pages: the enabled backends on the login page, the demo banner, no caching."""

import pytest

from tests.helpers import login_resident

from .conftest import demo_backends

pytestmark = pytest.mark.django_db

NOT_IN_REGISTRY_CF = "CCCFBA85D03L219P"


@pytest.fixture
def demo_installation(settings, demo_signing_key_file):
    settings.DEMO_MODE = True
    settings.DEMO_IDP_ENABLED = True
    settings.DEMO_IDP_SIGNING_KEY_FILE = demo_signing_key_file
    settings.IDENTITY_BACKENDS = demo_backends(
        "http://testserver/demo-idp", settings.DEMO_IDP_CLIENT_ID, settings.DEMO_IDP_CLIENT_SECRET
    )


def test_the_login_page_lists_the_enabled_backends_with_the_requested_level(client, demo_installation):
    html = client.get("/accesso/?level=3&next=/area-personale/").content.decode()
    assert 'href="/accesso/spid-demo/avvia/?level=3&amp;next=%2Farea-personale%2F"' in html
    assert "Entra con SPID" in html and "Entra con CIE" in html and "dimostrativo" in html
    assert "di livello 3 o superiore" in html


def test_an_unsafe_next_is_dropped(client, demo_installation):
    html = client.get("/accesso/?next=https://evil.example/").content.decode()
    assert 'href="/accesso/spid-demo/avvia/?level=2"' in html


def test_every_identity_page_shows_the_demo_banner_and_is_not_cached(client, demo_installation, settings):
    login_resident(client, NOT_IN_REGISTRY_CF)
    for path in ("/", "/accesso/", "/accesso/livello/?level=2", "/accesso/non-in-anagrafe/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Ambiente dimostrativo" in response.content.decode(), path
    for path in ("/accesso/", "/accesso/livello/", "/accesso/non-in-anagrafe/"):
        assert "no-store" in client.get(path)["Cache-Control"], path
    settings.DEMO_MODE = False
    assert "Ambiente dimostrativo" not in client.get("/accesso/").content.decode()


def test_the_header_links_to_the_login_page_and_shows_the_resident_with_a_logout_form(client, demo_installation):
    assert 'href="/accesso/"' in client.get("/").content.decode()
    login_resident(client, NOT_IN_REGISTRY_CF)
    html = client.get("/").content.decode()
    assert 'action="/accesso/esci/" method="post"' in html and "Test Test" in html


def test_logout_needs_post(client):
    assert client.get("/accesso/esci/").status_code == 405


def test_the_demo_provider_is_off_unless_enabled(client, settings):
    settings.DEMO_IDP_ENABLED = False
    assert client.get("/demo-idp/.well-known/openid-configuration").status_code == 404


def test_the_demo_provider_refuses_unknown_clients_and_foreign_redirects(client, demo_installation):
    query = "response_type=code&scope=openid&state=s&nonce=n&code_challenge=c&code_challenge_method=S256"
    unknown = client.get(f"/demo-idp/authorize?{query}&client_id=x&redirect_uri=http://testserver/cb")
    assert unknown.status_code == 400 and "Client sconosciuto" in unknown.content.decode()
    foreign = client.get(f"/demo-idp/authorize?{query}&client_id=fascicolo&redirect_uri=https://evil.example/cb")
    assert foreign.status_code == 400 and "Indirizzo di ritorno non ammesso" in foreign.content.decode()
    no_pkce = client.get(
        "/demo-idp/authorize?response_type=code&scope=openid&state=s&nonce=n&client_id=fascicolo"
        "&redirect_uri=http://testserver/cb"
    )
    assert no_pkce.status_code == 302 and "error=invalid_request" in no_pkce["Location"]


def test_the_demo_provider_lists_the_seeded_demo_residents_else_the_first_people():
    from fascicolo.identity.demo_idp.residents import demo_residents
    from registry.seeding import DEMO_RESIDENTS

    from .conftest import make_person

    zanetti = make_person("ZNTMRA80A01F205T", family_name="Zanetti")
    assert demo_residents() == [zanetti]
    mario = DEMO_RESIDENTS["mario_rossi"]
    rossi = make_person(mario.fiscal_code, mario.given_name, mario.family_name)
    assert demo_residents() == [rossi]
