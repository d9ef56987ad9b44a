"""The App's settings, read once at start from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.learning.params import DEFAULT_TRUST, LearningParameters

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./toasty.db"
GITHUB_COM_API = "https://api.github.com"
MIN_SESSION_SECRET = 32


class SettingsError(ValueError):
    """Settings that cannot start the App, with what to do about it."""


class Settings(BaseSettings):
    """Everything the App needs to know about its environment; secrets never print."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    github_app_id: str | None = Field(default=None, validation_alias="GITHUB_APP_ID")
    github_private_key: SecretStr | None = Field(default=None, validation_alias="GITHUB_PRIVATE_KEY")
    github_private_key_path: Path | None = Field(default=None, validation_alias="GITHUB_PRIVATE_KEY_PATH")
    github_webhook_secret: SecretStr | None = Field(default=None, validation_alias="GITHUB_WEBHOOK_SECRET")
    github_api_url: str = Field(default=GITHUB_COM_API, validation_alias="GITHUB_API_URL")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    host: str = Field(default="0.0.0.0", validation_alias="TOASTY_HOST")  # noqa: S104  (a server listens)
    port: int = Field(default=8080, ge=1, le=65535, validation_alias="TOASTY_PORT")
    webhook_path: str = Field(default="/webhook", validation_alias="TOASTY_WEBHOOK_PATH")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", validation_alias="TOASTY_LOG_LEVEL")
    log_format: Literal["json", "text"] = Field(default="json", validation_alias="TOASTY_LOG_FORMAT")
    job_concurrency: int = Field(default=4, ge=1, le=64, validation_alias="TOASTY_JOB_CONCURRENCY")
    serve_workers: bool = Field(default=True, validation_alias="TOASTY_SERVE_WORKERS")
    """Whether `toasty serve` processes deliveries itself; false leaves them to `toasty worker` (PostgreSQL only)."""
    analysis_workers: int | None = Field(default=None, ge=1, le=64, validation_alias="TOASTY_ANALYSIS_WORKERS")
    inline_wait_seconds: float = Field(default=10.0, ge=0, le=300, validation_alias="TOASTY_INLINE_WAIT_SECONDS")
    """Rate-limit waits up to this long happen in place; longer ones reschedule the delivery."""
    bot_login: str | None = Field(default=None, validation_alias="TOASTY_BOT_LOGIN")
    """The App's bot account (e.g. `toasty[bot]`); looked up from GitHub when not set."""
    poll_minutes: float = Field(default=5.0, gt=0, le=1440, validation_alias="TOASTY_POLL_MINUTES")
    poll_window_days: float = Field(default=30.0, gt=0, le=365, validation_alias="TOASTY_POLL_WINDOW_DAYS")
    half_life_days: float = Field(default=90.0, gt=0, le=3650, validation_alias="TOASTY_HALF_LIFE_DAYS")
    trust_contributor: float = Field(default=0.25, ge=0, le=1, validation_alias="TOASTY_TRUST_CONTRIBUTOR")
    """Weight of feedback from past contributors without write access."""
    trust_others: float = Field(default=0.0, ge=0, le=1, validation_alias="TOASTY_TRUST_OTHERS")
    """Weight of feedback from everyone else (first-time contributors, strangers). Bots never count."""
    collective_priors: bool = Field(default=True, validation_alias="TOASTY_COLLECTIVE_PRIORS")
    """Let new repositories start from what this deployment's teams accept (per-rule counts only)."""
    exploration: float = Field(default=0.1, ge=0, le=1, validation_alias="TOASTY_EXPLORATION")
    """Share of reviews that may carry one exploration comment."""
    session_secret: SecretStr | None = Field(default=None, validation_alias="TOASTY_SESSION_SECRET")
    """Signs the dashboard's CSRF tokens; set it when several replicas run (a random one otherwise)."""

    @property
    def web_url(self) -> str:
        """GitHub's web address (for links to pull requests): github.com, or the Enterprise Server's host."""
        if self.github_api_url.endswith("/api/v3"):
            return self.github_api_url.removesuffix("/api/v3")
        if self.github_api_url == GITHUB_COM_API:
            return "https://github.com"
        return self.github_api_url.replace("://api.", "://", 1)

    def learning_parameters(self) -> LearningParameters:
        """The deployment's learning knobs."""
        trust = dict(DEFAULT_TRUST)
        trust["CONTRIBUTOR"] = self.trust_contributor
        for association in ("FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "MANNEQUIN", "NONE"):
            trust[association] = self.trust_others
        return LearningParameters(
            half_life_days=self.half_life_days,
            trust=trust,
            collective=self.collective_priors,
            exploration_rate=self.exploration,
        )

    @field_validator("github_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("github_webhook_secret")
    @classmethod
    def _non_empty_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """An empty key would let anyone sign a delivery."""
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("GITHUB_WEBHOOK_SECRET is empty; unset it or choose a long random secret")
        return value

    @field_validator("session_secret")
    @classmethod
    def _long_session_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """A short key would let anyone forge a CSRF token."""
        if value is not None and len(value.get_secret_value()) < MIN_SESSION_SECRET:
            raise ValueError(f"TOASTY_SESSION_SECRET must be at least {MIN_SESSION_SECRET} characters")
        return value

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        return value if value.startswith("/") else f"/{value}"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Plain sqlite:// and postgresql:// URLs get the async drivers the App uses."""
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value.removeprefix("sqlite://")
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        return value

    @model_validator(mode="after")
    def _one_private_key(self) -> Settings:
        if self.github_private_key is not None and self.github_private_key_path is not None:
            raise ValueError("set GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH, not both")
        return self

    @property
    def graphql_url(self) -> str:
        """GraphQL beside the REST API: api.github.com/graphql, or HOST/api/graphql on Enterprise Server."""
        if self.github_api_url.endswith("/api/v3"):
            return self.github_api_url.removesuffix("/v3") + "/graphql"
        return self.github_api_url + "/graphql"

    @property
    def has_app_credentials(self) -> bool:
        """Whether the App can authenticate to GitHub (it can still receive and record webhooks without)."""
        return bool(self.github_app_id) and (
            self.github_private_key is not None or self.github_private_key_path is not None
        )

    def private_key(self) -> str:
        """The App's PEM private key (from the variable, with escaped newlines restored, or from the file)."""
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value().replace("\\n", "\n")
        if self.github_private_key_path is not None:
            try:
                return self.github_private_key_path.read_text(encoding="utf-8")
            except OSError as error:
                raise SettingsError(
                    f"GITHUB_PRIVATE_KEY_PATH: cannot read {self.github_private_key_path}: {error}"
                ) from None
        raise SettingsError("no private key: set GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH")

    def webhook_secret(self) -> bytes:
        """The shared secret GitHub signs deliveries with."""
        if self.github_webhook_secret is None:
            raise SettingsError(UNSIGNED_WEBHOOKS_REFUSED)
        return self.github_webhook_secret.get_secret_value().encode("utf-8")

    def describe(self) -> dict[str, object]:
        """What the App runs with, for the start-up log: which secrets are set, never their values."""
        return {
            "github_api_url": self.github_api_url,
            "app_id": self.github_app_id,
            "private_key": "set" if self.has_app_credentials else "not set",
            "webhook_secret": "set" if self.github_webhook_secret is not None else "not set",
            "database": self.database_url.split("://", 1)[0],
            "listen": f"{self.host}:{self.port}{self.webhook_path}",
        }


UNSIGNED_WEBHOOKS_REFUSED = (
    "GITHUB_WEBHOOK_SECRET is not set. Toasty refuses to accept unsigned webhooks. Choose a long random secret "
    "(for example `python -c 'import secrets; print(secrets.token_hex(32))'`), enter it as the webhook secret in "
    "your GitHub App's settings, and export it as GITHUB_WEBHOOK_SECRET (or put it in .env)."
)


WORKERS_NEED_POSTGRESQL = (
    "workers of their own (`toasty worker`, TOASTY_SERVE_WORKERS=false) need a PostgreSQL DATABASE_URL: on SQLite one "
    "process owns the database, and `toasty serve` processes the deliveries itself"
)


def load_settings() -> Settings:
    """Read the settings, refusing to go on without a webhook secret."""
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
        raise SettingsError(problems) from None
    if settings.github_webhook_secret is None:
        raise SettingsError(UNSIGNED_WEBHOOKS_REFUSED)
    if not settings.serve_workers and not settings.database_url.startswith("postgresql"):
        raise SettingsError(WORKERS_NEED_POSTGRESQL)
    return settings
