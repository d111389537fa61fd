"""Settings, read once from the environment (prefix LIAISON_) or a .env file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"

INSECURE_KEYS = {"", "change-me", "changeme", "secret", "dev", "development"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_", env_file=".env", extra="ignore")

    demo: bool = False
    var_dir: Path = VAR
    database_url: str = f"sqlite+aiosqlite:///{VAR / 'liaison.db'}"
    secret_key: str = ""
    files_dir: Path | None = None
    base_url: str = "http://localhost:8000"
    mail_url: str = f"file://{VAR / 'mail'}"
    mail_from: str = "Liaison <no-reply@liaison.localhost>"
    mail_reply_to: str | None = None
    redis_url: str | None = None
    site_name: str = "Liaison"

    digest_every_minutes: int = Field(0, ge=0, le=24 * 60)
    digest_concurrency: int = Field(4, ge=1, le=32)
    digest_processes: int = Field(1, ge=1, le=64)
    article_pdf_max_bytes: int = Field(20 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    session_idle_minutes: int = Field(60, ge=5, le=24 * 60)
    session_absolute_hours: int = Field(12, ge=1, le=24 * 30)
    verification_token_hours: int = Field(48, ge=1, le=24 * 7)
    reset_token_minutes: int = Field(30, ge=5, le=60)
    api_token_minutes: int = Field(15, ge=1, le=60)

    argon2_time_cost: int = Field(2, ge=2)
    argon2_memory_kib: int = Field(19456, ge=19456)
    argon2_parallelism: int = Field(1, ge=1)

    rate_sign_in_per_address: str = "30/minute"
    rate_sign_in_per_account: str = "10 per 15 minutes"
    rate_register_per_address: str = "10/hour"
    rate_register_per_account: str = "3/hour"
    rate_reset_per_address: str = "10/hour"
    rate_reset_per_account: str = "3/hour"
    rate_token_per_address: str = "30/minute"
    rate_token_per_account: str = "10 per 15 minutes"
    second_factor_for_everyone: bool = False
    rate_second_factor_per_address: str = "30/minute"
    rate_second_factor_per_account: str = "5 per 15 minutes"
    rate_posting_per_account: str = "10/minute"

    @model_validator(mode="after")
    def _secret_key_required_outside_demo(self) -> Settings:
        if self.secret_key.strip().lower() in INSECURE_KEYS or len(self.secret_key) < 32:
            if not self.demo:
                raise ValueError(
                    "LIAISON_SECRET_KEY must be set to a random value of at least 32 characters "
                    "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`); "
                    "only LIAISON_DEMO=true runs with a generated key."
                )
            self.secret_key = _demo_secret_key(self.var_dir)
        return self

    def url(self, path: str) -> str:
        """An absolute link for e-mail."""
        return self.base_url.rstrip("/") + path

    @property
    def uploads_dir(self) -> Path:
        """Uploaded files live outside the web root and are served only through access checks."""
        return self.files_dir or self.var_dir / "files"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def session_cookie_name(self) -> str:
        return "__Host-liaison_session" if self.secure_cookies else "liaison_session"

    @property
    def csrf_cookie_name(self) -> str:
        return "__Host-liaison_csrf" if self.secure_cookies else "liaison_csrf"

    @property
    def origin(self) -> str:
        """Where the browser says a WebAuthn answer came from: scheme, host and port only."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def relying_party_id(self) -> str:
        """The host name that security keys and passkeys are bound to."""
        return urlsplit(self.base_url).hostname or "localhost"

    @property
    def jwt_issuer(self) -> str:
        return self.base_url.rstrip("/")


def _demo_secret_key(var_dir: Path) -> str:
    """A demo install keeps one generated key under var/ so that sessions survive restarts."""
    path = var_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
