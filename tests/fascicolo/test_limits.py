"""Per-resident limits (fascicolo/limits.py): counted in Redis, one count per action for web and API,
answered with a clear 429 page or a 429 problem document with Retry-After, in the resident's language."""

import pytest
from django.test import Client
from django.urls import reverse

from fascicolo.identity.models import ApiToken
from registry.certificates.models import Certificate
from tests.helpers import login_resident
from tests.payments.factories import RESIDENT_A, make_position

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    def set_rate(name, rate):
        settings.LIMITS = {**settings.LIMITS, name: rate}

    return set_rate


def assert_limited_problem(response):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == 429 and body["code"] == "throttled"
    return body


def test_app_tokens_from_the_settings_page_count_against_the_api_limit(client, family, limits):
    limits("api_tokens", "3/h")
    user = login_resident(client, family["head"])
    for _ in range(3):
        page = client.post("/area-personale/impostazioni/", {"action": "token", "name": "Telefono"})
        assert page.status_code == 200 and "fdc_" in page.text
    body = assert_limited_problem(client.post("/api/v1/tokens/", {}, content_type="application/json"))
    assert "Hai creato molti token per l'app in poco tempo." in body["detail"]
    page = client.post("/area-personale/impostazioni/", {"action": "token", "name": "Tablet"})
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "Hai creato molti token per l&#x27;app in poco tempo." in page.text
    assert ApiToken.objects.filter(user=user).count() == 3


def test_the_limit_answers_in_the_residents_language(client, family, limits):
    limits("api_tokens", "1/h")
    login_resident(client, family["head"])
    client.post("/api/v1/tokens/", {}, content_type="application/json")
    body = assert_limited_problem(
        client.post("/api/v1/tokens/", {}, content_type="application/json", headers={"accept-language": "en"})
    )
    assert body["title"] == "Too many requests"
    assert "You have created many app tokens in a short time." in body["detail"]
    page = client.post(
        "/area-personale/impostazioni/", {"action": "token", "name": "x"}, headers={"accept-language": "en"}
    )
    assert page.status_code == 429 and "Try again in" in page.text


def test_each_resident_has_their_own_count(client, family, limits):
    limits("api_tokens", "1/h")
    login_resident(client, family["head"])
    assert client.post("/api/v1/tokens/", {}, content_type="application/json").status_code == 201
    other = Client()
    login_resident(other, family["spouse"])
    assert other.post("/api/v1/tokens/", {}, content_type="application/json").status_code == 201


def test_payment_starts_are_limited_on_the_page_and_in_the_api(client, limits):
    limits("payment_starts", "2/h")
    option = make_position().options.get()
    login_resident(client, RESIDENT_A)
    assert client.post(reverse("payments:pay", args=[option.pk])).status_code == 302
    assert client.post(f"/api/v1/payments/options/{option.pk}/pay/").status_code in (201, 400)
    page = client.post(reverse("payments:pay", args=[option.pk]))
    assert page.status_code == 429 and "Hai avviato molti pagamenti in poco tempo." in page.text
    assert_limited_problem(client.post(f"/api/v1/payments/options/{option.pk}/pay/"))


def test_certificate_requests_beyond_the_pending_limit_are_refused_whole(client, family, settings):
    settings.LIMIT_CERTIFICATES_PENDING = 2
    head = family["head"]
    user = login_resident(client, head)
    form = {"person": head.pk, "kind": "residenza", "exemption": "4"}
    for _ in range(2):
        assert client.post("/area-personale/certificati/richiedi/", form).status_code == 302
    page = client.post("/area-personale/certificati/richiedi/", form)
    assert page.status_code == 429
    assert "Hai già 2 richieste in preparazione" in page.text
    body = assert_limited_problem(
        client.post(
            "/api/v1/certificates/",
            {"person_id": head.pk, "kind": "residenza", "exemption": 4},
            content_type="application/json",
        )
    )
    assert "Hai già 2 richieste in preparazione" in body["detail"]
    assert Certificate.objects.filter(requested_by=user).count() == 2


def test_certificate_requests_share_one_rate_for_web_and_api(client, family, limits, settings):
    limits("certificate_requests", "3/h")
    head = family["head"]
    user = login_resident(client, head)
    form = {"person": head.pk, "kind": "residenza", "exemption": "4"}
    assert client.post("/area-personale/certificati/richiedi/", form).status_code == 302
    api = {"person_id": head.pk, "kind": "residenza", "exemption": 4}
    assert client.post("/api/v1/certificates/", api, content_type="application/json").status_code == 202
    assert client.post("/area-personale/certificati/autocertificazione/", {"sections": ["residence"]}).status_code in (
        302,
        400,
    )
    page = client.post("/area-personale/certificati/richiedi/", form)
    assert page.status_code == 429 and "Hai richiesto molti certificati in poco tempo." in page.text
    assert_limited_problem(client.post("/api/v1/certificates/", api, content_type="application/json"))
    assert Certificate.objects.filter(requested_by=user).count() <= 3
