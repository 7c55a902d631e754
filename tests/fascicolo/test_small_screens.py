"""At 360 px (a small phone) the resident's pages with tables do not scroll sideways: the tables scroll
inside their own region, screen-reader text included (issue 14). And the portal has a favicon."""

from datetime import date, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from payments.models import DebtPosition
from payments.services import OptionSpec, create_position
from registry.certificates import services as certificates
from tests.conftest import axe_violations
from tests.dossier.factories import make_family
from tests.helpers import login_resident
from tests.payments.factories import tari_transfers
from tests.payments.test_browser import session_cookie

PHONE = {"width": 360, "height": 740}


@pytest.mark.django_db
def test_every_page_links_a_favicon_and_an_app_icon_that_exist(client):
    page = client.get("/").content.decode()
    for name in ("icons/favicon.ico", "icons/favicon.svg", "icons/apple-touch-icon.png"):
        assert f"/static/{name}" in page
        assert finders.find(name) is not None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_certificates_payments_and_a_notice_do_not_scroll_sideways_at_360_px(live_server, page, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }
    family = make_family()
    resident = Client()
    user = login_resident(resident, family["head"])
    certificates.request_certificate(user, person_id=family["head"].pk, kind="residenza")
    create_position(
        debtor_type="F",
        debtor_fiscal_code=family["head"].fiscal_code,
        debtor_name=family["head"].full_name,
        category="TARI",
        subject="TARI 2026 — abitazione principale in via Garibaldi",
        publish=True,
        options=[OptionSpec(19_152, date.today() + timedelta(days=30), "TARI 2026", tari_transfers(18_240, 912))],
    )
    page.context.add_cookies(session_cookie(resident, live_server))
    page.set_viewport_size(PHONE)
    position = DebtPosition.objects.get()
    for path in (
        "/area-personale/certificati/",
        "/area-personale/pagamenti/",
        f"/area-personale/pagamenti/posizioni/{position.pk}/",
    ):
        page.goto(live_server.url + path)
        assert page.locator("table").count() > 0
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide at {PHONE['width']} px"
        assert axe_violations(page) == []
