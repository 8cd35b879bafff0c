"""Load benchmark: gunicorn on a throwaway database, wrk against every key endpoint.

Every endpoint is measured against the floor of its class, measured in the same run
(``bench/floors.py``): the framework floor (``/livez``, touches nothing) for the
cacheable public reads, the read floor (one row by primary key) for reads, the
logged-read floor (that plus one committed insert) for reads under consent, the
write floor (one committed insert) for writes. Absolute numbers on a shared 2-core
machine mean little; ratios travel. Each endpoint is first asked once and its answer
checked (status and content), so the run can never measure an error; then loaded at
8 and at 32 connections. The run ends with one line per target: met or MISSED.
Then a scale run on PostgreSQL: the same reads, the officer queue and the statistics
against a database holding about 10 000 health records and 10 000 dossiers and one
holding about 1 000 000 of each (``flask seed-bulk``, ``flask seed-dossiers``), and the
ratio of their p50. Run with ``make bench``.

Environment: ``BENCH_DURATION`` seconds per endpoint (default 10),
``BENCH_CONNECTIONS`` (default ``8,32``), ``BENCH_DATABASES`` (default
``sqlite,postgresql``: both, one after the other; PostgreSQL on a fresh database
beside ``BENCH_PG_URL``), ``WORKERS`` (default 2), ``BENCH_PG_URL`` (default the
local server's ``postgres`` database), ``BENCH_SCALE=0`` to skip the scale run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = tuple(
    int(n) for n in os.environ.get("BENCH_CONNECTIONS", "8,32").split(",")
)
DATABASES = tuple(os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(","))
WORKERS = int(os.environ.get("WORKERS", "2"))
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
#: The scale run: (label, citizens, records per citizen, dossiers): about 10k and
#: 1M health records, and as many dossiers.
SCALES = (("10k", 1_000, 10, 10_000), ("1M", 100_000, 10, 1_000_000))
SCALED_READS = (
    "own register entry",
    "own health book",
    "clinic reads immunizations",
    "officer queue (filtered)",
    "stats (analyst)",
)
#: A key endpoint must serve at least this share of its floor's requests per second…
RPS_TARGET = 0.5
#: …with a p99 at most this multiple of its floor's.
P99_TARGET = 3.0
#: How many consent requests to prepare for each second of loading approvals.
APPROVALS_PER_SECOND = 600


class Floor(StrEnum):
    """What an endpoint is measured against (bench/floors.py)."""

    FRAMEWORK = "framework floor"
    READ = "read floor"
    LOGGED_READ = "logged-read floor"
    WRITE = "write floor"


@dataclass(frozen=True)
class Endpoint:
    """One thing to load: its name, path, class floor, and the answer it must give."""

    name: str
    path: str
    floor: Floor | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    method: str = "GET"
    #: The warm-up answer must have this status and contain this text.
    expect: tuple[int, str] = (200, "")
    #: A wrk Lua script instead of a fixed request, made afresh for each load.
    lua: Callable[[], str] | None = None

    @property
    def is_floor(self) -> bool:
        return self.floor is None


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        list(args), cwd=ROOT, env=env, check=False, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{completed.stderr}")
    return completed.stdout


def _flask(env: dict[str, str], *args: str) -> str:
    return _run(env, str(BIN / "flask"), "--app", "wsgi", *args)


def _fixtures(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Tokens and ids from ``bench/fixtures.py`` for the database in ``env``."""
    output = _run(env, sys.executable, "-m", "bench.fixtures", *args)
    parsed: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return parsed


def _refresh_lua(tokens: list[str]) -> str:
    """Rotate refresh tokens: each answer's new token goes back into the pool.

    One chain per connection, so no token is ever presented twice (that would
    revoke its family, as designed).
    """
    pool = ", ".join(json.dumps(token) for token in tokens)
    return f"""
local pool = {{{pool}}}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local token = table.remove(pool) or "exhausted"
  return wrk.format(nil, nil, nil, '{{"refresh_token": "' .. token .. '"}}')
end
response = function(status, headers, body)
  local token = string.match(body, '"refresh_token":%s*"([^"]+)"')
  if token then table.insert(pool, token) end
end
"""


def _post_lua(body: dict[str, Any]) -> str:
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
    )


def _idempotent_lua(body: dict[str, Any]) -> str:
    """POST ``body`` with a new Idempotency-Key on every request."""
    return _post_lua(body) + (
        f'local prefix = "{secrets.token_hex(8)}"\n'
        "local counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        '  wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter\n'
        "  return wrk.format()\n"
        "end\n"
    )


def _approvals_lua(env: dict[str, str], count: int) -> str:
    """Approve ``count`` fresh pending requests, one each, with a fresh step-up login."""
    prepared = _fixtures(env, "approvals", str(count))
    pool = ", ".join(json.dumps(item) for item in prepared["pending"])
    return f"""
local pool = {{{pool}}}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {prepared["an"]}"
request = function()
  local id = table.remove(pool) or "00000000-0000-0000-0000-000000000000"
  return wrk.format(nil, "/api/v1/consent-requests/" .. id .. "/approve", nil, "{{}}")
end
"""


def _endpoints(fixtures: dict[str, Any], env: dict[str, str]) -> list[Endpoint]:
    an = fixtures["an_id"]
    citizen = {"Authorization": f"Bearer {fixtures['an']}"}
    clinic = {"Authorization": f"Bearer {fixtures['clinic']}"}
    officer = {"Authorization": f"Bearer {fixtures['officer']}"}
    submission = {
        "procedure_code": "1.004194",
        "form": {"content": ["permanent"], "purpose": "Bench"},
        "documents": [
            {"code": "applicant_identity", "reference": {"kind": "identity", "id": an}}
        ],
    }
    allergy = {
        "record_date": "2026-11-20", "substance": "Penicillin", "category": "medication",
        "criticality": "high", "reaction": "Phát ban",
    }  # fmt: skip
    book = f"/api/v1/citizens/{fixtures['binh']}/health-book"
    return [
        # The floors.
        Endpoint(Floor.FRAMEWORK.value, "/livez", expect=(200, "ok")),
        Endpoint(Floor.READ.value, f"/_bench/read/{an}", expect=(200, an)),
        Endpoint(
            Floor.LOGGED_READ.value, f"/_bench/logged-read/{an}", expect=(200, an)
        ),
        Endpoint(
            Floor.WRITE.value,
            f"/_bench/write/{an}",
            method="POST",
            expect=(201, "written"),
            lua=lambda: _post_lua({}),
        ),
        # Cacheable public reads.
        Endpoint(
            "organisations list",
            "/api/v1/organisations",
            Floor.FRAMEWORK,
            expect=(200, "74012"),
        ),
        Endpoint(
            "procedures list",
            "/api/v1/procedures",
            Floor.FRAMEWORK,
            expect=(200, "1.004194"),
        ),
        Endpoint(
            "status list",
            f"/api/v1/status-lists/{fixtures['status_list']}",
            Floor.FRAMEWORK,
            expect=(200, ""),
        ),
        Endpoint(
            "school JWKS",
            f"/api/v1/schools/{fixtures['school']}/jwks",
            Floor.FRAMEWORK,
            expect=(200, '"keys"'),
        ),
        Endpoint(
            "API JWKS",
            "/.well-known/jwks.json",
            Floor.FRAMEWORK,
            expect=(200, '"keys"'),
        ),
        Endpoint(
            "token status list",
            f"/api/v1/schools/{fixtures['school']}/token-status-list",
            Floor.FRAMEWORK,
            expect=(200, ""),
        ),
        Endpoint(
            "credential issuer metadata",
            "/.well-known/openid-credential-issuer",
            Floor.FRAMEWORK,
            expect=(200, "credential_issuer"),
        ),
        Endpoint(
            "VNeID discovery",
            "/vneid/.well-known/openid-configuration",
            Floor.FRAMEWORK,
            expect=(200, "issuer"),
        ),
        # Reads.
        Endpoint(
            "own register entry",
            "/api/v1/citizens/me",
            Floor.READ,
            citizen,
            expect=(200, an),
        ),
        Endpoint(
            "own health book",
            "/api/v1/citizens/me/health-book",
            Floor.READ,
            citizen,
            expect=(200, "allergies"),
        ),
        Endpoint(
            "FHIR export (own)",
            "/api/v1/citizens/me/health-book/fhir",
            Floor.READ,
            citizen,
            expect=(200, '"Bundle"'),
        ),
        Endpoint(
            "officer queue (filtered)",
            f"/api/v1/agencies/{fixtures['police']}/dossiers?status=1&limit=20",
            Floor.READ,
            officer,
            expect=(200, "items"),
        ),
        Endpoint(
            "transcript verify (POST)",
            "/api/v1/transcripts/verify",
            Floor.READ,
            method="POST",
            body={"credential": fixtures["credential"]},
            expect=(200, '"verified":true'),
            lua=lambda: _post_lua({"credential": fixtures["credential"]}),
        ),
        Endpoint(
            "stats (analyst)",
            "/api/v1/stats",
            Floor.READ,
            {"Authorization": f"Bearer {fixtures['analyst']}"},
            expect=(200, "dossiers"),
        ),
        # Reads under consent or break-glass: each logs an access event.
        Endpoint(
            "clinic reads immunizations",
            f"{book}/immunizations",
            Floor.LOGGED_READ,
            clinic,
            expect=(200, "items"),
        ),
        Endpoint(
            "emergency summary",
            f"/api/v1/citizens/{an}/health-book/emergency-summary",
            Floor.LOGGED_READ,
            clinic,
            expect=(200, "blood_group"),
        ),
        # Writes.
        Endpoint(
            "token refresh (POST)",
            "/api/v1/auth/refresh",
            Floor.WRITE,
            method="POST",
            body={"refresh_token": fixtures["refresh"].pop()},
            expect=(200, "refresh_token"),
            # Fresh chains for each wrk run: a used token would revoke its family.
            lua=lambda: _refresh_lua(
                [fixtures["refresh"].pop() for _ in range(max(CONNECTIONS) + 4)]
            ),
        ),
        Endpoint(
            "dossier submission (POST)",
            "/api/v1/dossiers",
            Floor.WRITE,
            citizen,
            method="POST",
            body=submission,
            expect=(201, "reference"),
            lua=lambda: _idempotent_lua(submission),
        ),
        Endpoint(
            "clinic writes a record (POST)",
            f"/api/v1/citizens/{fixtures['written']}/health-book/allergies",
            Floor.WRITE,
            clinic,
            method="POST",
            body=allergy,
            expect=(201, "Penicillin"),
            lua=lambda: _post_lua(allergy),
        ),
        Endpoint(
            "consent approval (POST)",
            "/api/v1/consent-requests",
            Floor.WRITE,
            method="POST",
            expect=(201, ""),
            lua=lambda: _approvals_lua(env, APPROVALS_PER_SECOND * DURATION),
        ),
    ]


def _check_answer(base: str, endpoint: Endpoint, env: dict[str, str]) -> None:
    """Ask once and refuse to measure anything but the expected success."""
    if endpoint.name == "consent approval (POST)":
        prepared = _fixtures(env, "approvals", "1")
        path = f"/api/v1/consent-requests/{prepared['pending'][0]}/approve"
        headers = {"Authorization": f"Bearer {prepared['an']}"}
        body: dict[str, Any] | None = {}
    else:
        path, headers, body = endpoint.path, dict(endpoint.headers), endpoint.body
        if endpoint.method == "POST" and body is None:
            body = {}
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    if "Idempotency-Key" not in headers and endpoint.name.startswith("dossier"):
        headers["Idempotency-Key"] = secrets.token_hex(8)
    ask = urllib.request.Request(  # noqa: S310 (our own http:// base)
        base + path, data=data, headers=headers, method=endpoint.method
    )
    try:
        # A first request may count every closed month of a million dossiers.
        with urllib.request.urlopen(ask, timeout=600) as answer:  # noqa: S310
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        status, text = refused.code, refused.read().decode()
    want_status, want_text = endpoint.expect
    if status != want_status or want_text not in text:
        raise SystemExit(
            f"{endpoint.name}: expected {want_status} containing {want_text!r}, "
            f"got {status}: {text[:400]}"
        )


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            with urllib.request.urlopen(f"{base}/livez", timeout=1):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /livez within 30 s")


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> Result:
    """Read requests/s, p50, p99 and error counts from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(rps, p50, p99, errors)


def _load(
    base: str, endpoint: Endpoint, seconds: int, connections: int, workdir: Path
) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in endpoint.headers.items():
        command += ["-H", f"{name}: {value}"]
    script_text = endpoint.lua() if endpoint.lua else None
    if script_text is None and endpoint.body is not None:
        script_text = _post_lua(endpoint.body)
    if script_text is not None:
        script = workdir / f"{secrets.token_hex(6)}.lua"
        script.write_text(script_text)
        command += ["-s", str(script)]
    command.append(base + endpoint.path)
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    return parse_wrk(completed.stdout)


@contextmanager
def _serving(env: dict[str, str], workers: int = WORKERS) -> Iterator[str]:
    """gunicorn (the product plus the floors) with ``env``; yields its base URL."""
    base = env["BASE_URL"]
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--workers",
         str(workers), "--bind", base.removeprefix("http://"), "--log-level",
         "warning", "bench.wsgi:app"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        _wait_until_up(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _served_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the port the server will listen on: the demo's credentials are
    issued for ``BASE_URL``, so seeding and serving must agree on it.

    wrk replays one set of headers, and a DPoP proof works once: the bench's
    tokens are bearer tokens, as older apps may have them
    (``API_BEARER_TOKENS_ALLOWED``); a phone's calls also cost a proof's check (an
    ES256 verification and one insert).
    """
    port = _free_port()
    return {
        **env,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        "API_BEARER_TOKENS_ALLOWED": "true",
    }


Measured = dict[int, dict[str, tuple[Endpoint, Result]]]


def _measure(env: dict[str, str], endpoints: list[Endpoint], workdir: Path) -> Measured:
    """Each endpoint checked, warmed up and loaded at every connection count."""
    results: Measured = {}
    with _serving(env) as base:
        for endpoint in endpoints:
            _check_answer(base, endpoint, env)
        for connections in CONNECTIONS:
            for endpoint in endpoints:
                _load(base, endpoint, 2, connections, workdir)  # warm-up
                result = _load(base, endpoint, DURATION, connections, workdir)
                results.setdefault(connections, {})[endpoint.name] = (endpoint, result)
                print(
                    f"  {connections:>2} conn  {endpoint.name:<32} "
                    f"{result.requests_per_second:>7.0f}/s p50 {result.p50_ms:6.2f} ms "
                    f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}",
                    flush=True,
                )
    return results


def _postgres_reachable() -> bool:
    probe = (
        "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, PG_URL.replace("+psycopg", "")],
        check=False,
        capture_output=True,
    )
    return completed.returncode == 0


def _pg_database(name: str, *, fresh: bool) -> str:
    """The URL of database ``name`` beside ``BENCH_PG_URL``, created (anew if fresh)."""
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def throwaway_database(
    workdir: Path, purpose: str, explicit_env: str
) -> tuple[str, str | None]:
    """A database for one run: ``explicit_env``'s URL if set, else a fresh
    PostgreSQL database on the local server if it answers, else a SQLite file in
    ``workdir``; and the name of the PostgreSQL database to drop afterwards."""
    explicit = os.environ.get(explicit_env)
    if explicit:
        return explicit, None
    if not _postgres_reachable():
        return f"sqlite:///{workdir / f'{purpose}.db'}", None
    name = f"congdan_{purpose}_{secrets.token_hex(4)}"
    return _pg_database(name, fresh=True), name


def drop_database(name: str) -> None:
    """Drop the PostgreSQL database ``name`` beside ``BENCH_PG_URL``."""
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prepared(env: dict[str, str]) -> dict[str, Any]:
    """Migrate, load the deployment, seed the demo; the bench's fixtures."""
    _flask(env, "db", "upgrade")
    _flask(env, "deployment", "load")
    _flask(env, "seed-demo")
    return _fixtures(env)


def _scale_database(
    label: str, citizens: int, per_citizen: int, dossiers: int, env: dict[str, str]
) -> str:
    """A PostgreSQL database with the demo data plus a synthetic population (reused)."""
    import psycopg

    url = _pg_database(f"congdan_bench_{label.lower()}", fresh=False)
    scoped = {**env, "DATABASE_URL": url}
    _flask(scoped, "db", "upgrade")
    _flask(scoped, "deployment", "load")
    _flask(scoped, "seed-demo")
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        seeded = connection.execute("SELECT count(*) FROM citizens").fetchone()
    if seeded is not None and seeded[0] < citizens:
        print(
            f"  seeding {label}: {citizens} citizens x {per_citizen} records",
            flush=True,
        )
        _flask(scoped, "seed-bulk", "--citizens", str(citizens),
               "--records-per-citizen", str(per_citizen), "--seed", "1")  # fmt: skip
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        filed = connection.execute("SELECT count(*) FROM dossiers").fetchone()
    if filed is not None and filed[0] < dossiers:
        print(f"  seeding {label}: {dossiers} dossiers", flush=True)
        _flask(scoped, "seed-dossiers", "--count", str(dossiers), "--seed", "1")
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("ANALYZE")
    return url


def _scale_run(env: dict[str, str], workdir: Path) -> dict[str, tuple[float, float]]:
    """p50 of the key reads at about 10k and 1M records: name -> (p50 10k, p50 1M)."""
    p50: dict[str, dict[str, float]] = {}
    for label, citizens, per_citizen, dossiers in SCALES:
        scoped = _served_env(env)
        scoped["DATABASE_URL"] = _scale_database(
            label, citizens, per_citizen, dossiers, scoped
        )
        endpoints = [
            e for e in _endpoints(_fixtures(scoped), scoped) if e.name in SCALED_READS
        ]
        with _serving(scoped) as base:
            for endpoint in endpoints:
                _check_answer(base, endpoint, scoped)
                _load(base, endpoint, 2, CONNECTIONS[0], workdir)
                result = _load(base, endpoint, DURATION, CONNECTIONS[0], workdir)
                p50.setdefault(endpoint.name, {})[label] = result.p50_ms
    return {name: (by["10k"], by["1M"]) for name, by in p50.items()}


def _print_table(database: str, measured: Measured) -> list[str]:
    """The table of one database's run; returns its target lines."""
    targets: list[str] = []
    for connections, results in measured.items():
        framework = results[Floor.FRAMEWORK.value][1]
        print(
            f"\n{database}, {connections} connections — ratios to the class floor "
            f"(and to the framework floor)"
        )
        header = (
            f"{'endpoint':<32} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>8} "
            f"{'class':>17} {'rps/class':>9} {'p99/class':>9} {'rps/fw':>6} {'errors':>6}"
        )
        print(header)
        print("-" * len(header))
        for name, (endpoint, result) in results.items():
            floor_name = (endpoint.floor or Floor.FRAMEWORK).value
            floor = results[floor_name][1] if not endpoint.is_floor else result
            rps_ratio = result.requests_per_second / floor.requests_per_second
            p99_ratio = result.p99_ms / floor.p99_ms
            print(
                f"{name:<32} {result.requests_per_second:>7.0f} {result.p50_ms:>7.2f} "
                f"{result.p99_ms:>8.2f} {floor_name if not endpoint.is_floor else '':>17} "
                f"{rps_ratio:>9.2f} {p99_ratio:>9.2f} "
                f"{result.requests_per_second / framework.requests_per_second:>6.2f} "
                f"{result.errors:>6}"
            )
            if endpoint.is_floor:
                continue
            rps_met = rps_ratio >= RPS_TARGET
            p99_met = p99_ratio <= P99_TARGET
            targets.append(
                f"{'met   ' if rps_met else 'MISSED'} {database:<10} {connections:>2} conn "
                f"{name}: {rps_ratio:.2f}x the {floor_name}'s req/s (target ≥ {RPS_TARGET})"
            )
            targets.append(
                f"{'met   ' if p99_met else 'MISSED'} {database:<10} {connections:>2} conn "
                f"{name}: p99 {p99_ratio:.2f}x the {floor_name}'s (target ≤ {P99_TARGET})"
            )
    return targets


def _run_database(database: str, workdir: Path) -> tuple[Measured, str]:
    env = _served_env(dict(os.environ))
    env.update(
        SECRET_KEY=secrets.token_urlsafe(48),
        CONGDAN_VERIFY_RATE_LIMIT="1000000/minute",
    )
    if database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
    else:
        env["DATABASE_URL"] = _pg_database("congdan_bench_run", fresh=True)
    print(f"== {database}: seeding, then loading", flush=True)
    fixtures = _prepared(env)
    return _measure(env, _endpoints(fixtures, env), workdir), env["DATABASE_URL"]


def main() -> int:
    """Load every endpoint on each database, then the scale run; print the tables."""
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="congdan-bench-"))
    measured: dict[str, Measured] = {}
    scale: dict[str, tuple[float, float]] = {}
    try:
        for database in DATABASES:
            if database == "postgresql" and not _postgres_reachable():
                print(f"!! {database} skipped: unreachable at {PG_URL}")
                continue
            measured[database], _ = _run_database(database, workdir)
        if os.environ.get("BENCH_SCALE", "1") != "0":
            if _postgres_reachable():
                print("Scale run on PostgreSQL (databases are kept for the next run)")
                scale = _scale_run(dict(os.environ), workdir)
            else:
                print(f"!! scale run skipped: PostgreSQL unreachable at {PG_URL}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"\nCongDan load benchmark: gunicorn {WORKERS} workers × "
        f"{os.environ.get('THREADS', '4')} threads, wrk 1 thread, connections "
        f"{', '.join(map(str, CONNECTIONS))}, {DURATION}s per endpoint after a 2 s "
        f"warm-up, {os.cpu_count()} CPUs"
    )
    targets: list[str] = []
    for database, results in measured.items():
        targets += _print_table(database, results)
    for name, (small, large) in scale.items():
        ratio = large / small
        targets.append(
            f"{'met   ' if ratio <= 1.3 else 'MISSED'} scale: {name}: p50 {small:.2f} ms "
            f"at ~10k records and dossiers, {large:.2f} ms at ~1M ({ratio:.2f}x, target ≤ 1.3)"
        )
    print("\nTargets")
    print("\n".join(targets))
    failed = sum(
        result.errors
        for results in measured.values()
        for by_name in results.values()
        for _, result in by_name.values()
    )
    if failed:
        print(f"\n{failed} requests failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
