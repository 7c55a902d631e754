"""The waiting room in a real browser: accessible, refreshes by itself under the page's CSP."""

import re

from playwright.sync_api import expect

from fascicolo.admission import queue
from tests.conftest import axe_violations


def test_waiting_room_is_accessible_and_opens_the_page_when_admitted(page, live_server):
    queue.set_live(capacity=1, opens_at=0)
    assert queue.place("a-resident-already-inside").admitted
    page.goto(live_server.url + "/accesso/")
    expect(page.locator("h1")).to_have_text("Sala d'attesa")
    expect(page.locator("#waiting-room-status")).to_contain_text("Posizione in fila: 1")
    assert axe_violations(page) == []

    queue.set_live(capacity=2, opens_at=0)  # the operator makes room; the page notices by itself
    expect(page.locator("h1")).not_to_have_text("Sala d'attesa", timeout=20_000)
    assert not re.search("Sala d'attesa", page.title())
