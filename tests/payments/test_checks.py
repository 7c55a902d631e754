"""The PSP simulator never runs in production: `manage.py check` refuses it with DEBUG off outside DEMO_MODE."""

from tests.fascicolo.test_production_settings import manage, production_env


def test_simulator_refused_in_production_and_allowed_in_demo_mode():
    refused = manage("check", env=production_env(PSP_SIMULATOR_ENABLED="1"))
    assert refused.returncode != 0
    assert "payments.E001" in refused.stderr and "payments.E002" in refused.stderr
    demo = manage("check", env=production_env(PSP_SIMULATOR_ENABLED="1", DEMO_MODE="1"))
    assert "payments.E00" not in demo.stderr + demo.stdout
    plain = manage("check", env=production_env())
    assert "payments.E00" not in plain.stderr + plain.stdout
