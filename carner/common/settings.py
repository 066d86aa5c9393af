"""Infrastructure settings in one typed place, read from `CARNER_*` env vars (and an optional TOML).

Only `flows/` reads these; stages receive explicit values so they stay testable without env state.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from carner.common.layout import WorkLayout


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARNER_", env_file=None, extra="ignore")

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

    @property
    def database_url(self) -> str:
        return self.db_url or self.layout.db_url

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
    """Settings from the environment, with explicit (CLI) overrides that are not None."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
