"""The demo banner (DEMO_MODE, on in ``make run``) passes axe-core: its contrast was 2.39:1."""

import pytest
from playwright.sync_api import expect

from tests.conftest import axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.mark.parametrize("language", ["it-IT", "en-GB"])
def test_demo_banner_is_readable(browser, live_server, settings, language):
    settings.DEMO_MODE = True
    page = browser.new_context(locale=language).new_page()
    page.goto(live_server.url + "/")
    banner = page.locator(".demo-banner")
    expect(banner).to_be_visible()
    assert axe_violations(page) == []
    colours = banner.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert colours == ["rgb(61, 44, 0)", "rgb(255, 243, 205)"]
