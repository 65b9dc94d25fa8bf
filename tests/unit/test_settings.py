"""Settings precedence: flags, then NEWSWATCH_* variables, then the settings file, then defaults."""

from pathlib import Path

import pytest

from newswatch.common.errors import ConfigError
from newswatch.settings import load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "NEWSWATCH_TOPIC_PREFIX",
        "NEWSWATCH_METRICS_PORT",
        "NEWSWATCH_CONFIG_FILE",
        "NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.topic_prefix == "newswatch"
    assert settings.feeds_file is None


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text("topic_prefix: from-file\nmetrics_port: 9999\nmax_redirects: 2\n")
    monkeypatch.setenv("NEWSWATCH_TOPIC_PREFIX", "from-env")
    monkeypatch.setenv("NEWSWATCH_METRICS_PORT", "8888")
    settings = load_settings({"metrics_port": 7777, "topic_prefix": None}, config)
    assert settings.metrics_port == 7777
    assert settings.topic_prefix == "from-env"
    assert settings.max_redirects == 2


def test_config_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text("kafka_bootstrap_servers: broker.test:9092\n")
    monkeypatch.setenv("NEWSWATCH_CONFIG_FILE", str(config))
    assert load_settings({}).kafka_bootstrap_servers == "broker.test:9092"


def test_bad_value_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_METRICS_PORT", "not-a-port")
    with pytest.raises(ConfigError) as caught:
        load_settings({})
    assert caught.value.field == "metrics_port"


def test_unknown_key_in_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "newswatch.yaml"
    config.write_text("topic_prefx: typo\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, config)
    assert caught.value.field == "topic_prefx"


def test_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_KAFKA_SASL_PASSWORD", "hunter2")
    settings = load_settings({})
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())
