"""Configuration: sensible defaults for a laptop, everything overridable from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


def _secret_key(instance: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set in production (STUDYAPP_ENV=production).")
    # Development: one random key, generated on first start and kept, so sessions survive restarts.
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        return {}
    # A server can drop idle connections (a restart, a proxy's timeout). SQLAlchemy's pool_pre_ping
    # would test every connection as it is taken from the pool, a round trip per request (an
    # answer takes two); studyapp.database tests only those idle for DATABASE_PING_AFTER_IDLE
    # seconds instead. A SQLite file cannot drop a connection, and is never tested.
    options: dict[str, Any] = {}
    if database_url.startswith("postgresql"):
        # psycopg prepares a statement the fifth time a connection runs it, but PostgreSQL keeps
        # planning each execution afresh (a "custom plan") while it estimates that a generic plan
        # costs more. For the review queue's statement that is 1.1 ms of planning for 0.3 ms of
        # work, every time. Every statement of the app filters on ids and times, which a generic
        # plan serves as well.
        options["connect_args"] = {"options": "-c plan_cache_mode=force_generic_plan"}
        # Reads run in autocommit: a page that only reads sends no BEGIN and no COMMIT, two of the
        # logged-in empty route's three round trips, each about 0.13 ms of psycopg in the worker.
        # Every write is a transaction of its own all the same: services.transaction.writing()
        # opens one, and studyapp.database puts the connection back in autocommit when it returns
        # to the pool.
        options["isolation_level"] = "AUTOCOMMIT"
    return options


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's settings: defaults, then the environment, then explicit overrides (tests)."""
    overrides = dict(overrides or {})
    instance = Path(instance_path)
    production = (overrides.get("ENV") or os.environ.get("STUDYAPP_ENV", "development")) == "production"
    database_url = overrides.pop("DATABASE_URL", None) or os.environ.get("DATABASE_URL") or ""
    if not database_url:
        instance.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance / 'studyapp.sqlite3'}"
    database_url = normalise_database_url(database_url)
    settings: dict[str, Any] = {
        "ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "QUESTIONS_DIR": os.environ.get("QUESTIONS_DIR", str(PROJECT_ROOT / "questions")),
        "QUESTION_SEED": int(os.environ.get("QUESTION_SEED", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # A body that fits in one TCP segment (about 1,400 bytes) arrives no sooner compressed.
        "COMPRESS_MIN_SIZE": 1400,
        "GLOSSARY_SEARCH_LIMIT": 50,
        # Seconds: a pooled server connection idle for longer is tested with a round trip before use.
        "DATABASE_PING_AFTER_IDLE": float(os.environ.get("DATABASE_PING_AFTER_IDLE", "0.5")),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Argon2id cost for new password hashes: RFC 9106's second profile (3 passes over 64 MiB, 4
        # lanes) by default; the test profile hashes in microseconds, since tests log in often.
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "3")),
        "ARGON2_MEMORY_KIB": int(os.environ.get("ARGON2_MEMORY_KIB", "65536")),
        "ARGON2_PARALLELISM": int(os.environ.get("ARGON2_PARALLELISM", "4")),
    }
    if overrides.get("TESTING"):
        settings.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=64, ARGON2_PARALLELISM=1)
    if "SECRET_KEY" not in overrides:
        settings["SECRET_KEY"] = _secret_key(instance, production)
    settings.update(overrides)
    return settings
