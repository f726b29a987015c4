"""Settings of the app process, read once from the environment (prefix SAHAYATRI_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.office_hours import OfficeHours

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting of the app, with its default; the README's configuration table lists them."""

    model_config = SettingsConfigDict(env_prefix="SAHAYATRI_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'sahayatri.db'}",
        description="SQLAlchemy async URL of the app database.",
    )
    host: str = Field(default="127.0.0.1", description="Address the app listens on.")
    port: int = Field(default=8000, description="Port the app listens on.")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Address users and Rasa reach the app at (NLG callback, links).",
    )
    rasa_url: str = Field(
        default="http://127.0.0.1:5005",
        description="Rasa server; several workers comma-separated (each sender sticks to one).",
    )
    rasa_token: SecretStr = Field(
        default=SecretStr(""), description="Rasa --auth-token for its HTTP API."
    )
    rasa_timeout_seconds: float = Field(
        default=10.0, description="How long to wait for Rasa before the safe fallback reply."
    )
    rasa_tracker_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'rasa-tracker.db'}",
        description="Rasa's tracker store, so that deleting a person's data reaches it too.",
    )
    action_server_url: str = Field(
        default="http://127.0.0.1:5055", description="rasa-sdk action server."
    )
    nlg_token: SecretStr = Field(
        default=SecretStr(""), description="Token Rasa must send to the NLG endpoint (?token=)."
    )
    content_dir: Path = Field(
        default=PROJECT_ROOT / "content", description="Seed content repository."
    )
    locales_dir: Path = Field(default=PROJECT_ROOT / "locales", description="Babel catalogs.")
    default_language: str = Field(default="ne", description="Reply language when unsure.")
    max_message_chars: int = Field(
        default=2000, description="Longer user messages are cut to this length before Rasa."
    )
    telegram_token: SecretStr = Field(
        default=SecretStr(""), description="BotFather token; Telegram starts only when set."
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API server (a local Bot API server, or a fake one in tests).",
    )
    telegram_polling: bool = Field(
        default=True,
        description="Long-poll Telegram when no webhook secret is set; exactly one process may poll.",
    )
    telegram_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Set to receive updates by webhook (POST /telegram/webhook) instead of polling.",
    )
    counsellor_alert_chat_id: int | None = Field(
        default=None,
        description="Telegram group of the counsellors: told of every new urgent chat (never its words).",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key for pseudonymising user ids; make run generates var/secret_key if unset.",
    )
    messages_per_minute_per_ip: int = Field(
        default=120, description="Chat messages one IP address may send per minute."
    )
    messages_per_minute_per_conversation: int = Field(
        default=30, description="Chat messages one conversation may send per minute."
    )
    counsellor_hours: str = Field(
        default="sun-fri 09:00-17:00",
        description="When counsellors are on shift, in the time zone below; out of hours a person "
        "asking for one is told when the next shift starts. Empty: no set hours.",
    )
    time_zone: str = Field(
        default="Asia/Kathmandu", description="Time zone of the counsellors' shifts."
    )
    handoff_timeout_minutes: int = Field(
        default=30,
        description="Nobody claimed a waiting chat for this long: it goes back to the assistant.",
    )
    editor_require_second_approval: bool = Field(
        default=False,
        description="A second editor, not the author, must approve a revision before it is published.",
    )
    editor_stale_days: int = Field(
        default=180,
        ge=1,
        description="Answers not reviewed for this many days are listed as stale.",
    )
    redis_url: str = Field(
        default="",
        description="Redis for pub/sub between app processes (e.g. redis://127.0.0.1:6379/0).",
        validation_alias=AliasChoices("SAHAYATRI_REDIS_URL", "REDIS_URL"),
    )
    log_level: str = Field(default="INFO", description="Python log level.")
    retention_days: int = Field(
        default=90,
        ge=1,
        description="Conversations, notes and Rasa tracker events older than this are purged.",
    )
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Larger request bodies are refused with 413."
    )
    analytics_min_group: int = Field(
        default=5,
        ge=2,
        description="Analytics shows a group (a day, a topic, a country...) only when at least "
        "this many people are in it; smaller ones appear as '<N'.",
    )

    @model_validator(mode="after")
    def _hours_are_readable(self) -> Settings:
        self.office_hours()  # a typo in the shift hours stops the start, with what is wrong
        return self

    def office_hours(self) -> OfficeHours | None:
        """The counsellors' shift, or None when no hours are set."""
        return OfficeHours.parse(self.counsellor_hours, self.time_zone)
