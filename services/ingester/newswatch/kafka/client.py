"""Connecting to Kafka: client settings, topic creation, and a probe of the cluster's health."""

import threading
import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from newswatch.kafka.config import KafkaSettings

RECONNECT_BACKOFF_MS = 100
RECONNECT_BACKOFF_MAX_MS = 1_000
RETRY_BACKOFF_MS = 100


def kafka_client_config(settings: KafkaSettings) -> dict[str, Any]:
    """Connection settings shared by every Kafka client of the service (secrets included)."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "client_id": settings.client_id,
        "security_protocol": settings.security_protocol,
        "bootstrap_timeout_ms": 10_000,
        # kafka-python waits up to 30 s between reconnection attempts by default; a broker
        # that is back must be used again within 2 s (the spool drains as soon as it answers).
        "reconnect_backoff_ms": RECONNECT_BACKOFF_MS,
        "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
        "retry_backoff_ms": RETRY_BACKOFF_MS,
    }
    if settings.security_protocol.startswith("SASL_"):
        config["sasl_mechanism"] = settings.sasl_mechanism
        config["sasl_plain_username"] = settings.sasl_username
        config["sasl_plain_password"] = settings.read_sasl_password()
    if settings.security_protocol in {"SSL", "SASL_SSL"}:
        config["ssl_check_hostname"] = settings.ssl_check_hostname
        for key, path in (
            ("ssl_cafile", settings.ssl_cafile),
            ("ssl_certfile", settings.ssl_certfile),
            ("ssl_keyfile", settings.ssl_keyfile),
        ):
            if path is not None:
                config[key] = str(path)
        if settings.ssl_password is not None:
            config["ssl_password"] = settings.ssl_password.get_secret_value()
    return config


def ensure_topics(settings: KafkaSettings, topics: list[str], compacted: set[str]) -> list[str]:
    """Create the topics that do not exist yet; return the ones created. Blocking."""
    admin = KafkaAdminClient(**kafka_client_config(settings))
    try:
        existing = set(admin.list_topics())
        missing = [name for name in topics if name not in existing]
        created = []
        for name in missing:
            try:
                configs = {"cleanup.policy": "compact"} if name in compacted else {}
                admin.create_topics(
                    [
                        NewTopic(
                            name,
                            settings.topic_partitions,
                            settings.topic_replication_factor,
                            topic_configs=configs,
                        )
                    ]
                )
                created.append(name)
            except TopicAlreadyExistsError:
                continue
        return created
    finally:
        admin.close()


class ClusterProbe:
    """Asks the cluster for its metadata every few seconds, on a daemon thread.

    The producer has no public "connected" signal after bootstrap, so readiness comes from
    this real round trip (and from acknowledgements, which prove contact too).
    """

    INTERVAL_SECONDS = 5.0
    STALE_SECONDS = 15.0

    def __init__(self, admin: Any) -> None:
        self._admin = admin
        self._last_contact = time.monotonic()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newswatch-kafka-probe", daemon=True)
        self._thread.start()

    def contact(self) -> None:
        """Record that the cluster answered just now."""
        self._last_contact = time.monotonic()

    def recent(self) -> bool:
        """True when the cluster answered within the last ``STALE_SECONDS``."""
        return time.monotonic() - self._last_contact < self.STALE_SECONDS

    def close(self) -> None:
        """Stop probing and close the admin client."""
        self._closed.set()
        self._thread.join(timeout=self.INTERVAL_SECONDS * 2)
        self._admin.close()

    def _run(self) -> None:
        while not self._closed.wait(self.INTERVAL_SECONDS):
            try:
                self._admin.describe_cluster()
            except KafkaError:
                continue
            self.contact()


def read_compacted(
    client_config: dict[str, Any], topic: str, timeout_s: float = 30.0
) -> dict[str, bytes]:
    """The latest value of every key of a compacted topic, read from start to end. Blocking.

    Keys whose latest record is a tombstone are left out.
    """
    consumer = KafkaConsumer(
        **client_config, enable_auto_commit=False, group_id=None, consumer_timeout_ms=1000
    )
    try:
        partitions = [
            TopicPartition(topic, number)
            for number in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        if not partitions:
            return {}
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        latest: dict[str, bytes] = {}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} took longer than {timeout_s:g} s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    key = record.key.decode("utf-8") if record.key else ""
                    if record.value:
                        latest[key] = record.value
                    else:
                        latest.pop(key, None)
        return latest
    finally:
        consumer.close()
