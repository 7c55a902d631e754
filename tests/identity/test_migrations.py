"""Moving residents' settings and app tokens from the dossier to identity keeps every row."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("dossier", "0001_resident_messages_rectifications_tokens"), ("identity", "0002_login_event")]
AFTER = [("dossier", "0002_profile_and_tokens_move_to_identity"), ("identity", "0003_profile_and_tokens_from_dossier")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_migrations_afterwards():
    """The test leaves the database at the migrations it tests; the tests after it (in the same
    database) need every later migration back, or their tables are missing."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_settings_and_tokens_survive_the_move_to_identity(django_user_model):
    old = migrate(BEFORE)
    user = django_user_model.objects.create(username="cf:RSSMRA80A01H501U")
    old.get_model("dossier", "ResidentProfile").objects.create(
        user_id=user.pk, email="mario@example.org", digital_notices=True, language="en"
    )
    old.get_model("dossier", "ApiToken").objects.create(
        user_id=user.pk, name="Telefono", key_hash="a" * 64, prefix="fdc_abcdef", loa=2,
        expires_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip

    new = migrate(AFTER)

    profile = new.get_model("identity", "ResidentProfile").objects.get(user_id=user.pk)
    assert (profile.email, profile.digital_notices, profile.language) == ("mario@example.org", True, "en")
    token = new.get_model("identity", "ApiToken").objects.get(user_id=user.pk)
    assert (token.name, token.key_hash, token.loa) == ("Telefono", "a" * 64, 2)
    assert {"identity_apitoken", "identity_residentprofile"} <= set(connection.introspection.table_names())
    assert not {"dossier_apitoken", "dossier_residentprofile"} & set(connection.introspection.table_names())
