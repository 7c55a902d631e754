"""Every page of the URL resolver at 360 px, as a visitor, a resident with data and a clerk: no page
scrolls sideways, no two texts overlap (tests/layout.py), and axe-core finds nothing at 360 px and at
1280 px, in Italian and in English (issue 14).

The pages are the production smoke walk's (``resolver_paths``, ``admin_paths`` of
test_production_smoke.py): every GET route filled with the resident's own objects, the admin's lists
and object pages. Each page is visited once per language and role; a redirect to a page already seen
(the login page, for a visitor) and error pages of a status already seen are not visited twice.
"""

import os
import time

import pytest
from django.test import Client

from tests.audit.staff import login_staff, make_staff
from tests.fascicolo.test_production_smoke import admin_paths, resolver_paths
from tests.layout import (
    DOCS_SCREENSHOTS,
    check_pages,
    html_pages,
    resident_with_data,
    save_screenshot,
    screenshot_name,
)
from tests.payments.test_browser import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLERK_PREFIXES = ("/admin/", "/personale/")


def screenshots(role):
    """With ``UPDATE_SCREENSHOTS=1`` the resident's run replaces docs/screenshots/: every page of the
    area personale and the home page, in Italian, at 360 px and at desktop width. Otherwise none."""
    if role != "resident" or os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return None

    def shoot(page, language, path, width_name):
        if language == "it" and (path == "/" or path.startswith("/area-personale/")):
            save_screenshot(page, DOCS_SCREENSHOTS / screenshot_name(path, width_name))

    return shoot


def clerk_paths():
    """The admin as clerks use it: the index, every list and object page, the custom pages, the clerks' account."""
    custom = [path for path in resolver_paths({}) if path.startswith(CLERK_PREFIXES) and "/x/" not in path]
    objects = [path for path in admin_paths() if not path.endswith(("/delete/", "/history/"))]
    return sorted(set(custom + objects) - {"/admin/logout/", "/personale/logout/"})


@pytest.mark.parametrize("role", ["visitor", "resident", "clerk"])
def test_every_page_fits_360_px_without_overlapping_text_and_passes_axe(role, live_server, page, family,
                                                                        private_storage):  # fmt: skip
    client, objects = resident_with_data(family)
    if role == "resident":
        page.context.add_cookies(session_cookie(client, live_server))
    if role == "clerk":
        clerk = Client()
        login_staff(clerk, make_staff("layout.clerk", superuser=True), purpose="Verifica della grafica")
        page.context.add_cookies(session_cookie(clerk, live_server))
        paths = clerk_paths()
    elif role == "resident":  # the public pages are the visitor's: here the home page and the area personale
        paths = [path for path in resolver_paths(objects) if path == "/" or path.startswith("/area-personale/")]
    else:
        paths = resolver_paths(objects)

    pages = html_pages(page.context, live_server.url, paths)
    assert len(pages) > {"visitor": 5, "resident": 15, "clerk": 40}[role], pages
    # The admin's widgets are Django's: axe-core on the admin is the admin tests' (tests/registry);
    # the admin's Italian labels are its longest, so the clerk's pages are measured in Italian.
    started = time.monotonic()
    check = check_pages(
        page, live_server.url, pages, languages=("it",) if role == "clerk" else ("it", "en"), axe=role != "clerk",
        shots=screenshots(role),
    )  # fmt: skip
    print(f"\nlayout {role}: {len(pages)} pages of {len(paths)} paths in {time.monotonic() - started:.0f} s")
    assert not check.failures, check.report()
