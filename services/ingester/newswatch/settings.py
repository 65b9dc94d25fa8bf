"""All service settings in one place.

Precedence, highest first: command-line flags, ``NEWSWATCH_*`` environment variables, the
settings file (YAML; ``--config`` or ``NEWSWATCH_CONFIG_FILE``), then the defaults below.
"""

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    YamlConfigSettingsSource,
)

from newswatch import __version__
from newswatch.common.errors import ConfigError

CONFIG_FILE_VARIABLE = "NEWSWATCH_CONFIG_FILE"


def _split_commas(value: object) -> object:
    """``"10.0.0.0/8, 127.0.0.1/32"`` from the environment becomes a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


NetworkList = Annotated[
    list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode, BeforeValidator(_split_commas)
]


class Settings(BaseSettings):
    """Every knob of the ingester; each field is also ``NEWSWATCH_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="NEWSWATCH_", extra="forbid", frozen=True)

    feeds_file: Path | None = Field(None, description="Feeds file (YAML); bundled list if unset.")
    themes_file: Path | None = Field(None, description="Themes file (YAML); bundled if unset.")
    gazetteer_file: Path | None = Field(
        None, description="Actors and places to extract (YAML); bundled if unset."
    )

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_client_id: str = "newswatch-ingester"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_sasl_password_file: Path | None = Field(
        None, description="File holding the SASL password (e.g. a Docker secret)."
    )
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle (PEM) to verify brokers.")
    kafka_ssl_certfile: Path | None = Field(None, description="Client certificate (PEM), for mTLS.")
    kafka_ssl_keyfile: Path | None = Field(None, description="Client private key (PEM), for mTLS.")
    kafka_ssl_password: SecretStr | None = Field(None, description="Password of the private key.")
    kafka_ssl_check_hostname: bool = True
    topic_prefix: str = Field("newswatch", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
    topic_partitions: int = Field(3, ge=1)
    topic_replication_factor: int = Field(1, ge=1)
    max_unacked_records: int = Field(
        10_000, ge=1, description="Sends awaiting a Kafka ack; polling pauses when it is reached."
    )
    kafka_request_timeout_seconds: float = Field(30.0, gt=0)
    kafka_group_id: str | None = Field(
        None, description="Group the replicas share feeds in; '<topic_prefix>.ingesters' if unset."
    )
    kafka_session_timeout_seconds: float = Field(
        10.0, ge=6, le=300, description="How soon a dead replica's feeds are taken over."
    )
    kafka_delivery_timeout_seconds: float = Field(
        120.0, gt=0, description="How long the producer retries a record before giving up on it."
    )
    kafka_linger_ms: int = Field(
        20, ge=0, le=1000, description="How long the producer waits to fill a batch."
    )
    kafka_batch_size_bytes: int = Field(
        512 * 1024, ge=1024, description="Largest batch the producer sends to one partition."
    )
    shutdown_flush_seconds: float = Field(30.0, gt=0)

    metrics_host: str = "0.0.0.0"  # noqa: S104 - an exporter listens on every interface by default
    metrics_port: int = Field(9120, ge=0, le=65535)

    poll_interval_seconds: float = Field(
        300.0, gt=0, description="Interval of a feed until its publishing rate is known."
    )
    feeds_reload_seconds: float = Field(
        10.0, gt=0, description="How often the feeds file is checked for changes."
    )
    min_poll_interval_seconds: float = Field(60.0, gt=0)
    max_poll_interval_seconds: float = Field(3600.0, gt=0)
    max_backoff_seconds: float = Field(
        6 * 3600.0, gt=0, description="Longest wait after repeated failures or Retry-After."
    )
    max_concurrent_fetches: int = Field(64, ge=1)
    max_fetches_per_host: int = Field(2, ge=1)
    fetch_allow_networks: NetworkList = Field(
        default_factory=list,
        description="Networks (CIDR) the fetcher may reach besides public addresses.",
    )
    connect_timeout_seconds: float = Field(10.0, gt=0)
    read_timeout_seconds: float = Field(20.0, gt=0)
    total_timeout_seconds: float = Field(60.0, gt=0, description="Whole request, body included.")
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(5, ge=0)
    max_entries_per_feed: int = Field(1000, ge=1)
    parse_time_limit_seconds: float = Field(
        30.0, gt=0, description="Longest a document may take to parse; then it is a parse error."
    )
    max_title_chars: int = Field(1000, ge=10)
    max_summary_chars: int = Field(20_000, ge=10)
    user_agent: str = Field(
        f"newswatch/{__version__} (news feed monitor)",
        description="Operators should add a contact: 'newswatch/0.1 (+mailto:ops@example.org)'.",
    )
    seen_ids_capacity: int = Field(
        500_000, ge=1000, description="Item ids remembered as already published, per process."
    )

    story_horizon_hours: float = Field(
        72.0, gt=0, description="How long items stay in the story index (item time)."
    )
    story_burst_sources: int = Field(
        3, ge=2, description="Distinct sources that make a story burst within the window."
    )
    story_burst_window_minutes: float = Field(60.0, gt=0)

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _sasl_is_complete(self) -> "Settings":
        if not self.kafka_security_protocol.startswith("SASL_"):
            return self
        if not self.kafka_sasl_mechanism or not self.kafka_sasl_username:
            raise ValueError(
                f"kafka_security_protocol {self.kafka_security_protocol} needs "
                "kafka_sasl_mechanism and kafka_sasl_username"
            )
        if self.kafka_sasl_password is None and self.kafka_sasl_password_file is None:
            raise ValueError("SASL needs kafka_sasl_password or kafka_sasl_password_file")
        return self

    def sasl_password(self) -> str | None:
        """The SASL password, from the setting or from its file. Never log it."""
        if self.kafka_sasl_password is not None:
            return self.kafka_sasl_password.get_secret_value()
        if self.kafka_sasl_password_file is None:
            return None
        try:
            return self.kafka_sasl_password_file.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(
                f"cannot read: {error.strerror}", path=self.kafka_sasl_password_file
            ) from error

    @model_validator(mode="after")
    def _delivery_outlasts_a_request(self) -> "Settings":
        if self.kafka_delivery_timeout_seconds <= self.kafka_request_timeout_seconds:
            raise ValueError(
                "kafka_delivery_timeout_seconds must be longer than kafka_request_timeout_seconds"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (passed as init arguments), then environment, then the YAML settings file."""
        return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))


def load_settings(flags: dict[str, Any], config_file: Path | None = None) -> Settings:
    """Build the settings from flags, environment and an optional YAML settings file.

    Flags whose value is ``None`` were not given and do not override anything.
    """
    given = {name: value for name, value in flags.items() if value is not None}
    path = config_file or _path_from_environment()
    settings_cls: type[Settings] = Settings
    if path is not None:
        if not path.is_file():
            raise ConfigError("settings file not found", path=path)

        class FileBackedSettings(Settings):
            model_config = SettingsConfigDict(yaml_file=path)

        settings_cls = FileBackedSettings
    try:
        return settings_cls(**given)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        variable = f"NEWSWATCH_{field.upper()}" if field else "NEWSWATCH_* variables"
        source = f"flags, {variable} or {path}" if path else f"flags or {variable}"
        raise ConfigError(f"{first['msg']} (from {source})", path=path, field=field) from error
    except SettingsError as error:
        raise ConfigError(str(error), path=path) from error


def _path_from_environment() -> Path | None:
    value = os.environ.get(CONFIG_FILE_VARIABLE)
    return Path(value) if value else None
