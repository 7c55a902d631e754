"""Fixtures of the fault tests: the demo identity provider on a live server (tests/identity) and a
waiting room of the test's own in the real Redis (tests/admission)."""

from tests.admission.conftest import room  # noqa: F401
from tests.identity.conftest import demo_provider, demo_signing_key_file  # noqa: F401
