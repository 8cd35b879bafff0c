"""Values accepted once (``app.single_use``): the replay cache of assertions and proofs."""

from __future__ import annotations

from datetime import timedelta

from app import single_use
from app.db import utcnow


def test_a_value_is_accepted_once_per_purpose(app):
    until = utcnow() + timedelta(minutes=1)
    assert single_use.claim_once("dpop-proof", "jti-1", until)
    assert not single_use.claim_once("dpop-proof", "jti-1", until)
    # The same value under another purpose is another thing.
    assert single_use.claim_once("client-assertion", "jti-1", until)


def test_a_mark_whose_time_passed_is_taken_over_and_purged(app):
    assert single_use.claim_once("dpop-proof", "old", utcnow() - timedelta(seconds=1))
    assert single_use.claim_once("dpop-proof", "gone", utcnow() - timedelta(seconds=1))
    assert single_use.claim_once("dpop-proof", "old", utcnow() + timedelta(minutes=1))
    assert single_use.purge() == 1  # "gone"; "old" is live again
    assert not single_use.claim_once("dpop-proof", "old", utcnow())


def test_purge_expired_deletes_the_stale_marks(app):
    single_use.claim_once("dpop-proof", "stale", utcnow() - timedelta(seconds=1))
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "1 expired replay marks" in result.output


def test_a_claim_now_and_then_sweeps_the_stale_marks(app, monkeypatch):
    single_use.claim_once("dpop-proof", "stale", utcnow() - timedelta(seconds=1))
    monkeypatch.setattr(single_use.random, "random", lambda: 0.0)
    assert single_use.claim_once("dpop-proof", "fresh", utcnow() + timedelta(minutes=1))
    # Swept: no stale mark left for purge-expired to find.
    assert single_use.purge() == 0
