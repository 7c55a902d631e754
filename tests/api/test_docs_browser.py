"""The API's documentation pages (Swagger UI, Redoc) render under the Content-Security-Policy: the
``browser`` fixture fails the test on any violation Chromium reports."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs/redoc/"])
def test_api_documentation_renders_under_the_content_security_policy(page, live_server, path):
    page.goto(live_server.url + path)
    expect(page.get_by_text("Fascicolo del Cittadino API").first).to_be_visible(timeout=30_000)
