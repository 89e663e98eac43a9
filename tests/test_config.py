"""Settings: defaults, the TOML file, environment overrides, secrets, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("REGIONWATCH_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    s = load_settings()
    assert s.database_url == "sqlite:///regionwatch.db"
    assert s.sources is None
    assert s.slack.api_url == "https://slack.com/api/"
    assert s.slack.token is None
    assert s.digest.cron == "mon 08:00"
    assert s.timezone == "UTC"
    assert s.fetch.obey_robots is True
    assert "Regionwatch" in s.fetch.user_agent and "http" in s.fetch.user_agent


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "rw.toml"
    cfg.write_text('database_url = "sqlite:///x.db"\n[fetch]\ndelay = 5\nper_domain = 3\n')
    monkeypatch.setenv("REGIONWATCH_FETCH__DELAY", "0.5")
    monkeypatch.setenv("REGIONWATCH_SLACK__TOKEN", "xoxb-secret-token")
    monkeypatch.setenv("REGIONWATCH_DIGEST__RECIPIENTS", "a@example.com, b@example.com")
    s = load_settings(cfg)
    assert s.database_url == "sqlite:///x.db"
    assert s.fetch.delay == 0.5
    assert s.fetch.per_domain == 3
    assert s.digest.recipients == ["a@example.com", "b@example.com"]
    assert s.slack.token is not None and s.slack.token.get_secret_value() == "xoxb-secret-token"
    assert "xoxb-secret-token" not in repr(s)


def test_default_file_in_working_directory(tmp_path: Path) -> None:
    (tmp_path / "regionwatch.toml").write_text('timezone = "Asia/Jakarta"\n')
    assert load_settings().timezone == "Asia/Jakarta"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[fetch]\ndelay = 'soon'\n", "fetch.delay"),
        ("databse_url = 'x'\n", "databse_url"),
        ("[smtp]\nsecurity = 'ssl3'\n", "smtp.security"),
        ("this is not toml", "rw.toml"),
    ],
)
def test_bad_file_is_a_clear_error(tmp_path: Path, content: str, fragment: str) -> None:
    cfg = tmp_path / "rw.toml"
    cfg.write_text(content)
    with pytest.raises(ConfigError, match=fragment):
        load_settings(cfg)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_only_config_reads_the_environment() -> None:
    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(p.relative_to(root))
        for pkg in ("monitor", "spiders")
        for p in (root / pkg).rglob("*.py")
        if p.name != "config.py" and ("os.environ" in p.read_text() or "getenv" in p.read_text())
    ]
    assert offenders == []
