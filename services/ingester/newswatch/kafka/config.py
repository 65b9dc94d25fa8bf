"""The Kafka package's own configuration: brokers, security, topics, producer and group.

The service composes it into its settings (``settings.kafka``); the fields are named as the
package sees them (``bootstrap_servers``), and the service maps its historic flat names
(``NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS``) onto them.
"""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from newswatch.common.errors import ConfigError


class KafkaSettings(BaseModel):
    """How the service reaches Kafka, names and creates its topics, and publishes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bootstrap_servers: str = Field("127.0.0.1:9092", description="Comma-separated host:port.")
    client_id: str = "newswatch-ingester"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = Field(
        None, description="File holding the SASL password (e.g. a Docker secret)."
    )
    ssl_cafile: Path | None = Field(None, description="CA bundle (PEM) to verify brokers.")
    ssl_certfile: Path | None = Field(None, description="Client certificate (PEM), for mTLS.")
    ssl_keyfile: Path | None = Field(None, description="Client private key (PEM), for mTLS.")
    ssl_password: SecretStr | None = Field(None, description="Password of the private key.")
    ssl_check_hostname: bool = True
    topic_prefix: str = Field("newswatch", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
    topic_partitions: int = Field(3, ge=1)
    topic_replication_factor: int = Field(1, ge=1)
    max_unacked_records: int = Field(
        10_000,
        ge=1,
        description="Records in flight to Kafka at once: the spool drains in turns of this many.",
    )
    request_timeout_seconds: float = Field(30.0, gt=0)
    group_id: str | None = Field(
        None, description="Group the replicas share feeds in; '<topic_prefix>.ingesters' if unset."
    )
    session_timeout_seconds: float = Field(
        10.0, ge=6, le=300, description="How soon a dead replica's feeds are taken over."
    )
    delivery_timeout_seconds: float = Field(
        120.0, gt=0, description="How long the producer retries a record before giving up on it."
    )
    linger_ms: int = Field(
        20, ge=0, le=1000, description="How long the producer waits to fill a batch."
    )
    batch_size_bytes: int = Field(
        512 * 1024, ge=1024, description="Largest batch the producer sends to one partition."
    )
    shutdown_flush_seconds: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _sasl_is_complete(self) -> "KafkaSettings":
        if not self.security_protocol.startswith("SASL_"):
            return self
        if not self.sasl_mechanism or not self.sasl_username:
            raise ValueError(
                f"security_protocol {self.security_protocol} needs sasl_mechanism and sasl_username"
            )
        if self.sasl_password is None and self.sasl_password_file is None:
            raise ValueError("SASL needs sasl_password or sasl_password_file")
        return self

    @model_validator(mode="after")
    def _delivery_outlasts_a_request(self) -> "KafkaSettings":
        if self.delivery_timeout_seconds <= self.request_timeout_seconds:
            raise ValueError("delivery_timeout_seconds must be longer than request_timeout_seconds")
        return self

    def read_sasl_password(self) -> str | None:
        """The SASL password, from the setting or from its file. Never log it."""
        if self.sasl_password is not None:
            return self.sasl_password.get_secret_value()
        if self.sasl_password_file is None:
            return None
        try:
            return self.sasl_password_file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(
                f"cannot read: {error.strerror}", path=self.sasl_password_file
            ) from error

    def fleet_group_id(self) -> str:
        """The consumer group the replicas share feeds in: the setting, or the prefix's."""
        return self.group_id or f"{self.topic_prefix}.ingesters"


DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024


class SpoolSettings(BaseModel):
    """Where the on-disk spool between analysis and Kafka lives, and how large it may grow."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dir: Path = Field(
        Path(".newswatch-spool"),
        description=(
            "Directory of the spool; its file is <topic_prefix>.spool.db. The container image"
            " sets /var/lib/newswatch/spool (the ingester-spool volume)."
        ),
    )
    max_bytes: int = Field(
        DEFAULT_SPOOL_MAX_BYTES,
        ge=4096,
        description="Record bytes the spool may hold; polling pauses at the limit.",
    )

    def path(self, topic_prefix: str) -> Path:
        """The spool file of a topic prefix."""
        return self.dir / f"{topic_prefix}.spool.db"
