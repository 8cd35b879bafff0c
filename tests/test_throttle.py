"""The throttle's numbers, the same on both stores: the database and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from app import throttle, throttle_stores
from app.config import load_config
from tests.conftest import REDIS_TEST_URL

ACTION = "test.guess"


@pytest.fixture(params=["database", "redis"])
def store(request, app: Flask, monkeypatch) -> Iterator[throttle_stores.Store]:
    """The store under test, installed as the application's; a clock tests move."""
    client = None
    if request.param == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        client = redis.Redis.from_url(REDIS_TEST_URL)
        chosen: throttle_stores.Store = throttle_stores.RedisStore(client, prefix)
    else:
        chosen = throttle_stores.DatabaseStore()
    monkeypatch.setitem(app.extensions, "congdan.throttle", chosen)
    with app.test_request_context():
        yield chosen
    if client is not None:
        client.close()  # else its pooled socket is left to the garbage collector


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    moment = [5_000_000.0]
    monkeypatch.setattr(throttle, "now", lambda: moment[0])
    return moment


def fail(account: str, ip: str) -> throttle.Attempt:
    attempt = throttle.attempt(ACTION, account, ip)
    if attempt.retry_after is None:
        attempt.failed()
    return attempt


def test_a_pair_gets_five_free_failures_then_doubling_delays_up_to_five_minutes(
    store, clock
):
    told = []
    for _ in range(20):
        attempt = throttle.attempt(ACTION, "acct", "10.0.0.1")
        assert attempt.retry_after is None
        feedback = attempt.failed()
        told.append(feedback.retry_after or -feedback.tries_left)
        if feedback.retry_after:
            too_early = throttle.attempt(ACTION, "acct", "10.0.0.1")
            assert too_early.retry_after == feedback.retry_after
            clock[0] += feedback.retry_after
    assert told == [-4, -3, -2, -1, 1, 2, 4, 8, 16, 32, 64, 128, 256] + [300] * 7


def test_success_resets_the_pair(store, clock):
    for _ in range(5):
        fail("acct", "10.0.0.2")
    clock[0] += 1
    throttle.attempt(ACTION, "acct", "10.0.0.2").succeeded()
    assert throttle.attempt(ACTION, "acct", "10.0.0.2").failed().tries_left == 4


def test_a_passed_first_factor_is_not_counted(store, clock):
    fail("acct", "10.0.0.3")
    throttle.attempt(ACTION, "acct", "10.0.0.3").passed()
    assert throttle.attempt(ACTION, "acct", "10.0.0.3").failed().tries_left == 3


def test_an_account_under_attack_delays_its_failing_addresses_briefly_never_new_ones(
    store, clock
):
    for n in range(40):
        assert fail("victim", f"10.1.0.{n}").retry_after is None
    # Each attacking address waits the account's delay after its own failure...
    again = throttle.attempt(ACTION, "victim", "10.1.0.1")
    assert again.retry_after == 60
    # ...which nobody else can restart, and a new address is not delayed at all.
    assert throttle.attempt(ACTION, "victim", "10.9.9.9").retry_after is None
    clock[0] += 60
    assert throttle.attempt(ACTION, "victim", "10.1.0.1").retry_after is None


def test_an_address_is_limited_loosely_across_accounts(store, clock):
    for n in range(100):
        assert fail(f"account-{n}", "10.2.0.1").retry_after is None
    refused = throttle.attempt(ACTION, "account-new", "10.2.0.1")
    assert refused.retry_after == 900
    assert throttle.attempt(ACTION, "account-new", "10.2.0.2").retry_after is None
    clock[0] += 900
    assert throttle.attempt(ACTION, "account-new", "10.2.0.1").retry_after is None


def test_counters_are_forgotten_after_an_hour(store, clock):
    for _ in range(5):
        fail("acct", "10.3.0.1")
    clock[0] += 3600
    assert throttle.attempt(ACTION, "acct", "10.3.0.1").failed().tries_left == 4


def test_unlock_forgets_an_account_or_an_address(store, clock):
    for _ in range(6):
        clock[0] += 10
        fail("acct", "10.4.0.1")
        fail("other", "10.4.0.1")
    assert throttle.unlock(ACTION, subject_key="acct", ip=None) == 2
    assert throttle.attempt(ACTION, "acct", "10.4.0.1").retry_after is None
    assert throttle.attempt(ACTION, "other", "10.4.0.1").retry_after is not None
    assert throttle.unlock(ACTION, subject_key=None, ip="10.4.0.1") == 3
    assert throttle.attempt(ACTION, "other", "10.4.0.1").retry_after is None


def test_refused_attempts_are_not_counted(store, clock):
    for _ in range(5):
        fail("acct", "10.5.0.1")
    for _ in range(50):
        assert throttle.attempt(ACTION, "acct", "10.5.0.1").retry_after == 1
    clock[0] += 1
    assert throttle.attempt(ACTION, "acct", "10.5.0.1").failed().retry_after == 2


def test_redis_url_alone_puts_limits_and_throttles_in_redis(monkeypatch, tmp_path):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("THROTTLE_STORAGE_URI", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    alone = load_config(str(tmp_path))
    assert alone["RATELIMIT_STORAGE_URI"] == "memory://"
    assert alone["THROTTLE_STORAGE_URI"] == "database"
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    shared = load_config(str(tmp_path))
    assert shared["RATELIMIT_STORAGE_URI"] == REDIS_TEST_URL
    assert shared["THROTTLE_STORAGE_URI"] == REDIS_TEST_URL
