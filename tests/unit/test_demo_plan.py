"""The demo's plan (newswatch_devtools.demo.plan): the feeds file it writes, its ports, the
Prometheus configuration and the ingester's settings. Pure functions, no process started."""

import ipaddress
from pathlib import Path

import pytest

from newswatch.common.feeds import load_feeds
from newswatch.fetching.address_policy import AddressPolicy
from newswatch.fetching.config import FetchSettings
from newswatch_devtools.demo.plan import (
    FEEDS_TEMPLATE,
    RULES_FILE,
    DemoError,
    DemoPorts,
    choose_ports,
    ingester_environment,
    local_feeds_yaml,
    prometheus_config,
)


def test_the_bundled_demo_feeds_move_to_the_local_server_and_load(tmp_path: Path) -> None:
    written = tmp_path / "feeds.yaml"
    written.write_text(
        local_feeds_yaml(FEEDS_TEMPLATE.read_text(encoding="utf-8"), "http://127.0.0.1:8123"),
        encoding="utf-8",
    )
    _, local = load_feeds(written)
    _, compose = load_feeds(FEEDS_TEMPLATE)
    assert [feed.name for feed in local.feeds] == [feed.name for feed in compose.feeds]
    assert [str(feed.url) for feed in local.feeds] == [
        str(feed.url).replace("http://demo-feeds:8080", "http://127.0.0.1:8123")
        for feed in compose.feeds
    ]
    assert all("demo-feeds" not in str(feed.url) for feed in local.feeds)


def test_a_demo_feed_off_the_demo_server_is_refused_by_name() -> None:
    template = (
        "feeds:\n"
        "  - {name: a, url: 'http://demo-feeds:8080/a.xml'}\n"
        "  - {name: b, url: 'https://example.org/b.xml'}\n"
    )
    with pytest.raises(DemoError, match=r"demo.yaml: feeds\[1\]\.url: 'https://example.org"):
        local_feeds_yaml(template, "http://127.0.0.1:1", source="demo.yaml")
    with pytest.raises(DemoError, match="no list of feeds"):
        local_feeds_yaml("feeds: []\n", "http://127.0.0.1:1")


def test_a_taken_default_port_is_replaced_and_said_but_a_taken_chosen_port_is_an_error() -> None:
    taken = {DemoPorts().prometheus, 7000}
    ports, notes = choose_ports({}, lambda port: port not in taken, lambda: 41000)
    assert ports == DemoPorts(prometheus=41000)
    assert notes == ["port 9090 (prometheus) is in use: the demo uses 41000 instead"]

    ports, notes = choose_ports({"feeds": 7001}, lambda port: True, lambda: 1)
    assert (ports.feeds, notes) == (7001, [])
    with pytest.raises(DemoError, match="--feeds-port 7000: the port is in use"):
        choose_ports({"feeds": 7000}, lambda port: port not in taken, lambda: 1)


def test_prometheus_scrapes_the_demo_ingester_with_the_real_rules_and_alerts_locally() -> None:
    ports = DemoPorts(metrics=9500, alertmanager=9600)
    config = prometheus_config(ports)
    assert config["rule_files"] == [str(RULES_FILE)]
    (newswatch,) = [job for job in config["scrape_configs"] if job["job_name"] == "newswatch"]
    assert newswatch["static_configs"] == [{"targets": ["127.0.0.1:9500"]}]
    assert config["alerting"]["alertmanagers"] == [
        {"static_configs": [{"targets": ["127.0.0.1:9600"]}]}
    ]
    assert config["global"]["evaluation_interval"] == "5s"


def test_only_the_demo_ingester_may_fetch_from_loopback(tmp_path: Path) -> None:
    environment = ingester_environment(DemoPorts(), tmp_path / "feeds.yaml")
    fetch = FetchSettings(allow_networks=environment["NEWSWATCH_FETCH_ALLOW_NETWORKS"])
    policy = AddressPolicy(fetch.allow_networks)
    assert policy.permits(ipaddress.ip_address("127.0.0.1"))
    assert not policy.permits(ipaddress.ip_address("10.0.0.1"))
    assert not AddressPolicy().permits(ipaddress.ip_address("127.0.0.1"))
