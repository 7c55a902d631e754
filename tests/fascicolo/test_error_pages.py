"""Error pages 400, 403, 404, 500 and 503: the portal's look, Italian and English, no database.

The in-process tests run without database access (no ``django_db`` mark: pytest-django refuses any
query), so a page that read the session or the database would fail them. The last tests start a
production process whose database cannot be reached at all.
"""

import json

import pytest
from django.test import Client

from tests.production import HOST, manage, production_env

ERROR_URLS = "tests.fascicolo.error_urls"


@pytest.fixture
def visitor():
    return Client(raise_request_exception=False)


def english(client):
    client.cookies["django_language"] = "en"
    return client


def assert_portal_page(response, status, title):
    assert response.status_code == status
    html = response.content.decode()
    assert "bootstrap-italia.min.css" in html and 'id="footer"' in html  # the portal's look
    assert f"<h1>{title}</h1>" in html


def test_404_page_in_italian_and_english(visitor):
    assert_portal_page(visitor.get("/pagina-inesistente/"), 404, "Pagina non trovata")
    response = english(visitor).get("/pagina-inesistente/")
    assert_portal_page(response, 404, "Page not found")
    assert '<html lang="en">' in response.content.decode()


def test_400_page_for_a_request_to_an_unknown_host(visitor):
    assert_portal_page(visitor.get("/", HTTP_HOST="evil.example"), 400, "Richiesta non valida")
    assert_portal_page(english(visitor).get("/", HTTP_HOST="evil.example"), 400, "Invalid request")


@pytest.mark.urls(ERROR_URLS)
def test_400_page_for_a_suspicious_request(visitor):
    assert_portal_page(visitor.get("/test-errors/suspicious/"), 400, "Richiesta non valida")


@pytest.mark.urls(ERROR_URLS)
def test_403_page_for_a_forbidden_page(visitor):
    assert_portal_page(visitor.get("/test-errors/forbidden/"), 403, "Accesso negato")
    assert_portal_page(english(visitor).get("/test-errors/forbidden/"), 403, "Access denied")


def test_403_page_for_a_form_without_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/", {"anything": "1"})
    assert_portal_page(response, 403, "Accesso negato")
    assert "ricarica la pagina e riprova" in response.content.decode()


@pytest.mark.urls(ERROR_URLS)
def test_500_page_for_a_bug(visitor):
    assert_portal_page(visitor.get("/test-errors/crash/"), 500, "Errore del portale")
    assert_portal_page(english(visitor).get("/test-errors/crash/"), 500, "Portal error")


@pytest.mark.urls(ERROR_URLS)
def test_503_page_with_retry_after_when_the_database_cannot_be_reached(visitor):
    response = visitor.get("/test-errors/database-down/")
    assert_portal_page(response, 503, "Servizio temporaneamente non disponibile")
    assert response["Retry-After"] == "30"
    assert_portal_page(english(visitor).get("/test-errors/database-down/"), 503, "Service temporarily unavailable")


@pytest.mark.urls(ERROR_URLS)
def test_api_errors_stay_problem_documents(visitor):
    not_found = visitor.get("/api/v1/nothing-here/")
    assert not_found.status_code == 404
    assert not_found["Content-Type"] == "application/problem+json"
    assert not_found.json()["code"] == "not_found"
    crash = visitor.get("/api/test-errors/crash/")
    assert crash.status_code == 500 and crash.json()["code"] == "server_error"
    down = visitor.get("/api/test-errors/database-down/")
    assert down.status_code == 503 and down.json()["code"] == "service_unavailable"
    assert down["Retry-After"] == "30"


# --- A production process whose database is down ------------------------------------------------

DATABASE_DOWN_SCRIPT = """
import json
from django.test import Client
from django.test.utils import override_settings

def get(path, language="it", session=False):
    client = Client(raise_request_exception=False, HTTP_HOST="{host}", HTTP_ACCEPT_LANGUAGE=language)
    if session:
        client.cookies["sessionid"] = "a" * 32  # a signed-in visitor: the middleware reads the session
    response = client.get(path, secure=True)
    html = response.content.decode()
    title = html.split("<h1>", 1)[1].split("</h1>", 1)[0] if "<h1>" in html else html[:200]
    return dict(status=response.status_code, title=title, retry_after=response.get("Retry-After"))

results = dict(
    verify=get("/verify/ABCDEFGHIJKLMNOPQRST/"),
    verify_en=get("/verify/ABCDEFGHIJKLMNOPQRST/", language="en"),
    session=get("/area-personale/", session=True),
)
with override_settings(ROOT_URLCONF="{urls}"):
    results["crash"] = get("/test-errors/crash/")
    results["crash_en"] = get("/test-errors/crash/", language="en")
print("RESULTS " + json.dumps(results))
"""


def test_500_and_503_pages_render_while_the_database_is_down(production_static_root):
    # Nothing listens on port 9 (discard) of loopback: every connection is refused.
    env = production_env(
        DATABASE_URL="postgres://postgres@127.0.0.1:9/fascicolo",
        DATABASE_POOL_TIMEOUT="1",
        STATIC_ROOT=str(production_static_root),
    )
    result = manage("shell", "-c", DATABASE_DOWN_SCRIPT.format(host=HOST, urls=ERROR_URLS), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULTS "))
    results = json.loads(line.removeprefix("RESULTS "))
    unavailable = {"status": 503, "title": "Servizio temporaneamente non disponibile", "retry_after": "30"}
    assert results["verify"] == unavailable
    assert results["session"] == unavailable
    assert results["verify_en"] == {**unavailable, "title": "Service temporarily unavailable"}
    assert results["crash"] == {"status": 500, "title": "Errore del portale", "retry_after": None}
    assert results["crash_en"] == {"status": 500, "title": "Portal error", "retry_after": None}
