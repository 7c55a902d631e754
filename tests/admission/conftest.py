import uuid

import pytest
from django.test import Client

from fascicolo.admission import queue, tickets
from tests.staff.conftest import clerk, enrolled_clerk  # noqa: F401  (clerks for the admin page's tests)


@pytest.fixture(autouse=True)
def room(settings):
    """A waiting room of its own in the real Redis (a fresh key prefix), removed afterwards."""
    settings.ADMISSION_REDIS_PREFIX = f"test:admission:{uuid.uuid4().hex}:"
    yield
    client = queue.client()
    for key in client.scan_iter(settings.ADMISSION_REDIS_PREFIX + "*"):
        client.delete(key)


def token_of(client):
    """The token in a test client's ticket, as the middleware reads it."""

    class _Request:
        COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}

    return tickets.read(_Request)


def arrive(n):
    return [Client() for _ in range(n)]
