import pytest

pytestmark = pytest.mark.django_db


def test_home_page_is_italian_bootstrap_italia_with_login_link(client, settings):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert "vendor/bootstrap-italia/css/bootstrap-italia.min.css" in html
    assert settings.MUNICIPALITY["name"] in html
    assert "Accedi all&#x27;area personale" in html or "Accedi all'area personale" in html
    assert "Dichiarazione di accessibilità" in html


def test_home_page_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Accessibility statement" in html


def test_static_files_are_served_by_the_app(client):
    response = client.get("/static/vendor/bootstrap-italia/css/bootstrap-italia.min.css")
    assert response.status_code == 200
