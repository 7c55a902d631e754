import pytest

from tests.dossier.factories import make_family


@pytest.fixture
def family(db):
    return make_family()


@pytest.fixture
def other_family(db):
    return make_family("Verdi")
