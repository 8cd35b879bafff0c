"""Configuration comes from the environment; production refuses unsafe defaults."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import (
    ConfigurationError,
    check_production,
    ensure_secret_key,
    load_config,
)

LONG_SECRET = "s" * 48


@pytest.fixture
def clean_env(monkeypatch):
    for name in (
        "CONGDAN_ENV", "DATABASE_URL", "PORT", "BASE_URL", "SECRET_KEY",
        "RATELIMIT_STORAGE_URI",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_run_a_fresh_clone_with_no_server(clean_env, tmp_path):
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/congdan.db"
    assert config["PORT"] == 5000
    assert config["BASE_URL"] == "http://127.0.0.1:5000"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_environment_variables_are_read(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", "postgresql+psycopg://u@db/congdan")
    clean_env.setenv("PORT", "8080")
    clean_env.setenv("BASE_URL", "https://congdan.example/")
    clean_env.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/congdan"
    assert config["PORT"] == 8080
    assert config["BASE_URL"] == "https://congdan.example"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_bad_port_is_a_clear_configuration_error(clean_env, tmp_path):
    clean_env.setenv("PORT", "eighty")
    with pytest.raises(ConfigurationError, match="PORT must be an integer"):
        load_config(str(tmp_path))


def test_secret_key_is_generated_once_into_instance(clean_env, tmp_path):
    first = load_config(str(tmp_path))
    ensure_secret_key(first, str(tmp_path))
    second = load_config(str(tmp_path))
    ensure_secret_key(second, str(tmp_path))
    assert len(first["SECRET_KEY"]) >= 64
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_secret_key_from_environment_wins(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "from-the-environment")
    config = load_config(str(tmp_path))
    ensure_secret_key(config, str(tmp_path))
    assert config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_a_missing_secret_key(clean_env, tmp_path):
    clean_env.setenv("CONGDAN_ENV", "production")
    config = load_config(str(tmp_path))
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        ensure_secret_key(config, str(tmp_path))
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be set, at least 32"),
        ({"SECRET_KEY": LONG_SECRET}, "DATABASE_URL must point at PostgreSQL"),
        (
            {"SECRET_KEY": LONG_SECRET, "SQLALCHEMY_DATABASE_URI": "postgresql://x/y"},
            "BASE_URL must be https",
        ),
    ],
)
def test_production_refuses_development_defaults(clean_env, overrides, message):
    clean_env.setenv("CONGDAN_ENV", "production")
    with pytest.raises(ConfigurationError, match=message):
        create_app(overrides)


def test_unknown_environment_name_is_refused(clean_env, tmp_path):
    clean_env.setenv("CONGDAN_ENV", "prod")
    with pytest.raises(ConfigurationError, match="CONGDAN_ENV must be one of"):
        load_config(str(tmp_path))


@pytest.mark.parametrize(("env", "secure"), [("development", False), ("testing", True)])
def test_session_cookie_is_secure_outside_development(clean_env, tmp_path, env, secure):
    clean_env.setenv("CONGDAN_ENV", env)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is secure
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("k", ["1", "0", '"five"'])
def test_a_small_cell_threshold_under_two_is_refused_at_start(clean_env, k):
    clean_env.setenv("CONGDAN_STATS_MIN_CELL", k)
    with pytest.raises(ConfigurationError, match="CONGDAN_STATS_MIN_CELL"):
        create_app({"TESTING": True})


PRODUCTION = {
    "SECRET_KEY": LONG_SECRET,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db/congdan",
    "BASE_URL": "https://congdan.example",
}


@pytest.mark.parametrize("storage", [None, "memory://", "async+memory://"])
def test_production_refuses_rate_limits_counted_by_each_worker(clean_env, storage):
    """Issue 12: with memory storage 2 workers let 240 of 300 verifications a minute
    through a limit of 120; production must name a store every worker shares."""
    clean_env.setenv("CONGDAN_ENV", "production")
    clean_env.delenv("REDIS_URL", raising=False)
    if storage is not None:
        clean_env.setenv("RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(ConfigurationError, match="REDIS_URL or RATELIMIT_STORAGE_URI"):
        create_app(PRODUCTION)


@pytest.mark.parametrize(
    ("variable", "storage"),
    [
        ("REDIS_URL", "redis://cache:6379/0"),
        ("RATELIMIT_STORAGE_URI", "rediss://cache:6380/0"),
        ("RATELIMIT_STORAGE_URI", "memcached://cache:11211"),
    ],
)
def test_production_accepts_rate_limits_in_a_shared_store(
    clean_env, tmp_path, variable, storage
):
    clean_env.setenv("CONGDAN_ENV", "production")
    clean_env.delenv("REDIS_URL", raising=False)
    clean_env.setenv(variable, storage)
    config = {**load_config(str(tmp_path)), **PRODUCTION}
    check_production(config)
    assert config["RATELIMIT_STORAGE_URI"] == storage
