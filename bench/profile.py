"""Where the time goes, in process: each key request's median and its SQL statements.

``python -m bench.profile`` on a fresh SQLite database (or ``BENCH_DATABASE_URL``):
seeds the demo, prepares the bench's fixtures, then calls each endpoint through the
WSGI test client (no network, no server) and prints its median milliseconds, the SQL
statements and the commits it made. A change that claims to make a request cheaper
shows it here first; ``make bench`` then says what it is worth under load.
"""

from __future__ import annotations

import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.run import BIN, ROOT, Endpoint, _endpoints, _fixtures

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


class _Counter:
    def __init__(self) -> None:
        self.statements = 0
        self.commits = 0

    def statement(self, *_: Any) -> None:
        self.statements += 1

    def commit(self, *_: Any) -> None:
        self.commits += 1


def _caller(client: Any, endpoint: Endpoint, env: dict[str, str]) -> Callable[[], int]:
    """One request of ``endpoint`` per call; the writes that use something up each
    time get a fresh one, as the bench's scripts give them."""
    if endpoint.name == "token refresh (POST)":
        chain = [str((endpoint.body or {})["refresh_token"])]

        def refresh() -> int:  # each answer's new token is the next request's
            answer = client.post(endpoint.path, json={"refresh_token": chain[-1]})
            chain.append(answer.get_json()["refresh_token"])
            return int(answer.status_code)

        return refresh
    if endpoint.name == "consent approval (POST)":
        prepared = _fixtures(env, "approvals", str(ROUNDS + 1))
        pending = list(prepared["pending"])
        headers = {"Authorization": f"Bearer {prepared['an']}"}

        def approve() -> int:
            path = f"/api/v1/consent-requests/{pending.pop()}/approve"
            return int(client.post(path, json={}, headers=headers).status_code)

        return approve
    return functools.partial(_call, client, endpoint)


def _call(client: Any, endpoint: Endpoint) -> int:
    kwargs: dict[str, Any] = {"headers": dict(endpoint.headers)}
    if endpoint.method == "POST":
        kwargs["json"] = endpoint.body or {}
        if endpoint.name.startswith("dossier"):
            kwargs["headers"]["Idempotency-Key"] = os.urandom(8).hex()
    answer = client.open(endpoint.path, method=endpoint.method, **kwargs)
    return int(answer.status_code)


def main() -> int:
    """Profile every key endpoint in process."""
    workdir = Path(tempfile.mkdtemp(prefix="congdan-profile-"))
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'p.db'}")
    env = {**os.environ, "DATABASE_URL": url, "BASE_URL": "http://127.0.0.1:5000"}
    env["CONGDAN_VERIFY_RATE_LIMIT"] = "1000000/minute"
    # The bench's tokens are bearer tokens (see bench.run._served_env).
    env["API_BEARER_TOKENS_ALLOWED"] = "true"
    for args in (["db", "upgrade"], ["deployment", "load"], ["seed-demo"]):
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                       env=env, check=True, capture_output=True)  # fmt: skip
    fixtures = _fixtures(env)
    os.environ.update(env)
    from bench.wsgi import app

    counter = _Counter()
    event.listen(Engine, "before_cursor_execute", counter.statement)
    event.listen(Engine, "commit", counter.commit)
    client = app.test_client()
    print(f"{'endpoint':<32} {'median ms':>9} {'SQL':>5} {'commits':>7} {'status':>6}")
    for endpoint in _endpoints(fixtures, env):
        call = _caller(client, endpoint, env)
        status = call()  # warm
        times = []
        counter.statements = counter.commits = 0
        for _ in range(ROUNDS):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"{endpoint.name:<32} {statistics.median(times):>9.2f} "
            f"{counter.statements / ROUNDS:>5.1f} {counter.commits / ROUNDS:>7.1f} "
            f"{status:>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
