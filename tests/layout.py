"""What a page looks like on a small screen, measured in Chromium: the layout probe and the walk of
many pages that runs it with axe-core (tests/fascicolo/test_layout.py, the served configurations of
tests/dossier/test_browser_served.py, scripts/screenshots).

A page fails the probe when it is wider than the viewport (``document.scrollingElement.scrollWidth``
beyond ``innerWidth``: the resident scrolls sideways) or when the text of two elements that are not
nested overlaps by more than ``OVERLAP_PX`` in both directions (a label drawn over help text). Text
boxes are the line boxes of the element's own visible text; text hidden for screen readers
(``.visually-hidden``) and the part of a box cut off by a scrolling region (a table that scrolls
inside its own region) do not count.
"""

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import axe_violations

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
OVERLAP_PX = 2
LANGUAGE_COOKIE = "django_language"

# Elements whose text a person reads: labels, paragraphs, headings, help text, buttons, links, cells.
TEXT_ELEMENTS = (
    "label, legend, p, h1, h2, h3, h4, h5, h6, small, .form-text, .invalid-feedback, button, a, td, th, "
    "dt, dd, li, caption, figcaption, .badge, summary"
)

LAYOUT_PROBE = """(args) => {
  const [selector, overlapPx] = args;
  const width = window.innerWidth;
  const problems = [];
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    else if (el.classList.length) name += '.' + Array.from(el.classList).slice(0, 3).join('.');
    const text = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    return text ? `${name} "${text}"` : name;
  };
  // Text only screen readers get (select2 keeps the real <select> for them), or that is no text box.
  const hiddenForScreenReaders = '.visually-hidden, .sr-only, .visually-hidden-focusable, [hidden], ' +
    '.select2-hidden-accessible, select, textarea, noscript';
  // The boxes that clip what they hold, from ``el`` up: scrolling regions (overflow allowed) and
  // clipped boxes.
  const clippers = (el) => {
    const found = [];
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') found.push(node);
    }
    return found;
  };
  const clip = (rect, regions) => {
    let [left, top, right, bottom] = [rect.left, rect.top, rect.right, rect.bottom];
    for (const region of regions) {
      const r = region.getBoundingClientRect();
      left = Math.max(left, r.left); top = Math.max(top, r.top);
      right = Math.min(right, r.right); bottom = Math.min(bottom, r.bottom);
    }
    return right - left > 0.5 && bottom - top > 0.5 ? {left, top, right, bottom} : null;
  };

  const scrollWidth = document.scrollingElement.scrollWidth;
  if (scrollWidth > width) {
    // Name the widest culprits: visible elements sticking out, not inside a region that scrolls.
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
      const rect = el.getBoundingClientRect();
      if (rect.right <= width + 0.5 || rect.width === 0) continue;
      if (el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5) continue;
      if (clippers(el.parentElement).some((node) => getComputedStyle(node).overflowX !== 'visible')) continue;
      wide.push(`${describe(el)} to ${Math.round(rect.right)} px`);
    }
    problems.push(`${scrollWidth} px wide at ${width} px: ` + (wide.slice(0, 4).join('; ') || 'no element found'));
  }

  const boxes = [];
  const regionsOf = new Map();
  for (const el of document.body.querySelectorAll(selector)) {
    if (el.closest(hiddenForScreenReaders)) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const rects = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.data.trim()) continue;
      const parent = text.parentElement;
      if (parent.closest(hiddenForScreenReaders)) continue;
      if (parent !== el && !parent.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
      if (!regionsOf.has(parent)) regionsOf.set(parent, clippers(parent));
      const regions = regionsOf.get(parent);
      const range = document.createRange();
      range.selectNodeContents(text);
      // A line's text box is its line box: the font's content area may be taller than the line
      // height (Titillium's is), and adjacent lines or headings would then seem to overlap.
      const lineHeight = parseFloat(getComputedStyle(parent).lineHeight);
      for (const box of range.getClientRects()) {
        const cut = lineHeight < box.height ? (box.height - lineHeight) / 2 : 0;
        const rect = {left: box.left, right: box.right, top: box.top + cut, bottom: box.bottom - cut};
        const visible = clip(rect, regions);
        if (visible) rects.push(visible);
      }
    }
    if (rects.length) boxes.push({el, rects});
  }
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      let worst = null;
      for (const ra of a.rects) {
        for (const rb of b.rects) {
          const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
          const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
          if (x > overlapPx && y > overlapPx && (!worst || x * y > worst[0] * worst[1])) worst = [x, y];
        }
      }
      if (worst) {
        const size = worst.map(Math.round).join('x');
        overlaps.push(`${describe(a.el)} overlaps ${describe(b.el)} by ${size} px`);
      }
    }
  }
  return problems.concat(overlaps.slice(0, 5));
}"""


def layout_problems(page):
    """What is wrong with the page's layout at its current viewport: a list of sentences, empty when fine."""
    return page.evaluate(LAYOUT_PROBE, [TEXT_ELEMENTS, OVERLAP_PX])


def set_language(context, base_url, language):
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": base_url}])


@dataclass
class PageCheck:
    """The walk's findings, by page: layout problems at 360 px and axe-core violations per width and language."""

    visited: list = field(default_factory=list)
    failures: dict = field(default_factory=dict)

    def add(self, key, problems):
        if problems:
            self.failures[key] = problems

    def report(self):
        return "\n".join(f"{key}: {problems}" for key, problems in self.failures.items())


# Routes that answer data, not pages (JSON, the API, probes, the providers' back channels).
NOT_PAGES = ("/api/v1/", "/api/schema/", "/healthz", "/readyz", "/demo-idp/.well-known/", "/demo-idp/token",
             "/demo-idp/userinfo", "/psp-simulator/api/", "/pagamenti/notifiche/", "jwks.json", "/jsi18n/")  # fmt: skip
# Swagger UI, the developers' page of the API, is the vendor's markup (nested buttons, its own colours):
# the layout probe runs on it, axe-core does not.
AXE_NOT_OURS = ("/api/docs/",)
# The dummy values tests/dossier/routes.py fills into parameters nobody gave a value.
PLACEHOLDER = re.compile(r"/x/|\(\?P|/x$")


def html_pages(context, base_url, paths):
    """The paths that answer an HTML page (after redirects), each final page once; error pages once per status.

    ``paths`` come from the resolver walk of the production smoke test (``resolver_paths``,
    ``admin_paths``); JSON, PDF and other answers are not pages to lay out.
    """
    seen, pages = set(), []
    for path in paths:
        if path.startswith(NOT_PAGES) or path.endswith(NOT_PAGES):
            continue
        if PLACEHOLDER.search(path):  # a route filled with a dummy value: its 404 page, once
            if "placeholder" in seen:
                continue
            seen.add("placeholder")
        response = context.request.get(base_url + path, timeout=120_000)
        if "text/html" not in response.headers.get("content-type", "") or not response.body().strip():
            continue
        final = urlsplit(response.url).path
        key = ("error", response.status) if response.status >= 400 else final
        if key in seen:
            continue
        seen.add(key)
        pages.append(path)
    return pages


def check_pages(page, base_url, paths, *, languages=("it", "en"), axe=True, shots=None):
    """Visit each path in each language: the layout probe at 360 px, axe-core at 360 px and 1280 px.

    ``shots(page, language, path, width_name)``, when given, is called at both widths (screenshots for docs).
    Returns a ``PageCheck``.
    """
    check = PageCheck()
    for language in languages:
        set_language(page.context, base_url, language)
        for path in paths:
            page.set_viewport_size(PHONE)
            page.goto(base_url + path)
            check.visited.append((language, path))
            problems = layout_problems(page)
            check.add((language, path, "layout"), problems)
            if problems and os.environ.get("LAYOUT_FAILURE_SHOTS"):  # a directory for the pages that failed
                name = screenshot_name(urlsplit(page.url).path, f"{language}-360")
                page.screenshot(path=Path(os.environ["LAYOUT_FAILURE_SHOTS"]) / name, full_page=True)
            if shots:
                shots(page, language, path, "360")
            if axe and path not in AXE_NOT_OURS:
                check.add((language, path, "axe 360"), axe_violations(page))
            page.set_viewport_size(DESKTOP)
            if shots:
                shots(page, language, path, "desktop")
            if axe and path not in AXE_NOT_OURS:
                check.add((language, path, "axe 1280"), axe_violations(page))
    return check


def resident_with_data(family, rendered=True):
    """The head of ``family`` signed in (a Django client), with one of each object a resident owns:
    a message, a correction request, an app token, certificates pending and (``rendered``: its PDF
    stored in this process's storage) ready, payment positions open, in installments and paid with a
    receipt, a payment attempt. Returns (client, objects by kind, as the resolver walk fills routes)."""
    from django.test import Client

    from registry.certificates import services as certificates
    from registry.certificates.models import StampExemption
    from tests.dossier.test_privacy import _plugged_in_routes
    from tests.helpers import login_resident
    from tests.payments.factories import make_position

    head = family["head"]
    client = Client()
    user = login_resident(client, head)
    objects = {}
    for make in _plugged_in_routes()[1]:
        objects.update(make(head, user))
    ready = certificates.request_certificate(user, person_id=family["minor"].pk, kind="residenza",
                                             exemption=StampExemption.ADOPTION)  # fmt: skip
    if rendered:
        certificates.generate_document(ready.pk)
    make_position(fiscal_code=head.fiscal_code, name=head.full_name, subject="TARI 2026 — seconda casa al mare",
                  installments=3)  # fmt: skip
    return client, objects


DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def screenshot_name(path, width_name):
    """docs/screenshots/ file of a resident page: ``/area-personale/pagamenti/posizioni/4/`` at 360 px is
    ``dossier-pagamenti-posizioni-n-360.png`` (object ids and signed tokens as ``n``)."""
    words = [word for word in path.strip("/").split("/") if word]
    words = ["dossier" if word == "area-personale" else word for word in words] or ["home"]
    words = ["n" if re.fullmatch(r"\d+|[0-9a-f-]{36}|.*:.*", word) else word.replace(".", "-") for word in words]
    return f"{'-'.join(words)}-{width_name}.png"


def save_screenshot(page, target):
    """The whole page as a PNG of 64 colours (a tenth of Chromium's size, the same to read)."""
    from PIL import Image

    target.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    image.quantize(colors=64).save(target, optimize=True)
