"""Configuration read from the environment.

Every variable is documented in README.md ("Configuration"). Defaults make a fresh
clone run with no server: SQLite under ``instance/`` and a secret generated there at
first run. Production mode (``CONGDAN_ENV=production``) refuses to start without a
real ``SECRET_KEY`` and ``DATABASE_URL``, or with rate limits each worker counts on
its own.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from app.disclosure import DEFAULT_MIN_CELL
from app.domains import DEFAULT_DOMAINS

ENVIRONMENTS = ("development", "production", "testing")
MIN_PRODUCTION_SECRET_LENGTH = 32
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
#: Limiter storages each process keeps to itself: every gunicorn worker counts alone.
PER_PROCESS_STORAGES = ("memory://", "async+memory://")


class ConfigurationError(RuntimeError):
    """The environment does not describe a configuration we can safely run."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


#: The OpenAPI document and its interactive page (flask-smorest).
OPENAPI: dict[str, Any] = {
    "API_TITLE": "CongDan API",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    # Served by the application from swagger-ui-bundle (app/docs_assets.py).
    "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
}


def load_config(instance_path: str) -> dict[str, Any]:
    """Build the configuration mapping from the environment.

    :param instance_path: the Flask instance folder, where the default SQLite
        database and generated secrets live.
    """
    env = os.environ.get("CONGDAN_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"CONGDAN_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}"
        )
    port = _env_int("PORT", 5000)
    return {
        "ENV": env,
        "PORT": port,
        "BASE_URL": os.environ.get("BASE_URL", f"http://127.0.0.1:{port}").rstrip("/"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{Path(instance_path, 'congdan.db')}",
        # No ping before each checkout (a round trip per request): connections are
        # renewed after 30 minutes, and a request whose first statement meets a
        # dropped connection is run once more (app/unit_of_work.py).
        # Statement parameters (national ids, names) never appear in an error's
        # message, so a logged traceback cannot carry them.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800, "hide_parameters": True},
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        **_vneid_session_cookie(env),
        **_limits(),
        **_jobs(),
        # JSON lines (app/logs.py), or "console" for a person at a terminal.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json"),
        # OpenTelemetry traces over OTLP/HTTP when set (app/tracing.py).
        "OTEL_EXPORTER_OTLP_ENDPOINT": os.environ.get(
            "OTEL_EXPORTER_OTLP_ENDPOINT", ""
        ),
        "OTEL_SERVICE_NAME": os.environ.get("OTEL_SERVICE_NAME", "congdan"),
        # The scraper's bearer token for /metrics (else generated into instance/).
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        **_notifications(instance_path),
        **_logins_and_tokens(instance_path),
        **OPENAPI,
        "PDF_FONT": os.environ.get(
            "PDF_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        ),
        "PAGE_SIZE_DEFAULT": 20,
        "PAGE_SIZE_MAX": 100,
        # No aggregate shows a figure about fewer people (app.disclosure).
        "STATS_MIN_CELL": DEFAULT_MIN_CELL,
        # Reverse proxies in front (nginx): their X-Forwarded-For/-Proto are trusted.
        "PROXY_HOPS": 0,
        # The domain packages plugged in, in order (app.domains; ARCHITECTURE.md).
        "DOMAINS": list(DEFAULT_DOMAINS),
    }


def _vneid_session_cookie(env: str) -> dict[str, Any]:
    return {
        "SESSION_COOKIE_NAME": "vneid_session",
        "SESSION_COOKIE_PATH": "/vneid",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env != "development",
    }


def _jobs() -> dict[str, Any]:
    """The background jobs' queue (app/queue.py): Dramatiq on Redis, or in-process."""
    broker = os.environ.get("JOBS_BROKER_URL", os.environ.get("REDIS_URL", ""))
    if broker == "embedded":
        broker = ""
    if broker and not broker.startswith(REDIS_SCHEMES):
        raise ConfigurationError(
            f"JOBS_BROKER_URL must be a redis:// URL or 'embedded', got {broker!r}"
        )
    return {
        "JOBS_BROKER_URL": broker,
        "JOBS_NAMESPACE": os.environ.get("JOBS_NAMESPACE", "congdan-jobs"),
        # How often the worker (or, embedded, each serving process) enqueues the
        # scheduled jobs and relays what is due.
        "JOBS_TICK_SECONDS": _env_int("JOBS_TICK_SECONDS", 5),
        # A message handed to the queue but not run by then is handed over again.
        "JOBS_REDELIVER_SECONDS": _env_int("JOBS_REDELIVER_SECONDS", 300),
        # How long a runner holds a job before another may take it over (0: each
        # job's own, two minutes by default).
        "JOBS_LEASE_SECONDS": _env_int("JOBS_LEASE_SECONDS", 0),
    }


#: The browsers' push services (Chrome, Firefox, Edge, Safari): the only hosts a
#: Web Push subscription may name, since the server POSTs to them.
WEB_PUSH_SERVICES = (
    "fcm.googleapis.com",
    ".push.services.mozilla.com",
    ".notify.windows.com",
    ".push.apple.com",
)


def _notifications(instance_path: str) -> dict[str, Any]:
    """Where pushes and texts go (notifications/channels_config.py)."""
    hosts = os.environ.get("WEBPUSH_ALLOWED_HOSTS")
    return {
        "FCM_SERVICE_ACCOUNT_FILE": os.environ.get("FCM_SERVICE_ACCOUNT_FILE", ""),
        "FCM_API_URL": os.environ.get("FCM_API_URL", "https://fcm.googleapis.com"),
        "WEBPUSH_VAPID_KEY_FILE": os.environ.get("WEBPUSH_VAPID_KEY_FILE")
        or str(Path(instance_path, "webpush_vapid.pem")),
        "WEBPUSH_CONTACT": os.environ.get("WEBPUSH_CONTACT", "mailto:hotro@congdan.vn"),
        "WEBPUSH_ALLOWED_HOSTS": [h.strip() for h in hosts.split(",") if h.strip()]
        if hosts
        else list(WEB_PUSH_SERVICES),
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", ""),
        "SMS_GATEWAY_API_KEY": os.environ.get("SMS_GATEWAY_API_KEY", ""),
        "SMS_GATEWAY_SECRET_KEY": os.environ.get("SMS_GATEWAY_SECRET_KEY", ""),
        "SMS_BRANDNAME": os.environ.get("SMS_BRANDNAME", "CONGDAN"),
        # Texts to one citizen a day, whatever happens (and one of a kind an hour).
        "SMS_PER_CITIZEN_PER_DAY": _env_int("SMS_PER_CITIZEN_PER_DAY", 5),
        "SMS_SPACING_SECONDS": _env_int("SMS_SPACING_SECONDS", 3600),
    }


def _limits() -> dict[str, Any]:
    """Rate limits, guessing throttles, body size and idempotency records."""
    # REDIS_URL alone is enough to share rate limits and throttles through Redis.
    limiter_storage = (
        os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL")
        or "memory://"
    )
    return {
        "RATELIMIT_STORAGE_URI": limiter_storage,
        # Login and share-code throttling: Redis when the limiter uses Redis, else
        # the database (both shared by every worker and host).
        "THROTTLE_STORAGE_URI": os.environ.get("THROTTLE_STORAGE_URI")
        or (
            limiter_storage if limiter_storage.startswith(REDIS_SCHEMES) else "database"
        ),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: rate limits count in each process meanwhile rather than
        # failing every request (the guessing throttles fail closed instead).
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "VERIFY_RATE_LIMIT": "120/minute",
        # The catalogue and the organisations, sent again for this long (public_cache).
        "PUBLIC_CACHE_SECONDS": _env_int("PUBLIC_CACHE_SECONDS", 30),
        # Per citizen: a dossier needs a handful of files; each costs a check.
        "UPLOAD_RATE_LIMIT": "60/hour",
        # Per address, at the wallet protocols' unauthenticated endpoints (token,
        # nonce, PAR, presentation responses); per citizen, credential offers.
        "WALLET_RATE_LIMIT": "60/minute",
        "WALLET_OFFER_RATE_LIMIT": "20/hour",
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024),
        "IDEMPOTENCY_TTL": timedelta(hours=24),
        # Web apps on these origins may call the API from a browser (app/cors.py);
        # none by default: the phone app and servers need no CORS.
        "CORS_ORIGINS": [
            origin.strip()
            for origin in os.environ.get("CORS_ORIGINS", "").split(",")
            if origin.strip()
        ],
    }


def _logins_and_tokens(instance_path: str) -> dict[str, Any]:
    """Passwords, the VNeID provider's keys and client, and the API's JWTs."""
    return {
        "PASSWORD_HASH_METHOD": "scrypt",
        "VNEID_KEYS_FILE": str(Path(instance_path, "vneid_keys.json")),
        "API_KEYS_FILE": str(Path(instance_path, "api_keys.json")),
        "VNEID_ISSUER": os.environ.get("VNEID_ISSUER") or None,
        "VNEID_CLIENT_ID": os.environ.get("VNEID_CLIENT_ID", "congdan-app"),
        "VNEID_CLIENT_SECRET": os.environ.get("VNEID_CLIENT_SECRET") or None,
        # RFC 9449 §8: the provider asks every DPoP proof for its current nonce.
        "VNEID_DPOP_NONCE_REQUIRED": _flag("VNEID_DPOP_NONCE_REQUIRED", True),
        # RFC 9449: the API's tokens are bound to the phone's key; unbound bearer
        # tokens only for older apps, when this is set.
        "API_BEARER_TOKENS_ALLOWED": _flag("API_BEARER_TOKENS_ALLOWED", False),
        "API_APP_REDIRECT_URI": "vn.congdan.app:/callback",
        # OpenID4VCI: wallets that may use the authorization code flow, each with
        # its redirect URIs (a loopback one takes any port, RFC 8252 §7.3).
        "WALLET_CLIENTS": {"congdan-wallet": ["http://127.0.0.1/callback"]},
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=30),
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ALGORITHM": "HS256",
        "JWT_DECODE_ALGORITHMS": ["HS256"],
    }


def ensure_generated_secret(
    config: dict[str, Any], name: str, instance_path: str, filename: str
) -> None:
    """Fill ``config[name]`` from the environment or a file generated in ``instance/``."""
    if config.get(name):
        return
    path = Path(instance_path, filename)
    write_once(path, secrets.token_urlsafe(48).encode())
    config[name] = path.read_text().strip()


def ensure_secret_key(config: dict[str, Any], instance_path: str) -> None:
    """Fill ``SECRET_KEY``: from the environment, or generated once into ``instance/``.

    Production refuses a missing key: a key generated on one host would differ on
    the next, and every token signed by one would be rejected by the other.
    """
    if config["ENV"] == "production":
        if len(config.get("SECRET_KEY") or "") < MIN_PRODUCTION_SECRET_LENGTH:
            raise ConfigurationError(
                "SECRET_KEY must be set, at least "
                f"{MIN_PRODUCTION_SECRET_LENGTH} characters, when CONGDAN_ENV=production"
            )
        return
    ensure_generated_secret(config, "SECRET_KEY", instance_path, "secret_key")


def write_once(path: Path, content: bytes) -> None:
    """Create ``path`` (mode 0600) with ``content`` unless it already exists.

    Two gunicorn workers may start at the same moment: the content is written to a
    private file first and hard-linked into place, so a reader never sees a
    half-written file and the first writer wins.
    """
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def derive_identity_settings(config: dict[str, Any], instance_path: str) -> None:
    """Point the API at the embedded provider unless ``VNEID_ISSUER`` says otherwise."""
    embedded = f"{config['BASE_URL']}/vneid"
    config["VNEID_ISSUER"] = (config.get("VNEID_ISSUER") or embedded).rstrip("/")
    config.setdefault("VNEID_IN_PROCESS", config["VNEID_ISSUER"] == embedded)
    if config["ENV"] == "production" and not config.get("VNEID_CLIENT_SECRET"):
        raise ConfigurationError(
            "VNEID_CLIENT_SECRET must be set when CONGDAN_ENV=production"
        )
    ensure_generated_secret(
        config, "VNEID_CLIENT_SECRET", instance_path, "vneid_client_secret"
    )


def check_disclosure(config: dict[str, Any]) -> None:
    """Refuse a small-cell threshold under which a figure could be about one person."""
    k = config.get("STATS_MIN_CELL")
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise ConfigurationError(
            f"CONGDAN_STATS_MIN_CELL must be an integer of at least 2, got {k!r}"
        )


def check_production(config: dict[str, Any]) -> None:
    """Refuse production settings that only make sense on a developer's machine."""
    if config["ENV"] != "production":
        return
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigurationError(
            "DATABASE_URL must point at PostgreSQL when CONGDAN_ENV=production"
        )
    if not config["BASE_URL"].startswith("https://"):
        raise ConfigurationError("BASE_URL must be https when CONGDAN_ENV=production")
    if str(config["RATELIMIT_STORAGE_URI"]).startswith(PER_PROCESS_STORAGES):
        raise ConfigurationError(
            "REDIS_URL or RATELIMIT_STORAGE_URI must name a store every worker and "
            "host shares when CONGDAN_ENV=production: with "
            f"{config['RATELIMIT_STORAGE_URI']} each worker counts on its own, so "
            "a rate limit lets as many times its number through as there are workers"
        )
