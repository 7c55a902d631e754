"""The identity and staff fixtures these cross-cutting tests sign people in with."""

from tests.identity.conftest import demo_provider, demo_signing_key_file, flow  # noqa: F401
from tests.staff.conftest import clerk, enrolled_clerk  # noqa: F401
