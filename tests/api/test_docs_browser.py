"""The API's documentation page (Swagger UI) renders under the Content-Security-Policy: the
``browser`` fixture fails the test on any violation Chromium reports."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_api_documentation_renders_under_the_content_security_policy(page, live_server):
    page.goto(live_server.url + "/api/docs/")
    expect(page.get_by_text("Fascicolo del Cittadino API").first).to_be_visible(timeout=30_000)
