"""Settings: ``regionwatch.toml`` (or ``--config FILE``) overridden by ``REGIONWATCH_*``.

This is the only module that reads the environment. Every default lives here and is
documented in README.md (a test keeps the two in step).
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from monitor.errors import ConfigError
from monitor.timeutil import parse_duration

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

DEFAULT_CONFIG_FILE = Path("regionwatch.toml")
DEFAULT_USER_AGENT = "Regionwatch/0.1 (+https://github.com/regionwatch/regionwatch; availability monitor)"


def _split_list(value: Any) -> Any:
    """Accept "a, b" as well as a list for list settings given in the environment."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")] if value.strip() else []
    return value


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SIMPLE_CRON = re.compile(r"^\s*(mon|tue|wed|thu|fri|sat|sun|daily)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


def zone_info(name: str) -> ZoneInfo:
    """An IANA time zone, or ValueError (the one check: settings and the scheduler use it)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a known IANA time zone (e.g. UTC, Europe/Berlin, Asia/Jakarta)") from None


def cron_trigger(text: str, tz: ZoneInfo | None = None) -> CronTrigger:
    """ "mon 08:00", "daily 07:30" or a five-field crontab line as APScheduler's CronTrigger, or
    ValueError: the one parser, for the digest.cron check and the daemon's schedule alike."""
    from apscheduler.triggers.cron import CronTrigger  # here: only a set digest.cron and the daemon need it

    simple = _SIMPLE_CRON.match(text)
    try:
        if simple:
            day, hour, minute = simple.group(1).lower(), int(simple.group(2)), int(simple.group(3))
            return CronTrigger(day_of_week=None if day == "daily" else day, hour=hour, minute=minute, timezone=tz)
        return CronTrigger.from_crontab(text, timezone=tz)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc} (use e.g. 'mon 08:00', 'daily 07:30' or '0 8 * * mon')") from None


class FetchSettings(BaseModel):
    """Politeness and limits for fetching."""

    delay: float = Field(1.0, ge=0, description="seconds between requests to one domain")
    per_domain: int = Field(2, ge=1, description="concurrent requests per domain")
    concurrency: int = Field(16, ge=1, description="concurrent requests in all")
    timeout: float = Field(30.0, gt=0, description="seconds before one request gives up")
    max_bytes: int = Field(5_000_000, ge=1024, description="largest body accepted")
    user_agent: str = DEFAULT_USER_AGENT
    obey_robots: bool = True
    retries: int = Field(2, ge=0, description="retries of transient errors per request")
    crawl_timeout: float = Field(900.0, gt=0, description="hard limit for one crawl batch")
    processes: int = Field(
        0,
        ge=0,
        le=64,
        description="crawl processes per batch; 0: one per 1,000 sources, "
        "at most the CPU count minus one (fetch/shard.py)",
    )
    allow_private: bool = Field(False, description="allow redirects to private addresses")


class LimitsSettings(BaseModel):
    """Size caps on what is kept of untrusted text (the page cap is fetch.max_bytes)."""

    feed_title_chars: int = Field(2_000, ge=100, description="characters kept of a feed entry's title")
    feed_summary_chars: int = Field(20_000, ge=1_000, description="characters kept of a feed entry's text")
    diff_chars: int = Field(20_000, ge=1_000, description="characters of line and word diff stored per change")


class DetectSettings(BaseModel):
    """How a read of an availability list becomes a fact (see detect/decide.py)."""

    confirm_after: timedelta = Field(
        timedelta(minutes=10),
        description="a set change is applied only when a fresh re-fetch at least this much later reads the same set",
    )
    max_removed_fraction: float = Field(
        0.2, gt=0, le=1, description="a removal of this share of the list or more is held for a person"
    )

    @field_validator("confirm_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        """Accept "10m", "0s", "1h" (and plain seconds)."""
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            try:
                return parse_duration(value)
            except ValueError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("confirm_after")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        return value


class SlackSettings(BaseModel):
    token: SecretStr | None = None
    channel: str | None = None
    max_countries: int = Field(20, ge=1, le=200, description="countries per list in the channel message")
    operator_channel: str | None = None
    api_url: str = "https://slack.com/api/"
    webhook_url: SecretStr | None = None
    timeout: int = Field(10, ge=1, description="seconds before one Slack request gives up")
    max_attempts: int = Field(
        8,
        ge=1,
        description="attempts before an alert is dead, for failures that are "
        "neither transient (Slack down, 5xx, 429, network: retried until it works) "
        "nor permanent (token, scopes, channel: dead at once)",
    )
    backoff: float = Field(30.0, ge=0, description="seconds before the first retry; doubles per attempt")
    backoff_max: float = Field(
        3600.0,
        ge=0,
        description="longest wait between two attempts; a long outage is retried this often for as long as it lasts",
    )
    lease: float = Field(300.0, gt=0, description="seconds a dispatcher owns a claimed alert")
    interval: float = Field(1.0, ge=0, description="seconds between two messages to one channel")


class SmtpSettings(BaseModel):
    host: str | None = None
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "regionwatch@localhost"
    ca_file: Path | None = Field(None, description="CA bundle to verify the server with instead of the system's")
    timeout: float = Field(30.0, gt=0, description="seconds before an SMTP connection or command gives up")
    max_attempts: int = Field(
        8,
        ge=1,
        description="attempts before an e-mail alert is dead, for failures "
        "that are neither transient (4xx, connection refused, timeout: retried until "
        "it works) nor permanent (5xx: dead at once)",
    )
    backoff: float = Field(60.0, ge=0, description="seconds before an e-mail alert's first retry; doubles per attempt")
    backoff_max: float = Field(3600.0, ge=0, description="longest wait between two attempts of an e-mail alert")


class DigestSettings(BaseModel):
    recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cron: str = "mon 08:00"

    _split = field_validator("recipients", mode="before")(_split_list)

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            _, mail = parseaddr(address)
            if not address.strip():
                raise ValueError("an empty recipient (a stray comma?)")
            if "@" not in mail or " " in mail or mail.startswith("@") or mail.endswith("@"):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        cron_trigger(value)
        return value


class WebSettings(BaseModel):
    """The read-only web view (regionwatch serve)."""

    host: str = Field("127.0.0.1", description="address to bind; loopback unless told otherwise")
    port: int = Field(8080, ge=0, le=65535, description="TCP port to listen on")
    token: SecretStr | None = Field(None, description="bearer token every request must carry")
    public_url: str | None = Field(
        None,
        description="where people reach the web view (https://rw.example.com); "
        "Slack alerts, the digest and the feed link to its pages when set",
    )

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("https://", "http://")) or " " in value:
            raise ValueError("web.public_url must be an http(s) URL, such as https://regionwatch.example.com")
        return value.rstrip("/")


class CelerySettings(BaseModel):
    """The broker and the crawl tasks when ``executor = "celery"`` (see monitor/executor/)."""

    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Redis or RabbitMQ (amqp://) URL")
    queue: str = Field("regionwatch", description="the queue crawl and dispatch tasks go to")
    batch: int = Field(
        500, ge=1, description="most sources in one crawl task (a domain's sources stay in one task up to this)"
    )
    max_retries: int = Field(
        3, ge=0, description="retries of a failing crawl task before its sources are recorded as failed"
    )
    retry_delay: float = Field(30.0, ge=0, description="seconds before a failed crawl task is tried again")
    busy_delay: float = Field(
        5.0, ge=0, description="seconds before a crawl task whose domain another task holds asks again"
    )
    visibility_timeout: float = Field(
        3600.0, gt=0, description="Redis only: seconds before a task taken by a worker that died is given to another"
    )


SQLITE_NOT_SHARED = "SQLite cannot be shared between machines: use PostgreSQL with executor = celery"


class Settings(BaseSettings):
    """Everything Regionwatch can be told."""

    _isolated: ClassVar[bool] = False  # True: the values given and the defaults only
    model_config = SettingsConfigDict(
        env_prefix="REGIONWATCH_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=None,
    )

    database_url: str = "sqlite:///regionwatch.db"
    sources: Path | None = None
    timezone: str = "UTC"
    log_level: str = "INFO"
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    detect: DetectSettings = Field(default_factory=DetectSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    executor: Literal["local", "celery"] = "local"
    celery: CelerySettings = Field(default_factory=CelerySettings)

    @model_validator(mode="after")
    def _shared_store(self) -> Settings:
        if self.executor == "celery" and self.database_url.startswith("sqlite"):
            raise ValueError(SQLITE_NOT_SHARED)
        return self

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone_info(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level (one of {', '.join(LOG_LEVELS)})")
        return value.upper()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if cls._isolated:
            return (init_settings,)
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


class _Isolated(Settings):
    """Settings from the values given and the defaults only: no environment, no file."""

    _isolated: ClassVar[bool] = True


def isolated_settings(**values: Any) -> Settings:
    """Settings that no REGIONWATCH_* variable and no regionwatch.toml can change (the demo's)."""
    return _Isolated(**values)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the one Settings object: file (if any), then environment, then overrides."""
    path = config_file if config_file is not None else DEFAULT_CONFIG_FILE
    if config_file is not None and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    toml = path if path.is_file() else None
    bound = type("Settings", (Settings,), {"model_config": {**Settings.model_config, "toml_file": toml}})
    try:
        settings: Settings = bound(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, toml)) from None
    except ValueError as exc:  # TOML syntax errors and undecodable environment values
        raise ConfigError(f"{toml or 'environment'}: {exc}") from None
    return settings


def _describe(exc: ValidationError, toml: Path | None) -> str:
    where = str(toml) if toml else "settings"
    problems = [
        f"{'.'.join(str(p) for p in err['loc'])}: ".removeprefix(": ") + err["msg"].removeprefix("Value error, ")
        for err in exc.errors()
    ]
    return f"{where}: " + "; ".join(problems)
