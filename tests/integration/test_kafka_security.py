"""Kafka security against real listeners: SASL PLAIN and both SCRAMs (the password from the
environment or from a file, never in the logs), and TLS verified against the broker's CA."""

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.local_broker import LocalBroker
from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import Service, run_newswatch

pytestmark = pytest.mark.integration

USER = "newswatch"
PASSWORD = "s3cret-Pa55-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    broker = LocalBroker(tmp_path_factory.mktemp("sasl-kafka"), sasl_users={USER: PASSWORD})
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def feeds_file(tmp_path: Path, server: FeedServer) -> Path:
    server.routes["/rss2.xml"] = Route((ROOT / "tests/fixtures/feeds/rss2.xml").read_bytes())
    path = tmp_path / "feeds.yaml"
    path.write_text(f"feeds:\n  - {{name: wire, url: '{server.url('/rss2.xml')}'}}\n")
    return path


def self_signed_pem(directory: Path) -> tuple[Path, Path]:
    """A key and certificate for 127.0.0.1 (openssl): the broker's PEM keystore and the CA file."""
    key, certificate, keystore = (directory / name for name in ("key.pem", "cert.pem", "all.pem"))
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    pkcs8 = subprocess.run(
        ["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", str(key)],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout
    keystore.write_bytes(pkcs8 + certificate.read_bytes())
    return keystore, certificate


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalBroker, Path]]:
    keystore, certificate = self_signed_pem(tmp_path_factory.mktemp("tls"))
    broker = LocalBroker(tmp_path_factory.mktemp("tls-kafka"), tls_keystore_pem=keystore)
    broker.start()
    try:
        yield broker, certificate
    finally:
        broker.stop()


def test_publishes_over_tls(
    tmp_path: Path, feed_server: FeedServer, tls_broker: tuple[LocalBroker, Path]
) -> None:
    broker, certificate = tls_broker
    prefix = f"nwtls-{uuid.uuid4().hex[:8]}"
    environment = {
        "NEWSWATCH_KAFKA_SECURITY_PROTOCOL": "SSL",
        "NEWSWATCH_KAFKA_SSL_CAFILE": str(certificate),
    }
    result = run_newswatch(
        "run",
        "--once",
        "--feeds",
        str(feeds_file(tmp_path, feed_server)),
        "--bootstrap-servers",
        broker.tls_bootstrap_servers,
        "--topic-prefix",
        prefix,
        "--log-format",
        "json",
        timeout_s=120,
        environment=environment,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(read_all(broker.bootstrap_servers, f"{prefix}.items")) == 2


def test_tls_refuses_a_broker_it_cannot_verify(
    tmp_path: Path, feed_server: FeedServer, tls_broker: tuple[LocalBroker, Path]
) -> None:
    broker, _ = tls_broker
    _, stranger = self_signed_pem(tmp_path)
    config = tmp_path / "newswatch.yaml"
    config.write_text(
        json.dumps(
            {
                "kafka_security_protocol": "SSL",
                "kafka_ssl_cafile": str(stranger),
                "kafka_bootstrap_servers": broker.tls_bootstrap_servers,
                "feeds_file": str(feeds_file(tmp_path, feed_server)),
                "log_format": "json",
            }
        )
    )
    with Service(["--config", str(config)], tmp_path / "service.log", free_port()) as service:
        # it keeps collecting into its spool, but never connects: degraded, retrying
        body = service.wait_for("/readyz", 200)
        assert json.loads(body)["status"] == "degraded: spooling"
        service.wait_for_log("kafka not reachable; retrying")
        assert service.metric("newswatch_events_published_total", outcome="ok") == 0
        assert service.terminate() == 0
        events = service.log_events()
    assert not any(event.get("event") == "connected to kafka" for event in events)


@pytest.mark.parametrize(
    ("mechanism", "password_from_file"),
    [("PLAIN", False), ("SCRAM-SHA-256", True), ("SCRAM-SHA-512", False)],
)
def test_publishes_over_sasl(
    tmp_path: Path,
    feed_server: FeedServer,
    sasl_broker: LocalBroker,
    mechanism: str,
    password_from_file: bool,
) -> None:
    prefix = f"nwsasl-{uuid.uuid4().hex[:8]}"
    environment = {
        "NEWSWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "NEWSWATCH_KAFKA_SASL_MECHANISM": mechanism,
        "NEWSWATCH_KAFKA_SASL_USERNAME": USER,
        "NEWSWATCH_LOG_LEVEL": "DEBUG",
    }
    if password_from_file:
        secret = tmp_path / "kafka-password"
        secret.write_text(PASSWORD + "\n")
        environment["NEWSWATCH_KAFKA_SASL_PASSWORD_FILE"] = str(secret)
    else:
        environment["NEWSWATCH_KAFKA_SASL_PASSWORD"] = PASSWORD
    result = run_newswatch(
        "run",
        "--once",
        "--feeds",
        str(feeds_file(tmp_path, feed_server)),
        "--bootstrap-servers",
        sasl_broker.sasl_bootstrap_servers,
        "--topic-prefix",
        prefix,
        "--log-format",
        "json",
        timeout_s=120,
        environment=environment,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert PASSWORD not in result.stderr + result.stdout
    items = read_all(sasl_broker.bootstrap_servers, f"{prefix}.items")
    assert len(items) == 2
    assert all(json.loads(record.value)["themes"] for record in items)


def test_a_wrong_password_is_degraded_and_not_logged(
    tmp_path: Path, feed_server: FeedServer, sasl_broker: LocalBroker
) -> None:
    wrong = "wrong-" + PASSWORD
    config = tmp_path / "newswatch.yaml"
    config.write_text(
        json.dumps(
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "SCRAM-SHA-256",
                "kafka_sasl_username": USER,
                "kafka_sasl_password": wrong,
                "kafka_bootstrap_servers": sasl_broker.sasl_bootstrap_servers,
                "feeds_file": str(feeds_file(tmp_path, feed_server)),
                "log_format": "json",
                "log_level": "DEBUG",
            }
        )
    )
    with Service(["--config", str(config)], tmp_path / "service.log", free_port()) as service:
        body = service.wait_for("/readyz", 200)
        assert json.loads(body)["status"] == "degraded: spooling"
        service.wait_for_log("kafka not reachable; retrying")
        service.wait_for_metric("newswatch_feeds_configured", 1)
        _, metrics = service.get("/metrics")
        assert service.terminate() == 0
        logs = service.logs()
    assert "kafka not reachable" in logs
    assert wrong not in logs
    assert wrong not in metrics


def test_tail_reads_with_the_services_sasl_settings(
    tmp_path: Path, feed_server: FeedServer, sasl_broker: LocalBroker
) -> None:
    prefix = f"nwsasl-{uuid.uuid4().hex[:8]}"
    secret = tmp_path / "kafka-password"
    secret.write_text(PASSWORD + "\n")
    environment = {
        "NEWSWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "NEWSWATCH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "NEWSWATCH_KAFKA_SASL_USERNAME": USER,
        "NEWSWATCH_KAFKA_SASL_PASSWORD_FILE": str(secret),
        "NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS": sasl_broker.sasl_bootstrap_servers,
        "NEWSWATCH_TOPIC_PREFIX": prefix,
    }
    published = run_newswatch(
        "run",
        "--once",
        "--feeds",
        str(feeds_file(tmp_path, feed_server)),
        "--log-format",
        "json",
        environment=environment,
    )
    assert published.returncode == 0, published.stderr[-3000:]
    result = run_newswatch(
        "tail",
        "--from-beginning",
        "--json",
        "--max",
        "2",
        "--timeout",
        "20",
        environment=environment,
    )
    assert result.returncode == 0, result.stderr
    titles = {json.loads(line)["data"]["title"] for line in result.stdout.splitlines()}
    assert "Taliban fighters attack Afghan army checkpoint in Kunduz" in titles
    assert len(titles) == 2
    wrong = {**environment, "NEWSWATCH_KAFKA_SASL_PASSWORD_FILE": str(tmp_path / "none")}
    refused = run_newswatch("tail", "--timeout", "1", environment=wrong)
    assert refused.returncode == 2
    assert "cannot read" in refused.stderr
    unknown = {**environment, "NEWSWATCH_KAFKA_SASL_USERNAME": "stranger"}
    denied = run_newswatch("tail", "--timeout", "1", environment=unknown)
    assert denied.returncode == 1
    assert len(denied.stderr.splitlines()) == 1
    assert f"cannot reach Kafka at {sasl_broker.sasl_bootstrap_servers}" in denied.stderr
    assert PASSWORD not in result.stderr + refused.stderr + denied.stderr
