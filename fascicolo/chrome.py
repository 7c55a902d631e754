"""The page chrome that is the same for everyone, rendered once per process and language.

``templates/base.html`` wraps the parts of the frame that hold nothing personal — the stylesheet
links, the skip links and demo banner, the slim header up to the language buttons, the rest of the
header, the footer, the scripts — and ``templates/dossier/base.html`` the area personale's menu, in
Django's ``{% cache %}`` tag on the cache alias ``chrome`` (``CACHE_ALIAS``), so that a resident's
page costs its own data, not the frame.

What may go in a fragment: only what is the same for every visitor who shares the fragment's key.
The keys are the active language (``LANGUAGE_CODE``) and, for the menu, the entries themselves
(labels, addresses, the current section, the unread count — a number, the same HTML for anyone with
that count). Never in a fragment: the resident's name, the logout form's CSRF token, the language
form's ``next`` address (it may carry a token, e.g. the e-mail confirmation link), messages, the
session warning, the page's title and content. ``tests/fascicolo/test_chrome.py`` reads every cached
fragment and fails on any resident's name or codice fiscale.

The alias is a local-memory cache of each process: the fragments depend only on the code, the
settings and the static files' manifest, which change together with a restart, so nothing needs
invalidating across processes, and a fragment costs no network round trip — the waiting room and
the 503 page, which extend ``base.html``, stay free of Redis and PostgreSQL. Tests that change a
setting (``override_settings``, e.g. ``DEMO_MODE`` for the banner) clear it through Django's
``setting_changed`` signal.
"""

from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

CACHE_ALIAS = "chrome"


def clear():
    caches[CACHE_ALIAS].clear()


@receiver(setting_changed)
def _settings_changed(**kwargs):
    clear()
