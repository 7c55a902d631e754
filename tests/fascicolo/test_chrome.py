"""The cached page chrome (fascicolo/chrome.py): shared by everyone in a language, personal to no one."""

import pickle

import pytest
from django.core.cache import caches
from django.urls import reverse

from fascicolo import chrome
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db

PAGES = ["dossier:overview", "dossier:my_data", "dossier:messages", "certificates:index", "payments:index"]


def cached_fragments():
    """Every value in this process's chrome cache, as text (LocMemCache keeps them pickled)."""
    store = caches[chrome.CACHE_ALIAS]._cache
    return [pickle.loads(value) for value in store.values()]  # noqa: S301  (this process's own cache)


def canaries(person):
    return [person.fiscal_code, person.family_name, f"{person.given_name} {person.family_name}"]


@pytest.fixture(autouse=True)
def _empty_chrome():
    chrome.clear()
    yield
    chrome.clear()


@pytest.mark.parametrize("name", PAGES)
def test_two_residents_never_see_each_other_on_cached_chrome(client, family, other_family, name):
    mine, theirs = family["head"], other_family["head"]
    login_resident(client, mine)
    first = client.get(reverse(name)).content.decode()
    stored = len(cached_fragments())
    assert stored >= 5, "the page should have filled the chrome cache"

    login_resident(client, theirs)
    second = client.get(reverse(name)).content.decode()

    # the second page was served from the same fragments: none added
    assert len(cached_fragments()) == stored
    for own, other, html in ((mine, theirs, first), (theirs, mine, second)):
        assert f"{own.given_name} {own.family_name}" in html  # the header names its own resident
        for canary in canaries(other):
            assert canary not in html
    # and nothing personal was stored: no name, codice fiscale or CSRF token in any fragment
    fragments = "\n".join(cached_fragments())
    for canary in canaries(mine) + canaries(theirs):
        assert canary not in fragments
    assert "csrfmiddlewaretoken" not in fragments
    assert 'name="next"' not in fragments


def test_the_language_forms_next_address_is_each_pages_own(client, family):
    login_resident(client, family["head"])
    for name in ("dossier:overview", "dossier:my_data"):
        html = client.get(reverse(name)).content.decode()
        assert f'<input name="next" type="hidden" value="{reverse(name)}">' in html


def test_the_chrome_follows_the_language(client, family):
    login_resident(client, family["head"])
    italian = client.get(reverse("dossier:overview"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("dossier:overview")).content.decode()

    assert "Vai al piè di pagina" in italian and "Dichiarazione di accessibilità" in italian
    assert "Skip to footer" in english and "Accessibility statement" in english
    assert "Vai al piè di pagina" not in english
    assert "Sezioni dell&#x27;area personale" in italian or "Sezioni dell'area personale" in italian
    # each language has its own fragments, both kept
    assert any("Skip to footer" in fragment for fragment in cached_fragments())
    assert any("Vai al piè di pagina" in fragment for fragment in cached_fragments())


def test_the_menu_badge_is_the_residents_own_count(client, family, other_family):
    from fascicolo.dossier.models import Message

    Message.objects.create(recipient_person=family["head"], subject="Avviso", body="Testo")
    login_resident(client, family["head"])
    assert "(1 messaggio non letto)" in client.get(reverse("dossier:my_data")).content.decode()
    login_resident(client, other_family["head"])
    assert "messaggio non letto" not in client.get(reverse("dossier:my_data")).content.decode()


def test_a_changed_setting_renders_the_chrome_again(client, settings):
    client.get(reverse("accessibility"))
    settings.MUNICIPALITY = {**settings.MUNICIPALITY, "name": "Comune di Prova"}
    assert "Comune di Prova" in client.get(reverse("accessibility")).content.decode()
