"""The service's settings: its own few knobs, and the components' sections composed.

Each component owns its section's model (``kafka.config.KafkaSettings`` and ``SpoolSettings``,
``fetching.config.FetchSettings`` and ``ScheduleSettings``, ``analysis.config.TextSettings``
and ``StorySettings``, ``analysis.semantic.config.SemanticSettings``) and is handed that
section as it is: ``settings.kafka``, ...

Precedence, highest first: command-line flags, ``NEWSWATCH_*`` environment variables, the
settings file (YAML; ``--config`` or ``NEWSWATCH_CONFIG_FILE``), then the defaults.

Every setting has one flat name, its historic one: ``NEWSWATCH_<NAME>`` in the environment,
``<name>`` in the settings file and in flags (``kafka_bootstrap_servers``). ``FLAT_NAMES``
says which section and field each flat name of a section sets. The nested forms work too:
``kafka: {bootstrap_servers: ...}`` in the file, ``NEWSWATCH_KAFKA__BOOTSTRAP_SERVERS`` in
the environment; where one source gives both forms of a setting, the flat name wins.
"""

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    YamlConfigSettingsSource,
)

from newswatch.analysis.config import StorySettings, TextSettings
from newswatch.analysis.semantic.config import SemanticSettings
from newswatch.common.errors import ConfigError
from newswatch.fetching.config import FetchSettings, ScheduleSettings
from newswatch.kafka.config import KafkaSettings, SpoolSettings

ENV_PREFIX = "NEWSWATCH_"
CONFIG_FILE_VARIABLE = "NEWSWATCH_CONFIG_FILE"


def _names(value: object) -> object:
    """``"session_id, hash"`` (the environment's form) becomes a list of names."""
    return [name.strip() for name in value.split(",")] if isinstance(value, str) else value


NameList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_names)]


class Settings(BaseSettings):
    """Every knob of the ingester: the service's own, then one section per component."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    feeds_file: Path | None = Field(None, description="Feeds file (YAML); bundled list if unset.")
    themes_file: Path | None = Field(None, description="Themes file (YAML); bundled if unset.")
    gazetteer_file: Path | None = Field(
        None, description="Actors and places to extract (YAML); bundled if unset."
    )
    feeds_reload_seconds: float = Field(
        10.0, gt=0, description="How often the feeds file is checked for changes."
    )
    analysis_workers: int | None = Field(
        None,
        ge=1,
        description="Worker processes that parse documents and analyse their entries; unset: "
        "the number of cores minus one, at least one.",
    )
    seen_ids_capacity: int = Field(
        500_000, ge=1000, description="Item ids remembered as already published, per process."
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description=(
            "Address of the HTTP port (/metrics, /feeds, probes). Loopback unless set: the"
            " endpoints show feed health and are for Prometheus and operators only. The"
            " container image sets 0.0.0.0, which a container needs to be scraped."
        ),
    )
    metrics_port: int = Field(9120, ge=0, le=65535)
    redact_query_params: NameList = Field(
        (),
        description=(
            "Query parameter names whose values are secrets, besides the built-in ones"
            " (common.redaction); their values are shown as REDACTED."
        ),
    )
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    spool: SpoolSettings = Field(default_factory=SpoolSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    text: TextSettings = Field(default_factory=TextSettings)
    stories: StorySettings = Field(default_factory=StorySettings)
    semantic: SemanticSettings = Field(default_factory=SemanticSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (passed as init arguments), then environment, then the YAML settings file;
        each with its flat names moved into their sections."""
        return (
            _SectionedFlags(init_settings),
            _SectionedEnvironment(settings_cls),
            _SectionedFile(settings_cls),
        )


def _named(section: str, prefix: str, *fields: str) -> dict[str, tuple[str, str]]:
    return {prefix + field: (section, field) for field in fields}


FLAT_NAMES: dict[str, tuple[str, str]] = {
    **_named(
        "kafka",
        "kafka_",
        "bootstrap_servers",
        "client_id",
        "security_protocol",
        "sasl_mechanism",
        "sasl_username",
        "sasl_password",
        "sasl_password_file",
        "ssl_cafile",
        "ssl_certfile",
        "ssl_keyfile",
        "ssl_password",
        "ssl_check_hostname",
        "request_timeout_seconds",
        "group_id",
        "session_timeout_seconds",
        "delivery_timeout_seconds",
        "linger_ms",
        "batch_size_bytes",
    ),
    **_named(
        "kafka",
        "",
        "topic_prefix",
        "topic_partitions",
        "topic_replication_factor",
        "max_unacked_records",
        "shutdown_flush_seconds",
    ),
    **_named("spool", "spool_", "dir", "max_bytes"),
    **_named(
        "fetch",
        "",
        "connect_timeout_seconds",
        "read_timeout_seconds",
        "total_timeout_seconds",
        "max_body_bytes",
        "max_redirects",
        "user_agent",
        "max_concurrent_fetches",
        "max_fetches_per_host",
        "host_min_interval_seconds",
        "max_entries_per_feed",
        "parse_time_limit_seconds",
    ),
    **_named("fetch", "fetch_", "allow_networks"),
    **_named(
        "schedule",
        "",
        "poll_interval_seconds",
        "min_poll_interval_seconds",
        "max_poll_interval_seconds",
        "max_backoff_seconds",
        "max_hinted_interval_seconds",
    ),
    **_named("text", "", "max_title_chars", "max_summary_chars"),
    **_named("stories", "story_", "horizon_hours", "burst_sources", "burst_window_minutes"),
    **_named(
        "semantic",
        "semantic_",
        "enabled",
        "threshold",
        "classifier_file",
        "queue_size",
        "timeout_seconds",
        "batch_size",
    ),
}
"""The flat name of every field of every section: the single table of the historic names."""

SECTIONS: dict[str, type[BaseModel]] = {
    name: field.annotation
    for name, field in Settings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
}
_FLAT_NAME_OF = {place: flat for flat, place in FLAT_NAMES.items()}


def flat_names() -> list[str]:
    """Every flat setting name, the service's own and the sections'; ``NEWSWATCH_<NAME>``."""
    own = [name for name in Settings.model_fields if name not in SECTIONS]
    return own + list(FLAT_NAMES)


def into_sections(values: Mapping[str, Any]) -> dict[str, Any]:
    """Move the flat names of one source's values into their sections (names in any case)."""
    result = dict(values)
    for key in values:
        place = FLAT_NAMES.get(key.lower())
        if place is None:
            continue
        section, field = place
        nested = result.get(section, {})
        if isinstance(nested, Mapping):
            result[section] = {**nested, field: result.pop(key)}
    return result


class _SectionedFlags(PydanticBaseSettingsSource):
    """The flags (init arguments), their flat names moved into their sections."""

    def __init__(self, flags: PydanticBaseSettingsSource) -> None:
        super().__init__(flags.settings_cls)
        self._flags = flags

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """One field's value as the flags source gives it (``__call__`` does the work)."""
        return self._flags.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        """The flags, with the flat names moved into their sections."""
        return into_sections(self._flags())


class _SectionedFile(YamlConfigSettingsSource):
    """The YAML settings file, its flat keys moved into their sections."""

    def __call__(self) -> dict[str, Any]:
        """The file's keys, with the flat names moved into their sections."""
        return into_sections(super().__call__())


class _SectionedEnvironment(EnvSettingsSource):
    """``NEWSWATCH_*`` variables: the nested forms, then the flat names of the sections."""

    def __call__(self) -> dict[str, Any]:
        """The variables, each flat name of a section put in its section."""
        flat: dict[str, Any] = {}
        for name in FLAT_NAMES:
            variable = self.env_prefix + name
            value = self.env_vars.get(variable if self.case_sensitive else variable.lower())
            if value is not None:
                flat[name] = value
        return into_sections({**super().__call__(), **flat})


def load_settings(flags: dict[str, Any], config_file: Path | None = None) -> Settings:
    """Build the settings from flags, environment and an optional YAML settings file.

    Flags go by their flat names; those whose value is ``None`` were not given and do not
    override anything.
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
        raise _config_error(error.errors()[0], path) from error
    except SettingsError as error:
        raise ConfigError(str(error), path=path) from error


def _config_error(first: ErrorDetails, path: Path | None) -> ConfigError:
    """The first validation error, told in the flat names the operator writes."""
    field, variable = _located(tuple(str(part) for part in first["loc"]))
    message = first["msg"]
    if field in SECTIONS:
        message = _flat_field_names(field, message)
    source = f"flags, {variable} or {path}" if path else f"flags or {variable}"
    return ConfigError(f"{message} (from {source})", path=path, field=field)


def _located(loc: tuple[str, ...]) -> tuple[str, str]:
    """The field (flat name where there is one) and the variable an error location names."""
    loc = tuple(part for part in loc if part.isidentifier() or part.isdigit())
    if not loc:
        return "", f"{ENV_PREFIX}* variables"
    flat = _FLAT_NAME_OF.get((loc[0], loc[1])) if len(loc) > 1 else None
    if flat is not None:
        return ".".join((flat, *loc[2:])), ENV_PREFIX + flat.upper()
    if loc[0] in SECTIONS and len(loc) == 1:
        return loc[0], f"{ENV_PREFIX}* variables"
    named = loc[:2] if loc[0] in SECTIONS else loc[:1]
    return ".".join(loc), ENV_PREFIX + "__".join(named).upper()


def _flat_field_names(section: str, message: str) -> str:
    """A section's message (naming its fields, as the component does) in flat names."""
    return re.sub(
        r"\b[a-z_]+\b",
        lambda word: _FLAT_NAME_OF.get((section, word.group()), word.group()),
        message,
    )


def _path_from_environment() -> Path | None:
    value = os.environ.get(CONFIG_FILE_VARIABLE)
    return Path(value) if value else None
