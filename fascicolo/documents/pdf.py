"""HTML templates to PDF with WeasyPrint, reading only local files.

A document the municipality issues must not depend on, or leak to, the network: the URL fetcher
serves files under the project's static directories and ``data:`` URLs, and stops the rendering
for anything else. Fonts are Bootstrap Italia's Titillium Web, embedded (and subset) by WeasyPrint.
Output is PDF/UA-1 (tagged, with the document's language and title) so screen readers can read it.
"""

import mimetypes
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string

PDF_VARIANT = "pdf/ua-1"

FONTS_DIR = Path("vendor/bootstrap-italia/fonts/Titillium_Web")
# (weight, style, file) for the faces the document templates use.
FONT_FACES = (
    (400, "normal", "titillium-web-v10-latin-ext_latin-regular.woff2"),
    (400, "italic", "titillium-web-v10-latin-ext_latin-italic.woff2"),
    (600, "normal", "titillium-web-v10-latin-ext_latin-600.woff2"),
    (700, "normal", "titillium-web-v10-latin-ext_latin-700.woff2"),
)


def _weasyprint_fatal_error():
    from weasyprint.urls import FatalURLFetchingError

    return FatalURLFetchingError


class ForbiddenResource(Exception):
    """A template asked for a resource outside the allowed local directories (or on the network)."""


def allowed_roots():
    """Directories the renderer may read: the project's static directories."""
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots if Path(root).is_dir()]


def static_root():
    """The first static directory: the base URL documents resolve relative paths against."""
    return Path(settings.STATICFILES_DIRS[0]).resolve()


def local_path_for(url):
    """The local file a ``file:`` URL names, if it lies under an allowed root; else ``ForbiddenResource``."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ForbiddenResource(f"only local files may be read, not {url!r}")
    # resolve() follows symlinks and "..", so the check below sees the real target.
    path = Path(url2pathname(parts.path)).resolve()
    if not any(path.is_relative_to(root) for root in allowed_roots()):
        raise ForbiddenResource(f"{path} is outside the static directories")
    if not path.is_file():
        raise ForbiddenResource(f"{path} does not exist")
    return path


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyURLFetcher(URLFetcher):
        """Serves static files from local disk and ``data:`` URLs; refuses everything else."""

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)  # inline content, no I/O
            try:
                path = local_path_for(url)
            except ForbiddenResource as error:
                # A fatal error, not WeasyPrint's usual warning: a document silently missing a
                # font or logo, or one that phoned out, must not be issued.
                raise _weasyprint_fatal_error()(str(error)) from error
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return LocalOnlyURLFetcher


def url_fetcher():
    return _fetcher_class()(allowed_protocols=("file", "data"), fail_on_errors=True)


def font_face_css():
    """``@font-face`` rules for Titillium Web, pointing at the vendored woff2 files by ``file:`` URL."""
    base = static_root() / FONTS_DIR
    rules = [
        f'@font-face {{ font-family: "Titillium Web"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{(base / name).as_uri()}") format("woff2"); }}'
        for weight, style, name in FONT_FACES
    ]
    # The default family; a document's own stylesheet may still choose another. Titillium Web's
    # "locl" substitutions (S and T with cedilla drawn with a comma, meant for Romanian) are registered
    # for every language: off, so a Turkish Ş is drawn as Ş (registry/names.py).
    rules.append('html { font-family: "Titillium Web", sans-serif; font-feature-settings: "locl" 0; }')
    return "\n".join(rules)


@cache
def _font_stylesheet():
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    return CSS(string=font_face_css(), font_config=font_config, url_fetcher=url_fetcher()), font_config


def render_html_to_pdf(html):
    """PDF bytes for an HTML string (templates' relative URLs resolve under the static directory)."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    stylesheet, font_config = _font_stylesheet()
    document = HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=url_fetcher())
    try:
        return document.write_pdf(
            stylesheets=[stylesheet],
            font_config=font_config,
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
        )
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error is a BaseException; callers (and Celery) expect an Exception.
        raise ForbiddenResource(str(error)) from error


def render_pdf(template_name, context):
    """Render a Django template to PDF bytes (tagged PDF/UA-1, fonts embedded, no network).

    The template should extend ``documents/base.html``, which sets the language, the title (the
    PDF's title metadata) and the page layout.
    """
    return render_html_to_pdf(render_to_string(template_name, context))


WARM_UP_HTML = '<html lang="it"><head><title>.</title></head><body><p>Fascicolo</p></body></html>'


def warm_up():
    """Import WeasyPrint, load the fonts and render one tiny page (called in each worker process)."""
    from .seal import seal_pdf

    seal_pdf(render_html_to_pdf(WARM_UP_HTML))
