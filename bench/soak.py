"""Soak: 50 clients for 2 minutes on a mixed workload against the cluster (two
instances behind nginx, one Redis, one worker: bench/cluster.py), then an audit.

Clients read health books (their own, and a clinic's under consent), file
dossiers, write observations and ask for consents. Every write the API
acknowledged (201 with an id) must then be in the database, no request may have
failed, and every notification those writes caused must have reached the SMS
gateway (a local fake) exactly once. Run with ``make soak``.

Environment: ``SOAK_CLIENTS`` (50), ``SOAK_SECONDS`` (120), ``WORKERS`` per
instance (2), ``SOAK_DATABASE_URL`` (default: a fresh PostgreSQL database on the
local server if it answers, else a SQLite file).
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

from bench.cluster import cluster
from bench.fake_providers import SMS_KEYS, FakeProviders, Providers
from bench.run import _fixtures, drop_database, throwaway_database

CLIENTS = int(os.environ.get("SOAK_CLIENTS", "50"))
SECONDS = int(os.environ.get("SOAK_SECONDS", "120"))
WORKERS = os.environ.get("WORKERS", "2")


class Tally:
    """What the clients saw: latencies by kind, failures, acknowledged writes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.dossiers: list[str] = []
        self.observations: list[str] = []
        self.consent_requests: list[str] = []

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
                ["own book", "clinic read", "dossier", "observation", "consent", "me"],
                [30, 25, 15, 15, 5, 10],
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
                elif kind == "consent":
                    response = api.post(
                        "/api/v1/consent-requests",
                        json={
                            "subject_id": fixtures["an_id"], "purpose": "CAREMGT",
                            "categories": ["immunizations"], "data_from": "2020-01-01",
                            "data_to": "2026-01-01", "access_mode": "view",
                            "valid_until": "2027-06-01T00:00:00Z",
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
            if kind in ("dossier", "observation", "consent"):
                with tally.lock:
                    target = {
                        "dossier": tally.dossiers,
                        "observation": tally.observations,
                        "consent": tally.consent_requests,
                    }[kind]
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
            ("consent_requests", tally.consent_requests),
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


def _texts(database_url: str, since: Any, providers: Providers) -> tuple[int, int, int]:
    """(notifications to people with a phone since ``since``, those the gateway
    took exactly once, SMS requests that arrived more than once)."""
    import hashlib

    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        ids = (
            connection.execute(
                sa.text(
                    "SELECT n.id FROM notifications n JOIN citizens c ON c.id = n.citizen_id "
                    "WHERE n.created_at >= :since AND c.phone IS NOT NULL"
                ),
                {"since": since},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    references = [
        hashlib.sha256(f"{uuid.UUID(str(i))}:sms".encode()).hexdigest()[:32]
        for i in ids
    ]
    with providers.lock:
        taken = {text["RequestId"] for text in providers.texts}
        once = sum(1 for ref in references if ref in taken)
        repeated = sum(1 for n in providers.sms_arrivals.values() if n > 1)
    return len(references), once, repeated


def main() -> int:
    """Soak the cluster; 0 when nothing failed, every acknowledged write is kept
    and every notification was texted exactly once."""
    workdir = Path(tempfile.mkdtemp(prefix="congdan-soak-"))
    database_url, made = throwaway_database(workdir, "soak", "SOAK_DATABASE_URL")
    fakes = FakeProviders()
    try:
        return _soak(database_url, workdir, fakes.state)
    finally:
        fakes.close()
        if made:
            drop_database(made)
        shutil.rmtree(workdir, ignore_errors=True)


def _soak(database_url: str, workdir: Path, providers: Providers) -> int:
    """Start the cluster, run the clients, audit writes and texts, print the report."""
    from datetime import UTC, datetime

    secret = secrets.token_urlsafe(48)
    settings = {
        # wrk-style clients replay bearer tokens (bench/run.py says why).
        "API_BEARER_TOKENS_ALLOWED": True,
        "CONSENT_REQUESTS_PER_ORG_HOUR": 1_000_000,
        # Every notification must be texted exactly once: no allowance in the way.
        "SMS_PER_CITIZEN_PER_DAY": 1_000_000,
        "SMS_SPACING_SECONDS": 0,
        "SMS_GATEWAY_URL": f"{providers.url}/sms",
        "SMS_GATEWAY_API_KEY": SMS_KEYS[0],
        "SMS_GATEWAY_SECRET_KEY": SMS_KEYS[1],
    }
    tally = Tally()
    with cluster(
        database_url,
        workdir,
        settings=settings,
        workers=int(WORKERS),
        secret_key=secret,
    ) as running:
        fixtures = _fixtures(running.env)
        since = datetime.now(UTC)
        until = time.monotonic() + SECONDS
        threads = [
            threading.Thread(
                target=_client, args=(n, running.url, fixtures, tally, until)
            )
            for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            expected, once, _ = _texts(database_url, since, providers)
            if once == expected:
                break
            time.sleep(1)
        expected, once, repeated = _texts(database_url, since, providers)
    missing = _missing(database_url, tally)
    total = sum(len(v) for v in tally.latency.values())
    print(
        f"\nSoak: {CLIENTS} clients, {SECONDS} s, 2 instances x {WORKERS} workers behind "
        f"nginx, {database_url.split(':')[0]}: {total} requests ({total / SECONDS:.0f}/s)\n"
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
        f"{len(tally.observations)} observations, {len(tally.consent_requests)} "
        f"consent requests; missing: {missing}"
    )
    print(
        f"notifications to people with a phone: {expected}; texted exactly once: "
        f"{once}; requests the gateway saw twice: {repeated}"
    )
    print(f"failed requests: {len(tally.failures)}")
    for failure in tally.failures[:10]:
        print(f"  {failure}")
    failed = tally.failures or any(missing.values()) or once != expected
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
