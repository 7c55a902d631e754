"""The demo identity provider and the PSP simulator are apps of their own, installed only where they
may run: with production settings their tables, URLs and tasks do not exist; in demo mode they do."""

import json
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from tests.fascicolo.test_production_settings import manage, production_env

DEMO_APPS = {"demo_idp", "psp_simulator"}
DEMO_TABLES = {"demo_idp_grant", "psp_simulator_simulatedcheckout", "payments_simulatedcheckout"}
INSPECT = """
import json
from django.apps import apps
from django.urls import Resolver404, resolve
from fascicolo.celery import app as celery_app

def mounted(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True

celery_app.loader.import_default_modules()
print(json.dumps({
    "apps": sorted(config.label for config in apps.get_app_configs()),
    "demo_idp_url": mounted("/demo-idp/.well-known/openid-configuration"),
    "simulator_url": mounted("/psp-simulator/checkout/"),
    "simulator_task": "psp_simulator.deliver_notification" in celery_app.tasks,
}))
"""


def inspect(env):
    result = manage("shell", "-c", INSPECT, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_have_neither_demo_app_nor_their_urls_and_tasks():
    production = inspect(production_env())
    assert not DEMO_APPS & set(production["apps"])
    assert (production["demo_idp_url"], production["simulator_url"], production["simulator_task"]) == (False,) * 3


def test_demo_mode_installs_both_demo_apps_with_their_urls_and_tasks():
    demo = inspect(production_env(DEMO_MODE="1"))
    assert set(demo["apps"]) >= DEMO_APPS
    assert (demo["demo_idp_url"], demo["simulator_url"], demo["simulator_task"]) == (True,) * 3


@pytest.fixture
def scratch_database():
    """An empty database of its own on the suite's PostgreSQL server (its URL and a connection
    string), dropped afterwards."""
    url = urlsplit(production_env()["DATABASE_URL"])
    name = f"fascicolo_demo_tables_{uuid.uuid4().hex[:8]}"
    admin = psycopg.conninfo.make_conninfo(url.geturl(), dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url._replace(path=f"/{name}").geturl(), psycopg.conninfo.make_conninfo(url.geturl(), dbname=name)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def tables_after_migrate(database, **settings):
    url, conninfo = database
    env = {**production_env(**settings), "DATABASE_URL": url}
    result = manage("migrate", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    with psycopg.connect(conninfo) as connection:
        return {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_a_production_database_has_no_demo_tables(scratch_database):
    tables = tables_after_migrate(scratch_database)
    assert "identity_apitoken" in tables and "payments_debtposition" in tables
    assert not DEMO_TABLES & tables, DEMO_TABLES & tables


def test_a_demo_mode_database_has_the_demo_tables(scratch_database):
    tables = tables_after_migrate(scratch_database, DEMO_MODE="1")
    assert {"demo_idp_grant", "psp_simulator_simulatedcheckout"} <= tables
    assert "payments_simulatedcheckout" not in tables
