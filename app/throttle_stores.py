"""Where the guessing defence's failure counters live (:mod:`app.throttle` decides
what they mean): rows of the database, locked in key order, or Redis hashes changed
by Lua scripts. Either way each claim is atomic, so every gunicorn worker and host
sees the same counters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import redis
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.extensions import db

if TYPE_CHECKING:  # the policy module uses the stores
    from app.throttle import Policy


def backoff(failures: int, free: int, cap: float) -> float:
    """Seconds to wait after ``failures``: none while free, then 1, 2, 4 … up to ``cap``."""
    if failures < free:
        return 0.0
    return float(min(2.0 ** (failures - free), cap))


@dataclass(frozen=True)
class Keys:
    """The three counters one attempt is claimed against."""

    pair: str
    account: str
    address: str


@dataclass(frozen=True)
class Claim:
    """What a store answered: allowed (and counted) or how long to wait."""

    allowed: bool
    wait: float
    pair_failures: int
    account_failures: int
    address_failures: int
    address_window_end: float
    previous_last: float


class Store(Protocol):
    """Where counters live: atomically claims, releases and clears them."""

    def claim(self, keys: Keys, policy: Policy, at: float) -> Claim:
        """Count an attempt unless one of the counters says wait."""

    def release(self, keys: Keys, claim: Claim, *, reset_pair: bool) -> None:
        """Take back a claimed attempt that turned out not to be a failure."""

    def clear(self, prefix: str, suffix: str = "") -> int:
        """Forget every counter whose key starts with ``prefix`` and ends with ``suffix``."""


# --- the database (default) ---------------------------------------------------


class ThrottleCounter(Base):
    """One failure counter: a pair, an account or an address of one action."""

    __tablename__ = "throttle_counters"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    #: Epoch seconds of the last counted failure (pairs) or the window's end (addresses).
    last_failure: Mapped[float] = mapped_column(sa.Float, default=0.0)
    #: Epoch seconds after which the counter counts as zero.
    expires: Mapped[float] = mapped_column(sa.Float, index=True)


class DatabaseStore:
    """Counters as rows, locked in key order for the rest of the transaction.

    A refusal raised after a claim commits it (``Problem.commits_work``), so a
    counted guess stays counted.
    """

    #: Share of claims that also delete long-expired rows.
    PURGE_CHANCE = 0.01

    def _insert(self) -> Any:
        dialect = db.session.get_bind().dialect.name
        return (postgresql if dialect == "postgresql" else sqlite).insert(
            ThrottleCounter
        )

    def _locked(self, keys: Keys, at: float) -> list[ThrottleCounter]:
        """The pair, account and address rows (created if missing), locked in key
        order so two claims never deadlock; an expired counter reads as zero."""
        names = sorted({keys.pair, keys.account, keys.address})
        db.session.execute(
            self._insert()
            .values([{"key": k, "failures": 0, "expires": 0.0} for k in names])
            .on_conflict_do_nothing(index_elements=["key"])
        )
        rows = {
            row.key: row
            for row in db.session.scalars(
                sa.select(ThrottleCounter)
                .where(ThrottleCounter.key.in_(names))
                .order_by(ThrottleCounter.key)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        }
        locked = [rows[keys.pair], rows[keys.account], rows[keys.address]]
        for row in locked:
            if row.expires <= at:
                row.failures, row.last_failure = 0, 0.0
        return locked

    def claim(self, keys: Keys, policy: Policy, at: float) -> Claim:
        """Lock the three rows (created if missing), decide, count."""
        pair, account, address = self._locked(keys, at)
        wait = 0.0
        if pair.failures:
            wait = (
                pair.last_failure
                + max(
                    backoff(pair.failures, policy.free_failures, policy.max_delay),
                    backoff(
                        account.failures,
                        policy.account_free_failures,
                        policy.account_max_delay,
                    ),
                )
                - at
            )
        if address.failures >= policy.address_limit:
            wait = max(wait, address.last_failure - at)
        previous_last = pair.last_failure
        allowed = wait <= 0
        if allowed:
            pair.failures += 1
            pair.last_failure, pair.expires = at, at + policy.memory
            account.failures += 1
            account.expires = at + policy.memory
            if address.failures == 0:
                address.last_failure = address.expires = at + policy.address_window
            address.failures += 1
        db.session.flush()
        if random.random() < self.PURGE_CHANCE:  # noqa: S311 - not a secret
            db.session.execute(
                sa.delete(ThrottleCounter).where(ThrottleCounter.expires < at - 60)
            )
        return Claim(
            allowed=allowed,
            wait=max(wait, 0.0),
            pair_failures=pair.failures,
            account_failures=account.failures,
            address_failures=address.failures,
            address_window_end=address.last_failure,
            previous_last=previous_last,
        )

    def release(self, keys: Keys, claim: Claim, *, reset_pair: bool) -> None:
        """Undo the claim's counts (the rows are still locked by this transaction)."""
        if reset_pair:
            db.session.execute(
                sa.delete(ThrottleCounter).where(ThrottleCounter.key == keys.pair)
            )
        else:
            db.session.execute(
                sa.update(ThrottleCounter)
                .where(ThrottleCounter.key == keys.pair, ThrottleCounter.failures > 0)
                .values(
                    failures=ThrottleCounter.failures - 1,
                    last_failure=claim.previous_last,
                )
            )
        db.session.execute(
            sa.update(ThrottleCounter)
            .where(
                ThrottleCounter.key.in_([keys.account, keys.address]),
                ThrottleCounter.failures > 0,
            )
            .values(failures=ThrottleCounter.failures - 1)
        )

    def clear(self, prefix: str, suffix: str = "") -> int:
        """Delete the matching rows."""
        condition = ThrottleCounter.key.startswith(prefix, autoescape=True)
        if suffix:
            condition = condition & ThrottleCounter.key.endswith(
                suffix, autoescape=True
            )
        elif not prefix.endswith("|"):
            condition = ThrottleCounter.key == prefix
        result = db.session.execute(sa.delete(ThrottleCounter).where(condition))
        return int(result.rowcount)  # type: ignore[attr-defined]


# --- Redis ------------------------------------------------------------------------

_CLAIM = """
local at = tonumber(ARGV[1])
local free, cap = tonumber(ARGV[2]), tonumber(ARGV[3])
local afree, acap = tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, window, memory = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local function delay(n, f, c)
  if n < f then return 0 end
  return math.min(2 ^ (n - f), c)
end
local function read(key)
  local v = redis.call('HMGET', key, 'n', 'l', 'x')
  local x = tonumber(v[3] or '0')
  if x <= at then return 0, 0 end
  return tonumber(v[1] or '0'), tonumber(v[2] or '0')
end
local pn, pl = read(KEYS[1])
local an = read(KEYS[2])
local xn, xe = read(KEYS[3])
local wait = 0
if pn > 0 then wait = pl + math.max(delay(pn, free, cap), delay(an, afree, acap)) - at end
if xn >= limit then wait = math.max(wait, xe - at) end
if wait > 0 then
  return {0, tostring(wait), pn, an, xn, tostring(xe), tostring(pl)}
end
local keep = math.ceil(memory) + 60
redis.call('HSET', KEYS[1], 'n', pn + 1, 'l', tostring(at), 'x', tostring(at + memory))
redis.call('EXPIRE', KEYS[1], keep)
redis.call('HSET', KEYS[2], 'n', an + 1, 'x', tostring(at + memory))
redis.call('EXPIRE', KEYS[2], keep)
if xn == 0 then
  xe = at + window
  redis.call('HSET', KEYS[3], 'l', tostring(xe), 'x', tostring(xe))
  redis.call('EXPIRE', KEYS[3], math.ceil(window) + 60)
end
redis.call('HSET', KEYS[3], 'n', xn + 1)
return {1, '0', pn + 1, an + 1, xn + 1, tostring(xe), tostring(pl)}
"""

_RELEASE = """
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
elseif tonumber(redis.call('HGET', KEYS[1], 'n') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'n', -1)
  redis.call('HSET', KEYS[1], 'l', ARGV[2])
end
for i = 2, 3 do
  if tonumber(redis.call('HGET', KEYS[i], 'n') or '0') > 0 then
    redis.call('HINCRBY', KEYS[i], 'n', -1)
  end
end
return 1
"""


class RedisStore:
    """Counters as Redis hashes, claimed and released by Lua scripts (atomic)."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client, self._prefix = client, prefix
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)

    def _names(self, keys: Keys) -> list[str]:
        return [self._prefix + k for k in (keys.pair, keys.account, keys.address)]

    def claim(self, keys: Keys, policy: Policy, at: float) -> Claim:
        """Run the claim script."""
        allowed, wait, pn, an, xn, window_end, previous = self._claim(
            keys=self._names(keys),
            args=[
                repr(at),
                policy.free_failures,
                policy.max_delay,
                policy.account_free_failures,
                policy.account_max_delay,
                policy.address_limit,
                policy.address_window,
                policy.memory,
            ],
        )
        return Claim(
            allowed=bool(allowed),
            wait=float(wait),
            pair_failures=int(pn),
            account_failures=int(an),
            address_failures=int(xn),
            address_window_end=float(window_end),
            previous_last=float(previous),
        )

    def release(self, keys: Keys, claim: Claim, *, reset_pair: bool) -> None:
        """Run the release script."""
        self._release(
            keys=self._names(keys),
            args=["1" if reset_pair else "0", repr(claim.previous_last)],
        )

    def clear(self, prefix: str, suffix: str = "") -> int:
        """Delete the matching keys (``SCAN``, so Redis is never blocked)."""
        if not suffix and not prefix.endswith("|"):
            return int(self._client.delete(self._prefix + prefix))
        pattern = _glob_escape(self._prefix + prefix) + "*" + _glob_escape(suffix)
        names = list(self._client.scan_iter(match=pattern, count=500))
        return int(self._client.delete(*names)) if names else 0


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
