import pytest


@pytest.fixture(autouse=True)
def _own_storage(private_storage):
    """Every certificate test stores its documents in a directory of its own (``private_storage``)."""
