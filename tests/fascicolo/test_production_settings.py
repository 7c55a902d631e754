"""Production configuration: `check --deploy` is clean and logs are one JSON object per line."""

import json

from tests.production import manage, production_env


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_is_refused_in_production():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_logs_are_json_lines_with_the_request_id():
    script = (
        "from django.test import Client;"
        "Client().get('/healthz', HTTP_X_REQUEST_ID='req-0123456789',"
        " HTTP_HOST='fascicolo.comune.example.it', secure=True)"
    )
    result = manage("shell", "-c", script, env=production_env())
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    request_logs = [r for r in records if r.get("logger") == "fascicolo.request"]
    assert request_logs, result.stderr
    assert request_logs[0]["request_id"] == "req-0123456789"
    assert request_logs[0]["path"] == "/healthz" and request_logs[0]["status"] == 200
