"""Load benchmark: gunicorn on a throwaway database, wrk against every key endpoint.

Every figure is reported next to the framework floor measured in the same run
(``/livez``: a bare Flask view that touches nothing), because absolute numbers on a
shared 2-core machine mean little and ratios travel. Then a scale run on
PostgreSQL: the same reads against a database holding about 10 000 health records
and one holding about 1 000 000 (``flask seed-bulk``), and the ratio of their p50.
Run with ``make bench``.

Environment: ``BENCH_DURATION`` seconds per endpoint (default 10),
``BENCH_CONNECTIONS`` (default 8), ``BENCH_DATABASE_URL`` (default: a fresh SQLite
file), ``WORKERS`` (default 2), ``BENCH_PG_URL`` (default the local server's
``postgres`` database; the scale databases are created beside it),
``BENCH_SCALE=0`` to skip the scale run.
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
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("WORKERS", "2"))
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
FLOOR = "floor (/livez)"
#: The scale run: (label, citizens, records per citizen) -> about 10k and 1M records.
SCALES = (("10k", 1_000, 10), ("1M", 100_000, 10))
SCALED_READS = ("own register entry", "own health book", "clinic reads immunizations")


@dataclass(frozen=True)
class Endpoint:
    """One thing to load: a name for the table, a path, headers, and a JSON body to POST."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    #: A wrk Lua script instead of a fixed request, for the warm-up (0) and the run (1).
    lua: Callable[[int], str] | None = None


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


def _fixtures(env: dict[str, str]) -> dict[str, Any]:
    """Tokens and ids from ``bench/fixtures.py`` for the database in ``env``."""
    output = _run(env, sys.executable, "-m", "bench.fixtures")
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


def _endpoints(fixtures: dict[str, Any]) -> list[Endpoint]:
    citizen = {"Authorization": f"Bearer {fixtures['an']}"}
    clinic = {"Authorization": f"Bearer {fixtures['clinic']}"}
    return [
        Endpoint(FLOOR, "/livez"),
        Endpoint("healthz (SELECT 1)", "/healthz"),
        Endpoint("organisations list", "/api/v1/organisations"),
        Endpoint("own register entry", "/api/v1/citizens/me", citizen),
        Endpoint("own health book", "/api/v1/citizens/me/health-book", citizen),
        Endpoint(
            "clinic reads immunizations",
            f"/api/v1/citizens/{fixtures['binh']}/health-book/immunizations",
            clinic,
        ),
        Endpoint("FHIR export (own)", "/api/v1/citizens/me/health-book/fhir", citizen),
        Endpoint(
            "token refresh (POST)",
            "/api/v1/auth/refresh",
            # Fresh chains for each wrk run: a used token would revoke its family.
            lua=lambda run: _refresh_lua(fixtures["refresh"][run::2]),
        ),
        Endpoint(
            "transcript verify (POST)",
            "/api/v1/transcripts/verify",
            body={"credential": fixtures["credential"]},
        ),
        Endpoint(
            "dossier submission (POST)",
            "/api/v1/dossiers",
            citizen,
            body={
                "procedure_code": "1.004194",
                "form": {"content": ["permanent"], "purpose": "Bench"},
                "documents": [
                    {
                        "code": "applicant_identity",
                        "reference": {"kind": "identity", "id": fixtures["an_id"]},
                    }
                ],
            },
        ),
        Endpoint(
            "officer queue (filtered)",
            f"/api/v1/agencies/{fixtures['police']}/dossiers?status=1&limit=20",
            {"Authorization": f"Bearer {fixtures['officer']}"},
        ),
        Endpoint(
            "stats (analyst)",
            "/api/v1/stats",
            {"Authorization": f"Bearer {fixtures['analyst']}"},
        ),
    ]


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
    base: str, endpoint: Endpoint, seconds: int, workdir: Path, run: int = 1
) -> Result:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for name, value in endpoint.headers.items():
        command += ["-H", f"{name}: {value}"]
    script_text = endpoint.lua(run) if endpoint.lua else None
    if script_text is None and endpoint.body is not None:
        script_text = (
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(json.dumps(endpoint.body))}\n"
        )
    if script_text is not None:
        script = workdir / f"{abs(hash(endpoint.name))}.lua"
        script.write_text(script_text)
        command += ["-s", str(script)]
    command.append(base + endpoint.path)
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    return parse_wrk(completed.stdout)


@contextmanager
def _serving(env: dict[str, str], workers: int = WORKERS) -> Iterator[str]:
    """gunicorn on a free port with ``env``; yields its base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "BASE_URL": base, "PORT": str(port)}
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--workers",
         str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "wsgi:app"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        _wait_until_up(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _measure(
    env: dict[str, str], endpoints: list[Endpoint], workdir: Path
) -> dict[str, Result]:
    results: dict[str, Result] = {}
    with _serving(env) as base:
        for endpoint in endpoints:
            _load(base, endpoint, 2, workdir, run=0)  # warm-up: imports, pools, caches
            results[endpoint.name] = _load(base, endpoint, DURATION, workdir)
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


def _scale_database(
    label: str, citizens: int, per_citizen: int, env: dict[str, str]
) -> str:
    """A PostgreSQL database with the demo data plus a synthetic population (reused)."""
    import psycopg

    name = f"congdan_bench_{label.lower()}"
    admin_url = PG_URL.replace("+psycopg", "")
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    scoped = {**env, "DATABASE_URL": url}
    _flask(scoped, "db", "upgrade")
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
        with psycopg.connect(
            url.replace("+psycopg", ""), autocommit=True
        ) as connection:
            connection.execute("ANALYZE")
    return url


def _scale_run(env: dict[str, str], workdir: Path) -> dict[str, tuple[float, float]]:
    """p50 of the key reads at about 10k and 1M records: name -> (p50 10k, p50 1M)."""
    p50: dict[str, dict[str, float]] = {}
    for label, citizens, per_citizen in SCALES:
        url = _scale_database(label, citizens, per_citizen, env)
        scoped = {**env, "DATABASE_URL": url}
        endpoints = [e for e in _endpoints(_fixtures(scoped)) if e.name in SCALED_READS]
        for name, result in _measure(scoped, endpoints, workdir).items():
            p50.setdefault(name, {})[label] = result.p50_ms
    return {name: (by["10k"], by["1M"]) for name, by in p50.items()}


def _print_table(
    results: dict[str, Result], scale: dict[str, tuple[float, float]]
) -> None:
    floor = results[FLOOR]
    header = (
        f"{'endpoint':<28} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'rps/floor':>9} {'p99/floor':>9} {'errors':>6} {'p50@1M/@10k':>12}"
    )
    print(header)
    print("-" * len(header))
    for name, result in results.items():
        ratio = f"{scale[name][1] / scale[name][0]:.2f}" if name in scale else ""
        print(
            f"{name:<28} {result.requests_per_second:>8.0f} {result.p50_ms:>7.2f} "
            f"{result.p99_ms:>7.2f} "
            f"{result.requests_per_second / floor.requests_per_second:>9.2f} "
            f"{result.p99_ms / floor.p99_ms:>9.2f} {result.errors:>6} {ratio:>12}"
        )
    for name, (small, large) in scale.items():
        print(
            f"  scale: {name}: p50 {small:.2f} ms at ~10k records, {large:.2f} ms at ~1M"
        )


def main() -> int:
    """Load every endpoint, then the scale run; print the table."""
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="congdan-bench-"))
    env = dict(os.environ)
    env.update(
        DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}"
        ),
        SECRET_KEY=secrets.token_urlsafe(48),
        CONGDAN_VERIFY_RATE_LIMIT="1000000/minute",
    )
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "seed-demo")
        results = _measure(env, _endpoints(_fixtures(env)), workdir)
        scale: dict[str, tuple[float, float]] = {}
        if os.environ.get("BENCH_SCALE", "1") != "0":
            if _postgres_reachable():
                print("Scale run on PostgreSQL (databases are kept for the next run)")
                scale = _scale_run(env, workdir)
            else:
                print(f"!! scale run skipped: PostgreSQL unreachable at {PG_URL}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"\nCongDan load benchmark: gunicorn {WORKERS} workers × "
        f"{os.environ.get('THREADS', '4')} threads, wrk 1 thread, "
        f"{CONNECTIONS} connections, {DURATION}s per endpoint, "
        f"{os.cpu_count()} CPUs, database {env['DATABASE_URL'].split(':')[0]}\n"
    )
    _print_table(results, scale)
    failed = sum(result.errors for result in results.values())
    if failed:
        print(f"\n{failed} requests failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
