"""Load benchmark: gunicorn on a throwaway database, wrk against each endpoint.

Every figure is reported next to the framework floor measured in the same run
(``/livez``: a bare Flask view that touches nothing), because absolute numbers on a
shared 2-core machine mean little and ratios travel. Run with ``make bench``.

Environment: ``BENCH_DURATION`` seconds per endpoint (default 10),
``BENCH_CONNECTIONS`` (default 8), ``BENCH_DATABASE_URL`` (default: a fresh SQLite
file in a temporary directory), ``WORKERS`` (default 2).
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("WORKERS", "2"))
FLOOR = "floor (/livez)"


@dataclass(frozen=True)
class Endpoint:
    """One thing to load: a name for the table, a path, headers, and a JSON body to POST."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


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


def _flask(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout


_SETUP = """
import json
from datetime import date, timedelta

import sqlalchemy as sa
from flask_jwt_extended import create_access_token

from app import create_app
from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from consent import requests
from consent.vocabulary import AccessMode
from identity.login import tokens
from identity.models import Citizen, Organisation

app = create_app()
with app.app_context():
    def citizen(number):
        return db.session.scalar(sa.select(Citizen).where(Citizen.national_id == number))

    an, binh, cuc = citizen("074095000101"), citizen("074314000102"), citizen("074190000103")
    clinic = db.session.scalar(sa.select(Organisation).where(Organisation.code == "74012"))
    an_pair = tokens.start_session(an, acr="urn:vneid:loa:2", auth_time=utcnow())
    cuc_pair = tokens.start_session(cuc, acr="urn:vneid:loa:1", auth_time=utcnow())
    family = tokens.decode_token(cuc_pair["access_token"])["fam"]
    doctor = Actor(citizen_id=cuc.id, org_id=clinic.id, role="doctor")
    asked = requests.create_request(doctor, {
        "subject_id": binh.id, "purpose": "CAREMGT", "categories": ["immunizations"],
        "data_from": date(2000, 1, 1), "data_to": date(2030, 1, 1),
        "valid_until": utcnow() + timedelta(days=1), "access_mode": AccessMode.VIEW,
    })
    requests.approve(Actor(citizen_id=an.id, acr="urn:vneid:loa:2", auth_time=utcnow()), asked.id, {})
    clinic_token = create_access_token(
        identity=str(cuc.id), expires_delta=timedelta(hours=1),
        additional_claims={"fam": family, "acr": "urn:vneid:loa:1", "org": str(clinic.id), "role": "doctor"},
    )
    # The ward's officer also serves the police counter, whose queue the submissions fill.
    from identity import services as identity_services
    from identity.models import Role
    phuc = citizen("074092000106")
    police = db.session.scalar(sa.select(Organisation).where(Organisation.code == "000.25.37.H57.CA"))
    identity_services.add_membership(phuc, police, Role.OFFICER)
    phuc_pair = tokens.start_session(phuc, acr="urn:vneid:loa:2", auth_time=utcnow())
    officer_token = create_access_token(
        identity=str(phuc.id), expires_delta=timedelta(hours=1),
        additional_claims={
            "fam": tokens.decode_token(phuc_pair["access_token"])["fam"],
            "acr": "urn:vneid:loa:2", "org": str(police.id), "role": "officer",
        },
    )
    db.session.commit()
    from school_records.models import Transcript
    credential = db.session.scalar(sa.select(Transcript.credential).where(Transcript.pupil_id == binh.id))
    print(json.dumps({
        "an": an_pair["access_token"], "an_id": str(an.id), "clinic": clinic_token,
        "binh": str(binh.id), "credential": credential,
        "officer": officer_token, "police": str(police.id),
    }))
"""


def _setup(env: dict[str, str]) -> dict[str, str]:
    """Tokens of a real login for An and the clinic, and a consent for Bình's book."""
    completed = subprocess.run(
        [sys.executable, "-c", _SETUP],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark setup failed:\n{completed.stderr}")
    parsed: dict[str, str] = json.loads(completed.stdout.strip().splitlines()[-1])
    return parsed


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


def _load(base: str, endpoint: Endpoint, seconds: int, workdir: Path) -> Result:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for name, value in endpoint.headers.items():
        command += ["-H", f"{name}: {value}"]
    if endpoint.body is not None:
        script = workdir / f"{abs(hash(endpoint.name))}.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(json.dumps(endpoint.body))}\n"
        )
        command += ["-s", str(script)]
    command.append(base + endpoint.path)
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    return parse_wrk(completed.stdout)


def _print_table(results: dict[str, Result]) -> None:
    floor = results[FLOOR]
    header = (
        f"{'endpoint':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'rps/floor':>9} {'p99/floor':>9} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, result in results.items():
        print(
            f"{name:<28} {result.requests_per_second:>9.0f} {result.p50_ms:>8.2f} "
            f"{result.p99_ms:>8.2f} "
            f"{result.requests_per_second / floor.requests_per_second:>9.2f} "
            f"{result.p99_ms / floor.p99_ms:>9.2f} {result.errors:>6}"
        )


def main() -> int:
    """Start the server, load every endpoint, print the table."""
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="congdan-bench-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}"
        ),
        SECRET_KEY=secrets.token_urlsafe(48),
        BASE_URL=base,
        PORT=str(port),
        CONGDAN_VERIFY_RATE_LIMIT="1000000/minute",
    )
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo")
    fixtures = _setup(env)
    citizen = {"Authorization": f"Bearer {fixtures['an']}"}
    clinic = {"Authorization": f"Bearer {fixtures['clinic']}"}
    endpoints = [
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
    ]
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_until_up(base, server)
        results: dict[str, Result] = {}
        for endpoint in endpoints:
            _load(base, endpoint, 2, workdir)  # warm-up: imports, pools, caches
            results[endpoint.name] = _load(base, endpoint, DURATION, workdir)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"\nCongDan load benchmark: gunicorn {WORKERS} sync workers, wrk 1 thread, "
        f"{CONNECTIONS} connections, {DURATION}s per endpoint, "
        f"{os.cpu_count()} CPUs, database {env['DATABASE_URL'].split(':')[0]}\n"
    )
    _print_table(results)
    failed = sum(result.errors for result in results.values())
    if failed:
        print(f"\n{failed} requests failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
