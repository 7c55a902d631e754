"""50 certificate requests in about 2 s by one resident, through two web processes sharing Redis, half
from the web page and half from the API: the configured number is accepted, the rest answered 429,
and nothing is lost or half-written."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.test import Client

from fascicolo.identity.tokens import create_api_token
from registry.certificates.models import Certificate
from registry.certificates.states import Status
from tests.helpers import login_resident

from .servers import web_server

pytestmark = pytest.mark.django_db(transaction=True)

RATE = 10


def test_fifty_requests_in_two_seconds_across_two_web_processes(family):
    head = family["head"]
    client = Client()
    user = login_resident(client, head)
    session_id = client.cookies["sessionid"].value
    _token, bearer = create_api_token(user, name="Telefono", loa=2)
    csrf = secrets.token_hex(16)  # a CSRF secret of 32 characters, as Django's cookie holds
    env = {"LIMIT_CERTIFICATE_REQUESTS": f"{RATE}/h", "LIMIT_CERTIFICATES_PENDING": "100"}

    # As many threads as database connections (DATABASE_POOL_MAX=4): no request waits for the pool.
    with web_server(threads=4, **env) as (first, _pid1), web_server(threads=4, **env) as (second, _pid2):

        def request(index):
            base = (first, second)[index % 2]
            if index % 4 < 2:
                response = requests.post(
                    f"{base}/api/v1/certificates/",
                    json={"person_id": head.pk, "kind": "residenza", "exemption": 4},
                    headers={"Authorization": f"Bearer {bearer}"},
                    timeout=60,
                )
                return "api", response
            response = requests.post(
                f"{base}/area-personale/certificati/richiedi/",
                data={"person": head.pk, "kind": "residenza", "exemption": "4", "csrfmiddlewaretoken": csrf},
                cookies={"sessionid": session_id, "csrftoken": csrf},
                allow_redirects=False,
                timeout=60,
            )
            return "web", response

        with ThreadPoolExecutor(max_workers=25) as pool:
            answers = list(pool.map(request, range(50)))

    accepted = [(kind, r) for kind, r in answers if r.status_code in (202, 302)]
    limited = [(kind, r) for kind, r in answers if r.status_code == 429]
    assert len(accepted) == RATE, [r.status_code for _k, r in answers]
    assert len(limited) == 50 - RATE
    for kind, response in limited:
        assert int(response.headers["Retry-After"]) > 0
        if kind == "api":
            assert response.headers["Content-Type"] == "application/problem+json"
            assert "Hai richiesto molti certificati" in response.json()["detail"]
        else:
            assert "Hai richiesto molti certificati" in response.text
    # Every accepted request is one whole row, queued for its PDF; none of the refused left a trace.
    rows = Certificate.objects.filter(requested_by=user)
    assert rows.count() == RATE
    assert all(row.status == Status.PENDING and row.enqueued_at is not None for row in rows)
