"""The committed OpenAPI document is the code's, and the API keeps what the document promises."""

from contextlib import contextmanager
from pathlib import Path

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks

from fascicolo.dossier import services
from fascicolo.identity import tokens
from fascicolo.wsgi import application
from tests.dossier.factories import make_dossier_objects
from tests.helpers import login_resident

ROOT = Path(__file__).resolve().parent.parent.parent
COMMITTED = ROOT / "docs" / "openapi.yaml"
# What the acceptance asks: no server error, and every response as the schema describes it.
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


def test_committed_schema_is_the_generated_one(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", file=str(generated), validate=True, fail_on_warn=True)
    assert generated.read_text() == COMMITTED.read_text(), "run `make schema` and commit docs/openapi.yaml"


def test_schema_and_docs_are_served_without_a_cdn(client, db):
    assert client.get("/api/schema/").status_code == 200
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert client.get("/api/docs/redoc/").status_code == 404


@pytest.mark.django_db
def test_schemathesis_finds_no_server_error_and_no_schema_breaking_response(client, django_user_model):
    from tests.dossier.factories import make_family

    family = make_family()
    user = login_resident(client, family["head"])
    make_dossier_objects(family["head"], user)
    services.send_message(recipient_person=family["head"], subject="Benvenuta", body="…")
    _token, raw = tokens.create_api_token(user, name="schemathesis", loa=2)
    headers = {"Authorization": f"Bearer {raw}"}
    load_all_checks()
    checks = [check for check in CHECKS.get_all() if check.__name__ in CHECK_NAMES]
    assert len(checks) == len(CHECK_NAMES)

    with _connection_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 15
        for operation in operations:
            _exercise(operation, headers, checks)


@contextmanager
def _connection_kept_open():
    """The WSGI app closes the database connection after each request; the test's transaction
    must survive it (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _exercise(operation, headers, checks):

    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def exercise(case):
        if case.method.upper() == "DELETE" and case.path.startswith("/api/v1/tokens/"):
            return  # revoking the token under test would turn the rest of the run into 401s
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    exercise()
