"""Settings precedence: flags, then NEWSWATCH_* variables, then the settings file, then defaults;
every flat name (the README's table) lands in its component's section."""

import os
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from newswatch.cli import build_parser
from newswatch.common.errors import ConfigError
from newswatch.kafka.config import KafkaSettings
from newswatch.settings import ENV_PREFIX, FLAT_NAMES, SECTIONS, Settings, flat_names, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.kafka.topic_prefix == "newswatch"
    assert settings.feeds_file is None


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text("topic_prefix: from-file\nmetrics_port: 9999\nmax_redirects: 2\n")
    monkeypatch.setenv("NEWSWATCH_TOPIC_PREFIX", "from-env")
    monkeypatch.setenv("NEWSWATCH_METRICS_PORT", "8888")
    settings = load_settings({"metrics_port": 7777, "topic_prefix": None}, config)
    assert settings.metrics_port == 7777
    assert settings.kafka.topic_prefix == "from-env"
    assert settings.fetch.max_redirects == 2


def test_precedence_holds_within_a_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text(
        "kafka_bootstrap_servers: file:9092\ntopic_prefix: from-file\nkafka_client_id: file\n"
    )
    monkeypatch.setenv("NEWSWATCH_TOPIC_PREFIX", "from-env")
    monkeypatch.setenv("NEWSWATCH_KAFKA_CLIENT_ID", "env")
    settings = load_settings({"kafka_client_id": "flag"}, config)
    assert settings.kafka.client_id == "flag"
    assert settings.kafka.topic_prefix == "from-env"
    assert settings.kafka.bootstrap_servers == "file:9092"
    assert settings.kafka.linger_ms == KafkaSettings().linger_ms


def test_config_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text("kafka_bootstrap_servers: broker.test:9092\n")
    monkeypatch.setenv("NEWSWATCH_CONFIG_FILE", str(config))
    assert load_settings({}).kafka.bootstrap_servers == "broker.test:9092"


def test_nested_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text(
        "kafka:\n  bootstrap_servers: file:9092\n  linger_ms: 7\n"
        "fetch:\n  allow_networks: [10.0.0.0/8]\n"
    )
    monkeypatch.setenv("NEWSWATCH_KAFKA__LINGER_MS", "9")
    monkeypatch.setenv("NEWSWATCH_STORIES__BURST_SOURCES", "5")
    settings = load_settings({}, config)
    assert settings.kafka.bootstrap_servers == "file:9092"
    assert settings.kafka.linger_ms == 9
    assert [str(network) for network in settings.fetch.allow_networks] == ["10.0.0.0/8"]
    assert settings.stories.burst_sources == 5


def test_flat_name_wins_over_the_nested_form_of_the_same_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSWATCH_KAFKA__LINGER_MS", "9")
    monkeypatch.setenv("NEWSWATCH_KAFKA_LINGER_MS", "11")
    assert load_settings({}).kafka.linger_ms == 11


def test_names_are_case_insensitive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text("MAX_REDIRECTS: 2\n")
    monkeypatch.setenv("newswatch_max_body_bytes", "2048")
    settings = load_settings({}, config)
    assert settings.fetch.max_redirects == 2
    assert settings.fetch.max_body_bytes == 2048


def test_networks_from_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_FETCH_ALLOW_NETWORKS", "10.0.0.0/8, 127.0.0.1/32")
    networks = load_settings({}).fetch.allow_networks
    assert [str(network) for network in networks] == ["10.0.0.0/8", "127.0.0.1/32"]


@pytest.mark.parametrize(
    ("variable", "value", "field", "told"),
    [
        ("NEWSWATCH_METRICS_PORT", "not-a-port", "metrics_port", "NEWSWATCH_METRICS_PORT"),
        ("NEWSWATCH_MAX_BODY_BYTES", "12", "max_body_bytes", "NEWSWATCH_MAX_BODY_BYTES"),
        (
            "NEWSWATCH_FETCH_ALLOW_NETWORKS",
            "10.0.0.0/8,nonsense",
            "fetch_allow_networks.1",
            "(from flags or NEWSWATCH_FETCH_ALLOW_NETWORKS)",
        ),
        (
            "NEWSWATCH_KAFKA_SECURITY_PROTOCOL",
            "SASL_SSL",
            "kafka",
            "kafka_security_protocol SASL_SSL needs kafka_sasl_mechanism",
        ),
        (
            "NEWSWATCH_KAFKA_DELIVERY_TIMEOUT_SECONDS",
            "30",
            "kafka",
            "kafka_delivery_timeout_seconds must be longer than kafka_request_timeout_seconds",
        ),
    ],
)
def test_bad_value_names_the_field(
    variable: str, value: str, field: str, told: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings({})
    assert caught.value.field == field
    assert told in str(caught.value)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("kafka_linger_ms: 5000\n", "kafka_linger_ms"),
        ("topic_prefx: typo\n", "topic_prefx"),
        ("kafka:\n  bootstrap_server: typo\n", "kafka.bootstrap_server"),
    ],
)
def test_bad_key_in_the_file_names_the_file_and_key(
    content: str, field: str, tmp_path: Path
) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, config)
    assert caught.value.field == field
    assert caught.value.path == config


def test_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_KAFKA_SASL_PASSWORD", "hunter2")
    settings = load_settings({})
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())
    assert settings.kafka.read_sasl_password() == "hunter2"


def test_sasl_password_from_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "kafka-password"
    secret.write_text("hunter2\n")
    assert KafkaSettings(sasl_password_file=secret).read_sasl_password() == "hunter2"
    with pytest.raises(ConfigError) as caught:
        KafkaSettings(sasl_password_file=tmp_path / "missing").read_sasl_password()
    assert caught.value.path == tmp_path / "missing"


def test_fleet_group_follows_the_prefix_unless_set() -> None:
    assert KafkaSettings(topic_prefix="nw").fleet_group_id() == "nw.ingesters"
    assert KafkaSettings(topic_prefix="nw", group_id="mine").fleet_group_id() == "mine"


def test_every_section_field_has_exactly_one_flat_name() -> None:
    places = sorted(FLAT_NAMES.values())
    fields = sorted(
        (section, field) for section, model in SECTIONS.items() for field in model.model_fields
    )
    assert places == fields
    own = set(Settings.model_fields) - set(SECTIONS)
    assert not own & set(FLAT_NAMES)
    assert set(SECTIONS) == {"kafka", "spool", "fetch", "schedule", "text", "stories", "semantic"}


def readme_variables() -> list[str]:
    """The variables of the README's settings table (its first column)."""
    text = README.read_text(encoding="utf-8")
    table = text.split("| variable | default | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in re.findall(r"NEWSWATCH_[A-Z_]+", row)]


def test_readme_table_lists_every_setting_once() -> None:
    documented = readme_variables()
    assert len(documented) == len(set(documented))
    settings = {ENV_PREFIX + name.upper() for name in flat_names()}
    assert set(documented) - settings == set(), "documented, but not a setting"
    assert settings - set(documented) == set(), "a setting the README table leaves out"


def _field_at(flat: str) -> tuple[str | None, FieldInfo]:
    section, field = FLAT_NAMES.get(flat, (None, flat))
    model: type[BaseModel] = SECTIONS[section] if section else Settings
    return section, model.model_fields[field]


SAMPLE_LISTS: dict[type, str] = {
    tuple: "10.0.0.0/8,127.0.0.1/32",
    dict: "api.gdeltproject.org=5,slow.test=2.5",
}
"""The environment's comma-separated form of a list setting and of a mapping setting."""


def _sample(field: FieldInfo) -> str:
    """A valid value for the field, other than its default, as the environment writes it."""
    default = field.get_default(call_default_factory=True)
    choices = [
        choice
        for part in (field.annotation, *typing.get_args(field.annotation))
        if typing.get_origin(part) is typing.Literal
        for choice in typing.get_args(part)
    ]
    if choices:
        return str(next(choice for choice in choices if choice != default))
    if isinstance(default, bool):
        return str(not default).lower()
    if isinstance(default, int | float):
        return str(default + 1)
    if isinstance(default, str):
        return default + "-sample"
    if isinstance(default, tuple | dict):
        return SAMPLE_LISTS[type(default)]
    optional = typing.get_args(field.annotation) if default is None else ()
    optional_samples = {float: "0.5", int: "3"}
    return next(
        (optional_samples[kind] for kind in optional if kind in optional_samples),
        str(Path("sample") / "file"),
    )


def _value(settings: Settings, flat: str) -> Any:
    section, field = FLAT_NAMES.get(flat, (None, flat))
    value = getattr(getattr(settings, section) if section else settings, field)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@pytest.mark.parametrize("variable", readme_variables())
def test_readme_variable_lands_in_its_section(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    flat = variable.removeprefix(ENV_PREFIX).lower()
    defaults = load_settings({})
    monkeypatch.setenv(variable, _sample(_field_at(flat)[1]))
    settings = load_settings({})
    changed = [name for name in flat_names() if _value(settings, name) != _value(defaults, name)]
    assert changed == [flat]


def test_networks_from_the_run_flag_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSWATCH_FETCH_ALLOW_NETWORKS", "10.0.0.0/8")
    args = build_parser().parse_args(["run", "--fetch-allow-networks", "127.0.0.1/32, ::1/128"])
    networks = load_settings({"fetch_allow_networks": args.fetch_allow_networks}).fetch
    assert [str(network) for network in networks.allow_networks] == ["127.0.0.1/32", "::1/128"]


def test_the_hint_cap_from_the_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings({}).schedule.max_hinted_interval_seconds is None
    config = tmp_path / "newswatch.yaml"
    config.write_text("max_hinted_interval_seconds: 900\n")
    assert load_settings({}, config).schedule.max_hinted_interval_seconds == 900
    monkeypatch.setenv("NEWSWATCH_MAX_HINTED_INTERVAL_SECONDS", "1200")
    assert load_settings({}, config).schedule.max_hinted_interval_seconds == 1200
    monkeypatch.setenv("NEWSWATCH_MAX_HINTED_INTERVAL_SECONDS", "0")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, config)
    assert caught.value.field == "max_hinted_interval_seconds"
    assert "NEWSWATCH_MAX_HINTED_INTERVAL_SECONDS" in str(caught.value)
