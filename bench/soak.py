"""Soak: 50 clients for 2 minutes on a mixed workload, then an audit of what was kept.

Clients read health books (their own, and a clinic's under consent), file
dossiers and write observations. Every write the API acknowledged (201 with an id)
must then be in the database, and no request may have failed. Run with
``make soak``.

Environment: ``SOAK_CLIENTS`` (50), ``SOAK_SECONDS`` (120), ``WORKERS`` (4),
``SOAK_DATABASE_URL`` (default: a fresh PostgreSQL database on the local server if
it answers, else a SQLite file).
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx2 as httpx

from bench.run import PG_URL, _fixtures, _flask, _postgres_reachable, _serving

CLIENTS = int(os.environ.get("SOAK_CLIENTS", "50"))
SECONDS = int(os.environ.get("SOAK_SECONDS", "120"))
WORKERS = os.environ.get("WORKERS", "4")


def _database(workdir: Path) -> tuple[str, str | None]:
    """The URL to soak, and the PostgreSQL database to drop afterwards (if made here)."""
    explicit = os.environ.get("SOAK_DATABASE_URL")
    if explicit:
        return explicit, None
    if not _postgres_reachable():
        return f"sqlite:///{workdir / 'soak.db'}", None
    import psycopg

    name = f"congdan_soak_{secrets.token_hex(4)}"
    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.rsplit("/", 1)[0] + f"/{name}", name


def _drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Tally:
    """What the clients saw: latencies by kind, failures, acknowledged writes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.dossiers: list[str] = []
        self.observations: list[str] = []

    def record(self, kind: str, seconds: float, failure: str | None = None) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if failure:
                self.failures.append(f"{kind}: {failure}")


def _client(
    number: int, base: str, fixtures: dict[str, Any], tally: Tally, until: float
) -> None:
    rng = random.Random(number)  # noqa: S311 - a workload, not a secret
    citizen = {"Authorization": f"Bearer {fixtures['an']}"}
    clinic = {"Authorization": f"Bearer {fixtures['clinic']}"}
    dossier = {
        "procedure_code": "1.004194",
        "form": {"content": ["permanent"], "purpose": f"Soak {number}"},
        "documents": [
            {"code": "applicant_identity",
             "reference": {"kind": "identity", "id": fixtures["an_id"]}}
        ],
    }  # fmt: skip
    with httpx.Client(base_url=base, timeout=60) as api:
        while time.monotonic() < until:
            kind = rng.choices(
                ["own book", "clinic read", "dossier", "observation", "me"],
                [35, 25, 15, 15, 10],
            )[0]
            started = time.monotonic()
            try:
                if kind == "own book":
                    response = api.get(
                        "/api/v1/citizens/me/health-book", headers=citizen
                    )
                elif kind == "clinic read":
                    response = api.get(
                        f"/api/v1/citizens/{fixtures['binh']}/health-book/immunizations",
                        headers=clinic,
                    )
                elif kind == "dossier":
                    response = api.post(
                        "/api/v1/dossiers",
                        json=dossier,
                        headers={**citizen, "Idempotency-Key": str(uuid.uuid4())},
                    )
                elif kind == "observation":
                    response = api.post(
                        f"/api/v1/citizens/{fixtures['an_id']}/health-book/observations",
                        json={
                            "record_date": "2026-11-20", "category": "vital-signs",
                            "loinc_code": "8867-4", "name": "Nhịp tim",
                            "value": str(rng.randint(55, 110)), "unit": "/min",
                            "effective_at": "2026-11-20T02:00:00+00:00",
                        },
                        headers=clinic,
                    )  # fmt: skip
                else:
                    response = api.get("/api/v1/me", headers=citizen)
            except httpx.HTTPError as error:
                tally.record(kind, time.monotonic() - started, repr(error))
                continue
            elapsed = time.monotonic() - started
            if response.status_code >= 300:
                tally.record(
                    kind, elapsed, f"{response.status_code} {response.text[:120]}"
                )
                continue
            tally.record(kind, elapsed)
            if kind in ("dossier", "observation"):
                with tally.lock:
                    target = tally.dossiers if kind == "dossier" else tally.observations
                    target.append(response.json()["id"])


def _missing(database_url: str, tally: Tally) -> dict[str, int]:
    """How many acknowledged writes the database does not hold."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    missing = {}
    with engine.connect() as connection:
        for table, ids in (
            ("dossiers", tally.dossiers),
            ("observations", tally.observations),
        ):
            found = 0
            for start in range(0, len(ids), 500):
                chunk = [uuid.UUID(i) for i in ids[start : start + 500]]
                column = sa.column("id", sa.Uuid())
                found += connection.execute(
                    sa.select(sa.func.count()).select_from(sa.table(table, column))
                    .where(column.in_(chunk))
                ).scalar_one()  # fmt: skip
            missing[table] = len(ids) - found
    engine.dispose()
    return missing


def main() -> int:
    """Soak the service; 0 when nothing failed and every acknowledged write is kept."""
    workdir = Path(tempfile.mkdtemp(prefix="congdan-soak-"))
    database_url, made = _database(workdir)
    try:
        return _soak(database_url)
    finally:
        if made:
            _drop(made)
        shutil.rmtree(workdir, ignore_errors=True)


def _soak(database_url: str) -> int:
    """Seed, serve, run the clients, audit the writes, print the report."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "WORKERS": WORKERS,
    }
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo")
    fixtures = _fixtures(env)
    tally = Tally()
    with _serving(env, workers=int(WORKERS)) as base:
        until = time.monotonic() + SECONDS
        threads = [
            threading.Thread(target=_client, args=(n, base, fixtures, tally, until))
            for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    missing = _missing(database_url, tally)
    total = sum(len(v) for v in tally.latency.values())
    print(
        f"\nSoak: {CLIENTS} clients, {SECONDS} s, gunicorn {WORKERS} workers, "
        f"{database_url.split(':')[0]}: {total} requests ({total / SECONDS:.0f}/s)\n"
    )
    print(f"{'request':<14} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, values in sorted(tally.latency.items()):
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(
            f"{kind:<14} {len(values):>7} {statistics.median(values) * 1000:>8.1f} "
            f"{p99 * 1000:>8.1f}"
        )
    print(
        f"\nacknowledged writes: {len(tally.dossiers)} dossiers, "
        f"{len(tally.observations)} observations; missing: {missing}"
    )
    print(f"failed requests: {len(tally.failures)}")
    for failure in tally.failures[:10]:
        print(f"  {failure}")
    return 1 if tally.failures or any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
