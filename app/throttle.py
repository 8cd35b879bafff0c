"""Online-guessing defence that slows guessers down without locking anyone out.

Every guess (a password, a second-factor code, a share code) is claimed before it
is checked, against three failure counters:

- the **pair** (account, address): ``free_failures`` failures are free, then each
  further attempt from that pair waits 1, 2, 4 … seconds after the pair's last
  failure, at most ``max_delay``; a success resets the pair;
- the **account** across all addresses: past ``account_free_failures`` it adds a
  mild delay of 1, 2, 4 … seconds, at most ``account_max_delay``, but only for an
  address that has itself failed for the account, counted from that address's own
  last failure. Others can lengthen it, never restart it, and a new address is
  never delayed: nobody can lock a correct login out;
- the **address** across all accounts: more than ``address_limit`` failures in a
  fixed ``address_window`` make it wait for the window's end (password spraying).

Counters are forgotten ``memory`` seconds after their last failure. The state is in
Redis when ``THROTTLE_STORAGE_URI`` is a ``redis://`` URL (one Lua script claims
atomically), otherwise in the database (rows locked in key order), so every
gunicorn worker and host sees the same counters either way.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, cast

import redis
from flask import Flask, current_app

from app.audit import keyed_hash
from app.errors import ServiceUnavailable
from app.throttle_stores import (
    Claim,
    DatabaseStore,
    Keys,
    RedisStore,
    Store,
    backoff,
)

log = logging.getLogger(__name__)

_EXTENSION = "congdan.throttle"


def now() -> float:
    """Seconds since the epoch (tests replace it to move time)."""
    return time.time()


@dataclass(frozen=True)
class Policy:
    """The numbers of the defence (README.md, "Security", documents them)."""

    free_failures: int = 5
    max_delay: float = 300.0
    account_free_failures: int = 10
    account_max_delay: float = 60.0
    address_limit: int = 100
    address_window: float = 900.0
    memory: float = 3600.0

    @classmethod
    def from_config(cls, config: Any) -> Policy:
        """The policy of an application (``THROTTLE_*`` settings override it)."""
        defaults = cls()
        return cls(
            **{
                name: type(getattr(defaults, name))(
                    config.get(f"THROTTLE_{name.upper()}", getattr(defaults, name))
                )
                for name in cls.__dataclass_fields__
            }
        )


def _keys(action: str, subject_key: str, ip: str | None) -> Keys:
    address = keyed_hash(f"ip:{ip or '-'}")[:32]
    return Keys(
        pair=f"{action}|pair|{subject_key}|{address}",
        account=f"{action}|account|{subject_key}",
        address=f"{action}|address|{address}",
    )


@dataclass(frozen=True)
class Feedback:
    """What the person is told after a failure."""

    tries_left: int
    retry_after: int | None


class Attempt:
    """One claimed guess; tell it how the check went."""

    def __init__(
        self, store: Store, keys: Keys, policy: Policy, claim: Claim, at: float
    ) -> None:
        self._store, self._keys, self._policy = store, keys, policy
        self._claim, self._at = claim, at
        self._settled = False

    @property
    def retry_after(self) -> int | None:
        """Whole seconds to wait when the attempt was refused unchecked, else ``None``."""
        if self._claim.allowed:
            return None
        return max(1, math.ceil(self._claim.wait))

    def failed(self) -> Feedback:
        """The guess was wrong (it is already counted): how many tries, or how long."""
        self._settled = True
        c, p = self._claim, self._policy
        wait = max(
            backoff(c.pair_failures, p.free_failures, p.max_delay),
            backoff(c.account_failures, p.account_free_failures, p.account_max_delay),
        )
        if c.address_failures >= p.address_limit:
            wait = max(wait, c.address_window_end - self._at)
        if wait > 0:
            return Feedback(tries_left=0, retry_after=max(1, math.ceil(wait)))
        return Feedback(tries_left=p.free_failures - c.pair_failures, retry_after=None)

    def passed(self) -> None:
        """A first factor was right: take the attempt back, keep the pair's history."""
        self._settle(reset_pair=False)

    def succeeded(self) -> None:
        """The person is in: take the attempt back and forget the pair's failures."""
        self._settle(reset_pair=True)

    def _settle(self, *, reset_pair: bool) -> None:
        if self._settled or not self._claim.allowed:
            return
        self._settled = True
        try:
            self._store.release(self._keys, self._claim, reset_pair=reset_pair)
        except redis.RedisError as error:  # the guess stays counted: harmless
            log.warning(
                "throttle release failed", extra={"error": type(error).__name__}
            )


def attempt(action: str, subject_key: str, ip: str | None) -> Attempt:
    """Claim one guess at ``action`` for ``subject_key`` from ``ip``.

    Check ``retry_after`` first: when it is set the guess was not counted and must
    not be checked.

    :raise ThrottleUnavailable: the counters' store (Redis) does not answer: no
        guess is checked uncounted, so the defence fails closed (503).
    """
    store = _store(current_app)
    policy = Policy.from_config(current_app.config)
    keys = _keys(action, subject_key, ip)
    at = now()
    try:
        claim = store.claim(keys, policy, at)
    except redis.RedisError as error:
        log.error("throttle store unavailable", extra={"error": type(error).__name__})
        raise ThrottleUnavailable(headers={"Retry-After": "5"}) from error
    return Attempt(store, keys, policy, claim, at)


class ThrottleUnavailable(ServiceUnavailable):
    """The guessing defence's counters cannot be read: try again shortly."""


def unlock(action: str, *, subject_key: str | None, ip: str | None) -> int:
    """Forget the counters of an account (all its addresses) and/or of an address."""
    store = _store(current_app)
    cleared = 0
    if subject_key is not None:
        keys = _keys(action, subject_key, ip)
        cleared += store.clear(f"{action}|pair|{subject_key}|")
        cleared += store.clear(keys.account)
    if ip is not None:
        keys = _keys(action, "-", ip)
        address = keys.address.rsplit("|", 1)[1]
        cleared += store.clear(f"{action}|pair|", f"|{address}")
        cleared += store.clear(keys.address)
    return cleared


def _store(app: Flask) -> Store:
    store = app.extensions.get(_EXTENSION)
    if store is None:
        uri = str(app.config.get("THROTTLE_STORAGE_URI") or "database")
        if uri.startswith(("redis://", "rediss://", "unix://")):
            store = RedisStore(
                redis.Redis.from_url(uri),
                str(app.config.get("THROTTLE_KEY_PREFIX", "congdan:throttle:")),
            )
        else:
            store = DatabaseStore()
        app.extensions[_EXTENSION] = store
    return cast(Store, store)
