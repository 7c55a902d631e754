"""Payment gateways share the project's plugin shape: classes by type, instances by configuration
(several at once, each with its own settings), contract types in ``gateways/base.py``."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from payments.config import gateways_from_env
from payments.gateways import all_gateways, gateways, get_gateway
from payments.gateways.base import EventKind, Gateway, event_kind


def test_gateways_come_from_environment_variables():
    environ = {
        "PAYMENTS_GATEWAY_PSP_B_TYPE": "simulator",
        "PAYMENTS_GATEWAY_PSP_B_LABEL": "Banca B",
        "PAYMENTS_GATEWAY_PSP_B_SECRET": "b-secret",
        "PAYMENTS_GATEWAY_SIMULATOR_URL": "http://psp.example",
        "PAYMENTS_GATEWAYS": "simulator,psp-b",  # the list itself is not an entry's key
    }
    assert gateways_from_env(["simulator", "psp-b"], environ) == [
        {"id": "simulator", "type": "simulator", "url": "http://psp.example"},
        {"id": "psp-b", "type": "simulator", "label": "Banca B", "secret": "b-secret"},
    ]


def test_several_gateways_of_one_type_run_side_by_side_with_their_own_configuration(settings):
    settings.PAYMENTS_GATEWAYS = [
        {"id": "simulator", "type": "simulator"},
        {"id": "psp-b", "type": "simulator", "label": "Banca B", "secret": "b-secret", "url": "http://psp.example/"},
    ]
    gateways = all_gateways()
    assert list(gateways) == ["simulator", "psp-b"]
    default, other = gateways["simulator"], get_gateway("psp-b")
    assert type(default) is type(other) and default is not other
    assert (other.name, other.secret, other.url) == ("Banca B", "b-secret", "http://psp.example")
    assert (default.name, default.secret) == ("Simulatore PSP", settings.PSP_SIMULATOR_SECRET)


def test_an_unknown_type_a_duplicate_id_or_an_unknown_gateway_is_refused():
    with pytest.raises(ImproperlyConfigured, match="unknown gateway type 'nope'"):
        gateways.load([{"id": "x", "type": "nope"}])
    with pytest.raises(ImproperlyConfigured, match="duplicate id 'x'"):
        gateways.load([{"id": "x", "type": "simulator"}, {"id": "x", "type": "simulator"}])
    assert "simulator" in all_gateways()  # a refused configuration leaves the running one in place
    with pytest.raises(ImproperlyConfigured, match="unknown payment gateway 'missing'"):
        get_gateway("missing")


def test_fetching_reporting_flows_is_an_optional_part_of_the_contract():
    assert get_gateway("simulator").fetches_reporting_flows
    plain = Gateway({"id": "plain"})
    assert not plain.fetches_reporting_flows
    with pytest.raises(NotImplementedError):
        plain.fetch_reporting_flows(None)


@pytest.mark.django_db
def test_import_reporting_flows_refuses_a_gateway_that_cannot_fetch_them(monkeypatch):
    monkeypatch.setattr(type(get_gateway("simulator")), "fetches_reporting_flows", False)
    with pytest.raises(CommandError, match="does not fetch reporting flows"):
        call_command("import_reporting_flows", "--from-simulator", "2026-11-30")


def test_event_kinds_are_an_enum_and_an_unknown_kind_is_kept_as_received():
    assert event_kind("succeeded") is EventKind.SUCCEEDED
    assert event_kind("refunded") == "refunded" and not isinstance(event_kind("refunded"), EventKind)
