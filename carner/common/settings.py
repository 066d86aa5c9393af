"""Infrastructure settings in one typed place, read from `CARNER_*` env vars (and an optional TOML).

Only `flows/` reads these; stages receive explicit values so they stay testable without env state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as _SourceError

from carner.common.layout import WorkLayout

ENV_PREFIX = "CARNER_"


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the `CARNER_*` variable (or option) and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=None, extra="ignore")

    workdir: Path = Field(Path("data"), description="Default working directory for every output.")
    db_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite:///<workdir>/carner.db")
    base_url: str = Field("https://www.ebay.com", description="eBay site (or sandbox) to crawl.")
    user_agent: str = Field(
        "carner/0.1 (+https://github.com/carner/carner; research NER crawler)",
        description="User-Agent naming carner.",
    )
    min_delay_s: float = Field(1.0, ge=0, description="Minimum seconds between requests to one host.")
    timeout_s: float = Field(15.0, gt=0, description="Per-request timeout.")
    max_retries: int = Field(5, ge=0)
    crawl_workers: int = Field(1, ge=1, description="Item pages fetched in parallel (one shared rate limit).")
    max_page_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="Larger pages are recorded as failed.")
    blocked_backoff_s: float = Field(60.0, ge=0, description="First back-off after a bot wall (doubles).")
    scrape_task_retries: int = Field(2, ge=0, description="Prefect retries of a crawl that did not finish.")
    scrape_retry_delay_s: float = Field(10.0, ge=0, description="Seconds between those retries.")
    doccano_url: str | None = None
    doccano_user: str | None = None
    doccano_password: SecretStr | None = None
    doccano_project: str = "carner"
    bert: str | None = Field(None, description="BERT path or hub name; default: the offline MiniLM package.")
    scrape_cron: str = "0 3 * * *"
    export_cron: str = "0 4 * * 1"
    scrape_queries: list[str] = Field(default_factory=lambda: ["toyota camry", "ford f-150", "bmw 3 series"])
    retrain_min_new_gold: int = Field(50, ge=1, description="New gold annotations that trigger a retrain.")
    serve_max_text_chars: int = Field(2000, ge=1, description="Longest text `serve-model` accepts.")
    serve_max_batch: int = Field(64, ge=1, description="Most texts in one `serve-model` request.")
    serve_reload_s: float = Field(
        10.0, gt=0, description="Seconds between `serve-model`'s registry checks for a new champion."
    )
    serve_token: SecretStr | None = Field(
        None, description="Bearer token `serve-model` asks for (required to listen beyond loopback)."
    )
    serve_max_text_tokens: int = Field(128, ge=1, description="Most tokens in one text `serve-model` takes.")
    serve_max_request_tokens: int = Field(8192, ge=1, description="Most tokens in one request.")
    serve_max_batch_tokens: int = Field(
        128, ge=1, description="Most tokens in one inference batch (a small request waits about one)."
    )
    serve_max_queue: int = Field(256, ge=1, description="Requests waiting for the model; more get 503.")
    serve_max_queue_tokens: int = Field(32_768, ge=1, description="Tokens waiting for the model; more: 503.")
    serve_timeout_s: float = Field(10.0, gt=0, description="Seconds a `serve-model` request may take.")
    serve_threads: int = Field(
        1, ge=1, description="Threads `serve-model` gives the model (the other cores serve HTTP)."
    )

    @field_validator("workdir")
    @classmethod
    def _workdir_is_a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} exists and is not a directory")
        blocker = next((p for p in value.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise ValueError(f"{blocker} is not a directory")
        return value

    @property
    def database_url(self) -> str:
        """The registry/listings database; an in-memory SQLite URL is refused (each connection would
        see a new empty database: nothing a command writes would be kept)."""
        if self.db_url is None:
            return self.layout.db_url
        bare = self.db_url.split("?", 1)[0].rstrip("/")
        if bare in ("sqlite:", "sqlite:/") or bare.endswith(":memory:"):
            raise SettingsError(
                f"{ENV_PREFIX}DB_URL / --db {self.db_url!r}: an in-memory SQLite database keeps nothing; "
                "use sqlite:///PATH/carner.db"
            )
        return self.db_url

    @property
    def layout(self) -> WorkLayout:
        return WorkLayout(self.workdir)

    @property
    def raw_dir(self) -> Path:
        return self.layout.raw

    @property
    def dataset_dir(self) -> Path:
        return self.layout.dataset

    @property
    def models_dir(self) -> Path:
        return self.layout.models

    @property
    def reports_dir(self) -> Path:
        return self.layout.reports

    @property
    def annotation_dir(self) -> Path:
        return self.layout.annotation


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit (CLI) overrides that are not None.

    A bad value raises `SettingsError` naming its `CARNER_*` variable (or the option) and why, one
    line per bad setting: what every command prints instead of a traceback.
    """
    from carner.common.redact import register_secret, register_url_secrets

    given = {k: v for k, v in overrides.items() if v is not None}
    for value in (given.get("db_url"), given.get("doccano_url")):
        register_url_secrets(value if isinstance(value, str) else None)
    try:
        settings = Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError("; ".join(_describe(err, given) for err in exc.errors())) from None
    except _SourceError as exc:  # a list/dict setting that is not valid JSON
        raise SettingsError(_describe_source(str(exc))) from None
    # every secret a setting holds is masked in whatever carner prints from now on
    register_url_secrets(settings.db_url)
    register_url_secrets(settings.doccano_url)
    if settings.doccano_password is not None:
        register_secret(settings.doccano_password.get_secret_value(), user=settings.doccano_user)
    return settings


def _variable(field: str, given: dict[str, Any]) -> str:
    return f"--{field.replace('_', '-')}" if field in given else f"{ENV_PREFIX}{field.upper()}"


def _describe(err: Any, given: dict[str, Any]) -> str:
    field = str(err["loc"][0]) if err.get("loc") else "?"
    shown = repr(err.get("input"))
    if "password" in field or "secret" in field:
        shown = "***"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    reason = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{_variable(field, given)}={shown}: {reason}"


def _describe_source(message: str) -> str:
    import re

    found = re.search(r'field "([^"]+)"', message)
    field = found.group(1) if found else "?"
    return f'{ENV_PREFIX}{field.upper()}: not valid JSON (a list is written like ["a", "b"])'
