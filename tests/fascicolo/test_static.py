"""Static assets build with the manifest storage production uses, and pages render with its names.

The manifest storage refuses a CSS file whose url() names a file that is not collected, and
``{% static %}`` fails (a 500 on every page) for a name without a manifest entry, such as a
directory (the fonts path base.html once passed to Bootstrap Italia's loadFonts()).
"""

import json
import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def manifest_static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    return tmp_path


def test_collectstatic_builds_with_the_manifest_storage(manifest_static_root):
    manifest = json.loads((manifest_static_root / "staticfiles.json").read_text())["paths"]
    fonts_css = (manifest_static_root / manifest["vendor/bootstrap-italia/css/fonts.css"]).read_text()
    font_urls = re.findall(r"url\(['\"]?\.\./([^'\")]+)", fonts_css)
    assert font_urls, fonts_css
    # Every font is named by its hashed file, which was collected.
    for url in font_urls:
        assert url in {name.removeprefix("vendor/bootstrap-italia/") for name in manifest.values()}, url
        assert (manifest_static_root / "vendor/bootstrap-italia" / url).is_file(), url
    css = (manifest_static_root / manifest["vendor/bootstrap-italia/css/bootstrap-italia.min.css"]).read_text()
    assert "sourceMappingURL" not in css


def test_pages_render_with_the_manifest_names(manifest_static_root, client):
    manifest = json.loads((manifest_static_root / "staticfiles.json").read_text())["paths"]
    for path in ("/", "/accesso/"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f"/static/{manifest['vendor/bootstrap-italia/css/fonts.css']}" in html
        assert f"/static/{manifest['vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.js']}" in html
